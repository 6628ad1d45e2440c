"""rmlx.core.random against mlx.core.random: same keys and seeds give the same bits.

Every function is compared bit for bit (values, dtype, shape) against MLX: the
distributions apply MLX's own element functions (glibc's log/log1p, MLX's exp, erf and
erfinv polynomials), so there is no tolerance anywhere.
"""

import numpy as np
import pytest

SEEDS = [0, 1, 7, 123, 2**32 + 5, 2**63 + 11]
SHAPES = [(), (1,), (2,), (3,), (5,), (8,), (3, 7), (2, 3, 5), (0,), (1001,)]
FLOATS = ["float32", "float16", "bfloat16"]


def same(a, b):
    """Bitwise equality of values, dtype and shape (bfloat16 widened exactly to float32).
    NaNs must sit at the same places; their payload bits are not compared."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert a.shape == b.shape
    na, nb = _np(a), _np(b)
    if na.dtype.kind == "f":
        nan = np.isnan(na)
        assert np.array_equal(nan, np.isnan(nb))
        na, nb = na[~nan], nb[~nan]
        na, nb = na.view(f"u{na.itemsize}"), nb.view(f"u{nb.itemsize}")
    assert np.array_equal(na, nb)


def _np(a):
    if "bfloat16" in str(a.dtype):
        a = a.astype(type(a.dtype).__module__ and _float32_of(a))
    return np.array(a)


def _float32_of(a):
    import importlib

    return importlib.import_module(type(a).__module__).float32


def keys(mx, ref, seed):
    return mx.random.key(seed), ref.random.key(seed)


def raises_same(fm, fr):
    with pytest.raises(Exception) as er:
        fr()
    with pytest.raises(type(er.value)) as em:
        fm()
    assert str(em.value).split(" ")[0] == str(er.value).split(" ")[0]


def test_import_forms():
    import rmlx.core.random as r1
    from rmlx.core import random as r2

    assert r1 is r2


@pytest.mark.parametrize("seed", SEEDS)
def test_key_split(mx, ref, seed):
    k, rk = keys(mx, ref, seed)
    same(k, rk)
    for num in [1, 2, 3, 5, 0]:
        same(mx.random.split(k, num), ref.random.split(rk, num))
    same(mx.random.split(k), ref.random.split(rk))


def test_key_zero_first_bits(mx):
    import rmlx.core as rmx

    assert rmx.random.key(0).tolist() == [0, 0]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_uniform(mx, ref, seed, dtype, shape):
    k, rk = keys(mx, ref, seed)
    same(
        mx.random.uniform(shape=shape, dtype=getattr(mx, dtype), key=k),
        ref.random.uniform(shape=shape, dtype=getattr(ref, dtype), key=rk),
    )
    same(
        mx.random.uniform(-1.3, 2.9, shape, getattr(mx, dtype), key=k),
        ref.random.uniform(-1.3, 2.9, shape, getattr(ref, dtype), key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_uniform_array_bounds(mx, ref, seed):
    k, rk = keys(mx, ref, seed)
    lo = [[0.1, 0.2, -3.0]]
    same(
        mx.random.uniform(mx.array(lo), 5, (4, 3), key=k),
        ref.random.uniform(ref.array(lo), 5, (4, 3), key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS + ["float64"])
@pytest.mark.parametrize("shape", [(), (3,), (4, 5), (1001,)])
def test_normal(mx, ref, seed, dtype, shape):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    same(mx.random.normal(shape, d, key=k), ref.random.normal(shape, rd, key=rk))
    same(
        mx.random.normal(shape, d, loc=0.3, scale=1.7, key=k),
        ref.random.normal(shape, rd, loc=0.3, scale=1.7, key=rk),
    )
    same(
        mx.random.normal(shape, d, scale=2.5, key=k),
        ref.random.normal(shape, rd, scale=2.5, key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "lo,hi,dtype",
    [
        (0, 10, "int32"),
        (-5, 7, "int16"),
        (3, 200, "uint8"),
        (0, 2, "bool_"),
        (-300, 300, "int8"),
        (0.5, 5.7, "int32"),
        (-5, 7, "uint32"),
        (5, 0, "int32"),
        (0, 10**12, "int64"),
        (-(2**31), 2**31 - 1, "int32"),
    ],
)
def test_randint(mx, ref, seed, lo, hi, dtype):
    k, rk = keys(mx, ref, seed)
    same(
        mx.random.randint(lo, hi, (301, 2), getattr(mx, dtype), key=k),
        ref.random.randint(lo, hi, (301, 2), getattr(ref, dtype), key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_array_bounds(mx, ref, seed):
    k, rk = keys(mx, ref, seed)
    same(
        mx.random.randint(mx.array([-5.5, 2.3]), 7, (50, 2), mx.uint8, key=k),
        ref.random.randint(ref.array([-5.5, 2.3]), 7, (50, 2), ref.uint8, key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_bernoulli(mx, ref, seed):
    k, rk = keys(mx, ref, seed)
    same(mx.random.bernoulli(key=k), ref.random.bernoulli(key=rk))
    same(mx.random.bernoulli(0.3, (7, 9), key=k), ref.random.bernoulli(0.3, (7, 9), key=rk))
    p = [0.1, 0.5, 0.9]
    same(mx.random.bernoulli(mx.array(p), key=k), ref.random.bernoulli(ref.array(p), key=rk))
    same(
        mx.random.bernoulli(mx.array(p, mx.float16), (4, 3), key=k),
        ref.random.bernoulli(ref.array(p, ref.float16), (4, 3), key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_truncated_normal(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    same(
        mx.random.truncated_normal(-1.5, 0.7, (301,), d, key=k),
        ref.random.truncated_normal(-1.5, 0.7, (301,), rd, key=rk),
    )
    same(
        mx.random.truncated_normal(mx.array([-1.0, 0.0]), 1, key=k),
        ref.random.truncated_normal(ref.array([-1.0, 0.0]), 1, key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_gumbel(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    same(
        mx.random.gumbel((301,), getattr(mx, dtype), key=k),
        ref.random.gumbel((301,), getattr(ref, dtype), key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS + ["float64"])
def test_laplace(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    same(mx.random.laplace((301,), d, key=k), ref.random.laplace((301,), rd, key=rk))
    same(
        mx.random.laplace((5, 3), d, 0.3, 1.7, key=k),
        ref.random.laplace((5, 3), rd, 0.3, 1.7, key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_categorical(mx, ref, seed):
    k, rk = keys(mx, ref, seed)
    logits = np.random.default_rng(seed % 1000).normal(size=(3, 4, 5)).astype(np.float32)
    lm, lr = mx.array(logits), ref.array(logits)
    for kw in [
        {},
        {"axis": 1},
        {"axis": 0},
        {"num_samples": 3},
        {"axis": 1, "num_samples": 2},
        {"axis": 1, "shape": (2, 3, 5)},
        {"shape": (6, 3, 4)},
    ]:
        same(mx.random.categorical(lm, key=k, **kw), ref.random.categorical(lr, key=rk, **kw))


@pytest.mark.parametrize("seed", SEEDS)
def test_permutation(mx, ref, seed):
    k, rk = keys(mx, ref, seed)
    for n in [0, 1, 2, 10, 257]:
        same(mx.random.permutation(n, key=k), ref.random.permutation(n, key=rk))
    x = np.arange(60).reshape(3, 4, 5).astype(np.float32)
    for axis in [0, 1, 2, -1]:
        same(
            mx.random.permutation(mx.array(x), axis, key=k),
            ref.random.permutation(ref.array(x), axis, key=rk),
        )


@pytest.mark.parametrize("seed", [0, 3, 99])
def test_global_state(mx, ref, seed):
    mx.random.seed(seed)
    ref.random.seed(seed)
    same(mx.random.state[0], ref.random.state[0])
    assert len(mx.random.state) == len(ref.random.state) == 1
    same(mx.random.uniform(), ref.random.uniform())
    same(mx.random.normal((3,)), ref.random.normal((3,)))
    same(mx.random.randint(0, 100, (5,)), ref.random.randint(0, 100, (5,)))
    same(mx.random.bernoulli(0.5, (4,)), ref.random.bernoulli(0.5, (4,)))
    same(mx.random.truncated_normal(-1, 1, (4,)), ref.random.truncated_normal(-1, 1, (4,)))
    same(mx.random.gumbel((4,)), ref.random.gumbel((4,)))
    same(mx.random.laplace((4,)), ref.random.laplace((4,)))
    same(mx.random.permutation(6), ref.random.permutation(6))
    logits = [[0.1, 2.0, 0.3, 0.0], [1.0, 0.5, 0.2, 0.1]]
    same(mx.random.categorical(mx.array(logits)), ref.random.categorical(ref.array(logits)))
    same(mx.random.state[0], ref.random.state[0])


def test_categorical_leading_one(mx, ref):
    logits = [[0.1, 0.2, 0.15]]
    ks = [(mx.random.key(i), ref.random.key(i)) for i in range(40)]
    got = [mx.random.categorical(mx.array(logits), key=k).item() for k, _ in ks]
    want = [ref.random.categorical(ref.array(logits), key=rk).item() for _, rk in ks]
    assert got == want


def test_errors(mx, ref):
    k, rk = mx.random.key(1), ref.random.key(1)
    cases = [
        (lambda r, k: r.random.uniform(shape=(3,), dtype=r.int32, key=k)),
        (lambda r, k: r.random.uniform(shape=(3,), dtype=r.float64, key=k)),
        (lambda r, k: r.random.uniform(r.array([0, 1]), shape=(3,), key=k)),
        (lambda r, k: r.random.uniform(shape=(-1,), key=k)),
        (lambda r, k: r.random.normal((3,), r.int32, key=k)),
        (lambda r, k: r.random.laplace((3,), r.int32, key=k)),
        (lambda r, k: r.random.gumbel((3,), r.float64, key=k)),
        (lambda r, k: r.random.truncated_normal(-1, 1, (3,), r.int32, key=k)),
        (lambda r, k: r.random.bernoulli(2, key=k)),
        (lambda r, k: r.random.bernoulli(r.array([0.2, 0.5]), (3,), key=k)),
        (lambda r, k: r.random.randint(0, 5, (3,), r.float32, key=k)),
        (lambda r, k: r.random.split(k, -1)),
        (lambda r, k: r.random.split(r.array([1, 2, 3], r.uint32))),
        (lambda r, k: r.random.split(r.array([1, 2], r.int32))),
        (lambda r, k: r.random.uniform(key=r.array([[1, 2]], r.uint32))),
        (lambda r, k: r.random.categorical(r.array([[1.0, 2]]), axis=2, key=k)),
        (lambda r, k: r.random.categorical(r.array([[1.0, 2]]), shape=(2,), num_samples=2, key=k)),
        (lambda r, k: r.random.permutation(-3, key=k)),
        (lambda r, k: r.random.key(-1)),
        (lambda r, k: r.random.seed(2**64)),
        (lambda r, k: r.random.normal((3,), r.float16, key=r.array([1, 2], r.int32))),
        (lambda r, k: r.random.truncated_normal(r.zeros((2,)), 1, (3,), key=k)),
        (lambda r, k: r.random.uniform(r.zeros((2,)), r.ones((3,)), key=k)),
        (lambda r, k: r.random.randint(0, r.array([1, 2]), (3,), key=k)),
        (lambda r, k: r.random.categorical(r.zeros((2, 3)), shape=(4,), key=k)),
        (lambda r, k: r.random.categorical(r.zeros((1, 0)), key=k)),
        (lambda r, k: r.random.multivariate_normal(r.array(0.0), r.eye(2), key=k)),
        (lambda r, k: r.random.multivariate_normal(r.zeros(2), r.ones(2), key=k)),
        (lambda r, k: r.random.multivariate_normal(r.zeros(2), r.ones((2, 3)), key=k)),
        (lambda r, k: r.random.multivariate_normal(r.zeros(3), r.eye(2), key=k)),
        (lambda r, k: r.random.multivariate_normal(r.zeros(2), r.eye(2), dtype=r.float16, key=k)),
    ]
    for case in cases:
        raises_same(lambda: case(mx, k), lambda: case(ref, rk))


EXTRA_SHAPES = [(), (0,), (2, 0, 3), (1,), (7,), (4, 33)]


@pytest.mark.parametrize("seed", [0, 5, 2**40 + 3])
@pytest.mark.parametrize("dtype", FLOATS + ["float64"])
@pytest.mark.parametrize("shape", EXTRA_SHAPES)
def test_normal_laplace_shapes(mx, ref, seed, dtype, shape):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    same(mx.random.normal(shape, d, key=k), ref.random.normal(shape, rd, key=rk))
    same(
        mx.random.laplace(shape, d, -0.7, 3.1, key=k),
        ref.random.laplace(shape, rd, -0.7, 3.1, key=rk),
    )


@pytest.mark.parametrize("seed", [0, 9, 2**33 + 1])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", EXTRA_SHAPES)
def test_gumbel_truncated_shapes(mx, ref, seed, dtype, shape):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    same(mx.random.gumbel(shape, d, key=k), ref.random.gumbel(shape, rd, key=rk))
    same(
        mx.random.truncated_normal(-2.5, 1.25, shape, d, key=k),
        ref.random.truncated_normal(-2.5, 1.25, shape, rd, key=rk),
    )


@pytest.mark.parametrize("seed", [0, 4, 77])
@pytest.mark.parametrize("dtype", FLOATS + ["float64"])
def test_normal_broadcast_params(mx, ref, seed, dtype):
    """loc and scale arrays of other dtypes broadcast against the shape."""
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    loc = np.array([[-1.0], [0.5], [3.25]], np.float32)
    scale = np.array([0.5, 2.0, 1.5, 4.0], np.float16)
    same(
        mx.random.normal((3, 4), d, mx.array(loc), mx.array(scale), key=k),
        ref.random.normal((3, 4), rd, ref.array(loc), ref.array(scale), key=rk),
    )
    same(
        mx.random.normal((2, 3, 4), d, loc=mx.array(loc), key=k),
        ref.random.normal((2, 3, 4), rd, loc=ref.array(loc), key=rk),
    )


@pytest.mark.parametrize("seed", [0, 4, 77])
@pytest.mark.parametrize("dtype", FLOATS)
def test_truncated_normal_broadcast_bounds(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    lo = np.array([[-3.0], [0.0], [1.5]], np.float32)
    hi = np.array([-1.0, 0.5, 2.0, 8.0], np.float32)
    same(
        mx.random.truncated_normal(mx.array(lo), mx.array(hi), dtype=d, key=k),
        ref.random.truncated_normal(ref.array(lo), ref.array(hi), dtype=rd, key=rk),
    )
    same(
        mx.random.truncated_normal(mx.array(lo), mx.array(hi), (2, 3, 4), d, key=k),
        ref.random.truncated_normal(ref.array(lo), ref.array(hi), (2, 3, 4), rd, key=rk),
    )
    # Inverted bounds: MLX clips with maximum(minimum(upper, x), lower).
    same(
        mx.random.truncated_normal(1.0, -1.0, (9,), d, key=k),
        ref.random.truncated_normal(1.0, -1.0, (9,), rd, key=rk),
    )


@pytest.mark.parametrize("dtype", FLOATS + ["float64"])
def test_erfinv_matches_mlx(mx, ref, dtype):
    """mx.erfinv itself is MLX's approximation, bit for bit (the base of normal)."""
    x = np.concatenate(
        [
            np.random.default_rng(0).uniform(-1, 1, 4000),
            1 - np.random.default_rng(1).uniform(0, 1e-3, 500),
            [0.0, -0.0, 1.0, -1.0, 1.5, np.nan, 1e-30],
        ]
    )
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    a = mx.array(x.astype(np.float32)).astype(d)
    ra = ref.array(x.astype(np.float32)).astype(rd)
    same(mx.erfinv(a), ref.erfinv(ra, stream=ref.cpu))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 123])
@pytest.mark.parametrize(
    "lshape,kw",
    [
        ((1, 3), {}),
        ((1, 1, 5), {}),
        ((3, 1), {"axis": 0}),
        ((1, 4, 1), {"axis": 1}),
        ((4,), {"num_samples": 1}),
        ((4,), {"num_samples": 500}),
        ((1, 6), {"num_samples": 3}),
        ((2, 6), {"num_samples": 1}),
        ((5,), {"shape": (1,)}),
        ((5,), {"shape": (3, 2)}),
        ((1, 5), {"shape": (2, 1)}),
        ((5,), {}),
        ((5,), {"shape": ()}),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_categorical_single_distribution(mx, ref, seed, lshape, kw, dtype):
    """One distribution sampled into an array inverts the CDF in MLX; others use Gumbel."""
    k, rk = keys(mx, ref, seed)
    logits = (np.random.default_rng(seed).normal(size=lshape) * 2).astype(np.float32)
    lm = mx.array(logits).astype(getattr(mx, dtype))
    lr = ref.array(logits).astype(getattr(ref, dtype))
    same(mx.random.categorical(lm, key=k, **kw), ref.random.categorical(lr, key=rk, **kw))


def test_categorical_inverse_cdf_many(mx, ref):
    """Many samples of one wide distribution: every comparison edge is exercised."""
    logits = (np.random.default_rng(5).normal(size=(1, 1000)) * 2 + 3).astype(np.float32)
    k, rk = keys(mx, ref, 17)
    same(
        mx.random.categorical(mx.array(logits), num_samples=20000, key=k),
        ref.random.categorical(ref.array(logits), num_samples=20000, key=rk),
    )
    with_inf = np.array([[-np.inf, 0.0, 1.0, -np.inf]], np.float32)
    same(
        mx.random.categorical(mx.array(with_inf), num_samples=300, key=k),
        ref.random.categorical(ref.array(with_inf), num_samples=300, key=rk),
    )


@pytest.mark.parametrize("seed", [0, 8])
@pytest.mark.parametrize("dtype", ["int32", "uint8", "float16", "bfloat16", "bool_"])
def test_permutation_dtypes(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    x = np.arange(24).reshape(2, 3, 4) % 5
    a = mx.array(x).astype(getattr(mx, dtype))
    ra = ref.array(x).astype(getattr(ref, dtype))
    for axis in [0, 1, -1]:
        same(mx.random.permutation(a, axis, key=k), ref.random.permutation(ra, axis, key=rk))
    same(mx.random.permutation(50, key=k), ref.random.permutation(50, key=rk))


def test_permutation_bad_axis(mx, ref):
    """MLX raises IndexError (with an internal message) for a 0-d array or a bad axis."""
    for r in (mx, ref):
        k = r.random.key(0)
        with pytest.raises(IndexError):
            r.random.permutation(r.array(1.0), key=k)
        with pytest.raises(IndexError):
            r.random.permutation(r.zeros((2, 3)), axis=2, key=k)


def test_multivariate_normal_matches_mlx(mx, ref):
    # Computed through an SVD of the covariance (faer here, LAPACK in MLX): equal within
    # float tolerance, not bit for bit. More cases in test_linalg.py.
    got = mx.random.multivariate_normal(mx.zeros(2), mx.eye(2), key=mx.random.key(0))
    want = ref.random.multivariate_normal(ref.zeros(2), ref.eye(2), key=ref.random.key(0))
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)
