"""mx.linalg against the real MLX: values where unique, reconstructions where not."""

import math

import numpy as np
import pytest


def _rand(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _spd(n, batch=(), seed=0):
    a = _rand(batch + (n, n), seed)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=np.float32)


def _close(x, y, tol=1e-4):
    np.testing.assert_allclose(np.array(x), np.array(y), rtol=tol, atol=tol)


def _pair(mx, ref, arr, dtype="float32"):
    return mx.array(arr).astype(getattr(mx, dtype)), ref.array(arr).astype(getattr(ref, dtype))


NORM_CASES = [
    ((5,), None, None),
    ((5,), 0, None),
    ((5,), 1, None),
    ((5,), 2, None),
    ((5,), 3, None),
    ((5,), 0.5, None),
    ((5,), -1, None),
    ((5,), math.inf, None),
    ((5,), -math.inf, None),
    ((3, 4), None, None),
    ((3, 4), "fro", None),
    ((3, 4), "nuc", None),
    ((3, 4), 1, None),
    ((3, 4), -1, None),
    ((3, 4), 2, None),
    ((3, 4), -2, None),
    ((3, 4), math.inf, None),
    ((3, 4), -math.inf, None),
    ((2, 3, 4), None, None),
    ((2, 3, 4), None, 1),
    ((2, 3, 4), 3, -1),
    ((2, 3, 4), "fro", (0, 2)),
    ((2, 3, 4), "nuc", (2, 1)),
    ((2, 3, 4), 1, (1, 2)),
    ((2, 3, 4), math.inf, (0, 1)),
]


@pytest.mark.parametrize("shape,ord,axis", NORM_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm(mx, ref, shape, ord, axis, keepdims):
    x = _rand(shape)
    a, b = _pair(mx, ref, x)
    got = mx.linalg.norm(a, ord, axis, keepdims)
    want = ref.linalg.norm(b, ord, axis, keepdims)
    assert got.shape == want.shape
    assert got.dtype == mx.float32
    _close(got, want)


@pytest.mark.parametrize("dtype", ["int32", "float16", "bool_", "float64"])
def test_norm_dtypes(mx, ref, dtype):
    x = np.array([[1, 0, 3], [2, 5, 0]])
    a, b = _pair(mx, ref, x, dtype)
    for ord in [None, 0, 1, math.inf]:
        axis = -1 if ord is not None else None
        got, want = mx.linalg.norm(a, ord, axis), ref.linalg.norm(b, ord, axis)
        assert str(got.dtype) == str(want.dtype)
        _close(got.astype(mx.float32), want.astype(ref.float32), 1e-2)


@pytest.mark.parametrize(
    "shape,ord,axis",
    [((5,), "fro", None), ((5,), "nuc", None), ((3, 4), 3, None), ((3, 4), 0, None),
     ((3, 4), "foo", None), ((2, 2, 2), 2, None), ((2, 2, 2), None, (0, 1, 2)),
     ((2, 2, 2), None, 5)],
)
def test_norm_errors(mx, ref, shape, ord, axis):
    x = np.ones(shape, np.float32)
    with pytest.raises(Exception) as want:
        ref.linalg.norm(ref.array(x), ord, axis)
    with pytest.raises(type(want.value)) as got:
        mx.linalg.norm(mx.array(x), ord, axis)
    if "[linalg::norm]" in str(want.value):
        assert str(got.value) == str(want.value)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_inv(mx, ref, dtype, batch):
    x = _rand(batch + (4, 4)) + 4 * np.eye(4, dtype=np.float32)
    a, b = _pair(mx, ref, x, dtype)
    got = mx.linalg.inv(a)
    assert got.dtype == getattr(mx, dtype) and got.shape == a.shape
    _close(got, ref.linalg.inv(b))
    _close(a @ got, np.broadcast_to(np.eye(4), a.shape))


def test_inv_transposed_view(mx, ref):
    x = _rand((4, 4)) + 4 * np.eye(4, dtype=np.float32)
    a, b = _pair(mx, ref, x)
    _close(mx.linalg.inv(a.T), ref.linalg.inv(b.T))


def test_inv_singular_raises_runtime_error(mx, ref):
    s = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(RuntimeError):
        ref.eval(ref.linalg.inv(ref.array(s)))
    with pytest.raises(RuntimeError, match="LU factorization failed"):
        mx.eval(mx.linalg.inv(mx.array(s)))


@pytest.mark.parametrize(
    "name,args",
    [("inv", ((3,),)), ("inv", ((2, 3),)), ("cholesky", ((2, 3),)), ("qr", ((3,),)),
     ("svd", ((3,),)), ("eigh", ((2, 3),)), ("eigvalsh", ((3,),)), ("tri_inv", ((2, 3),))],
)
def test_shape_errors(mx, ref, name, args):
    x = np.ones(args[0], np.float32)
    with pytest.raises(Exception) as want:
        getattr(ref.linalg, name)(ref.array(x))
    with pytest.raises(type(want.value)) as got:
        getattr(mx.linalg, name)(mx.array(x))
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("name", ["inv", "cholesky", "qr", "tri_inv", "cholesky_inv", "svd",
                                  "eigh", "eigvalsh"])
@pytest.mark.parametrize("dtype", ["float16", "int32", "bfloat16"])
def test_dtype_errors(mx, ref, name, dtype):
    x = np.eye(2)
    a, b = _pair(mx, ref, x, dtype)
    with pytest.raises(ValueError) as want:
        getattr(ref.linalg, name)(b)
    with pytest.raises(ValueError) as got:
        getattr(mx.linalg, name)(a)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(mx, ref, dtype, upper):
    x = _spd(4, (2,))
    a, b = _pair(mx, ref, x, dtype)
    got = mx.linalg.cholesky(a, upper)
    _close(got, ref.linalg.cholesky(b, upper))
    _close(mx.linalg.cholesky_inv(got, upper), ref.linalg.cholesky_inv(ref.linalg.cholesky(b, upper), upper))


@pytest.mark.parametrize("upper", [False, True])
def test_tri_inv(mx, ref, upper):
    x = _rand((3, 4, 4)) + 4 * np.eye(4, dtype=np.float32)
    a, b = _pair(mx, ref, x)
    _close(mx.linalg.tri_inv(a, upper), ref.linalg.tri_inv(b, upper))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_qr(mx, ref, shape, dtype):
    a, b = _pair(mx, ref, _rand(shape), dtype)
    q, r = mx.linalg.qr(a)
    wq, wr = ref.linalg.qr(b)
    assert q.shape == wq.shape and r.shape == wr.shape and q.dtype == a.dtype
    _close(q @ r, a)
    k = q.shape[-1]
    _close(q.swapaxes(-1, -2) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)))
    _close(mx.abs(r), ref.abs(wr))  # R is unique up to row signs
    _close(np.tril(np.array(r), -1), np.zeros(r.shape))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_svd(mx, ref, shape, dtype):
    a, b = _pair(mx, ref, _rand(shape), dtype)
    u, s, vt = mx.linalg.svd(a)
    wu, ws, wvt = ref.linalg.svd(b)
    assert (u.shape, s.shape, vt.shape) == (wu.shape, ws.shape, wvt.shape)
    assert s.dtype == a.dtype
    _close(s, ws)
    k = s.shape[-1]
    _close((u[..., :, :k] * s[..., None, :]) @ vt[..., :k, :], a)
    sv = mx.linalg.svd(a, compute_uv=False)
    assert isinstance(sv, mx.array)
    _close(sv, ws)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(mx, ref, dtype, uplo):
    x = _rand((2, 4, 4))
    x = np.triu(x) if uplo == "U" else np.tril(x)  # only one triangle is read
    a, b = _pair(mx, ref, x, dtype)
    w, v = mx.linalg.eigh(a, uplo)
    ww, _ = ref.linalg.eigh(b, uplo)
    _close(w, ww)
    _close(mx.linalg.eigvalsh(a, UPLO=uplo), ref.linalg.eigvalsh(b, UPLO=uplo))
    sym = np.array(a)
    sym = np.triu(sym) + np.swapaxes(np.triu(sym, 1), -1, -2) if uplo == "U" else np.tril(sym) + np.swapaxes(np.tril(sym, -1), -1, -2)
    _close(sym @ np.array(v), np.array(v) * np.array(w)[..., None, :], 1e-3)


@pytest.mark.parametrize("bshape", [(4,), (4, 2), (3, 4, 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_solve(mx, ref, bshape, dtype):
    x = _rand((3, 4, 4)) + 4 * np.eye(4, dtype=np.float32)
    if len(bshape) < 3:
        x = x[0]
    a, b = _pair(mx, ref, x, dtype)
    c, d = _pair(mx, ref, _rand(bshape, 1), dtype)
    got, want = mx.linalg.solve(a, c), ref.linalg.solve(b, d)
    assert got.shape == want.shape and str(got.dtype) == str(want.dtype)
    _close(got, want)


@pytest.mark.parametrize("upper", [False, True])
def test_solve_triangular(mx, ref, upper):
    x = _rand((3, 4, 4)) + 4 * np.eye(4, dtype=np.float32)
    a, b = _pair(mx, ref, x)
    c, d = _pair(mx, ref, _rand((4, 2), 1))
    _close(mx.linalg.solve_triangular(a, c, upper=upper), ref.linalg.solve_triangular(b, d, upper=upper))


@pytest.mark.parametrize(
    "a,b",
    [((3, 3), (2,)), ((3, 2), (3,))],
)
def test_solve_errors(mx, ref, a, b):
    x, y = np.ones(a, np.float32), np.ones(b, np.float32)
    for name in ["solve", "solve_triangular"]:
        with pytest.raises(ValueError) as want:
            getattr(ref.linalg, name)(ref.array(x), ref.array(y))
        with pytest.raises(ValueError) as got:
            getattr(mx.linalg, name)(mx.array(x), mx.array(y))
        assert str(got.value) == str(want.value)


def test_solve_int_error(mx, ref):
    with pytest.raises(ValueError) as want:
        ref.linalg.solve(ref.eye(2).astype(ref.int32), ref.ones((2,), dtype=ref.int32))
    with pytest.raises(ValueError) as got:
        mx.linalg.solve(mx.eye(2).astype(mx.int32), mx.ones((2,), dtype=mx.int32))
    assert str(got.value) == str(want.value)


def test_stream_kw(mx):
    a = mx.eye(3)
    _close(mx.linalg.inv(a, stream=mx.cpu), np.eye(3))


@pytest.mark.parametrize("shape", [None, (3,), (2, 5)])
def test_multivariate_normal(mx, ref, shape):
    mean = [1.0, -2.0, 0.5]
    cov = [[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]]
    kw = {} if shape is None else {"shape": shape}
    got = mx.random.multivariate_normal(mx.array(mean), mx.array(cov), key=mx.random.key(3), **kw)
    want = ref.random.multivariate_normal(ref.array(mean), ref.array(cov), key=ref.random.key(3), **kw)
    assert got.shape == want.shape and got.dtype == mx.float32
    _close(got, want, 1e-4)
