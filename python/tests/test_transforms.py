"""The Python face of the transforms: signatures, pytrees, argnums/argnames and errors, each
compared with the real MLX (values, structure, exception type and message)."""

import numpy as np
import pytest


def outcome(lib, fn):
    """The result as nested Python values, or the exception type and message."""
    try:
        return ("ok", to_host(fn(lib)))
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return ("raised", type(e).__name__, str(e))


def to_host(x):
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [to_host(v) for v in x]
    if isinstance(x, dict):
        return {k: to_host(v) for k, v in x.items()}
    if hasattr(x, "tolist") and hasattr(x, "dtype"):
        return str(x.dtype).split(".")[-1], np.round(np.array(x.tolist(), dtype=np.float64), 5).tolist()
    return x


def x_of(lib):
    return lib.array([1.0, 2.0, -0.5])


CALLS = {
    "grad default": lambda m: m.grad(lambda a: (a * a).sum())(x_of(m)),
    "grad argnums tuple": lambda m: m.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x_of(m), x_of(m) * 2),
    "grad argnums list": lambda m: m.grad(lambda a, b: (a * b).sum(), argnums=[1])(x_of(m), x_of(m) * 2),
    "grad argnums int 1": lambda m: m.grad(lambda a, b: (a * b).sum(), argnums=1)(x_of(m), x_of(m) * 2),
    "grad negative": lambda m: m.grad(lambda a, b: (a * b).sum(), argnums=-1)(x_of(m), x_of(m)),
    "grad out of range": lambda m: m.grad(lambda a: a.sum(), argnums=3)(x_of(m)),
    "grad duplicate": lambda m: m.grad(lambda a: a.sum(), argnums=(0, 0))(x_of(m)),
    "grad none": lambda m: m.grad(lambda a, b: a.sum(), argnums=())(x_of(m), x_of(m)),
    "grad dict arg": lambda m: m.grad(lambda d: (d["a"] * d["b"][0]).sum())({"a": x_of(m), "b": [x_of(m) + 1]}),
    "grad non-array leaf": lambda m: m.grad(lambda d: d["a"].sum())({"a": x_of(m), "b": 3}),
    "grad python float": lambda m: m.grad(lambda a: a * a)(2.0),
    "grad argnames": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=["b"])(x_of(m), b=x_of(m) * 3),
    "grad argnames str": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames="b")(x_of(m), b=x_of(m)),
    "grad argnums and argnames": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnums=0, argnames="b")(x_of(m), b=x_of(m) * 3),
    "grad missing argname": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=["c"])(x_of(m), b=x_of(m)),
    "grad non-scalar": lambda m: m.grad(lambda a: a * 2)(x_of(m)),
    "grad tuple output": lambda m: m.grad(lambda a: ((a * 2).sum(), a))(x_of(m)),
    "grad float output": lambda m: m.grad(lambda a: 3.0)(x_of(m)),
    "grad int input": lambda m: m.grad(lambda a: (a * a).sum())(m.array([1, 2])),
    "grad unused arg": lambda m: m.grad(lambda a, b: a.sum(), argnums=1)(x_of(m), x_of(m)),
    "grad of grad": lambda m: m.grad(lambda a: m.grad(lambda b: m.sin(b).sum())(a).sum())(x_of(m)),
    "grad float16": lambda m: m.grad(lambda a: (a * a).sum())(x_of(m).astype(m.float16)),
    "value_and_grad aux": lambda m: m.value_and_grad(lambda a: ((a * a).sum(), {"aux": a}))(x_of(m)),
    "value_and_grad list out": lambda m: m.value_and_grad(lambda a: [(a * a).sum()])(x_of(m)),
    "value_and_grad plain": lambda m: m.value_and_grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x_of(m), x_of(m)),
    "vjp": lambda m: m.vjp(lambda a, b: a * b, [x_of(m), x_of(m) + 1], [x_of(m)]),
    "vjp two outputs": lambda m: m.vjp(lambda a: (a * 2, m.exp(a)), [x_of(m)], [x_of(m), x_of(m)]),
    "vjp shape mismatch": lambda m: m.vjp(lambda a: a * 2, [x_of(m)], [m.ones(4)]),
    "vjp cotangent dtype": lambda m: m.vjp(lambda a: a * 2, [x_of(m)], [m.array([1, 2, 3])]),
    "jvp": lambda m: m.jvp(lambda a: a * a, [x_of(m)], [x_of(m)]),
    "jvp count": lambda m: m.jvp(lambda a: a * 2, [x_of(m)], []),
    "jvp shape": lambda m: m.jvp(lambda a: a * 2, [x_of(m)], [m.ones(2)]),
    "vmap default": lambda m: m.vmap(lambda a: a * 2)(m.ones((3, 2))),
    "vmap dict in_axes": lambda m: m.vmap(lambda a, b: a["k"] * b, in_axes=({"k": 0}, None))({"k": m.ones((3, 2))}, x_of(m)[:2]),
    "vmap out_axes tuple": lambda m: m.vmap(lambda a: (a, a * 2), out_axes=(0, 1))(m.ones((3, 2))),
    "vmap out_axes dict": lambda m: m.vmap(lambda a: {"o": a}, out_axes={"o": 1})(m.ones((2, 3))),
    "vmap negative in_axes": lambda m: m.vmap(lambda a: a.sum(), in_axes=-1)(m.reshape(m.arange(6.0), (2, 3))),
    "vmap bad out_axes": lambda m: m.vmap(lambda a: a * 2, out_axes=2)(m.ones((2, 3))),
    "vmap negative out_axes": lambda m: m.vmap(lambda a: a * 2, out_axes=-1)(m.ones((2, 3))),
    "vmap float axis": lambda m: m.vmap(lambda a: a, in_axes=1.0)(m.ones((2, 3))),
    "vmap list axes": lambda m: m.vmap(lambda a: a, in_axes=[0])(m.ones((2, 3))),
    "vmap all none": lambda m: m.vmap(lambda a: a, in_axes=(None,))(m.ones((2, 3))),
    "vmap kwargs": lambda m: m.vmap(lambda a, k=None: a * k)(m.ones((2, 3)), k=2),
    "vmap 0-d": lambda m: m.vmap(lambda a: a * 2)(m.array(1.0)),
    "vmap sizes": lambda m: m.vmap(lambda a, b: a * b)(m.ones(2), m.ones(3)),
    "vmap constant output": lambda m: m.vmap(lambda a: m.zeros((5,)))(m.ones((2, 3))),
    "vmap nested": lambda m: m.vmap(lambda a: m.vmap(lambda b: a * b)(m.arange(3.0)))(m.arange(2.0)),
    "vmap of grad": lambda m: m.vmap(m.grad(lambda a: m.sin(a).sum()))(m.reshape(m.arange(6.0), (2, 3))),
    "grad of vmap": lambda m: m.grad(lambda a: m.vmap(lambda r: (r * r).sum())(a).sum())(m.reshape(m.arange(6.0), (2, 3))),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_matches_mlx(mx, ref, name):
    ours = outcome(mx, CALLS[name])
    theirs = outcome(ref, CALLS[name])
    if theirs[0] == "raised":
        assert ours[0] == "raised" and ours[1] == theirs[1], f"{name}: mlx {theirs}, rmlx {ours}"
        # Messages match where MLX's are its own (not its binding layer's argument errors).
        if theirs[2].startswith("["):
            assert ours[2] == theirs[2]
    else:
        assert ours == theirs


def test_eval_inside_grad_and_async_eval_error(mx, ref):
    def f(lib):
        def loss(a):
            y = lib.exp(a)
            lib.eval(y)
            return (y * a).sum()

        return lib.grad(loss)(x_of(lib))

    assert outcome(mx, f) == outcome(ref, f)

    def g(lib):
        def loss(a):
            y = a * 2
            lib.async_eval(y)
            return y.sum()

        return lib.grad(loss)(x_of(lib))

    assert outcome(mx, g) == outcome(ref, g)


def test_python_exceptions_pass_through(mx):
    class Boom(Exception):
        pass

    def bad(a):
        raise Boom("inside")

    for call in (lambda: mx.grad(bad)(x_of(mx)), lambda: mx.vmap(bad)(mx.ones((2, 2))),
                 lambda: mx.vjp(bad, [x_of(mx)], [x_of(mx)]), lambda: mx.jvp(bad, [x_of(mx)], [x_of(mx)])):
        with pytest.raises(Boom, match="inside"):
            call()


def test_grad_in_threads(mx):
    import threading

    errors = []

    def work(seed):
        try:
            x = mx.array(np.random.default_rng(seed).normal(size=64).astype(np.float32))
            for _ in range(20):
                g = mx.grad(lambda a: (a * a).sum())(x)
                np.testing.assert_allclose(np.array(g), 2 * np.array(x), rtol=1e-6)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def _custom(lib):
    @lib.custom_function
    def f(x, y):
        return lib.sin(x) * y

    @f.vjp
    def f_vjp(primals, cotangent, output):
        x, y = primals
        return cotangent * lib.cos(x) * y * 10, cotangent * lib.sin(x)

    @f.jvp
    def f_jvp(primals, tangents):
        x, y = primals
        dx, dy = tangents
        return dx * lib.cos(x) * y + dy * lib.sin(x) * 3

    @f.vmap
    def f_vmap(inputs, axes):
        x, y = inputs
        return lib.sin(x) * y * 2, axes[0]

    return f


CUSTOM_CALLS = {
    "call": lambda m: _custom(m)(x_of(m), x_of(m) + 1),
    "grad": lambda m: m.grad(lambda a, b: _custom(m)(a, b).sum(), argnums=(0, 1))(x_of(m), x_of(m) + 1),
    "jvp": lambda m: m.jvp(lambda a, b: _custom(m)(a, b), [x_of(m), x_of(m) + 1], [x_of(m), x_of(m)]),
    "vmap": lambda m: m.vmap(_custom(m))(m.ones((2, 3)), m.ones((2, 3))),
    "no rules grad": lambda m: m.grad(lambda a: m.custom_function(lambda v: m.exp(v) * v)(a).sum())(x_of(m)),
    "dict output": lambda m: m.grad(lambda a: m.custom_function(lambda v: {"o": v * 2, "p": v})(a)["o"].sum())(x_of(m)),
    "captured is constant": lambda m: m.grad(lambda a, b: m.custom_function(lambda v: v * b)(a).sum(), argnums=1)(x_of(m), x_of(m) + 2),
    "rule makes captured constant": lambda m: m.grad(lambda a, b: m.custom_function(lambda v: v * b).jvp(lambda p, t: t)(a).sum(), argnums=1)(x_of(m), x_of(m) + 2),
    "checkpoint captured": lambda m: m.grad(lambda a, b: m.checkpoint(lambda v: v * b)(a).sum(), argnums=1)(x_of(m), x_of(m) + 2),
    "checkpoint grad": lambda m: m.grad(lambda a: m.checkpoint(lambda v: m.sin(m.exp(v)))(a).sum())(x_of(m)),
    "checkpoint value": lambda m: m.checkpoint(lambda v, w: v * w)(x_of(m), x_of(m)),
    "rule reads a dropped output": lambda m: m.grad(lambda a: _two_outputs(m)(a)[0].sum())(x_of(m)),
}


def _two_outputs(lib):
    """Two outputs whose vjp reads the second; callers keep only the first."""

    @lib.custom_function
    def f(x):
        return lib.exp(x), x * 2

    @f.vjp
    def f_vjp(primals, cotangents, outputs):
        return (cotangents[0] * outputs[1],)

    return f


@pytest.mark.parametrize("name", list(CUSTOM_CALLS))
def test_custom_function_matches_mlx(mx, ref, name):
    assert outcome(mx, CUSTOM_CALLS[name]) == outcome(ref, CUSTOM_CALLS[name])


def test_custom_rule_errors_pass_through(mx):
    f = mx.custom_function(lambda v: v * 2)

    @f.vjp
    def bad(p, c, o):
        raise KeyError("rule")

    with pytest.raises(KeyError, match="rule"):
        mx.grad(lambda a: f(a).sum())(x_of(mx))


# ---------------------------------------------------------------------------------------
# Argument corners of vmap / grad / value_and_grad / vjp / jvp, each probed against the real
# MLX 0.32.4: `None` axes, negative and out-of-range axes, pytree prefixes (kind, length,
# keys), one-argument calls (the axes describe that argument), one-element tuples as axes,
# non-array leaves and outputs, 0-d mapped inputs, inconsistent sizes, keyword arguments;
# argnums/argnames validation, non-array and non-scalar outputs, cotangent/tangent counts,
# shapes and dtypes. Exception types must match, and MLX's own "[...]" messages too.
# ---------------------------------------------------------------------------------------

def _x2(m):
    return m.reshape(m.arange(6.0), (2, 3))


def _y(m):
    return m.arange(3.0)


def _v(m, f, *args, **kw):
    return m.vmap(f, **kw)(*args)


VMAP_CORNERS = {
    "in_axes=None": lambda m: m.vmap(lambda a: a * 2, in_axes=None),
    "out_axes=None": lambda m: m.vmap(lambda a: a * 2, out_axes=None),
    "non-callable": lambda m: m.vmap(3),
    "fun keyword": lambda m: m.vmap(fun=lambda a: a * 2)(_x2(m)),
    "axes positional": lambda m: m.vmap(lambda a: a * 2, 0, 1)(_x2(m)),
    "in (None, 0)": lambda m: _v(m, lambda a, b: a + b, _y(m), _x2(m), in_axes=(None, 0)),
    "in [None, 0] for two args": lambda m: _v(m, lambda a, b: a + b, _y(m), _x2(m), in_axes=[None, 0]),
    "in (None, None)": lambda m: _v(m, lambda a, b: a + b, _y(m), _x2(m), in_axes=(None, None)),
    "in 1": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=1),
    "in -1": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=-1),
    "in 2 out of range": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=2),
    "in -3 out of range": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=-3),
    "in True": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=True),
    "in float": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=1.0),
    "in str": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes="a"),
    "in [0] one arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=[0]),
    "in (0,) one arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=(0,)),
    "in (1,) one arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=(1,)),
    "in (5,) one arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=(5,)),
    "in (None,) one arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=(None,)),
    "in (0, 0) one arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=(0, 0)),
    "in (1.5,)": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes=(1.5,)),
    "in dict one array arg": lambda m: _v(m, lambda a: a * 2, _x2(m), in_axes={"a": 0}),
    "in (0,) two args": lambda m: _v(m, lambda a, b: a + b, _x2(m), _x2(m), in_axes=(0,)),
    "in ((0,), 0) two args": lambda m: _v(m, lambda a, b: a + b, _x2(m), _x2(m), in_axes=((0,), 0)),
    "in (0, 'a')": lambda m: _v(m, lambda a, b: a + b, _x2(m), _x2(m), in_axes=(0, "a")),
    "single tuple arg (0, 1)": lambda m: _v(m, lambda t: t[0] + t[1], (_x2(m), _x2(m).T), in_axes=(0, 1)),
    "single tuple arg ((0, 1),)": lambda m: _v(m, lambda t: t[0] + t[1], (_x2(m), _x2(m).T), in_axes=((0, 1),)),
    "single list arg [0, 1]": lambda m: _v(m, lambda t: t[0] + t[1], [_x2(m), _x2(m).T], in_axes=[0, 1]),
    "single list arg (0, 1)": lambda m: _v(m, lambda t: t[0] + t[1], [_x2(m), _x2(m).T], in_axes=(0, 1)),
    "single dict arg": lambda m: _v(m, lambda d: d["a"] + d["b"], {"a": _x2(m), "b": _x2(m).T}, in_axes={"a": 0, "b": 1}),
    "single dict arg missing key": lambda m: _v(m, lambda d: d["a"] + d["b"], {"a": _x2(m), "b": _x2(m).T}, in_axes={"a": 0}),
    "single dict arg other key": lambda m: _v(m, lambda d: d["a"] + d["b"], {"a": _x2(m), "b": _x2(m).T}, in_axes={"a": 0, "c": 1}),
    "single dict arg in tuple": lambda m: _v(m, lambda d: d["a"] + d["b"], {"a": _x2(m), "b": _x2(m).T}, in_axes=({"a": 0, "b": 1},)),
    "dict and array": lambda m: _v(m, lambda d, e: d["a"] + e, {"a": _x2(m).T}, _x2(m), in_axes=({"a": 1}, 0)),
    "dict extra key": lambda m: _v(m, lambda d, e: d["a"] + e, {"a": _x2(m).T}, _x2(m), in_axes=({"a": 1, "b": 0}, 0)),
    "dict None leaf": lambda m: _v(m, lambda d, e: d["a"] + e, {"a": _y(m)}, _x2(m), in_axes=({"a": None}, 0)),
    "nested tuple": lambda m: _v(m, lambda t, e: t[0] + t[1] + e, (_x2(m), _x2(m).T), _x2(m), in_axes=((0, 1), 0)),
    "nested list vs tuple": lambda m: _v(m, lambda t, e: t[0] + t[1] + e, (_x2(m), _x2(m).T), _x2(m), in_axes=([0, 1], 0)),
    "nested length": lambda m: _v(m, lambda t, e: t[0] + t[1] + e, (_x2(m), _x2(m).T), _x2(m), in_axes=((0, 1, 0), 0)),
    "nested list single prefix": lambda m: _v(m, lambda l: l[0][0] + l[1], [[_x2(m)], _x2(m).T], in_axes=[[0], 1]),
    "out 1": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=1),
    "out -1": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=-1),
    "out -2": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=-2),
    "out -3 out of range": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=-3),
    "out 2 out of range": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=2),
    "out 5 out of range": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=5),
    "out float": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=1.0),
    "out (0,)": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=(0,)),
    "out (1,)": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=(1,)),
    "out (None,) mapped": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=(None,)),
    "out [0]": lambda m: _v(m, lambda a: a * 2, _x2(m), out_axes=[0]),
    "out (0, 1) two outputs": lambda m: _v(m, lambda a: (a, a), _x2(m), out_axes=(0, 1)),
    "out [0, 1] for a tuple": lambda m: _v(m, lambda a: (a, a), _x2(m), out_axes=[0, 1]),
    "out (0,) for two outputs": lambda m: _v(m, lambda a: (a, a), _x2(m), out_axes=(0,)),
    "out ((0,), 1)": lambda m: _v(m, lambda a: (a, a), _x2(m), out_axes=((0,), 1)),
    "out None for a mapped output": lambda m: _v(m, lambda a: (a, a), _x2(m), out_axes=(0, None)),
    "out None for a mapped scalar": lambda m: _v(m, lambda a: (a, a.sum()), _x2(m), out_axes=(0, None)),
    "out None for an unmapped output": lambda m: _v(m, lambda a: (a, m.arange(3.0)), _x2(m), out_axes=(0, None)),
    "out None for an unmapped 0-d": lambda m: _v(m, lambda a: (a, m.array(2.0)), _x2(m), out_axes=(0, None)),
    "out dict": lambda m: _v(m, lambda a: {"p": a, "q": a}, _x2(m), out_axes={"p": 0, "q": 1}),
    "out dict missing key": lambda m: _v(m, lambda a: {"p": a, "q": a}, _x2(m), out_axes={"p": 0}),
    "out int for a dict": lambda m: _v(m, lambda a: {"p": a, "q": a * 1}, _x2(m), out_axes=1),
    "out list tree": lambda m: _v(m, lambda a: [a, a], _x2(m), out_axes=[0, 1]),
    "out tuple for a list": lambda m: _v(m, lambda a: [a, a], _x2(m), out_axes=(0, 1)),
    "unmapped output out 1": lambda m: _v(m, lambda a: m.arange(3.0), _x2(m), out_axes=1),
    "unmapped output out -1": lambda m: _v(m, lambda a: m.arange(3.0), _x2(m), out_axes=-1),
    "unmapped output out 2": lambda m: _v(m, lambda a: m.arange(3.0), _x2(m), out_axes=2),
    "scalar output out 1": lambda m: _v(m, lambda a: a.sum(), _x2(m), out_axes=1),
    "scalar output out -1": lambda m: _v(m, lambda a: a.sum(), _x2(m), out_axes=-1),
    "0-d mapped": lambda m: _v(m, lambda a: a * 2, m.array(1.0)),
    "0-d mapped -1": lambda m: _v(m, lambda a, b: a + b, m.array(1.0), _y(m), in_axes=(-1, 0)),
    "0-d unmapped": lambda m: _v(m, lambda a, b: a + b, m.array(1.0), _x2(m), in_axes=(None, 0)),
    "inconsistent sizes": lambda m: _v(m, lambda a, b: a + b, _x2(m), m.zeros((3, 3))),
    "inconsistent sizes by axes": lambda m: _v(m, lambda a, b: a + b, _x2(m), m.zeros((3, 3)), in_axes=(0, 1)),
    "inconsistent third": lambda m: _v(m, lambda a, b, c: a + b + c, _x2(m), _x2(m), m.zeros((4, 3))),
    "python scalar argument": lambda m: _v(m, lambda a, b: a * b, _x2(m), 2),
    "python scalar with None axis": lambda m: _v(m, lambda a, b: a * b, _x2(m), 2.0, in_axes=(0, None)),
    "python scalar in a list": lambda m: _v(m, lambda a: a[0] * a[1], [_x2(m), 2]),
    "int output": lambda m: _v(m, lambda a: 2, _x2(m)),
    "int in output tuple": lambda m: _v(m, lambda a: (a, 2), _x2(m)),
    "None output": lambda m: _v(m, lambda a: None, _x2(m)),
    "keyword argument": lambda m: m.vmap(lambda a, b=1: a * b)(_x2(m), b=_y(m)),
    "keyword only call": lambda m: m.vmap(lambda a: a)(a=_x2(m)),
    "no arguments": lambda m: m.vmap(lambda: m.arange(3.0))(),
    "size 0 axis": lambda m: _v(m, lambda a: a * 2, m.zeros((0, 3))),
    "output is the input": lambda m: _v(m, lambda a: a, _x2(m)),
    "unmapped input returned": lambda m: _v(m, lambda a, b: (b, a), _x2(m), _y(m), in_axes=(0, None)),
    "nested in_axes 1": lambda m: m.vmap(m.vmap(lambda a: a.sum(), in_axes=1), in_axes=1)(m.ones((2, 3, 4))),
}


@pytest.mark.parametrize("name", list(VMAP_CORNERS))
def test_vmap_corners_match_mlx(mx, ref, name):
    ours = outcome(mx, VMAP_CORNERS[name])
    theirs = outcome(ref, VMAP_CORNERS[name])
    if theirs[0] == "raised":
        assert ours[0] == "raised" and ours[1] == theirs[1], f"{name}: mlx {theirs}, rmlx {ours}"
        if theirs[2].startswith("[") or theirs[2].startswith("At least"):
            assert ours[2] == theirs[2]
    elif callable(theirs[1]):
        assert ours[0] == "ok" and callable(ours[1])
    else:
        assert ours == theirs, f"{name}: mlx {theirs}, rmlx {ours}"


def _g(m, f, *args, **kw):
    return m.grad(f, **kw)(*args)


def _xs(m):
    return m.array([1.0, 2.0, -0.5])


def _ys(m):
    return m.array([0.5, 1.0, 2.0])


GRAD_CORNERS = {
    "argnums float": lambda m: _g(m, lambda a: a.sum(), _xs(m), argnums=1.0),
    "argnums str": lambda m: _g(m, lambda a: a.sum(), _xs(m), argnums="a"),
    "argnums None": lambda m: _g(m, lambda a: a.sum(), _xs(m), argnums=None),
    "argnums None with argnames": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnums=None, argnames="b")(_xs(m), b=_ys(m)),
    "argnums negative in tuple": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=(0, -1)),
    "argnums two negatives": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=(-1, -2)),
    "argnums -3": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=-3),
    "argnums past the arguments": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=2),
    "argnums list": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=[0, 1]),
    "argnums with a float": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=(0, 1.0)),
    "argnums True": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=True),
    "argnames int": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=3)(_xs(m), b=_ys(m)),
    "argnames list of int": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=[3])(_xs(m), b=_ys(m)),
    "argnames tuple": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=("b",))(_xs(m), b=_ys(m)),
    "argnames duplicate": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=["b", "b"])(_xs(m), b=_ys(m)),
    "argnames keyword missing": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=["b"])(_xs(m), _ys(m)),
    "argnames python float": lambda m: m.grad(lambda a, b=None: (a * b).sum(), argnames=["b"])(_xs(m), b=2.0),
    "keyword not differentiated": lambda m: m.grad(lambda a, b=None: (a * b).sum())(_xs(m), b=_ys(m)),
    "no arguments": lambda m: m.grad(lambda: _xs(m).sum())(),
    "argnums () alone": lambda m: _g(m, lambda a: a.sum(), _xs(m), argnums=()),
    "argnums [] alone": lambda m: _g(m, lambda a: a.sum(), _xs(m), argnums=[]),
    "python int argument": lambda m: _g(m, lambda a: a * a, 3),
    "bool array argument": lambda m: _g(m, lambda a: a.sum(), m.array([True])),
    "list argument": lambda m: _g(m, lambda l: (l[0] * l[1]).sum(), [_xs(m), _ys(m)]),
    "tuple argument": lambda m: _g(m, lambda l: (l[0] * l[1]).sum(), (_xs(m), _ys(m))),
    "None leaf": lambda m: _g(m, lambda l: l[0].sum(), [_xs(m), None]),
    "str leaf": lambda m: _g(m, lambda l: l[0].sum(), [_xs(m), "a"]),
    "int output": lambda m: _g(m, lambda a: 3, _xs(m)),
    "None output": lambda m: _g(m, lambda a: None, _xs(m)),
    "list output": lambda m: _g(m, lambda a: [a.sum()], _xs(m)),
    "dict output": lambda m: _g(m, lambda a: {"l": a.sum()}, _xs(m)),
    "tuple output with an int": lambda m: _g(m, lambda a: (a.sum(), 3), _xs(m)),
    "output shape (1,)": lambda m: _g(m, lambda a: a.sum(keepdims=True), _xs(m)),
    "constant int output": lambda m: _g(m, lambda a: m.array(3), _xs(m)),
    "float16 output": lambda m: _g(m, lambda a: a.astype(m.float16).sum(), _xs(m)),
    "value_and_grad aux int": lambda m: m.value_and_grad(lambda a: (a.sum(), 3))(_xs(m)),
    "value_and_grad aux str": lambda m: m.value_and_grad(lambda a: (a.sum(), "hi"))(_xs(m)),
    "value_and_grad non-scalar": lambda m: m.value_and_grad(lambda a: a)(_xs(m)),
    "value_and_grad empty tuple": lambda m: m.value_and_grad(lambda a: ())(_xs(m)),
    "value_and_grad dict": lambda m: m.value_and_grad(lambda a: {"l": a.sum()})(_xs(m)),
    "value_and_grad list": lambda m: m.value_and_grad(lambda a: [a.sum(), a])(_xs(m)),
    "value_and_grad argnames": lambda m: m.value_and_grad(lambda a, b=None: (a * b).sum(), argnames="b")(_xs(m), b=_ys(m)),
    "grad non-callable": lambda m: m.grad(3),
    "value_and_grad non-callable": lambda m: m.value_and_grad(3),
    "vjp non-callable": lambda m: m.vjp(3, [_xs(m)], [_xs(m)]),
    "jvp non-callable": lambda m: m.jvp(3, [_xs(m)], [_xs(m)]),
    "custom_function non-callable": lambda m: m.custom_function(3),
    "checkpoint non-callable": lambda m: m.checkpoint(3),
    "argnums unsorted": lambda m: _g(m, lambda a, b: (a * b + b).sum(), _xs(m), _ys(m), argnums=(1, 0)),
    "argnums (3, -2)": lambda m: _g(m, lambda a, b: (a * b).sum(), _xs(m), _ys(m), argnums=(3, -2)),
    "value_and_grad tuple of int first": lambda m: m.value_and_grad(lambda a: (3, a.sum()))(_xs(m)),
    "value_and_grad output (1, 1)": lambda m: m.value_and_grad(lambda a: a.sum(keepdims=True)[None])(_xs(m)),
    "grad output size 0": lambda m: _g(m, lambda a: a[:0], _xs(m)),
    "vjp scalar output (1,) cotangent": lambda m: m.vjp(lambda a: a.sum(), [_xs(m)], [m.array([1.0])]),
    "vjp tuples": lambda m: m.vjp(lambda a: a * 2, (_xs(m),), (_xs(m),)),
    "vjp extra cotangent": lambda m: m.vjp(lambda a: a * 2, [_xs(m)], [_xs(m), _xs(m)]),
    "vjp missing cotangent": lambda m: m.vjp(lambda a: (a * 2, a), [_xs(m)], [_xs(m)]),
    "vjp cotangent shape": lambda m: m.vjp(lambda a: a * 2, [_xs(m)], [m.ones((2,))]),
    "vjp cotangent broadcastable": lambda m: m.vjp(lambda a: a * 2, [_xs(m)], [m.ones((1,))]),
    "vjp int cotangent": lambda m: m.vjp(lambda a: a * 2, [_xs(m)], [m.array([1, 2, 3])]),
    "vjp float16 cotangent": lambda m: m.vjp(lambda a: a * 2, [_xs(m)], [m.array([1, 2, 3], m.float16)]),
    "vjp list output": lambda m: m.vjp(lambda a: [a * 2], [_xs(m)], [_xs(m)]),
    "vjp int output": lambda m: m.vjp(lambda a: 3, [_xs(m)], [_xs(m)]),
    "vjp dict output": lambda m: m.vjp(lambda a: {"o": a * 2}, [_xs(m)], [_xs(m)]),
    "jvp int output": lambda m: m.jvp(lambda a: 3, [_xs(m)], [_xs(m)]),
    "vjp keywords": lambda m: m.vjp(fun=lambda a: a * 2, primals=[_xs(m)], cotangents=[_xs(m)]),
    "vjp no primals": lambda m: m.vjp(lambda: _xs(m) * 2, [], [_xs(m)]),
    "vjp int primal": lambda m: m.vjp(lambda a: a * 2, [m.array([1, 2, 3])], [m.array([1, 2, 3])]),
    "vjp python float primal": lambda m: m.vjp(lambda a: a * 2, [2.0], [_xs(m)]),
    "jvp tuples": lambda m: m.jvp(lambda a: a * 2, (_xs(m),), (_xs(m),)),
    "jvp extra tangent": lambda m: m.jvp(lambda a: a * 2, [_xs(m)], [_xs(m), _xs(m)]),
    "jvp tangent shape": lambda m: m.jvp(lambda a: a * 2, [_xs(m)], [m.ones((2,))]),
    "jvp tangent broadcastable": lambda m: m.jvp(lambda a: a * 2, [_xs(m)], [m.ones((1,))]),
    "jvp int tangent": lambda m: m.jvp(lambda a: a * 2, [_xs(m)], [m.array([1, 2, 3])]),
    "jvp list output": lambda m: m.jvp(lambda a: [a * 2, a], [_xs(m)], [_xs(m)]),
    "jvp python float primal": lambda m: m.jvp(lambda a: a * 2, [2.0], [_xs(m)]),
    "jvp python float tangent": lambda m: m.jvp(lambda a: a * 2, [_xs(m)], [2.0]),
    "jvp no primals": lambda m: m.jvp(lambda: _xs(m) * 2, [], []),
    "jvp int primal": lambda m: m.jvp(lambda a: a * 2, [m.array([1, 2, 3])], [m.array([1, 2, 3])]),
}


@pytest.mark.parametrize("name", list(GRAD_CORNERS))
def test_grad_corners_match_mlx(mx, ref, name):
    ours = outcome(mx, GRAD_CORNERS[name])
    theirs = outcome(ref, GRAD_CORNERS[name])
    if theirs[0] == "raised":
        assert ours[0] == "raised" and ours[1] == theirs[1], f"{name}: mlx {theirs}, rmlx {ours}"
        if theirs[2].startswith("["):
            assert ours[2] == theirs[2]
    elif callable(theirs[1]):
        assert ours[0] == "ok" and callable(ours[1])
    else:
        assert ours == theirs, f"{name}: mlx {theirs}, rmlx {ours}"


def test_vmap_repeated_output_object(mx, ref):
    """Known difference: when the very same array is returned twice, MLX 0.32.4 moves the
    batch axis of the shared result once per occurrence (the second `out_axes=1` copy comes
    back with the axis moved back, shape (2, 3)); rmlx gives every occurrence its own axis."""
    f = lambda m: m.vmap(lambda a: (a * 2, a * 2), out_axes=1)(m.reshape(m.arange(6.0), (2, 3)))  # noqa: E731
    g = lambda m: m.vmap(lambda a: (lambda b: (b, b))(a * 2), out_axes=1)(m.reshape(m.arange(6.0), (2, 3)))  # noqa: E731
    assert [tuple(o.shape) for o in f(mx)] == [tuple(o.shape) for o in f(ref)] == [(3, 2), (3, 2)]
    assert [tuple(o.shape) for o in g(mx)] == [(3, 2), (3, 2)]
    assert [tuple(o.shape) for o in g(ref)] == [(3, 2), (2, 3)]
