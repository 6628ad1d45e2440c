"""`rmlx.core.fast` against the real MLX: values and dtypes of rms_norm, layer_norm, rope and
scaled_dot_product_attention (every float dtype, optional arguments, all mask kinds, grouped
heads, offsets, traditional rope, odd sizes, non-contiguous inputs), their gradients,
jvps and vmaps, signatures and errors."""

import numpy as np
import pytest

FLOATS = ["float32", "float16", "bfloat16", "float64"]
TOL = {"float32": 2e-5, "float64": 2e-5, "float16": 6e-3, "bfloat16": 4e-2}


def values(lib, a):
    return np.array(a.astype(lib.float32).tolist() if a.dtype != lib.float64 else a.tolist(), dtype=np.float64)


def same(mx, ref, ours, theirs, tol=None):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    dt = str(theirs.dtype).split(".")[-1]
    t = tol if tol is not None else TOL.get(dt, 2e-5)
    a, b = values(mx, ours), values(ref, theirs)
    scale = max(1.0, float(np.nanmax(np.abs(b))) if b.size else 1.0)
    np.testing.assert_allclose(a, b, rtol=t, atol=t * scale)


def both(mx, ref, shape, dtype="float32", seed=0, kind="normal"):
    rng = np.random.default_rng(seed + 1000 * len(shape))
    if kind == "bool":
        x = rng.random(shape) > 0.3
        return mx.array(x), ref.array(x)
    x = rng.standard_normal(shape).astype(np.float32)
    if kind == "pos":
        x = np.abs(x) + 0.5
    a, b = mx.array(x), ref.array(x)
    return a.astype(getattr(mx, dtype)), b.astype(getattr(ref, dtype))


# ---------------------------------------------------------------------------------------
# rms_norm / layer_norm


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(7,), (3, 33), (2, 3, 128), (0, 5)])
def test_rms_norm(mx, ref, dtype, shape):
    x, rx = both(mx, ref, shape, dtype)
    w, rw = both(mx, ref, shape[-1:], dtype, seed=1)
    same(mx, ref, mx.fast.rms_norm(x, w, 1e-5), ref.fast.rms_norm(rx, rw, 1e-5))
    same(mx, ref, mx.fast.rms_norm(x, None, 1e-3), ref.fast.rms_norm(rx, None, 1e-3))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(9,), (4, 33), (2, 3, 100)])
def test_layer_norm(mx, ref, dtype, shape):
    x, rx = both(mx, ref, shape, dtype)
    w, rw = both(mx, ref, shape[-1:], dtype, seed=1)
    b, rb = both(mx, ref, shape[-1:], dtype, seed=2)
    for args, rargs in [((w, b), (rw, rb)), ((None, None), (None, None)), ((w, None), (rw, None)),
                        ((None, b), (None, rb))]:
        same(mx, ref, mx.fast.layer_norm(x, *args, 1e-5), ref.fast.layer_norm(rx, *rargs, 1e-5))


def test_norm_dtype_promotion(mx, ref):
    x, rx = both(mx, ref, (3, 8), "float16")
    w, rw = both(mx, ref, (8,), "float32")
    same(mx, ref, mx.fast.rms_norm(x, w, 1e-5), ref.fast.rms_norm(rx, rw, 1e-5))
    same(mx, ref, mx.fast.layer_norm(x, None, w, 1e-5), ref.fast.layer_norm(rx, None, rw, 1e-5))
    same(mx, ref, mx.fast.layer_norm(x, w, None, 1e-5), ref.fast.layer_norm(rx, rw, None, 1e-5))
    xi = mx.ones((2, 8), dtype=mx.int32)
    same(mx, ref, mx.fast.rms_norm(xi, w, 1e-5), ref.fast.rms_norm(ref.ones((2, 8), dtype=ref.int32), rw, 1e-5))


def test_norm_non_contiguous(mx, ref):
    x, rx = both(mx, ref, (16, 6))
    w, rw = both(mx, ref, (16,), seed=3)
    same(mx, ref, mx.fast.rms_norm(x.T, w, 1e-5), ref.fast.rms_norm(rx.T, rw, 1e-5))
    same(mx, ref, mx.fast.layer_norm(x.T[::-1, ::2], w[::2], w[1::2], 1e-5),
         ref.fast.layer_norm(rx.T[::-1, ::2], rw[::2], rw[1::2], 1e-5))


@pytest.mark.parametrize("name,call", [
    ("rms0d", lambda m: m.fast.rms_norm(m.array(1.0), None, 1e-5)),
    ("rmsw2d", lambda m: m.fast.rms_norm(m.ones((2, 4)), m.ones((1, 4)), 1e-5)),
    ("rmswsize", lambda m: m.fast.rms_norm(m.ones((2, 4)), m.ones((3,)), 1e-5)),
    ("rmsint", lambda m: m.fast.rms_norm(m.ones((2, 4), dtype=m.int32), None, 1e-5)),
    ("rmscomplex", lambda m: m.fast.rms_norm(m.ones((2, 4), dtype=m.complex64), None, 1e-5)),
    ("ln0d", lambda m: m.fast.layer_norm(m.array(1.0), None, None, 1e-5)),
    ("lnb2d", lambda m: m.fast.layer_norm(m.ones((2, 4)), None, m.ones((1, 4)), 1e-5)),
    ("lnbsize", lambda m: m.fast.layer_norm(m.ones((2, 4)), None, m.ones((3,)), 1e-5)),
    ("lnint", lambda m: m.fast.layer_norm(m.ones((2, 4), dtype=m.int32), m.ones((4,), dtype=m.int32), None, 1e-5)),
    ("rmslist", lambda m: m.fast.rms_norm([[1.0, 2.0]], None, 1e-5)),
    ("rmsnoeps", lambda m: m.fast.rms_norm(m.ones((2, 4)), None)),
    ("lnkwonly", lambda m: m.fast.layer_norm(m.ones((2, 4)), eps=1e-5)),
])
def test_norm_errors(mx, ref, name, call):
    with pytest.raises(Exception) as theirs:
        call(ref)
    with pytest.raises(Exception) as ours:
        call(mx)
    assert type(ours.value) is type(theirs.value)
    if isinstance(theirs.value, ValueError):
        assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------------------
# rope


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("dims,shape", [(16, (2, 3, 9, 16)), (10, (1, 2, 7, 14)), (6, (2, 5, 6))])
def test_rope(mx, ref, dtype, traditional, dims, shape):
    x, rx = both(mx, ref, shape, dtype)
    kw = dict(traditional=traditional, base=10000.0, scale=1.0, offset=3)
    same(mx, ref, mx.fast.rope(x, dims, **kw), ref.fast.rope(rx, dims, **kw))
    kw = dict(traditional=traditional, base=500.0, scale=0.25, offset=-2)
    same(mx, ref, mx.fast.rope(x, dims, **kw), ref.fast.rope(rx, dims, **kw))


@pytest.mark.parametrize("traditional", [False, True])
def test_rope_offsets_and_freqs(mx, ref, traditional):
    x, rx = both(mx, ref, (3, 2, 5, 8))
    for off in ([0, 4, 100], 7, [9]):
        o, ro = mx.array(off), ref.array(off)
        kw = dict(traditional=traditional, base=10000.0, scale=1.0)
        same(mx, ref, mx.fast.rope(x, 8, offset=o, **kw), ref.fast.rope(rx, 8, offset=ro, **kw))
    o, ro = mx.array([1, 2, 3], dtype=mx.uint8), ref.array([1, 2, 3], dtype=ref.uint8)
    kw = dict(traditional=traditional, base=10.0, scale=2.0)
    same(mx, ref, mx.fast.rope(x, 6, offset=o, **kw), ref.fast.rope(rx, 6, offset=ro, **kw))
    f, rf = both(mx, ref, (4,), kind="pos")
    kw = dict(traditional=traditional, base=None, scale=1.0, offset=2)
    same(mx, ref, mx.fast.rope(x, 8, freqs=f, **kw), ref.fast.rope(rx, 8, freqs=rf, **kw))
    # (B, T, N, D) seen as (B, N, T, D): non-contiguous.
    y, ry = both(mx, ref, (2, 6, 3, 8))
    kw = dict(traditional=traditional, base=10000.0, scale=1.0, offset=1)
    same(mx, ref, mx.fast.rope(y.swapaxes(1, 2), 8, **kw), ref.fast.rope(ry.swapaxes(1, 2), 8, **kw))


@pytest.mark.parametrize("name,call", [
    ("2d", lambda m: m.fast.rope(m.ones((4, 8)), 8, traditional=False, base=1e4, scale=1.0, offset=0)),
    ("odd", lambda m: m.fast.rope(m.ones((2, 4, 8)), 5, traditional=False, base=1e4, scale=1.0, offset=0)),
    ("big", lambda m: m.fast.rope(m.ones((2, 4, 8)), 10, traditional=False, base=1e4, scale=1.0, offset=0)),
    ("zero", lambda m: m.fast.rope(m.ones((2, 4, 8)), 0, traditional=False, base=1e4, scale=1.0, offset=0)),
    ("int", lambda m: m.fast.rope(m.ones((2, 4, 8), dtype=m.int32), 8, traditional=False, base=1e4, scale=1.0, offset=0)),
    ("both", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8, traditional=False, base=1e4, scale=1.0, offset=0, freqs=m.ones((4,)))),
    ("neither", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8, traditional=False, base=None, scale=1.0, offset=0)),
    ("freqs", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8, traditional=False, base=None, scale=1.0, offset=0, freqs=m.ones((3,)))),
    ("offlen", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8, traditional=False, base=1e4, scale=1.0, offset=m.array([1, 2, 3]))),
    ("offfloat", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8, traditional=False, base=1e4, scale=1.0, offset=m.array(1.5))),
    ("off2d", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8, traditional=False, base=1e4, scale=1.0, offset=m.array([[1], [2]]))),
    ("nokw", lambda m: m.fast.rope(m.ones((2, 4, 8)), 8)),
])
def test_rope_errors(mx, ref, name, call):
    with pytest.raises(Exception) as theirs:
        call(ref)
    with pytest.raises(Exception) as ours:
        call(mx)
    assert type(ours.value) is type(theirs.value)
    if isinstance(theirs.value, ValueError):
        assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------------------
# scaled_dot_product_attention


def qkv(mx, ref, nq=4, nkv=2, tq=5, tk=7, d=8, dv=None, dtype="float32", b=2):
    q = both(mx, ref, (b, nq, tq, d), dtype, seed=1)
    k = both(mx, ref, (b, nkv, tk, d), dtype, seed=2)
    v = both(mx, ref, (b, nkv, tk, dv or d), dtype, seed=3)
    return (q[0], k[0], v[0]), (q[1], k[1], v[1])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mask", [None, "causal"])
@pytest.mark.parametrize("heads", [(4, 4), (4, 2), (6, 1)])
def test_sdpa(mx, ref, dtype, mask, heads):
    ours, theirs = qkv(mx, ref, *heads, dtype=dtype, dv=6)
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=0.4, mask=mask),
         ref.fast.scaled_dot_product_attention(*theirs, scale=0.4, mask=mask))


@pytest.mark.parametrize("shape", [(5, 7), (7,), (2, 1, 5, 7), (1, 4, 1, 7), (4, 5, 1)])
@pytest.mark.parametrize("kind", ["bool", "float32", "float16", "int32"])
def test_sdpa_array_masks(mx, ref, shape, kind):
    ours, theirs = qkv(mx, ref)
    if kind == "bool":
        m, rm = both(mx, ref, shape, kind="bool", seed=9)
    else:
        m, rm = both(mx, ref, shape, "float32", seed=9)
        m, rm = m.astype(getattr(mx, kind)), rm.astype(getattr(ref, kind))
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=0.4, mask=m),
         ref.fast.scaled_dot_product_attention(*theirs, scale=0.4, mask=rm))


def test_sdpa_special_rows(mx, ref):
    # More queries than keys (causal): the first rows see no key and average the values.
    ours, theirs = qkv(mx, ref, tq=6, tk=3)
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=1.0, mask="causal"),
         ref.fast.scaled_dot_product_attention(*theirs, scale=1.0, mask="causal"))
    # A fully masked boolean row, and -inf additive rows (NaN in both).
    ours, theirs = qkv(mx, ref)
    m = np.ones((5, 7), bool)
    m[2] = False
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=1.0, mask=mx.array(m)),
         ref.fast.scaled_dot_product_attention(*theirs, scale=1.0, mask=ref.array(m)))
    a = np.zeros((5, 7), np.float32)
    a[1] = -np.inf
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=1.0, mask=mx.array(a)),
         ref.fast.scaled_dot_product_attention(*theirs, scale=1.0, mask=ref.array(a)))


@pytest.mark.parametrize("mask", [None, "causal"])
def test_sdpa_sinks(mx, ref, mask):
    ours, theirs = qkv(mx, ref)
    s, rs = both(mx, ref, (4,), seed=5)
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=0.4, mask=mask, sinks=s),
         ref.fast.scaled_dot_product_attention(*theirs, scale=0.4, mask=mask, sinks=rs))


def test_sdpa_long_and_decode(mx, ref):
    ours, theirs = qkv(mx, ref, nq=4, nkv=2, tq=70, tk=300, d=32, b=1)
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=0.2, mask="causal"),
         ref.fast.scaled_dot_product_attention(*theirs, scale=0.2, mask="causal"))
    ours, theirs = qkv(mx, ref, nq=8, nkv=2, tq=1, tk=513, d=64, b=1)
    same(mx, ref, mx.fast.scaled_dot_product_attention(*ours, scale=0.125),
         ref.fast.scaled_dot_product_attention(*theirs, scale=0.125))


def test_sdpa_non_contiguous(mx, ref):
    q, rq = both(mx, ref, (2, 9, 4, 8), seed=1)
    k, rk = both(mx, ref, (2, 11, 2, 8), seed=2)
    args = [a.swapaxes(1, 2) for a in (q, k, k)]
    rargs = [a.swapaxes(1, 2) for a in (rq, rk, rk)]
    same(mx, ref, mx.fast.scaled_dot_product_attention(*args, scale=0.3, mask="causal"),
         ref.fast.scaled_dot_product_attention(*rargs, scale=0.3, mask="causal"))


def test_sdpa_mixed_dtypes(mx, ref):
    ours, theirs = qkv(mx, ref)
    o = [ours[0].astype(mx.float16), ours[1], ours[2]]
    t = [theirs[0].astype(ref.float16), theirs[1], theirs[2]]
    same(mx, ref, mx.fast.scaled_dot_product_attention(*o, scale=0.4),
         ref.fast.scaled_dot_product_attention(*t, scale=0.4))


def _sd(m):
    return m.fast.scaled_dot_product_attention


@pytest.mark.parametrize("name,call", [
    ("rank", lambda m: _sd(m)(m.ones((4, 5, 8)), m.ones((4, 7, 8)), m.ones((4, 7, 8)), scale=1.0)),
    ("gqa", lambda m: _sd(m)(m.ones((2, 3, 5, 8)), m.ones((2, 2, 7, 8)), m.ones((2, 2, 7, 8)), scale=1.0)),
    ("kvheads", lambda m: _sd(m)(m.ones((2, 2, 5, 8)), m.ones((2, 2, 7, 8)), m.ones((2, 1, 7, 8)), scale=1.0)),
    ("dim", lambda m: _sd(m)(m.ones((2, 2, 5, 8)), m.ones((2, 2, 7, 4)), m.ones((2, 2, 7, 8)), scale=1.0)),
    ("batch", lambda m: _sd(m)(m.ones((2, 2, 5, 8)), m.ones((1, 2, 7, 8)), m.ones((1, 2, 7, 8)), scale=1.0)),
    ("int", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8), dtype=m.int32),) * 3, scale=1.0)),
    ("maskstr", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3, scale=1.0, mask="foo")),
    ("mask5d", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3, scale=1.0, mask=m.ones((1, 1, 1, 5, 5), dtype=m.bool_))),
    ("maskbcast", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3, scale=1.0, mask=m.ones((5, 4), dtype=m.bool_))),
    ("masktype", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3, scale=1.0, mask=m.ones((5, 5), dtype=m.float64))),
    ("masktype16", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8), dtype=m.float16),) * 3, scale=1.0, mask=m.ones((5, 5)))),
    ("masklist", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3, scale=1.0, mask=[[True]])),
    ("sinks", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3, scale=1.0, sinks=m.ones((3,)))),
    ("noscale", lambda m: _sd(m)(*(m.ones((2, 2, 5, 8)),) * 3)),
])
def test_sdpa_errors(mx, ref, name, call):
    with pytest.raises(Exception) as theirs:
        call(ref)
    with pytest.raises(Exception) as ours:
        call(mx)
    assert type(ours.value) is type(theirs.value)
    if isinstance(theirs.value, ValueError):
        assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------------------
# Transforms: gradients equal MLX's


def _loss(lib, f):
    def loss(*a):
        out = f(lib, *a)
        w = lib.reshape(lib.sin(lib.arange(out.size, dtype=lib.float32) * 0.7 + 0.3), out.shape)
        return (out * w).sum()
    return loss


def _grads_match(mx, ref, f, arrays, argnums, tol=1e-4):
    ours = mx.grad(_loss(mx, f), argnums=argnums)(*[a for a, _ in arrays])
    theirs = ref.grad(_loss(ref, f), argnums=argnums)(*[b for _, b in arrays])
    if not isinstance(ours, tuple):
        ours, theirs = (ours,), (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        same(mx, ref, o, t, tol)


def test_grad_norms(mx, ref):
    x, w, b = both(mx, ref, (3, 4, 9)), both(mx, ref, (9,), seed=1), both(mx, ref, (9,), seed=2)
    _grads_match(mx, ref, lambda m, x, w: m.fast.rms_norm(x, w, 1e-5), [x, w], (0, 1))
    _grads_match(mx, ref, lambda m, x: m.fast.rms_norm(x, None, 1e-5), [x], 0)
    _grads_match(mx, ref, lambda m, x, w, b: m.fast.layer_norm(x, w, b, 1e-5), [x, w, b], (0, 1, 2))
    _grads_match(mx, ref, lambda m, x: m.fast.layer_norm(x, None, None, 1e-5), [x], 0)


@pytest.mark.parametrize("traditional", [False, True])
def test_grad_rope(mx, ref, traditional):
    x = both(mx, ref, (2, 3, 5, 8))
    kw = dict(traditional=traditional, base=100.0, scale=0.5, offset=2)
    _grads_match(mx, ref, lambda m, x: m.fast.rope(x, 6, **kw), [x], 0)
    f = both(mx, ref, (4,), kind="pos")
    kw = dict(traditional=traditional, base=None, scale=1.0, offset=1)
    _grads_match(mx, ref, lambda m, x, f: m.fast.rope(x, 8, freqs=f, **kw), [x, f], (0, 1), tol=1e-3)

    def with_offsets(m, x):
        return m.fast.rope(x, 8, traditional=traditional, base=10.0, scale=1.0, offset=m.array([3, 1]))
    _grads_match(mx, ref, with_offsets, [x], 0)


@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
def test_grad_sdpa(mx, ref, mask):
    ours, theirs = qkv(mx, ref, tq=5, tk=6)
    arrays = list(zip(ours, theirs))
    argnums = (0, 1, 2)
    if mask == "bool":
        mm = both(mx, ref, (5, 6), kind="bool", seed=4)
        f = lambda m, q, k, v: m.fast.scaled_dot_product_attention(  # noqa: E731
            q, k, v, scale=0.4, mask=mm[0] if m is mx else mm[1])
    elif mask == "additive":
        arrays.append(both(mx, ref, (5, 6), seed=4))
        argnums = (0, 1, 2, 3)
        f = lambda m, q, k, v, a: m.fast.scaled_dot_product_attention(q, k, v, scale=0.4, mask=a)  # noqa: E731
    else:
        f = lambda m, q, k, v: m.fast.scaled_dot_product_attention(q, k, v, scale=0.4, mask=mask)  # noqa: E731
    _grads_match(mx, ref, f, arrays, argnums)


def test_grad_sdpa_sinks(mx, ref):
    ours, theirs = qkv(mx, ref)
    arrays = list(zip(ours, theirs)) + [both(mx, ref, (4,), seed=6)]
    f = lambda m, q, k, v, s: m.fast.scaled_dot_product_attention(q, k, v, scale=0.4, sinks=s)  # noqa: E731
    _grads_match(mx, ref, f, arrays, (0, 1, 2, 3))


def test_vmap_and_jvp(mx, ref):
    x, rx = both(mx, ref, (3, 2, 4, 8))
    w, rw = both(mx, ref, (8,), seed=1)
    same(mx, ref, mx.vmap(lambda a: mx.fast.rms_norm(a, w, 1e-5))(x),
         ref.vmap(lambda a: ref.fast.rms_norm(a, rw, 1e-5))(rx))
    same(mx, ref, mx.vmap(lambda a: mx.fast.layer_norm(a, w, w, 1e-5), in_axes=2)(x),
         ref.vmap(lambda a: ref.fast.layer_norm(a, rw, rw, 1e-5), in_axes=2)(rx))
    kw = dict(traditional=False, base=100.0, scale=1.0, offset=1)
    same(mx, ref, mx.vmap(lambda a: mx.fast.rope(a, 8, **kw))(x[:, None]),
         ref.vmap(lambda a: ref.fast.rope(a, 8, **kw))(rx[:, None]))
    ours, theirs = qkv(mx, ref)
    same(mx, ref, mx.vmap(lambda q: mx.fast.scaled_dot_product_attention(q, *ours[1:], scale=0.3, mask="causal"))(
        mx.stack([ours[0], ours[0] * 2])),
         ref.vmap(lambda q: ref.fast.scaled_dot_product_attention(q, *theirs[1:], scale=0.3, mask="causal"))(
        ref.stack([theirs[0], theirs[0] * 2])))
    p, t = mx.jvp(lambda a: mx.fast.rms_norm(a, w, 1e-5), [x], [x * 0.5])
    rp, rt = ref.jvp(lambda a: ref.fast.rms_norm(a, rw, 1e-5), [rx], [rx * 0.5])
    same(mx, ref, p[0], rp[0])
    same(mx, ref, t[0], rt[0], 1e-4)


def test_module_and_signatures(mx):
    import rmlx.core.fast as fast

    assert fast is mx.fast
    for name in ("rms_norm", "layer_norm", "rope", "scaled_dot_product_attention"):
        assert callable(getattr(mx.fast, name))
    x = mx.ones((2, 4))
    assert mx.fast.rms_norm(x, weight=None, eps=1e-5).shape == (2, 4)
    assert mx.fast.rms_norm(x, None, 1).dtype == mx.float32
    q = mx.ones((1, 1, 2, 4))
    # force_fused is accepted (rmlx always runs its fused CPU kernel).
    out = mx.fast.scaled_dot_product_attention(q, q, q, scale=1, force_fused=True)
    assert out.shape == (1, 1, 2, 4)
    out = mx.fast.scaled_dot_product_attention(q, q, q, scale=1.0, stream=mx.cpu)
    assert out.shape == (1, 1, 2, 4)
