"""rmlx.core.random against mlx.core.random: same keys and seeds give the same bits.

Exact (bitwise) equality for keys, split, uniform, randint, bernoulli, categorical and
permutation. normal, truncated_normal, gumbel and laplace run the very same composition on
the very same uniform samples, but the engine's erfinv/log/log1p kernels differ from MLX's
by a few float32 ulps, so those compare with `close` (a few ulps; one ulp of half types).
"""

import numpy as np
import pytest

SEEDS = [0, 1, 7, 123, 2**32 + 5, 2**63 + 11]
SHAPES = [(), (1,), (2,), (3,), (5,), (8,), (3, 7), (2, 3, 5), (0,), (1001,)]
FLOATS = ["float32", "float16", "bfloat16"]


def same(a, b):
    """Bitwise equality of values, dtype and shape (bfloat16 widened exactly to float32)."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert a.shape == b.shape
    na, nb = _np(a), _np(b)
    if na.dtype.kind == "f":
        na, nb = na.view(f"u{na.itemsize}"), nb.view(f"u{nb.itemsize}")
    assert np.array_equal(na, nb)


def close(a, b):
    """Same dtype and shape; values within a few float32 ulps (1 ulp of half types)."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert a.shape == b.shape
    na, nb = _np(a).astype(np.float64), _np(b).astype(np.float64)
    rtol = {"float16": 2e-3, "bfloat16": 1.6e-2}.get(str(a.dtype).split(".")[-1], 4e-6)
    np.testing.assert_allclose(na, nb, rtol=rtol, atol=rtol)


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
    close(mx.random.normal(shape, d, key=k), ref.random.normal(shape, rd, key=rk))
    close(
        mx.random.normal(shape, d, loc=0.3, scale=1.7, key=k),
        ref.random.normal(shape, rd, loc=0.3, scale=1.7, key=rk),
    )
    close(
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
    close(
        mx.random.truncated_normal(-1.5, 0.7, (301,), d, key=k),
        ref.random.truncated_normal(-1.5, 0.7, (301,), rd, key=rk),
    )
    close(
        mx.random.truncated_normal(mx.array([-1.0, 0.0]), 1, key=k),
        ref.random.truncated_normal(ref.array([-1.0, 0.0]), 1, key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_gumbel(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    close(
        mx.random.gumbel((301,), getattr(mx, dtype), key=k),
        ref.random.gumbel((301,), getattr(ref, dtype), key=rk),
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS + ["float64"])
def test_laplace(mx, ref, seed, dtype):
    k, rk = keys(mx, ref, seed)
    d, rd = getattr(mx, dtype), getattr(ref, dtype)
    close(mx.random.laplace((301,), d, key=k), ref.random.laplace((301,), rd, key=rk))
    close(
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
    close(mx.random.normal((3,)), ref.random.normal((3,)))
    same(mx.random.randint(0, 100, (5,)), ref.random.randint(0, 100, (5,)))
    same(mx.random.bernoulli(0.5, (4,)), ref.random.bernoulli(0.5, (4,)))
    close(mx.random.truncated_normal(-1, 1, (4,)), ref.random.truncated_normal(-1, 1, (4,)))
    close(mx.random.gumbel((4,)), ref.random.gumbel((4,)))
    close(mx.random.laplace((4,)), ref.random.laplace((4,)))
    same(mx.random.permutation(6), ref.random.permutation(6))
    logits = [[0.1, 2.0, 0.3, 0.0], [1.0, 0.5, 0.2, 0.1]]
    same(mx.random.categorical(mx.array(logits)), ref.random.categorical(ref.array(logits)))
    same(mx.random.state[0], ref.random.state[0])


@pytest.mark.xfail(reason="MLX draws different noise for logits with a leading size-1 axis; "
                   "rule not derived yet", strict=True)
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
    ]
    for case in cases:
        raises_same(lambda: case(mx, k), lambda: case(ref, rk))
