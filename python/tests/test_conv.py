"""Convolutions of rmlx.core against the real MLX: values for every parameter (stride,
symmetric and asymmetric padding, negative padding, kernel and input dilation, groups, flip,
output padding), dtypes, argument forms, exception types and message prefixes, and
gradients / vmap through `mx.grad` and `mx.vmap`. Broader value sweeps live in the
differential family `conv`.
"""

import numpy as np
import pytest

rng = np.random.default_rng(11)


def both(mx, ref, shape, dtype="float32"):
    host = rng.standard_normal(shape).astype(np.float32)
    return mx.array(host).astype(getattr(mx, dtype)), ref.array(host).astype(getattr(ref, dtype))


def same(got, want, rtol=1e-4, atol=1e-4):
    assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1]
    assert tuple(got.shape) == tuple(want.shape)
    g = np.array(got.astype(got.dtype).tolist(), dtype=np.float64)
    w = np.array(want.tolist(), dtype=np.float64)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def raises_like(mx_call, ref_call, prefix=True):
    """Both raise the same exception type (and, by default, the same first word)."""
    with pytest.raises(Exception) as theirs:
        ref_call()
    with pytest.raises(theirs.type) as ours:
        mx_call()
    if prefix:
        assert str(ours.value).split(" ")[0] == str(theirs.value).split(" ")[0]
    return str(ours.value), str(theirs.value)


CASES_1D = [
    dict(),
    dict(stride=2),
    dict(padding=2),
    dict(dilation=2),
    dict(stride=3, padding=1, dilation=2),
    dict(groups=2),
    dict(groups=4, stride=2, padding=1),
]


@pytest.mark.parametrize("kw", CASES_1D)
def test_conv1d(mx, ref, kw):
    g = kw.get("groups", 1)
    (x, rx), (w, rw) = both(mx, ref, (2, 11, 4)), both(mx, ref, (8, 3, 4 // g))
    same(mx.conv1d(x, w, **kw), ref.conv1d(rx, rw, **kw))


CASES_2D = [
    dict(),
    dict(stride=(2, 1), padding=(1, 2)),
    dict(dilation=(2, 3), padding=1),
    dict(stride=2, padding=1, groups=2),
    dict(groups=6),
]


@pytest.mark.parametrize("kw", CASES_2D)
def test_conv2d(mx, ref, kw):
    g = kw.get("groups", 1)
    (x, rx), (w, rw) = both(mx, ref, (2, 9, 8, 6)), both(mx, ref, (6, 3, 2, 6 // g))
    same(mx.conv2d(x, w, **kw), ref.conv2d(rx, rw, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(stride=(1, 2, 2), padding=1), dict(dilation=2)])
def test_conv3d(mx, ref, kw):
    g = kw.get("groups", 1)
    (x, rx), (w, rw) = both(mx, ref, (2, 6, 5, 6, 4)), both(mx, ref, (4, 2, 3, 2, 4 // g))
    same(mx.conv3d(x, w, **kw), ref.conv3d(rx, rw, **kw))


GENERAL = [
    dict(padding=([1, 0], [0, 2])),
    dict(padding=([-1, 0], [0, -1])),
    dict(padding=-1, input_dilation=2),
    dict(input_dilation=(2, 3), padding=2, stride=2),
    dict(kernel_dilation=[2, 1], flip=True),
    dict(stride=[2], padding=[1, 2], groups=2, flip=True),
    dict(padding=[[2, 1], [0, 1]], input_dilation=2, kernel_dilation=2, stride=3),
]


@pytest.mark.parametrize("kw", GENERAL)
def test_conv_general(mx, ref, kw):
    g = kw.get("groups", 1)
    (x, rx), (w, rw) = both(mx, ref, (2, 7, 8, 4)), both(mx, ref, (4, 3, 2, 4 // g))
    same(mx.conv_general(x, w, **kw), ref.conv_general(rx, rw, **kw))


TRANSPOSE = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=3, dilation=2, padding=2),
    dict(groups=2, stride=2),
    dict(output_padding=-1),
]


@pytest.mark.parametrize("kw", TRANSPOSE)
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_transpose(mx, ref, kw, nd):
    g = kw.get("groups", 1)
    if nd == 3 and g != 1:  # MLX rejects grouped 3-D convolutions
        raises_like(lambda: mx.conv_transpose3d(mx.ones((1, 3, 3, 3, 4)), mx.ones((6, 2, 2, 2, 2)), groups=g),
                    lambda: ref.conv_transpose3d(ref.ones((1, 3, 3, 3, 4)), ref.ones((6, 2, 2, 2, 2)), groups=g))
        return
    (x, rx) = both(mx, ref, (2,) + (5, 4, 3)[:nd] + (4,))
    (w, rw) = both(mx, ref, (6,) + (3, 2, 3)[:nd] + (4 // g,))
    name = f"conv_transpose{nd}d"
    same(getattr(mx, name)(x, w, **kw), getattr(ref, name)(rx, rw, **kw))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("na,nv", [(7, 3), (3, 7), (6, 4), (5, 5), (1, 1), (4, 1)])
def test_convolve(mx, ref, mode, na, nv):
    (a, ra), (v, rv) = both(mx, ref, (na,)), both(mx, ref, (nv,))
    same(mx.convolve(a, v, mode), ref.convolve(ra, rv, mode))
    same(mx.convolve(a, v, mode=mode), ref.convolve(ra, rv, mode=mode))


@pytest.mark.parametrize("dx,dw", [("float16", "float16"), ("bfloat16", "bfloat16"), ("float64", "float64"),
                                   ("float16", "float32"), ("bfloat16", "float16"), ("float32", "int32"),
                                   ("float32", "bool_"), ("float64", "float32")])
def test_dtypes(mx, ref, dx, dw):
    (x, rx), (w, rw) = both(mx, ref, (2, 9, 3), dx), both(mx, ref, (4, 3, 3), dw)
    tol = 3e-2 if "16" in dx + dw else 1e-4
    same(mx.conv1d(x, w, padding=1), ref.conv1d(rx, rw, padding=1), tol, tol)


def test_noncontiguous_inputs(mx, ref):
    (x, rx), (w, rw) = both(mx, ref, (9, 2, 3, 4)), both(mx, ref, (3, 5, 2, 4))
    xt, rxt = x.transpose(1, 0, 2, 3)[:, ::2], rx.transpose(1, 0, 2, 3)[:, ::2]
    wt, rwt = w.transpose(2, 1, 0, 3)[:, ::-1], rw.transpose(2, 1, 0, 3)[:, ::-1]
    same(mx.conv2d(xt, wt, padding=1), ref.conv2d(rxt, rwt, padding=1))


def test_empty(mx, ref):
    (x, rx), (w, rw) = both(mx, ref, (0, 8, 3)), both(mx, ref, (4, 3, 3))
    same(mx.conv1d(x, w), ref.conv1d(rx, rw))


ERRORS = [
    ("conv1d", (2, 8, 3), (4, 3, 3), "int32", {}),
    ("conv1d", (2, 8, 3), (4, 3, 3), "bool_", {}),
    ("conv1d", (8, 3), (4, 3, 3), "float32", {}),
    ("conv1d", (2, 8, 5), (4, 3, 3), "float32", {}),
    ("conv1d", (2, 8, 6), (4, 3, 3), "float32", dict(groups=3)),
    ("conv1d", (2, 8, 6), (3, 3, 3), "float32", dict(groups=2)),
    ("conv1d", (2, 8, 6), (4, 3, 2), "float32", dict(groups=2)),
    ("conv1d", (2, 8, 7), (4, 3, 3), "float32", dict(groups=2)),
    ("conv1d", (2, 8, 3), (4, 3, 3), "float32", dict(stride=0)),
    ("conv1d", (2, 8, 3), (4, 3, 3), "float32", dict(dilation=0)),
    ("conv1d", (2, 2, 3), (4, 3, 3), "float32", {}),
    ("conv1d", (2, 8, 3), (4, 3, 3, 3), "float32", {}),
    ("conv2d", (2, 8, 3), (4, 3, 3), "float32", {}),
    ("conv2d", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(stride=(1, 1, 1))),
    ("conv2d", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(stride=1.0)),
    ("conv2d", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(groups=1.5)),
    ("conv_general", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(padding=[1, 1, 1])),
    ("conv_general", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(kernel_dilation=[1, 1, 1])),
    ("conv_general", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(input_dilation=0)),
    ("conv_general", (2, 8, 8, 3), (4, 3, 3, 3), "float32", dict(padding=-3)),
    ("conv_general", (3,), (3,), "float32", {}),
    ("conv_transpose1d", (2, 8, 3), (4, 3, 3), "float32", dict(stride=0)),
    ("conv_transpose1d", (2, 8, 5), (4, 3, 3), "float32", {}),
    ("conv_transpose1d", (2, 2, 3), (4, 3, 3), "float32", dict(padding=5)),
    ("conv_transpose2d", (2, 8, 3), (4, 3, 3), "float32", {}),
    ("conv3d", (1, 4, 4, 4, 4), (4, 2, 2, 2, 2), "int32", dict(groups=2)),
]


@pytest.mark.parametrize("name,xs,ws,dt,kw", ERRORS)
def test_errors(mx, ref, name, xs, ws, dt, kw):
    (x, rx), (w, rw) = both(mx, ref, xs, dt), both(mx, ref, ws)
    ours, theirs = raises_like(lambda: getattr(mx, name)(x, w, **kw), lambda: getattr(ref, name)(rx, rw, **kw))
    if "[" in theirs.split(" ")[0]:
        assert ours == theirs


def test_argument_types(mx, ref):
    (x, rx), (w, rw) = both(mx, ref, (1, 5, 5, 2)), both(mx, ref, (2, 3, 3, 2))
    raises_like(lambda: mx.conv1d([[[1.0]]], w), lambda: ref.conv1d([[[1.0]]], rw))
    raises_like(lambda: mx.conv1d(x, 1.0), lambda: ref.conv1d(rx, 1.0))
    same(mx.conv2d(x, w, stride=[1, 1]), ref.conv2d(rx, rw, stride=[1, 1]))
    same(mx.conv2d(x, w, padding=(1, 2)), ref.conv2d(rx, rw, padding=(1, 2)))
    same(mx.conv2d(x, w, stride=True), ref.conv2d(rx, rw, stride=True))
    same(mx.conv_general(x, w, padding=([1], [0])), ref.conv_general(rx, rw, padding=([1], [0])))
    same(mx.conv_general(x, w, padding=[[1, 2], [0, 0]]), ref.conv_general(rx, rw, padding=[[1, 2], [0, 0]]))
    with pytest.raises(TypeError):
        mx.conv2d(x, w, 1, 0, 1, 1, 0)


def test_convolve_errors(mx, ref):
    (a, ra), (v, rv) = both(mx, ref, (3,)), both(mx, ref, (2,))
    (m, rm) = both(mx, ref, (3, 2))
    raises_like(lambda: mx.convolve(a, v, "bad"), lambda: ref.convolve(ra, rv, "bad"))
    raises_like(lambda: mx.convolve(m, v), lambda: ref.convolve(rm, rv))
    raises_like(lambda: mx.convolve(mx.array(1.0), v), lambda: ref.convolve(ref.array(1.0), rv))
    raises_like(lambda: mx.convolve(mx.zeros((0,)), v), lambda: ref.convolve(ref.zeros((0,)), rv))
    raises_like(lambda: mx.convolve(mx.arange(4), mx.arange(2)), lambda: ref.convolve(ref.arange(4), ref.arange(2)))


GRADS = [
    ("conv1d", (2, 9, 4), (6, 3, 2), dict(stride=2, padding=1, groups=2)),
    ("conv1d", (2, 9, 4), (4, 2, 4), dict(dilation=3, padding=(2))),
    ("conv2d", (2, 7, 6, 3), (4, 3, 2, 3), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ("conv2d", (1, 6, 6, 4), (4, 3, 3, 1), dict(groups=4, padding=2)),
    ("conv3d", (1, 4, 5, 4, 2), (3, 2, 2, 3, 2), dict(stride=2, padding=1)),
    ("conv_transpose2d", (2, 4, 3, 4), (2, 3, 3, 2), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("conv_general", (2, 7, 6, 2), (3, 2, 3, 2), dict(padding=([2, 0], [0, 1]), kernel_dilation=(1, 2), stride=(2, 3), flip=True)),
    ("conv_general", (2, 7, 6, 2), (3, 2, 3, 2), dict(padding=([-1, 0], [0, -2]))),
]


@pytest.mark.parametrize("name,xs,ws,kw", GRADS)
def test_grad(mx, ref, name, xs, ws, kw):
    (x, rx), (w, rw) = both(mx, ref, xs), both(mx, ref, ws)
    (c, rc) = both(mx, ref, getattr(ref, name)(rx, rw, **kw).shape)

    def loss(lib, cot):
        return lambda a, b: (getattr(lib, name)(a, b, **kw) * cot).sum()

    gx, gw = mx.grad(loss(mx, c), argnums=(0, 1))(x, w)
    rgx, rgw = ref.grad(loss(ref, rc), argnums=(0, 1))(rx, rw)
    same(gx, rgx)
    same(gw, rgw)


def test_grad_input_dilation_shape(mx, ref):
    """MLX 0.32.4 returns an input gradient of the wrong shape with input dilation (here
    (2,6,6,2) for a (2,7,6,2) input); rmlx's has the input's shape and matches a finite
    difference (the float64 sweep in crates/rmlx/tests/transforms_conv.rs checks it fully)."""
    (x, _), (w, _) = both(mx, ref, (2, 7, 6, 2), "float64"), both(mx, ref, (3, 2, 3, 2), "float64")
    kw = dict(padding=([2, 0], [0, 1]), input_dilation=2, kernel_dilation=(1, 2), stride=(2, 3), flip=True)
    f = lambda a: (mx.conv_general(a, w, **kw) ** 2).sum()  # noqa: E731
    g = mx.grad(f)(x)
    assert g.shape == x.shape
    e = np.zeros(x.shape)
    e[1, 3, 2, 1] = 1e-6
    fd = (f(x + mx.array(e)) - f(x - mx.array(e))).item() / 2e-6
    assert abs(fd - g[1, 3, 2, 1].item()) < 1e-5 * max(1.0, abs(fd))


def test_second_order(mx, ref):
    (x, rx), (w, rw) = both(mx, ref, (1, 6, 2)), both(mx, ref, (2, 3, 2))

    def inner(lib):
        return lambda a, b: (lib.conv1d(a, b, padding=1) ** 2).sum()

    def outer(lib):
        return lambda a, b: (lib.grad(inner(lib))(a, b) ** 2).sum()

    same(mx.grad(outer(mx), argnums=1)(x, w), ref.grad(outer(ref), argnums=1)(rx, rw), 1e-3, 1e-3)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (1, 2)])
def test_vmap(mx, ref, in_axes):
    xs, ws = [2, 7, 3], [4, 3, 3]
    if in_axes[0] is not None:
        xs.insert(in_axes[0], 3)
    if in_axes[1] is not None:
        ws.insert(in_axes[1], 3)
    (x, rx), (w, rw) = both(mx, ref, tuple(xs)), both(mx, ref, tuple(ws))

    def f(lib):
        return lambda a, b: lib.conv1d(a, b, stride=2, padding=1)

    same(mx.vmap(f(mx), in_axes=in_axes)(x, w), ref.vmap(f(ref), in_axes=in_axes)(rx, rw))


def test_vmap_grouped_and_grad(mx, ref):
    (x, rx), (w, rw) = both(mx, ref, (3, 2, 6, 4)), both(mx, ref, (3, 4, 2, 2))

    def f(lib):
        return lambda a, b: lib.grad(lambda u, v: lib.conv1d(u, v, groups=2).sum(), argnums=1)(a, b)

    same(mx.vmap(f(mx))(x, w), ref.vmap(f(ref))(rx, rw))
