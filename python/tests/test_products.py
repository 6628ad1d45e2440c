"""Product ops of rmlx.core against the real MLX: signatures (positional-only and keyword
arguments as MLX binds them), result dtypes, exception types and message prefixes, and the
places where rmlx defines what MLX leaves undefined (out-of-range gather indices and segment
bounds are clamped; unsupported Hadamard lengths raise). Value sweeps live in the
differential family `products`.
"""

import math

import numpy as np
import pytest

rng = np.random.default_rng(7)


def both(mx, ref, shape, dtype="float32"):
    host = rng.standard_normal(shape).astype(np.float32)
    return mx.array(host).astype(getattr(mx, dtype)), ref.array(host).astype(getattr(ref, dtype))


def same(got, want, rtol=1e-5, atol=1e-5):
    assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1]
    assert tuple(got.shape) == tuple(want.shape)
    g, w = np.array(got.tolist()), np.array(want.tolist())
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def raises_like(mx_call, ref_call):
    """Both raise the same exception type; returns (ours, theirs) messages."""
    with pytest.raises(Exception) as theirs:
        ref_call()
    with pytest.raises(theirs.type) as ours:
        mx_call()
    return str(ours.value), str(theirs.value)


NAMES = ["addmm", "inner", "outer", "tensordot", "kron", "vecdot", "block_masked_mm",
         "gather_mm", "segmented_mm", "hadamard_transform"]


@pytest.mark.parametrize("name", NAMES)
def test_exists_and_rejects_lists(mx, ref, name):
    assert callable(getattr(mx, name))
    a = [[1.0, 2.0], [3.0, 4.0]]
    args = {"addmm": (a, a, a), "segmented_mm": (a, a, a), "hadamard_transform": (a,)}.get(name, (a, a))
    raises_like(lambda: getattr(mx, name)(*args), lambda: getattr(ref, name)(*args))


def test_keyword_rules(mx, ref):
    (a, ra), (b, rb) = both(mx, ref, (2, 3)), both(mx, ref, (3, 4))
    same(mx.kron(a=a, b=b), ref.kron(a=ra, b=rb))
    raises_like(lambda: mx.inner(a=a, b=a), lambda: ref.inner(a=ra, b=ra))
    raises_like(lambda: mx.addmm(c=a, a=a, b=b), lambda: ref.addmm(c=ra, a=ra, b=rb))
    same(mx.vecdot(a, a, 0), ref.vecdot(ra, ra, 0))  # MLX takes axis positionally too
    raises_like(lambda: mx.vecdot(a, a, None), lambda: ref.vecdot(ra, ra, None))
    raises_like(lambda: mx.gather_mm(a, b, None, None, True), lambda: ref.gather_mm(ra, rb, None, None, True))
    same(mx.gather_mm(a, b, sorted_indices=True), ref.gather_mm(ra, rb, sorted_indices=True))
    (h, rh) = both(mx, ref, (2, 8))
    same(mx.hadamard_transform(h, 0.5), ref.hadamard_transform(rh, 0.5))
    same(mx.hadamard_transform(h, scale=2), ref.hadamard_transform(rh, scale=2))
    raises_like(lambda: mx.hadamard_transform(a=h), lambda: ref.hadamard_transform(a=rh))
    raises_like(lambda: mx.hadamard_transform(h, "x"), lambda: ref.hadamard_transform(rh, "x"))
    c, rc = both(mx, ref, (2, 4))
    same(mx.addmm(c, a, b, 2, 3), ref.addmm(rc, ra, rb, 2, 3))
    raises_like(lambda: mx.addmm(c, a, b, None), lambda: ref.addmm(rc, ra, rb, None))
    same(mx.block_masked_mm(a, b, block_size=32, mask_out=mx.array([[True]])),
         ref.block_masked_mm(ra, rb, block_size=32, mask_out=ref.array([[True]])))
    same(mx.segmented_mm(a, b, segments=mx.array([[0, 2]])), ref.segmented_mm(ra, rb, segments=ref.array([[0, 2]])))


@pytest.mark.parametrize("axes", [0, 1, True, np.int64(1), [[1], [0]], ((1,), (0,)), [[], []]])
def test_tensordot_axes_forms(mx, ref, axes):
    (a, ra), (b, rb) = both(mx, ref, (2, 3)), both(mx, ref, (3, 4))
    same(mx.tensordot(a, b, axes), ref.tensordot(ra, rb, axes))


@pytest.mark.parametrize("axes", [1.0, [1, 0], "1", [[1], [0], [0]], [[0, 1], [0]], -1, 3])
def test_tensordot_bad_axes(mx, ref, axes):
    (a, ra), (b, rb) = both(mx, ref, (2, 3)), both(mx, ref, (3, 4))
    ours, theirs = raises_like(lambda: mx.tensordot(a, b, axes), lambda: ref.tensordot(ra, rb, axes))
    if theirs.startswith("[tensordot]"):
        assert ours == theirs


DTYPES = ["bool_", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64", "complex64"]


@pytest.mark.parametrize("dt", DTYPES)
def test_dtype_rules(mx, ref, dt):
    """Which dtypes each op accepts (errors at op time, same type and message)."""
    (a, ra), (b, rb), (c, rc) = both(mx, ref, (2, 4), dt), both(mx, ref, (4, 4), dt), both(mx, ref, (2, 4), dt)
    calls = [
        (lambda m, a, b, c: m.addmm(c, a, b)),
        (lambda m, a, b, c: m.inner(a, c)),
        (lambda m, a, b, c: m.outer(a, b)),
        (lambda m, a, b, c: m.kron(a, b)),
        (lambda m, a, b, c: m.vecdot(a, c)),
        (lambda m, a, b, c: m.tensordot(a, b, 1)),
    ]
    if dt not in ("float16", "bfloat16"):  # MLX's CPU segmented_mm misreads half rows
        calls.append(lambda m, a, b, c: m.segmented_mm(a, b, m.array([[0, 2], [2, 4]])))
    if dt not in ("float16", "bfloat16", "float64"):  # MLX's CPU GatherMM/BlockMaskedMM: f32 only
        calls += [
            (lambda m, a, b, c: m.gather_mm(a, b, m.array([0]), m.array([0]))),
            (lambda m, a, b, c: m.block_masked_mm(a, b, 32, m.array([[True]]))),
        ]
    for f in calls:
        try:
            want = f(ref, ra, rb, rc)
            ref.eval(want)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)) as got:
                f(mx, a, b, c)
            assert str(got.value) == str(e)
            continue
        got = f(mx, a, b, c)
        tol = 3e-2 if dt in ("float16", "bfloat16") else 1e-4
        same(got, want, tol, tol)


def test_gather_mm_other_floats_compute(mx, ref):
    """MLX's CPU backend raises RuntimeError at eval for non-float32 GatherMM/BlockMaskedMM;
    rmlx computes them (as MLX on Metal does): compare against float32 MLX."""
    for dt in ("float16", "bfloat16", "float64"):
        (a, ra), (b, rb) = both(mx, ref, (4, 2, 3), dt), both(mx, ref, (3, 3, 5), dt)
        idx, ridx = mx.array([3, 0]), ref.array([3, 0])
        got = mx.gather_mm(a, b, idx, idx[::-1] % 3)
        want = ref.gather_mm(ra.astype(ref.float32), rb.astype(ref.float32), ridx, ridx[::-1] % 3)
        assert got.dtype == getattr(mx, dt)
        same(got.astype(mx.float32), want, 3e-2, 3e-2)


def test_gather_mm_clamps_out_of_range_indices(mx):
    a = mx.array(np.arange(4 * 2 * 3, dtype=np.float32).reshape(4, 2, 3))
    b = mx.array(np.ones((3, 3, 5), np.float32))
    got = mx.gather_mm(a, b, mx.array([-7, 100, 2**40], dtype=mx.int64), mx.array([99, -1, 1]))
    want = mx.gather_mm(a, b, mx.array([0, 3, 3]), mx.array([2, 0, 1]))
    assert got.tolist() == want.tolist()


def test_segmented_mm_clamps_and_checks(mx, ref):
    (a, ra), (b, rb) = both(mx, ref, (3, 6)), both(mx, ref, (6, 4))
    got = mx.segmented_mm(a, b, mx.array([[-3, 2], [4, 100], [5, 1]]))
    want = mx.segmented_mm(a, b, mx.array([[0, 2], [4, 6], [5, 5]]))
    assert got.tolist() == want.tolist()
    assert np.all(np.array(got[2].tolist()) == 0)
    # MLX reads past b when K differs; rmlx refuses.
    with pytest.raises(ValueError, match=r"^\[segmented_mm\] Last dimension"):
        mx.segmented_mm(a, b[:3], mx.array([[0, 2]]))
    # M = 0 (MLX dies of SIGFPE): an empty result.
    assert mx.segmented_mm(a[:0], b, mx.array([[0, 2]])).shape == (1, 0, 4)


def test_hadamard_sizes_and_values(mx, ref):
    for n in (2, 4, 12, 20, 28, 48, 80, 112, 4096):
        x, rx = both(mx, ref, (3, n))
        same(mx.hadamard_transform(x), ref.hadamard_transform(rx), 1e-4, 1e-4)
    x, rx = both(mx, ref, (2, 3))
    raises_like(lambda: mx.hadamard_transform(x), lambda: ref.eval(ref.hadamard_transform(rx)))
    # n = 36 = 12 * 3: MLX returns garbage (and larger ones may crash); rmlx raises.
    with pytest.raises(ValueError, match=r"^\[hadamard\] Only supports"):
        mx.hadamard_transform(mx.array(np.ones((2, 36), np.float32)))
    # Default scale is 1/sqrt(n); the matrix is orthonormal then.
    eye = mx.array(np.eye(24, dtype=np.float32))
    h = np.array(mx.hadamard_transform(eye).tolist())
    np.testing.assert_allclose(h @ h.T, np.eye(24), atol=1e-5)
    assert math.isclose(h[0, 0], 1 / math.sqrt(24), rel_tol=1e-6)


@pytest.mark.parametrize("dt", ["bool_", "int32", "complex64", "float16", "bfloat16"])
def test_hadamard_dtypes(mx, ref, dt):
    x, rx = both(mx, ref, (2, 8), dt)
    tol = 3e-2 if dt in ("float16", "bfloat16") else 1e-5
    same(mx.hadamard_transform(x), ref.hadamard_transform(rx), tol, tol)
    same(mx.hadamard_transform(x[:, :1]), ref.hadamard_transform(rx[:, :1]), tol, tol)
    same(mx.hadamard_transform(x[:, :1], 0.5), ref.hadamard_transform(rx[:, :1], 0.5), tol, tol)


def test_block_masked_mm_nan_rules(mx, ref):
    """A dropped operand tile is zeros (its NaN vanishes) but still multiplies the other
    operand (whose NaN stays); a dropped output tile is zero; a float mask of 0 keeps NaN."""
    nan = np.full((5, 7), np.nan, np.float32)
    one = np.ones((7, 3), np.float32)
    for kw in (dict(mask_lhs=[[False]], mask_rhs=[[True]]), dict(mask_out=[[False]]), dict(mask_out=[[0.0]]),
               dict(mask_lhs=[[0.0]], mask_rhs=[[1.0]]), dict(mask_lhs=[[True]], mask_rhs=[[False]])):
        ours = mx.block_masked_mm(mx.array(nan), mx.array(one), 32, **{k: mx.array(v) for k, v in kw.items()})
        theirs = ref.block_masked_mm(ref.array(nan), ref.array(one), 32, **{k: ref.array(v) for k, v in kw.items()})
        np.testing.assert_array_equal(np.array(ours.tolist()), np.array(theirs.tolist()))


def test_stream_argument(mx):
    a = mx.array(np.ones((2, 2), np.float32))
    out = mx.addmm(a, a, a, stream=mx.cpu)
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert mx.hadamard_transform(a, None, mx.cpu).shape == (2, 2)
