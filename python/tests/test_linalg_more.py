"""mx.linalg det, slogdet, lu, lu_factor, pinv, eig, eigvals, cross, complex64 svd/eigh and
norm, and gradients/vmap of the linalg ops, against the real MLX (and NumPy where MLX has
no gradient)."""

import math

import numpy as np
import pytest


def _rand(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _crand(shape, seed=0):
    return (_rand(shape, seed) + 1j * _rand(shape, seed + 100)).astype(np.complex64)


def _close(x, y, tol=1e-4):
    np.testing.assert_allclose(np.array(x), np.array(y), rtol=tol, atol=tol)


def _pair(mx, ref, arr, dtype=None):
    a, b = mx.array(arr), ref.array(arr)
    if dtype:
        a, b = a.astype(getattr(mx, dtype)), b.astype(getattr(ref, dtype))
    return a, b


def _same_error(mx, ref, name, *args, **kw):
    with pytest.raises(Exception) as want:
        ref.eval(getattr(ref.linalg, name)(*[ref.array(np.array(a)) for a in args], **kw))
    with pytest.raises(type(want.value)) as got:
        mx.eval(getattr(mx.linalg, name)(*[mx.array(np.array(a)) for a in args], **kw))
    return str(got.value), str(want.value)


# --- det / slogdet ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [(), (3,)])
def test_det_slogdet(mx, ref, n, dtype, batch):
    x = _rand(batch + (n, n), n)
    a, b = _pair(mx, ref, x, dtype)
    got, want = mx.linalg.det(a), ref.linalg.det(b)
    assert got.shape == want.shape and str(got.dtype) == str(want.dtype)
    _close(got, want, 1e-4)
    (s, l), (ws, wl) = mx.linalg.slogdet(a), ref.linalg.slogdet(b)
    assert s.shape == ws.shape and str(l.dtype) == str(wl.dtype)
    _close(s, ws)
    _close(l, wl)


@pytest.mark.parametrize("dtype", ["int32", "bool_", "float16", "uint8"])
def test_det_dtypes(mx, ref, dtype):
    x = np.array([[1, 2, 0], [3, 5, 1], [0, 1, 1]])
    a, b = _pair(mx, ref, x, dtype)
    got, want = mx.linalg.det(a), ref.linalg.det(b)
    assert str(got.dtype) == str(want.dtype)
    _close(got.astype(mx.float32), want.astype(ref.float32), 1e-2)
    (s, l), (ws, wl) = mx.linalg.slogdet(a), ref.linalg.slogdet(b)
    assert str(s.dtype) == str(ws.dtype)
    _close(s.astype(mx.float32), ws.astype(ref.float32), 1e-2)


def test_det_singular(mx, ref):
    for x in ([[1.0, 2.0], [2.0, 4.0]], np.zeros((4, 4), np.float32),
              np.arange(16, dtype=np.float32).reshape(4, 4) * 0 + np.array([1, 2, 3, 4], np.float32)):
        a, b = _pair(mx, ref, np.array(x, np.float32))
        _close(mx.linalg.det(a), ref.linalg.det(b))
        (s, l), (ws, wl) = mx.linalg.slogdet(a), ref.linalg.slogdet(b)
        _close(s, ws)
        assert np.array(l) == np.array(wl) == -np.inf


@pytest.mark.parametrize(
    "name,shape,dtype",
    [("det", (2, 2), "complex64"), ("det", (3,), "float32"), ("det", (2, 3), "float32"),
     ("slogdet", (2, 2), "complex64"), ("slogdet", (3,), "float32"), ("slogdet", (3, 2), "float32"),
     ("det", (4, 4), "float16"), ("slogdet", (5, 5), "float16")],
)
def test_det_errors(mx, ref, name, shape, dtype):
    x = np.ones(shape).astype(dtype)
    got, want = _same_error(mx, ref, name, x)
    assert got == want


# --- lu / lu_factor ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4), (2, 3, 6)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_factor_matches_mlx(mx, ref, shape, dtype):
    a, b = _pair(mx, ref, _rand(shape, 2), dtype)
    lu, piv = mx.linalg.lu_factor(a)
    wlu, wpiv = ref.linalg.lu_factor(b)
    assert lu.shape == wlu.shape and piv.shape == wpiv.shape
    assert piv.dtype == mx.uint32 and lu.dtype == a.dtype
    assert np.array(piv).tolist() == np.array(wpiv).tolist()
    _close(lu, wlu)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_reconstructs(mx, ref, shape, dtype):
    a, b = _pair(mx, ref, _rand(shape, 3), dtype)
    p, l, u = mx.linalg.lu(a)
    wp, wl, wu = ref.linalg.lu(b)
    assert (p.shape, l.shape, u.shape) == (wp.shape, wl.shape, wu.shape)
    assert p.dtype == mx.uint32
    assert np.array(p).tolist() == np.array(wp).tolist()
    _close(l, wl)
    _close(u, wu)
    # A = P L U:  A[i] = (L U)[P[i]]
    lu = np.array(l) @ np.array(u)
    back = np.take_along_axis(lu, np.array(p)[..., None].astype(np.int64), axis=-2)
    _close(back, np.array(a))


def test_lu_zero_pivot(mx, ref):
    x = np.array([[1, 2, 0, 0], [2, 4, 0, 0], [0, 0, 1, 0], [1, 1, 1, 1]], np.float32)
    a, b = _pair(mx, ref, x)
    lu, piv = mx.linalg.lu_factor(a)
    wlu, wpiv = ref.linalg.lu_factor(b)
    assert np.array(piv).tolist() == np.array(wpiv).tolist()
    _close(lu, wlu)
    _close(mx.linalg.det(a), ref.linalg.det(b))


@pytest.mark.parametrize("name", ["lu", "lu_factor", "pinv"])
@pytest.mark.parametrize("shape,dtype", [((3,), "float32"), ((2, 2), "int32"), ((2, 2), "float16"),
                                         ((2, 2), "complex64")])
def test_lu_pinv_errors(mx, ref, name, shape, dtype):
    got, want = _same_error(mx, ref, name, np.ones(shape).astype(dtype))
    assert got == want


# --- pinv ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pinv(mx, ref, shape, dtype):
    a, b = _pair(mx, ref, _rand(shape, 4), dtype)
    got, want = mx.linalg.pinv(a), ref.linalg.pinv(b)
    assert got.shape == want.shape and got.dtype == a.dtype
    _close(got, want, 1e-3)
    x = np.array(a)
    _close(x @ np.array(got) @ x, x, 1e-3)


def test_pinv_rank_deficient(mx, ref):
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], np.float32)
    a, b = _pair(mx, ref, x)
    _close(mx.linalg.pinv(a), ref.linalg.pinv(b))


# --- eig / eigvals --------------------------------------------------------------------------------

def _sorted(w):
    w = np.array(w)
    return w[..., np.lexsort((np.round(w.imag, 3), np.round(w.real, 3)))]


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 5), (3, 3), (16, 16), (33, 33), (2, 40, 40),
                                   (64, 64), (1, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
def test_eig(mx, ref, shape, dtype):
    x = _crand(shape, 5) if dtype == "complex64" else _rand(shape, 5)
    a, b = _pair(mx, ref, x, dtype)
    w, v = mx.linalg.eig(a)
    ww, wv = ref.linalg.eig(b)
    assert (w.shape, v.shape) == (ww.shape, wv.shape)
    assert w.dtype == v.dtype == mx.complex64
    for i in np.ndindex(shape[:-2]):
        _close(_sorted(np.array(w)[i]), _sorted(np.array(ww)[i]), 1e-3)
    xa = np.array(a).astype(np.complex128)
    vv, wn = np.array(v), np.array(w)
    _close(xa @ vv, vv * wn[..., None, :], 1e-3)
    _close(np.linalg.norm(vv, axis=-2), np.ones(shape[:-1]), 1e-4)
    got = mx.linalg.eigvals(a)
    for i in np.ndindex(shape[:-2]):
        _close(_sorted(np.array(got)[i]), _sorted(np.array(ww)[i]), 1e-3)


@pytest.mark.parametrize("name", ["eig", "eigvals"])
@pytest.mark.parametrize("shape,dtype", [((3,), "float32"), ((2, 3), "float32"), ((2, 2), "int32"),
                                         ((2, 2), "float16")])
def test_eig_errors(mx, ref, name, shape, dtype):
    got, want = _same_error(mx, ref, name, np.ones(shape).astype(dtype))
    assert got == want


# --- complex svd / eigh ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 2, 4), (8, 8), (6, 10), (12, 5), (33, 33)])
def test_complex_singular_values(mx, ref, shape):
    # Exact for every shape (real embedding), as the complex norms built on them.
    a, b = _pair(mx, ref, _crand(shape, 6))
    _close(mx.linalg.svd(a, compute_uv=False), ref.linalg.svd(b, compute_uv=False), 1e-3)
    if len(shape) == 2:
        for o in ("nuc", 2, -2):
            _close(mx.linalg.norm(a, o), ref.linalg.norm(b, o), 1e-3)


@pytest.mark.parametrize("shape", [(8, 8), (6, 10), (12, 5), (33, 33), (2, 17, 17), (64, 64),
                                   (3, 40, 24), (128, 128), (200, 200), (150, 200)])
def test_complex_svd_larger(mx, ref, shape):
    # Every size: U S Vᴴ = A with unitary U and V, singular values equal to MLX's.
    x = _crand(shape, 6)
    a, b = _pair(mx, ref, x)
    u, s, vt = mx.linalg.svd(a)
    assert u.dtype == vt.dtype == mx.complex64 and s.dtype == mx.float32
    ws = ref.linalg.svd(b, compute_uv=False, stream=ref.cpu)
    _close(s, ws, 1e-3)
    uu, ss, vv = (np.array(t).astype(np.complex128) for t in (u, s, vt))
    k = ss.shape[-1]
    back = (uu[..., :, :k] * ss[..., None, :]) @ vv[..., :k, :]
    scale = np.abs(x).max()
    np.testing.assert_allclose(back, x, atol=2e-5 * scale * shape[-1] ** 0.5, rtol=0)
    for f in (uu, vv):
        eye = np.conj(np.swapaxes(f, -1, -2)) @ f
        np.testing.assert_allclose(eye, np.broadcast_to(np.eye(f.shape[-1]), eye.shape), atol=1e-4)
    _close(mx.linalg.svd(a, compute_uv=False), ws, 1e-3)


@pytest.mark.parametrize("n", [3, 16, 33, 64])
def test_complex_eig_vectors_vs_mlx(mx, ref, n):
    # MLX 0.32.4 returns the complex conjugates of the eigenvectors for complex input
    # (A·conj(V) = conj(V)·diag(w), checked here); rmlx returns the eigenvectors
    # themselves (A V = V diag(w)). Column by column, rmlx's V equals conj(MLX's V) up to
    # a unit phase.
    x = _crand((n, n), 21)
    a, b = _pair(mx, ref, x)
    w, v = (np.array(t) for t in mx.linalg.eig(a))
    ww, wv = (np.array(t) for t in ref.linalg.eig(b, stream=ref.cpu))
    xa = x.astype(np.complex128)
    assert np.abs(xa @ np.conj(wv) - np.conj(wv) * ww).max() < 1e-3  # MLX's convention
    assert np.abs(xa @ v - v * w).max() < 1e-3
    for j in range(n):
        i = np.argmin(np.abs(ww - w[j]))
        assert abs(ww[i] - w[j]) < 1e-3
        phase = np.vdot(np.conj(wv[:, i]), v[:, j])
        assert abs(abs(phase) - 1) < 1e-3
        _close(v[:, j], np.conj(wv[:, i]) * phase, 1e-3)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 2, 4)])
def test_complex_svd(mx, ref, shape):
    a, b = _pair(mx, ref, _crand(shape, 6))
    u, s, vt = mx.linalg.svd(a)
    wu, ws, wvt = ref.linalg.svd(b)
    assert (u.shape, s.shape, vt.shape) == (wu.shape, ws.shape, wvt.shape)
    assert u.dtype == vt.dtype == mx.complex64 and s.dtype == mx.float32
    _close(s, ws)
    k = s.shape[-1]
    _close((np.array(u)[..., :, :k] * np.array(s)[..., None, :]) @ np.array(vt)[..., :k, :], np.array(a))
    _close(mx.linalg.svd(a, compute_uv=False), ws)


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("n", [3, 16])
def test_complex_eigh(mx, ref, uplo, n):
    x = _crand((2, n, n), 7)
    h = x @ np.conj(np.swapaxes(x, -1, -2))
    a, b = _pair(mx, ref, h)
    w, v = mx.linalg.eigh(a, uplo)
    ww, _ = ref.linalg.eigh(b, uplo)
    assert w.dtype == mx.float32 and v.dtype == mx.complex64
    _close(w, ww, 1e-3)
    _close(h @ np.array(v), np.array(v) * np.array(w)[..., None, :], 1e-3)
    _close(mx.linalg.eigvalsh(a, uplo), ref.linalg.eigvalsh(b, uplo), 1e-3)


# --- norm on complex input, every ord ------------------------------------------------------------------

@pytest.mark.parametrize(
    "shape,ord",
    [((5,), o) for o in [None, 0, 1, 2, 3, 0.5, -1, math.inf, -math.inf]]
    + [((3, 4), o) for o in [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]],
)
def test_norm_complex(mx, ref, shape, ord):
    a, b = _pair(mx, ref, _crand(shape, 8))
    got, want = mx.linalg.norm(a, ord), ref.linalg.norm(b, ord)
    assert got.shape == want.shape and str(got.dtype) == str(want.dtype)
    _close(got, want)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("dtype", ["int32", "float16"])
def test_norm_svd_dtype_errors(mx, ref, ord, dtype):
    x = np.ones((3, 3)).astype(dtype)
    with pytest.raises(ValueError) as want:
        ref.linalg.norm(ref.array(x), ord)
    with pytest.raises(ValueError) as got:
        mx.linalg.norm(mx.array(x), ord)
    assert str(got.value) == str(want.value)


# --- cross ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "sa,sb,axis,dtype",
    [((3,), (3,), -1, "float32"), ((2,), (3,), -1, "float32"), ((2,), (2,), -1, "float64"),
     ((4, 3), (3,), -1, "float32"), ((3, 4), (3, 4), 0, "float32"), ((2, 3, 5), (3, 1), -2, "float32"),
     ((3,), (3,), -1, "int32"), ((3,), (3,), -1, "complex64"), ((3,), (3,), 0, "float16"),
     ((5, 3), (5, 3), 1, "bool_")],
)
def test_cross(mx, ref, sa, sb, axis, dtype):
    x, y = _rand(sa, 9), _rand(sb, 10)
    if dtype in ("int32", "bool_"):
        x, y = np.round(x * 3), np.round(y * 3)
    a, b = _pair(mx, ref, x, dtype)
    c, d = _pair(mx, ref, y, dtype)
    got, want = mx.linalg.cross(a, c, axis), ref.linalg.cross(b, d, axis)
    assert got.shape == want.shape and str(got.dtype) == str(want.dtype)
    if dtype == "bool_":
        assert np.array(got).tolist() == np.array(want).tolist()
    else:
        _close(got.astype(mx.complex64), want.astype(ref.complex64), 1e-2)


def test_cross_mixed_and_transposed(mx, ref):
    x, y = _rand((3, 4), 1), np.arange(3)
    a, b = _pair(mx, ref, x)
    c, d = _pair(mx, ref, y)
    _close(mx.linalg.cross(a.T, c), ref.linalg.cross(b.T, d))
    assert str(mx.linalg.cross(a.T, c).dtype) == str(ref.linalg.cross(b.T, d).dtype)


@pytest.mark.parametrize(
    "sa,sb,axis",
    [((3, 4), (3, 4), 2), ((3, 4), (3, 4), -3), ((3, 4), (3, 4), -1), ((2, 3), (4, 3), -1),
     ((), (), -1), ((3, 1), (1, 3), 0)],
)
def test_cross_errors(mx, ref, sa, sb, axis):
    got, want = _same_error(mx, ref, "cross", np.ones(sa, np.float32), np.ones(sb, np.float32), axis=axis)
    assert got == want


def test_cross_requires_arrays(mx):
    with pytest.raises(TypeError):
        mx.linalg.cross([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])


# --- transforms -----------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3])
def test_grad_det_small_matches_mlx(mx, ref, n):
    x = _rand((n, n), 11)
    a, b = _pair(mx, ref, x)
    _close(mx.grad(mx.linalg.det)(a), ref.grad(ref.linalg.det)(b))
    _close(mx.grad(lambda m: mx.linalg.slogdet(m)[1])(a), ref.grad(lambda m: ref.linalg.slogdet(m)[1])(b))
    # At a singular matrix the closed form gives the cofactors (MLX too).
    s = np.ones((n, n), np.float32)
    _close(mx.grad(mx.linalg.det)(mx.array(s)), ref.grad(ref.linalg.det)(ref.array(s)))


def test_grad_det_large_is_cofactor(mx, ref):
    # MLX has no LU gradient (it raises); rmlx gives det(A)·A⁻ᵀ.
    x = _rand((5, 5), 12) + 3 * np.eye(5, dtype=np.float32)
    with pytest.raises(ValueError):
        ref.grad(ref.linalg.det)(ref.array(x))
    want = np.linalg.det(x.astype(np.float64)) * np.linalg.inv(x.astype(np.float64)).T
    _close(mx.grad(mx.linalg.det)(mx.array(x)), want, 1e-3)
    _close(mx.grad(lambda m: mx.linalg.slogdet(m)[1])(mx.array(x)), np.linalg.inv(x.astype(np.float64)).T, 1e-4)


def test_grad_inv_solve(mx):
    x = _rand((4, 4), 13) + 4 * np.eye(4, dtype=np.float32)
    y = _rand((4, 2), 14)
    xi = np.linalg.inv(x.astype(np.float64))
    g = mx.grad(lambda m: mx.linalg.inv(m).sum())(mx.array(x))
    ones = np.ones((4, 4))
    _close(g, -xi.T @ ones @ xi.T)
    ga, gb = mx.grad(lambda m, r: mx.linalg.solve(m, r).sum(), argnums=(0, 1))(mx.array(x), mx.array(y))
    gbn = xi.T @ np.ones((4, 2))
    _close(gb, gbn)
    _close(ga, -gbn @ (xi @ y).T)


def test_grad_eigvalsh_and_svd(mx):
    x = _rand((4, 4), 15)
    s = x + x.T
    w, v = np.linalg.eigh(s.astype(np.float64))
    # d(sum w_i²)/dA over the lower triangle: G = V diag(2w) Vᵀ folded onto tril.
    g = mx.grad(lambda m: (mx.linalg.eigvalsh(m) ** 2).sum())(mx.array(s))
    full = v @ np.diag(2 * w) @ v.T
    _close(g, np.tril(full) + np.tril(full.T, -1), 1e-3)
    # d(sum σ)/dA = U Vᵀ
    u, _, vt = np.linalg.svd(x.astype(np.float64))
    _close(mx.grad(lambda m: mx.linalg.svd(m, compute_uv=False).sum())(mx.array(x)), u @ vt, 1e-3)
    _close(mx.grad(lambda m: mx.linalg.norm(m, "nuc"))(mx.array(x)), u @ vt, 1e-3)


def test_eig_grad_is_an_error(mx, ref):
    x = mx.array(_rand((3, 3), 16))
    with pytest.raises(ValueError):
        ref.grad(lambda m: ref.real(ref.linalg.eigvals(m)).sum())(ref.array(np.array(x)))
    with pytest.raises(Exception, match="Eig"):
        mx.grad(lambda m: mx.real(mx.linalg.eigvals(m)).sum())(x)


@pytest.mark.parametrize(
    "name,fn",
    [("inv", lambda L, m: L.inv(m)), ("det", lambda L, m: L.det(m)),
     ("slogdet", lambda L, m: L.slogdet(m)[1]), ("svd", lambda L, m: L.svd(m, compute_uv=False)),
     ("eigvalsh", lambda L, m: L.eigvalsh(m + m.swapaxes(-1, -2))), ("cholesky", lambda L, m: L.cholesky(m @ m.swapaxes(-1, -2))),
     ("pinv", lambda L, m: L.pinv(m)), ("tri_inv", lambda L, m: L.tri_inv(m)),
     ("cross", lambda L, m: L.cross(m[:, :3], m[:, 1:4]))],
)
def test_vmap_matches_mlx(mx, ref, name, fn):
    x = _rand((3, 4, 4), 17) + 4 * np.eye(4, dtype=np.float32)
    got = mx.vmap(lambda m: fn(mx.linalg, m))(mx.array(x))
    # Against MLX on each matrix in a loop: MLX's own vmap has no rule for LUF (det/slogdet
    # of 4×4) and loses tri_inv's triangular flag (it returns the general inverse).
    want = ref.stack([fn(ref.linalg, ref.array(x[i])) for i in range(x.shape[0])])
    _close(got, want, 1e-3)
    if name not in ("det", "slogdet", "tri_inv"):
        _close(got, ref.vmap(lambda m: fn(ref.linalg, m))(ref.array(x)), 1e-3)
