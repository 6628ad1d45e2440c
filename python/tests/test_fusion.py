"""Fusion: the internal hook `_fuse_eval` gives MLX's compiled results and rmlx's unfused
ones; `compile`'s fused `Compiled…` nodes are named as MLX names them."""

import numpy as np
import pytest


def gelu(ns):
    return lambda x: 0.5 * x * (1.0 + ns.tanh(0.7978845608 * (x + 0.044715 * (x * x * x))))


def swish(ns):
    return lambda x, w, b: x * ns.sigmoid(x) * w + b


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_gelu_matches(mx, ref, dtype):
    x = np.random.default_rng(0).standard_normal((37, 129)).astype(np.float32)
    a = mx.array(x).astype(getattr(mx, dtype))
    fused = mx._fuse_eval(gelu(mx), a)
    plain = gelu(mx)(a)
    assert fused.dtype == plain.dtype and fused.shape == plain.shape
    if dtype == "float32":
        # The fused float32 kernel computes tanh with an FMA formulation (within 1 ulp;
        # the unfused kernel's is within 2 ulp), so the two may differ by a few ulp of
        # tanh, which `1 + tanh` near -1 turns into an absolute difference of ~1e-7.
        np.testing.assert_allclose(np.array(fused), np.array(plain), rtol=1e-6, atol=1e-6)
    else:
        assert mx.array_equal(fused, plain).item()
    if dtype != "float64":
        r = ref.compile(gelu(ref))(ref.array(x).astype(getattr(ref, dtype)))
        tol = 1e-5 if dtype == "float32" else 2e-2
        np.testing.assert_allclose(
            np.array(fused.astype(mx.float32)), np.array(r.astype(ref.float32)), rtol=tol, atol=tol
        )


def test_swish_transposed_and_multi_output(mx, ref):
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(64, 48), (64,), (64,)])
    xt = mx.array(x).T
    fused = mx._fuse_eval(swish(mx), xt, mx.array(w), mx.array(b))
    r = ref.compile(swish(ref))(ref.array(x).T, ref.array(w), ref.array(b))
    np.testing.assert_allclose(np.array(fused), np.array(r), rtol=1e-5, atol=1e-6)

    def two(x):
        a = mx.exp(x) + 1.0
        return a, mx.where(a > 2.0, a, -a)

    a, c = mx._fuse_eval(two, mx.array(x))
    a0, c0 = two(mx.array(x))
    assert mx.array_equal(a, a0).item() and mx.array_equal(c, c0).item()


# ---------------------------------------------------------------------------------------
# `Compiled…` names as MLX's: the same functions compiled by both, node names compared.
# ---------------------------------------------------------------------------------------

import io  # noqa: E402


def compiled_names(m, f, args, shapeless=False):
    """The names of the `Compiled` nodes of `f`'s compiled graph, and its outputs."""
    out = m.compile(f, shapeless=shapeless)(*args)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    buf = io.StringIO()
    m.export_to_dot(buf, *outs)
    labels = [l.split('"')[1] for l in buf.getvalue().splitlines() if "label" in l]
    return [l for l in labels if l.startswith("Compiled")], outs


def inputs(m, spec):
    rng = np.random.default_rng(3)
    shapes = {"x": (4, 3), "y": (4, 3), "w": (3,), "b": (3,), "col": (4, 1), "r1": (1, 3), "s0": ()}
    out = []
    for name in spec:
        if name == "xi":
            out.append(m.array(rng.integers(-3, 4, (4, 3)).astype(np.int32)))
        else:
            out.append(m.array(rng.standard_normal(shapes[name]).astype(np.float32)))
    return out


NAME_CASES = {
    # scalar operands (Python scalars on either side, a 0-d array)
    "x*2+1": (lambda m: lambda x: x * 2 + 1, "x"),
    "2*x+1": (lambda m: lambda x: 2 * x + 1, "x"),
    "x*s0+1": (lambda m: lambda x, s: x * s + 1, "x s0"),
    "x*2 alone": (lambda m: lambda x: x * 2, "x"),
    "x*2+2 one broadcast": (lambda m: lambda x: x * 2 + 2, "x"),
    "maximum": (lambda m: lambda x: m.maximum(x, 0) * 3, "x"),
    # row vectors, column vectors, both
    "x*w+b": (lambda m: lambda x, w, b: x * w + b, "x w b"),
    "x*r1": (lambda m: lambda x, r: m.exp(x * r), "x r1"),
    "x*col": (lambda m: lambda x, c: m.exp(x * c), "x col"),
    "col*w": (lambda m: lambda c, w: m.exp(c * w), "col w"),
    "col*w*x": (lambda m: lambda x, c, w: c * w * x, "x col w"),
    "x*w+w": (lambda m: lambda x, w: x * w + w, "x w"),
    "broadcast_to": (lambda m: lambda x, w: m.broadcast_to(w, (4, 3)) * x + w, "x w"),
    # smaller members computed at the group's shape; a shared broadcast split in two
    "exp(w)*x+1": (lambda m: lambda x, w: m.exp(w) * x + 1, "x w"),
    "exp(w)+exp(w)*x": (lambda m: lambda x, w: m.exp(w) + m.exp(w) * x, "x w"),
    # where
    "where(x>0,w,0.)": (lambda m: lambda x, w: m.where(x > 0, w, 0.0), "x w"),
    "where(x>0,x,-x)": (lambda m: lambda x: m.where(x > 0, x, -x), "x"),
    "where(x>1,w,b)": (lambda m: lambda x, w, b: m.where(x > 1, w, b), "x w b"),
    "where(w>0,x,1.)": (lambda m: lambda x, w: m.where(w > 0, x, 1.0), "x w"),
    # astype
    "astype": (lambda m: lambda x, w: (x * w).astype(m.float16) + 1, "x w"),
    "astype first": (lambda m: lambda x: m.exp(x.astype(m.float16)) * 2, "x"),
    "int+float": (lambda m: lambda xi, x: m.exp(xi + x), "xi x"),
    "int*2.5": (lambda m: lambda xi: m.exp(xi * 2.5), "xi"),
    # the benchmarks' chains
    "gelu": (lambda m: gelu(m), "x"),
    "swish": (lambda m: swish(m), "x w b"),
    # function outputs inside a group are extra outputs; values read outside are not
    "outputs": (lambda m: lambda x: (m.exp(x), m.exp(x) * 2 + 1), "x"),
    "outputs same op": (lambda m: lambda x, w: (x * w, x * w + 1), "x w"),
    "read outside": (lambda m: lambda x: ((m.exp(x) + 1) * 2, (m.exp(x) + 1).sum()), "x"),
    "two sinks": (lambda m: lambda x: (m.exp(x) + 1, m.exp(x) * 2), "x"),
    "broadcast output last": (lambda m: lambda x, w: (x * w, m.broadcast_to(w, (4, 3))), "x w"),
    "broadcast output first": (lambda m: lambda x, w: (m.broadcast_to(w, (4, 3)), x * w), "x w"),
    "lone op": (lambda m: lambda x, y: x + y, "x y"),
}


@pytest.mark.parametrize("case", list(NAME_CASES))
def test_compiled_names_match_mlx(mx, ref, case):
    make, spec = NAME_CASES[case]
    got, gout = compiled_names(mx, make(mx), inputs(mx, spec.split()))
    want, wout = compiled_names(ref, make(ref), inputs(ref, spec.split()))
    assert got == want
    for g, w in zip(gout, wout):
        assert g.dtype.__repr__().split(".")[-1] == w.dtype.__repr__().split(".")[-1]
        np.testing.assert_allclose(
            np.array(g.astype(mx.float32)), np.array(w.astype(ref.float32)), rtol=2e-3, atol=2e-3
        )


SHAPELESS_CASES = {
    "x*y+1": (lambda m: lambda x, y: x * y + 1, "x y"),
    "x*x+x": (lambda m: lambda x: x * x + x, "x"),
    "x*w+w": (lambda m: lambda x, w: x * w + w, "x w"),
    "col*w": (lambda m: lambda c, w: m.exp(c * w), "col w"),
    "where": (lambda m: lambda x, w: m.where(x > 0, w, 0.0), "x w"),
    "swish": (lambda m: swish(m), "x w b"),
    "astype": (lambda m: lambda x, w: (x * w).astype(m.float16) + 1, "x w"),
    "int+float": (lambda m: lambda xi, x: m.exp(xi + x), "xi x"),
}


@pytest.mark.parametrize("case", list(SHAPELESS_CASES))
def test_shapeless_compiled_names_match_mlx(mx, ref, case):
    """Shapeless traces: MLX's ops broadcast every operand, as the names show."""
    make, spec = SHAPELESS_CASES[case]
    got, _ = compiled_names(mx, make(mx), inputs(mx, spec.split()), shapeless=True)
    want, _ = compiled_names(ref, make(ref), inputs(ref, spec.split()), shapeless=True)
    assert got == want


def test_long_chains_stay_one_group(mx, ref):
    """A documented difference: MLX stops a group at depth 11 (a GPU kernel limit); the
    CPU interpreter has no such limit, so a 13-op chain is one node in rmlx."""

    def chain(m):
        def f(x):
            for op in [m.exp, m.cos, m.sin] * 4 + [m.exp]:
                x = op(x)
            return x

        return f

    got, gout = compiled_names(mx, chain(mx), inputs(mx, ["x"]))
    want, wout = compiled_names(ref, chain(ref), inputs(ref, ["x"]))
    assert len(got) == 1 and len(want) == 2
    assert got[0] == "Compiled" + "".join(w[len("Compiled"):] for w in want)
    np.testing.assert_allclose(np.array(gout[0]), np.array(wout[0]), rtol=1e-5, atol=1e-5)
