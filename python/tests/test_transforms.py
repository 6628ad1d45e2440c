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
}


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
