"""Signature and keyword coverage of the op functions and array methods against MLX.

Each case is an expression evaluated twice, with `mx` bound to rmlx.core and to
mlx.core (and the arrays below built by that module). Results must agree in kind,
shape, dtype and values; failures must raise the same exception type.
"""

import math

import numpy as np
import pytest


def _env(m):
    return {
        "mx": m,
        "np": np,
        "a": m.arange(6.0).reshape(2, 3),  # float32 (2, 3)
        "c": m.arange(24).reshape(2, 3, 4),  # int32 (2, 3, 4)
        "i8": m.array([1, -2, 3], m.int8),
        "u8": m.array([1, 2, 250], m.uint8),
        "b": m.array([True, False, True]),
        "h": m.array([0.5, 1.5, -2.25], m.float16),
        "e": m.zeros((1, 2, 1)),
        "s": m.array(2.5),
        "nf": m.array([math.nan, math.inf, -math.inf, 1.0]),
        "nh": m.array([math.nan, math.inf, -math.inf], m.float16),
        "f64": m.array([1.0, 2.0], m.float64),
        "npa": np.arange(4.0, dtype=np.float32).reshape(2, 2),
        "inf": math.inf,
        "nan": math.nan,
    }


def _run(m, expr):
    try:
        return ("ok", _value(m, eval(expr, _env(m))))
    except Exception as exc:  # noqa: BLE001 - the exception type is what is compared
        return ("err", type(exc).__name__, str(exc))


def _value(m, v):
    if isinstance(v, m.array):
        return ("array", tuple(v.shape), str(v.dtype).split(".")[-1], v.tolist())
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [_value(m, x) for x in v])
    return ("py", v)


def _close(x, y, tol):
    if isinstance(x, list) or isinstance(y, list):
        return (
            isinstance(x, list)
            and isinstance(y, list)
            and len(x) == len(y)
            and all(_close(p, q, tol) for p, q in zip(x, y))
        )
    if isinstance(x, complex) or isinstance(y, complex):
        return _close(complex(x).real, complex(y).real, tol) and _close(
            complex(x).imag, complex(y).imag, tol
        )
    if isinstance(x, float) or isinstance(y, float):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == y or abs(x - y) <= tol * max(1.0, abs(x), abs(y))
    return type(x) is type(y) and x == y


def _same(got, want, tol):
    if got[0] == "array" or want[0] == "array":
        if got[:3] != want[:3]:
            return False
        return _close(got[3], want[3], tol)
    if got[0] in ("list", "tuple"):
        return (
            got[0] == want[0]
            and len(got[1]) == len(want[1])
            and all(_same(p, q, tol) for p, q in zip(got[1], want[1]))
        )
    return got == want


def check(mx, ref, expr, tol=1e-6):
    got, want = _run(mx, expr), _run(ref, expr)
    if want[0] == "err":
        assert got[0] == "err", f"{expr}: MLX raised {want[1]}({want[2]}), rmlx returned {got}"
        assert got[1] == want[1], f"{expr}: MLX raised {want[1]}({want[2]}), rmlx {got[1]}({got[2]})"
        return
    assert got[0] == "ok", f"{expr}: MLX returned {want[1]}, rmlx raised {got[1]}({got[2]})"
    assert _same(got[1], want[1], tol), f"{expr}:\n rmlx {got[1]}\n mlx  {want[1]}"


def cases(*exprs):
    return pytest.mark.parametrize("expr", exprs)


# ----- reductions ---------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "mean", "var", "std", "max", "min", "all", "any", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize(
    "args",
    [
        "(a)",
        "(a, 1)",
        "(a, -1, True)",
        "(a, axis=0)",
        "(a, axis=[0, 1])",
        "(a, axis=(1,))",
        "(a, None, True)",
        "(a, axis=None, keepdims=True)",
        "(a, keepdims=True)",
        "(c, axis=(0, 2))",
        "(c, [2, 0], True)",
        "(a, axis=(), keepdims=False)",
        "(a, stream=mx.cpu)",
        "(a, 1, stream=mx.cpu)",
        "(i8, 0)",
        "(u8)",
        "(b)",
        "(s)",
        # errors
        "(a, axis=2)",
        "(a, axis=-3)",
        "(a, axis=(0, 0))",
        "(a, axis=(0, -2))",
        "(a, axis='x')",
        "(a, axis=1.0)",
        "(a, axis=[0.0])",
        "(a, keepdims=1)",
        "(a, 0, False, None, 1)",
        "([1, 2, 3])",
        "(3)",
        "(npa)",
        "(a=a)",
        "(a, bogus=1)",
    ],
)
def test_reduction_functions(mx, ref, name, args):
    check(mx, ref, f"mx.{name}{args}", tol=1e-5)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize(
    "args",
    [
        "()",
        "(1)",
        "(1, True)",
        "(axis=0)",
        "(axis=[0, 1], keepdims=True)",
        "(None, True)",
        "(keepdims=True, stream=mx.cpu)",
        "(axis=5)",
        "(axis=(1, 1))",
        "(axis='x')",
    ],
)
def test_reduction_methods(mx, ref, name, args):
    check(mx, ref, f"a.{name}{args}", tol=1e-5)
    check(mx, ref, f"c.{name}{args}", tol=1e-5)


@cases(
    "mx.var(a, 1, False, 1)",
    "mx.var(a, ddof=1)",
    "mx.std(a, axis=0, ddof=1)",
    "mx.var(a, correction=1)",
    "mx.var(a, ddof=0, correction=2)",
    "mx.std(a, 1, True, 1, correction=0)",
    "mx.std(mx.array([1, 2, 3]), ddof=5)",
    "a.var(1, False, 1)",
    "a.var(ddof=1)",
    "a.std(correction=1)",
    "a.std(axis=1, ddof=2, correction=1)",
    "mx.var(a, ddof=1.5)",
    "mx.var(a, correction='x')",
    "mx.mean(mx.array([1, 2]))",
    "mx.mean(b)",
    "mx.var(i8)",
    "mx.prod(mx.array([1, 2], mx.uint8))",
    "mx.sum(mx.array([True, False, True]))",
    "mx.max(mx.zeros((0,)))",
    "mx.max(mx.zeros((0, 2)), axis=1)",
    "mx.logsumexp(mx.array([1, 2]))",
    "mx.logsumexp(nf)",
    "mx.sum(h, 0)",
    "mx.max(h, 0)",
    "mx.mean(h, axis=0, keepdims=True)",
)
def test_reduction_details(mx, ref, expr):
    check(mx, ref, expr, tol=1e-5)


@cases("mx.var(h, 0)", "mx.std(h)", "h.var(ddof=1)")
def test_half_variance(mx, ref, expr):
    # Known difference: the engine accumulates float16 variance more precisely than MLX
    # (about one float16 ulp apart), so compare at float16 resolution.
    check(mx, ref, expr, tol=2e-3)


@cases(
    "mx.argmax(a)",
    "mx.argmax(a, 1)",
    "mx.argmax(a, axis=0, keepdims=True)",
    "mx.argmin(a, None, True)",
    "mx.argmin(c, -1)",
    "mx.argmin(i8, stream=mx.cpu)",
    "mx.argmax(b)",
    "mx.argmax(a, axis=[0])",
    "mx.argmax(a, axis=(0, 1))",
    "mx.argmax(a, axis=2)",
    "mx.argmax(a, axis=-3)",
    "mx.argmax(mx.array([]))",
    "mx.argmax([1, 2])",
    "mx.argmin(a, keepdims='yes')",
    "a.argmax()",
    "a.argmax(1)",
    "a.argmin(axis=0, keepdims=True)",
    "a.argmin(None, True)",
    "a.argmax(axis=[1])",
    "a.argmin(axis=4)",
)
def test_argmax_argmin(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.softmax(a)",
    "mx.softmax(a, 1)",
    "mx.softmax(a, axis=-1)",
    "mx.softmax(a, axis=0)",
    "mx.softmax(a, axis=[0, 1])",
    "mx.softmax(a, 1, precise=True)",
    "mx.softmax(h, precise=True)",
    "mx.softmax(mx.array([1, 2]))",
    "mx.softmax(c, axis=(0, 2))",
    "mx.softmax(a, stream=mx.cpu)",
    "mx.softmax(a, 1, True)",
    "mx.softmax(a, axis=2)",
    "mx.softmax(a, axis=(1, 1))",
    "mx.softmax([1.0, 2.0])",
    "mx.softmax(a, precise=1)",
)
def test_softmax(mx, ref, expr):
    check(mx, ref, expr, tol=1e-5)


# ----- shape --------------------------------------------------------------------------


@cases(
    "mx.reshape(a, (3, 2))",
    "mx.reshape(a, [3, -1])",
    "mx.reshape(a, shape=(6,))",
    "mx.reshape(a, (6,), stream=mx.cpu)",
    "mx.reshape(a, mx.array([6]))",
    "mx.reshape(a, ())",
    "mx.reshape(s, (1, 1))",
    "mx.reshape(a, 6)",
    "mx.reshape(a, (4, 2))",
    "mx.reshape(a, (2.0, 3))",
    "mx.reshape(a, (-1, -1))",
    "mx.reshape([1, 2], (2, 1))",
    "mx.reshape(a, '23')",
    "a.reshape(3, 2)",
    "a.reshape((3, 2))",
    "a.reshape([3, 2])",
    "a.reshape(6)",
    "a.reshape(-1)",
    "a.reshape(-1, 2)",
    "a.reshape(2, 3, stream=mx.cpu)",
    "a.reshape(shape=(6,))",
    "a.reshape(4, 2)",
    "a.reshape(2.0, 3)",
    "a.reshape((3,), 2)",
    "a.reshape([2.0, 3])",
    "a.reshape('ab')",
    "a.reshape(None)",
)
def test_reshape(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.flatten(a)",
    "mx.flatten(c, 1)",
    "mx.flatten(c, start_axis=0, end_axis=1)",
    "mx.flatten(c, -2, -1)",
    "mx.flatten(c, end_axis=-2)",
    "mx.flatten(s)",
    "mx.flatten(a, stream=mx.cpu)",
    "mx.flatten(a, 5)",
    "mx.flatten(a, 1, 0)",
    "mx.flatten(a, 0.5)",
    "mx.flatten([[1]])",
    "a.flatten()",
    "a.flatten(0, 1)",
    "c.flatten(1)",
    "c.flatten(start_axis=1, end_axis=2)",
    "c.flatten(2, 1)",
    "mx.unflatten(a, 1, (3, 1))",
    "mx.unflatten(a, -1, [-1, 1])",
    "mx.unflatten(c, axis=0, shape=(1, 2))",
    "mx.unflatten(a, 1, (-1,))",
    "mx.unflatten(a, 1, (2, 2))",
    "mx.unflatten(a, 5, (3,))",
    "mx.unflatten(a, 1, ())",
    "mx.unflatten(a, 1, (-1, -1))",
)
def test_flatten_unflatten(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.squeeze(e)",
    "mx.squeeze(e, 0)",
    "mx.squeeze(e, [0, 2])",
    "mx.squeeze(e, axis=(-1,))",
    "mx.squeeze(e, [])",
    "mx.squeeze(e, None, stream=mx.cpu)",
    "mx.squeeze(e, 1)",
    "mx.squeeze(e, 5)",
    "mx.squeeze(e, (0, 0))",
    "mx.squeeze(e, 0.0)",
    "mx.squeeze([[1]])",
    "e.squeeze()",
    "e.squeeze(0)",
    "e.squeeze(axis=[0, 2])",
    "e.squeeze(1)",
    "e.squeeze(-4)",
    "mx.expand_dims(a, 0)",
    "mx.expand_dims(a, (0, 3))",
    "mx.expand_dims(a, axis=-1)",
    "mx.expand_dims(a, [])",
    "mx.expand_dims(s, 0)",
    "mx.expand_dims(a, 5)",
    "mx.expand_dims(a, (0, 0))",
    "mx.expand_dims(a)",
    "mx.expand_dims(a, 1.0)",
    "mx.expand_dims([1], 0)",
)
def test_squeeze_expand_dims(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.transpose(a)",
    "mx.transpose(c, (1, 0, 2))",
    "mx.transpose(c, axes=[2, 0, 1])",
    "mx.transpose(c, (-1, 0, 1))",
    "mx.transpose(a, None)",
    "mx.transpose(a, [1])",
    "mx.transpose(a, (0, 0))",
    "mx.transpose(a, (0, 5))",
    "mx.transpose(a, 1)",
    "mx.transpose([[1, 2]])",
    "mx.permute_dims(c, (2, 1, 0))",
    "mx.permute_dims(a)",
    "mx.permute_dims(a, (0, 0))",
    "a.transpose()",
    "a.transpose(1, 0)",
    "a.transpose((1, 0))",
    "a.transpose([1, 0])",
    "c.transpose(2, 0, 1)",
    "a.transpose(1, 0, stream=mx.cpu)",
    "a.transpose(axes=(1, 0))",
    "a.transpose(0, 0)",
    "a.transpose(0)",
    "a.transpose((0.0, 1))",
    "a.transpose(None)",
    "a.T",
    "c.mT",
    "a.mT",
    "mx.zeros(3).mT",
    "mx.matrix_transpose(c)",
    "mx.matrix_transpose(a, stream=mx.cpu)",
    "mx.matrix_transpose(i8)",
    "mx.matrix_transpose([[1]])",
    "mx.swapaxes(a, 0, 1)",
    "mx.swapaxes(c, axis1=0, axis2=-1)",
    "mx.swapaxes(a, 0, 5)",
    "mx.swapaxes(a, 0)",
    "mx.swapaxes(a, 0, 1.0)",
    "c.swapaxes(0, 2)",
    "c.swapaxes(axis1=1, axis2=2)",
    "c.swapaxes(0, 3)",
    "mx.moveaxis(c, 0, 2)",
    "mx.moveaxis(c, source=-1, destination=0)",
    "mx.moveaxis(a, 0, 5)",
    "mx.moveaxis([[1]], 0, 1)",
    "c.moveaxis(2, 0)",
    "c.moveaxis(source=0, destination=-1)",
    "c.moveaxis(0, 3)",
)
def test_axis_permutations(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.broadcast_to(a, (2, 2, 3))",
    "mx.broadcast_to(1.0, (2,))",
    "mx.broadcast_to(2, [2, 2])",
    "mx.broadcast_to(a, [2, 3])",
    "mx.broadcast_to(npa, (2, 2, 2))",
    "mx.broadcast_to(a, shape=(1, 2, 3), stream=mx.cpu)",
    "mx.broadcast_to(a, (3, 3))",
    "mx.broadcast_to(a, (3,))",
    "mx.broadcast_to(a, 6)",
    "mx.broadcast_to([1], (2, 1))",
    "mx.broadcast_to(None, (2,))",
    "mx.broadcast_arrays(a, mx.zeros((1, 3)))",
    "mx.broadcast_arrays(a, mx.zeros((2, 2, 1)), stream=mx.cpu)",
    "mx.broadcast_arrays(a)",
    "mx.broadcast_arrays()",
    "mx.broadcast_arrays(a, mx.zeros(4))",
    "mx.broadcast_arrays(a, 1.0)",
    "mx.broadcast_arrays([a])",
    "mx.broadcast_shapes((2, 1), (1, 3))",
    "mx.broadcast_shapes((2, 1), [3])",
    "mx.broadcast_shapes((5, 1, 4), (3, 1), ())",
    "mx.broadcast_shapes((2,))",
    "mx.broadcast_shapes()",
    "mx.broadcast_shapes((2,), (3,))",
    "mx.broadcast_shapes(2, 3)",
)
def test_broadcasting(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.concatenate([a, a])",
    "mx.concatenate((a, a), 1)",
    "mx.concatenate([a, a], axis=-1)",
    "mx.concatenate([a, a], axis=None)",
    "mx.concatenate([a, i8.reshape(1, 3)])",
    "mx.concatenate([a], stream=mx.cpu)",
    "mx.concatenate(a)",
    "mx.concatenate([a, a], axis=5)",
    "mx.concatenate([])",
    "mx.concatenate([a, 1.0])",
    "mx.concatenate([a, i8])",
    "mx.concatenate([a, mx.zeros((2, 2))], axis=0)",
    "mx.concatenate(arrays=[a])",
    "mx.concatenate(5)",
    "mx.concat([a, a], 1)",
    "mx.concat([a, a], None)",
    "mx.concat([a, a], axis=2)",
    "mx.stack([a, a])",
    "mx.stack([a, a], axis=2)",
    "mx.stack([a, a], -1)",
    "mx.stack([a, a], axis=None)",
    "mx.stack((i8, b))",
    "mx.stack([a], stream=mx.cpu)",
    "mx.stack([a, a], axis=3)",
    "mx.stack([])",
    "mx.stack([a, i8])",
    "mx.stack([a, 2])",
)
def test_concatenate_stack(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.split(c, 2)",
    "mx.split(c, 3, 1)",
    "mx.split(c, [1], axis=2)",
    "mx.split(c, (1, 3), axis=-1)",
    "mx.split(c, indices_or_sections=2)",
    "mx.split(c, [-1], 1)",
    "mx.split(c, [5, 1], 2)",
    "mx.split(c, [])",
    "mx.split(c, mx.array([1]))",
    "mx.split(c, 2, stream=mx.cpu)",
    "mx.split(c, 3)",
    "mx.split(c, 0)",
    "mx.split(c, 1.5)",
    "mx.split(c, 2, axis=4)",
    "mx.split([1, 2], 2)",
    "c.split(2)",
    "c.split([1], 1)",
    "c.split((1, 2), axis=2)",
    "c.split(indices_or_sections=3, axis=1)",
    "c.split(5)",
    "c.split(2, 7)",
)
def test_split(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.contiguous(a)",
    "mx.contiguous(a.T, True)",
    "mx.contiguous(a.T, allow_col_major=True)",
    "mx.contiguous(a, stream=mx.cpu)",
    "mx.contiguous([1])",
    "mx.contiguous(a, 1)",
    "mx.atleast_1d(s)",
    "mx.atleast_1d(a)",
    "mx.atleast_1d(mx.array(1), mx.array([1]))",
    "mx.atleast_2d(i8)",
    "mx.atleast_2d(s, a, c)",
    "mx.atleast_3d(i8)",
    "mx.atleast_3d(a)",
    "mx.atleast_3d(s)",
    "mx.atleast_3d(c, stream=mx.cpu)",
    "mx.atleast_1d()",
    "mx.atleast_1d(1.0)",
    "mx.atleast_2d([1])",
)
def test_contiguous_atleast(mx, ref, expr):
    check(mx, ref, expr)


# ----- creation -----------------------------------------------------------------------


@cases(
    "mx.zeros(2)",
    "mx.zeros((2, 2), mx.int8)",
    "mx.zeros([2], dtype=None)",
    "mx.zeros(shape=(1, 2), dtype=mx.bool_)",
    "mx.zeros((), stream=mx.cpu)",
    "mx.zeros((2, 0))",
    "mx.ones(3)",
    "mx.ones((2, 1), mx.float16)",
    "mx.ones([1, 2], dtype=mx.bool_)",
    "mx.zeros(-1)",
    "mx.ones((2, -1))",
    "mx.zeros((2,), 'float32')",
    "mx.zeros((2,), mx.floating)",
    "mx.zeros(None)",
    "mx.zeros(2.0)",
    "mx.ones('a')",
    "mx.zeros((2.0,))",
    "mx.empty((2, 2))",
    "mx.empty(2, mx.int32)",
    "mx.empty_like(a)",
    "mx.empty is mx.zeros",
    "mx.empty_like is mx.zeros_like",
)
def test_zeros_ones(mx, ref, expr):
    check(mx, ref, expr)


@pytest.mark.parametrize("val", ["1", "1.5", "True", "1j", "2**40", "-3", "mx.array(1, mx.int8)"])
@pytest.mark.parametrize(
    "dtype",
    [
        "None",
        "mx.bool_",
        "mx.int8",
        "mx.uint8",
        "mx.int32",
        "mx.int64",
        "mx.uint32",
        "mx.float16",
        "mx.bfloat16",
        "mx.float32",
        "mx.float64",
        "mx.complex64",
    ],
)
def test_full_dtype_rules(mx, ref, val, dtype):
    check(mx, ref, f"mx.full((2,), {val}, {dtype})")
    check(mx, ref, f"mx.full_like(i8, {val}, {dtype})")


@cases(
    "mx.full(2, 1)",
    "mx.full((2, 2), mx.array([1, 2]))",
    "mx.full(shape=[2, 3], vals=mx.array([0.0, 1.0, 2.0]))",
    "mx.full((2,), 1.5, dtype=mx.int32)",
    "mx.full((2,), np.float32(3.5))",
    "mx.full((2, 2), 7, stream=mx.cpu)",
    "mx.full((2,), [1, 2])",
    "mx.full((2,), a)",
    "mx.full(-1, 1)",
    "mx.full(2.0, 1)",
    "mx.full((2,), None)",
    "mx.full((2,), 1, 'int32')",
    "mx.zeros_like(a)",
    "mx.zeros_like(a, mx.int32)",
    "mx.zeros_like(i8, dtype=mx.float16)",
    "mx.ones_like(a, dtype=mx.int32)",
    "mx.ones_like(b, stream=mx.cpu)",
    "mx.zeros_like([1])",
    "mx.ones_like(1.0)",
    "mx.zeros_like(a=a)",
    "mx.full_like(a, 3)",
    "mx.full_like(mx.array([1, 2]), 2.5)",
    "mx.full_like(mx.array([1, 2]), 2.5, mx.float32)",
    "mx.full_like(a, mx.array([1, 2, 3]))",
    "mx.full_like(a, vals=mx.array([1, 2, 3], mx.int8), dtype=mx.int16)",
    "mx.full_like(b, 5)",
    "mx.full_like(i8, 1000)",
    "mx.full_like(a, [1, 2])",
    "mx.full_like(a, mx.zeros(4))",
    "mx.full_like([1], 2)",
)
def test_full_and_like(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.arange(5)",
    "mx.arange(5.0)",
    "mx.arange(1, 5)",
    "mx.arange(1, 5, 2)",
    "mx.arange(1, 5.0)",
    "mx.arange(1, 5, 0.5)",
    "mx.arange(0.5, 3)",
    "mx.arange(0, 10, 2.5)",
    "mx.arange(5, 1, -1)",
    "mx.arange(-3)",
    "mx.arange(5, 2)",
    "mx.arange(0, 5, dtype=mx.float16)",
    "mx.arange(5, dtype=mx.float32)",
    "mx.arange(0, 10, 3, mx.int32)",
    "mx.arange(1.0, 5, 1, mx.int32)",
    "mx.arange(5, 2, mx.float32)",
    "mx.arange(stop=5)",
    "mx.arange(start=1, stop=5)",
    "mx.arange(start=1, stop=5, step=2)",
    "mx.arange(1, stop=5)",
    "mx.arange(5, step=2)",
    "mx.arange(stop=5, step=2)",
    "mx.arange(5, None, None)",
    "mx.arange(5, None, 2)",
    "mx.arange(1, None)",
    "mx.arange(1, None, 2)",
    "mx.arange(1, 5, None)",
    "mx.arange(10, 5, step=None)",
    "mx.arange(1, 5, True)",
    "mx.arange(True, 5)",
    "mx.arange(0, True)",
    "mx.arange(2**31 + 5, 2**31 + 7)",
    "mx.arange(-2**31 - 1, -2**31 + 1)",
    "mx.arange(0, 2**31 + 2, 2**30)",
    "mx.arange(0, 5, inf)",
    "mx.arange(5, stream=mx.cpu)",
    "mx.arange(0, 5, 2, dtype=mx.float16, stream=mx.cpu)",
    "mx.arange(0, 1, 0)",
    "mx.arange(True)",
    "mx.arange(5, dtype=mx.bool_)",
    "mx.arange(2**40)",
    "mx.arange(0, inf)",
    "mx.arange(0, nan)",
    "mx.arange(mx.array(3))",
    "mx.arange('a')",
    "mx.arange()",
    "mx.arange(start=5)",
    "mx.arange(step=2)",
    "mx.arange(5, mx.float32)",
    "mx.arange(5, bogus=1)",
)
def test_arange(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.linspace(0, 1, 5)",
    "mx.linspace(0, 1)",
    "mx.linspace(-2.5, 7, 7)",
    "mx.linspace(0, 1, num=3, dtype=mx.int32)",
    "mx.linspace(0, 10, 3, endpoint=False)",
    "mx.linspace(0, 1, 3, False)",
    "mx.linspace(0, 1, 3, True, mx.float16)",
    "mx.linspace(start=0, stop=1, num=2)",
    "mx.linspace(0, 1, 1)",
    "mx.linspace(0, 1, 0)",
    "mx.linspace(0, 1, 3, dtype=None)",
    "mx.linspace(0, 1, 4, stream=mx.cpu)",
    "mx.linspace(0, 1, 4, True, mx.float32, mx.cpu)",
    "mx.linspace(0, 1, -1)",
    "mx.linspace(0, 1, 3, mx.float16)",
    "mx.linspace(0, 1, None)",
    "mx.linspace('a', 1)",
    "mx.eye(2)",
    "mx.eye(2, 3)",
    "mx.eye(3, k=1)",
    "mx.eye(2, 3, -1, mx.int32)",
    "mx.eye(2, dtype=mx.int32)",
    "mx.eye(2, None, 1)",
    "mx.eye(n=2, m=1)",
    "mx.eye(3, stream=mx.cpu)",
    "mx.eye(-1)",
    "mx.eye(2.0)",
    "mx.identity(2)",
    "mx.identity(2, mx.int32)",
    "mx.identity(n=2, dtype=mx.bool_)",
    "mx.identity(3, stream=mx.cpu)",
    "mx.identity(-1)",
    "mx.identity(2, 'int32')",
    "mx.asarray([1, 2.0])",
    "mx.asarray(a, mx.int32)",
    "mx.asarray(npa, dtype=mx.float16)",
    "mx.asarray(3, copy=True)",
    "mx.asarray(a) is a",
)
def test_linspace_eye_identity(mx, ref, expr):
    check(mx, ref, expr, tol=1e-6)


# ----- misc ---------------------------------------------------------------------------


@cases(
    "mx.where(a > 1, a, 0)",
    "mx.where(a > 1, 1, 2)",
    "mx.where(a, 1, 2)",
    "mx.where(True, 1.0, 2)",
    "mx.where(True, i8, 2)",
    "mx.where(b, i8, 2.5)",
    "mx.where(b, 1.0, h)",
    "mx.where(b, h, mx.array([0.0, 1.0, 2.0]))",
    "mx.where(npa > 1, npa, 0)",
    "mx.where(a > 1, a, 0, stream=mx.cpu)",
    "mx.where(True, i8, 1000)",
    "mx.where(a > 1, a, mx.zeros(4))",
    "mx.where([True], 1, 2)",
    "mx.where(condition=True, x=1, y=2)",
    "mx.where(True, None, 2)",
    "mx.where(True, 1)",
)
def test_where(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.clip(a, 1, 2)",
    "mx.clip(a, a_min=1, a_max=None)",
    "mx.clip(a, None, 3.5)",
    "mx.clip(i8, 0, 1)",
    "mx.clip(i8, 0, 1.5)",
    "mx.clip(h, -1, 1)",
    "mx.clip(a, mx.array([0, 1, 2]), 3)",
    "mx.clip(a, None, mx.array([1, 2, 3], mx.float16))",
    "mx.clip(a, np.array([1.0], np.float32), 4)",
    "mx.clip(nf, 0, 1)",
    "mx.clip(a, 1, 2, stream=mx.cpu)",
    "mx.clip(a, None, None)",
    "mx.clip(a, 1)",
    "mx.clip(i8, -1000, 1)",
    "mx.clip(a, [2], 3)",
    "mx.clip([1, 2], 0, 1)",
    "mx.clip(a, mx.zeros(4), 1)",
)
def test_clip(mx, ref, expr):
    check(mx, ref, expr)


@cases(
    "mx.nan_to_num(nf)",
    "mx.nan_to_num(nf, 1.0, 2.0, 3.0)",
    "mx.nan_to_num(nf, nan=5, neginf=-7)",
    "mx.nan_to_num(nf, posinf=9)",
    "mx.nan_to_num(nh)",
    "mx.nan_to_num(nh, nan=1e10)",
    "mx.nan_to_num(i8)",
    "mx.nan_to_num(1)",
    "mx.nan_to_num(nan)",
    "mx.nan_to_num(nf, stream=mx.cpu)",
    "mx.nan_to_num(f64)",
    "mx.nan_to_num(mx.array([1], mx.complex64))",
    "mx.nan_to_num(nf, nan=None)",
    "mx.nan_to_num([1.0])",
    "mx.round(mx.array([1.55, 2.5, -0.5]), 1)",
    "mx.round(mx.array([1.55, 2.5]), decimals=1)",
    "mx.round(mx.array([15.5, 250.0]), -1)",
    "mx.round(i8, -1)",
    "mx.round(1.5)",
    "mx.round(h)",
    "mx.round(a, stream=mx.cpu)",
    "mx.round(mx.array([1.5]), 1.0)",
    "mx.round([1.5])",
    "mx.astype(a, mx.int32)",
    "mx.astype(a, dtype=mx.int32)",
    "mx.astype(a, mx.bool_, stream=mx.cpu)",
    "mx.astype(a, 'int32')",
    "mx.astype(a, mx.floating)",
    "mx.astype([1], mx.float32)",
    "a.astype(mx.int8)",
    "a.astype(mx.int8, mx.cpu)",
    "a.astype(dtype=mx.float16)",
)
def test_nan_to_num_round_astype(mx, ref, expr):
    check(mx, ref, expr, tol=1e-3)


# ----- elementwise functions and methods -----------------------------------------------

UNARY = (
    "abs negative sign sqrt rsqrt square reciprocal exp expm1 log log2 log10 log1p sin cos "
    "tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh sigmoid erf erfinv "
    "floor ceil degrees radians real imag conj conjugate isnan isinf isfinite isposinf "
    "isneginf logical_not positive trunc stop_gradient"
).split()


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize(
    "args", ["(h)", "(a, stream=mx.cpu)", "(2)", "(npa)", "([1.0])", "((1, 2))", "(None)", "(a=a)"]
)
def test_unary_argument_kinds(mx, ref, name, args):
    check(mx, ref, f"mx.{name}{args}", tol=1e-3)


BINARY = (
    "add subtract multiply divide floor_divide remainder power maximum minimum logaddexp "
    "arctan2 equal not_equal greater greater_equal less less_equal logical_and logical_or "
    "logical_xor"
).split()


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize(
    "args",
    [
        "(h, 2)",
        "(2.5, h)",
        "(i8, 3)",
        "(i8, 1.5)",
        "(1, 2.0)",
        "(npa, 1)",
        "(a, a, stream=mx.cpu)",
        "([1], 2)",
        "(a, (1, 2))",
        "(a, None)",
        "(i8, 1000)",
        "(a=a, b=a)",
    ],
)
def test_binary_argument_kinds(mx, ref, name, args):
    check(mx, ref, f"mx.{name}{args}", tol=1e-3)


@cases(
    "mx.bitwise_and(i8, 3)",
    "mx.left_shift(u8, 1)",
    "mx.bitwise_or([1], 2)",
    "mx.matmul(a, a.T)",
    "mx.matmul(a, a.T, stream=mx.cpu)",
    "mx.matmul(a, 1.0)",
    "mx.matmul([[1]], [[2]])",
    "mx.matmul(npa, npa)",
)
def test_bitwise_matmul(mx, ref, expr):
    check(mx, ref, expr)


ELEMENTWISE_METHODS = (
    "abs conj cos exp log log10 log1p log2 reciprocal rsqrt sin sqrt square"
).split()


@pytest.mark.parametrize("name", ELEMENTWISE_METHODS)
@pytest.mark.parametrize("args", ["()", "(stream=mx.cpu)", "(mx.cpu)"])
def test_elementwise_methods(mx, ref, name, args):
    check(mx, ref, f"h.{name}{args}", tol=1e-3)
    check(mx, ref, f"i8.{name}{args}", tol=1e-5)


@cases(
    "a.round()",
    "mx.array([1.55, 2.5]).round(1)",
    "mx.array([1.55, 2.5]).round(decimals=1)",
    "i8.round(-1, stream=mx.cpu)",
    "a.round(1.0)",
    "a.round(1, mx.cpu)",
)
def test_round_method(mx, ref, expr):
    check(mx, ref, expr)


def test_method_names_match_mlx(mx, ref):
    """Every op method bound here exists on MLX's array with the same name."""
    bound = set(ELEMENTWISE_METHODS) | set(REDUCTIONS) | {
        "argmax", "argmin", "round", "reshape", "transpose", "flatten", "squeeze",
        "swapaxes", "moveaxis", "split", "astype", "mT", "T",
    }
    for name in sorted(bound):
        assert hasattr(ref.array, name), name
        assert hasattr(mx.array, name), name


@pytest.mark.parametrize(
    "alias,name",
    [
        ("acos", "arccos"),
        ("acosh", "arccosh"),
        ("asin", "arcsin"),
        ("asinh", "arcsinh"),
        ("atan", "arctan"),
        ("atan2", "arctan2"),
        ("atanh", "arctanh"),
        ("bitwise_left_shift", "left_shift"),
        ("bitwise_right_shift", "right_shift"),
        ("pow", "power"),
        ("empty", "zeros"),
        ("empty_like", "zeros_like"),
    ],
)
def test_aliases(mx, ref, alias, name):
    assert getattr(ref, alias) is getattr(ref, name)
    assert getattr(mx, alias) is getattr(mx, name)
    check(mx, ref, f"mx.{alias}(h, 1)" if "2" in alias or "shift" in alias or alias == "pow"
          else f"mx.{alias}(mx.array([0.5]))", tol=1e-3)


def test_function_names_exist(mx, ref):
    names = (
        REDUCTIONS
        + UNARY
        + BINARY
        + "argmax argmin softmax reshape flatten unflatten squeeze expand_dims transpose "
        "permute_dims swapaxes moveaxis broadcast_to broadcast_arrays broadcast_shapes "
        "concatenate concat stack split contiguous atleast_1d atleast_2d atleast_3d zeros "
        "ones full empty zeros_like ones_like full_like empty_like arange linspace eye "
        "identity asarray where clip nan_to_num round astype matmul".split()
    )
    for name in names:
        assert hasattr(ref, name), name
        assert callable(getattr(mx, name)), name
