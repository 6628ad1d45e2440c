"""`rmlx.core.fft` against the real MLX and NumPy: values of every transform for lengths
1 to 1024, n / s / axes / norm, output dtypes, argument types, errors, and the transforms
(grad, vjp, jvp, vmap) against MLX's."""

import numpy as np
import pytest

LENGTHS = [1, 2, 3, 5, 7, 8, 12, 17, 64, 97, 1000, 1024]
NAMES = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
         "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def close(ours, want, n=1):
    ours = np.array(ours)
    want = np.asarray(want)
    assert ours.shape == want.shape
    scale = max(1.0, float(np.abs(want).max()) if want.size else 1.0)
    np.testing.assert_allclose(ours, want, rtol=1e-4, atol=3e-6 * scale * np.log2(n + 1))


def same(mx, ref, ours, theirs, n=1):
    assert str(ours.dtype) == str(theirs.dtype)
    close(ours, np.array(theirs), n)


def test_module_has_every_name(mx, ref):
    for name in NAMES:
        assert hasattr(mx.fft, name), name
    import rmlx.core.fft as sub  # importable as a submodule, like mlx.core.fft

    assert sub.fft is mx.fft.fft


@pytest.mark.parametrize("n", LENGTHS)
def test_1d_lengths_vs_numpy_and_mlx(mx, ref, n):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((2, n)) + 1j * rng.standard_normal((2, n))).astype(np.complex64)
    r = rng.standard_normal((2, n)).astype(np.float32)
    for op in ("fft", "ifft"):
        ours = getattr(mx.fft, op)(mx.array(x))
        close(ours, getattr(np.fft, op)(x.astype(np.complex128)), n)
        same(mx, ref, ours, getattr(ref.fft, op)(ref.array(x)), n)
    ours = mx.fft.rfft(mx.array(r))
    close(ours, np.fft.rfft(r.astype(np.float64)), n)
    assert ours.shape == (2, n // 2 + 1)
    if n > 1:
        h = x[:, : n // 2 + 1]
        ours = mx.fft.irfft(mx.array(h), n=n)
        close(ours, np.fft.irfft(h.astype(np.complex128), n=n), n)
        same(mx, ref, ours, ref.fft.irfft(ref.array(h), n=n), n)


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_norms(mx, ref, norm):
    x = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)
    for op in ("fft", "ifft", "rfft", "fft2", "ifft2", "rfft2", "fftn", "ifftn", "rfftn"):
        ours = getattr(mx.fft, op)(mx.array(x), norm=norm)
        close(ours, getattr(np.fft, op)(x.astype(np.float64), norm=norm), 60)
    z = np.fft.rfftn(x)
    for op in ("irfft", "irfft2", "irfftn"):
        ours = getattr(mx.fft, op)(mx.array(z.astype(np.complex64)), norm=norm)
        close(ours, getattr(np.fft, op)(z, norm=norm), 60)


def test_n_s_axes(mx, ref):
    x = np.random.default_rng(2).standard_normal((4, 6, 5)).astype(np.float32)
    a, b = mx.array(x), ref.array(x)
    for kw in ({"n": 3}, {"n": 11}, {"n": 4, "axis": 0}, {"axis": 1}):
        for op in ("fft", "ifft", "rfft", "irfft"):
            same(mx, ref, getattr(mx.fft, op)(a, **kw), getattr(ref.fft, op)(b, **kw), 20)
    for kw in ({}, {"axes": [2, 0]}, {"axes": [0]}, {"s": [3, 8], "axes": [0, 2]},
               {"s": [2, 7, 9], "axes": [1, 2, 0]}, {"axes": None}):
        for op in ("fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn"):
            if op.endswith("2") and kw.get("axes") is not None and len(kw["axes"]) != 2:
                continue
            same(mx, ref, getattr(mx.fft, op)(a, **kw), getattr(ref.fft, op)(b, **kw), 200)


def test_dtypes(mx, ref):
    for dt in ("float32", "float64", "float16", "bfloat16", "int32", "int64", "uint8", "bool_", "complex64"):
        a = mx.arange(6).astype(getattr(mx, dt))
        b = ref.arange(6).astype(getattr(ref, dt))
        for op in ("fft", "ifft", "rfft", "irfft", "fftn", "rfftn", "irfftn"):
            same(mx, ref, getattr(mx.fft, op)(a), getattr(ref.fft, op)(b), 10)
    # No axes: the input itself, dtype kept.
    assert mx.fft.fftn(mx.arange(3), axes=[]).dtype == mx.int32


def test_freqs_and_shifts(mx, ref):
    for n in (1, 2, 5, 8):
        for d in (1.0, 0.5, 2):
            same(mx, ref, mx.fft.fftfreq(n, d), ref.fft.fftfreq(n, d))
            same(mx, ref, mx.fft.rfftfreq(n, d=d), ref.fft.rfftfreq(n, d=d))
    x = np.arange(60).reshape(3, 4, 5).astype(np.int32)
    for kw in ({}, {"axes": 1}, {"axes": [0, -1]}, {"axes": (2, 2)}):
        for op in ("fftshift", "ifftshift"):
            ours = getattr(mx.fft, op)(mx.array(x), **kw)
            theirs = getattr(ref.fft, op)(ref.array(x), **kw)
            assert ours.dtype == mx.int32
            assert np.array_equal(np.array(ours), np.array(theirs))
    np.testing.assert_array_equal(np.array(mx.fft.fftshift(mx.arange(7))), np.fft.fftshift(np.arange(7)))
    np.testing.assert_array_equal(np.array(mx.fft.ifftshift(mx.arange(7))), np.fft.ifftshift(np.arange(7)))


def raises_like(mx, ref, call):
    with pytest.raises(Exception) as theirs:
        call(ref)
    with pytest.raises(Exception) as ours:
        call(mx)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)
    return str(ours.value), str(theirs.value)


def test_errors(mx, ref):
    z = lambda lib: lib.zeros((3, 4))  # noqa: E731
    same_text = [
        lambda lib: lib.fft.fft(z(lib), n=0),
        lambda lib: lib.fft.fft(z(lib), norm="bad"),
        lambda lib: lib.fft.fftn(z(lib), axes=[0, -2]),
        lambda lib: lib.fft.fftn(z(lib), s=[3], axes=[0, 1]),
        lambda lib: lib.fft.fftn(z(lib), s=[3, 3]),
        lambda lib: lib.fft.fft2(z(lib), s=[3, 3], axes=None),
        lambda lib: lib.fft.irfft(lib.zeros((1,), lib.complex64)),
        lambda lib: lib.fft.fftn(lib.array(1.0)),
        lambda lib: lib.fft.fftfreq(0),
        lambda lib: lib.fft.rfftfreq(4, 0.0),
        lambda lib: lib.fft.fftshift(z(lib), axes=3),
        lambda lib: lib.fft.fftn(z(lib), s=[3], axes=[5]),
    ]
    for call in same_text:
        ours, theirs = raises_like(mx, ref, call)
        assert ours == theirs
    for call in [
        lambda lib: lib.fft.fft(z(lib), axis=2),
        lambda lib: lib.fft.fft(lib.array(1.0)),
        lambda lib: lib.fft.fftn(z(lib), axes=[0, 1, 2]),
        lambda lib: lib.fft.fft([1.0, 2.0]),
        lambda lib: lib.fft.fft(z(lib), n=2.0),
        lambda lib: lib.fft.fftn(z(lib), axes=0),
        lambda lib: lib.fft.fftn(z(lib), s=3, axes=[0]),
        lambda lib: lib.fft.fft(z(lib), norm=None),
    ]:
        raises_like(mx, ref, call)


def proj(lib, y):
    if y.dtype == lib.complex64:
        y = lib.real(y) + 0.7 * lib.imag(y)
    w = lib.arange(y.size, dtype=lib.float32).reshape(y.shape)
    return (y * lib.cos(w)).sum()


@pytest.mark.parametrize("op,kw", [("fft", {}), ("fft", {"n": 8}), ("ifft", {"n": 3, "norm": "ortho"}),
                                   ("rfft", {}), ("rfft", {"n": 7}), ("rfft", {"axis": 0}),
                                   ("fft2", {}), ("rfftn", {"axes": [1, 0]}), ("rfft2", {"norm": "forward"})])
def test_grad_real_input(mx, ref, op, kw):
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    g = mx.grad(lambda v: proj(mx, getattr(mx.fft, op)(v, **kw)))(mx.array(x))
    h = ref.grad(lambda v: proj(ref, getattr(ref.fft, op)(v, **kw)))(ref.array(x))
    same(mx, ref, g, h, 20)


@pytest.mark.parametrize("op,kw", [("fft", {}), ("ifft", {"n": 7}), ("irfft", {}), ("irfft", {"n": 9}),
                                   ("irfft", {"n": 4, "norm": "ortho"}), ("irfftn", {}),
                                   ("irfftn", {"axes": [1, 0], "s": [3, 7]}), ("ifft2", {"norm": "forward"})])
def test_grad_complex_input(mx, ref, op, kw):
    """Gradients of a real loss with respect to the real and imaginary parts of a complex
    input (`x + i·y`): the same in any complex convention."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    y = rng.standard_normal((4, 5)).astype(np.float32)

    def run(lib):
        def loss(a, b):
            z = a.astype(lib.complex64) + b.astype(lib.complex64) * lib.array(1j, lib.complex64)
            return proj(lib, getattr(lib.fft, op)(z, **kw))

        return lib.grad(loss, argnums=(0, 1))(lib.array(x), lib.array(y))

    for ours, theirs in zip(run(mx), run(ref)):
        same(mx, ref, ours, theirs, 20)


@pytest.mark.parametrize("op,kw", [("fft", {}), ("ifft", {"n": 3}), ("fftn", {"norm": "ortho"})])
def test_vjp_complex_cotangent_convention(mx, ref, op, kw):
    """Complex vjps are MLX's conjugate-transpose products Jᴴ·c (its `multiply` rule gives
    c·b̄), for `multiply` and FFT alike, so chains of rules stay consistent."""
    rng = np.random.default_rng(5)
    z = (rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))).astype(np.complex64)
    b = np.complex64(0.3 - 1.2j)

    def run(lib, f):
        out = f(lib.array(z))
        c = (rng.standard_normal(out.shape).astype(np.float32) * (1 - 0.5j)).astype(np.complex64)
        _, (g,) = lib.vjp(lambda v: [f(v)], [lib.array(z)], [lib.array(c)])
        return np.array(g)

    for f in (lambda lib: (lambda v: getattr(lib.fft, op)(v, **kw)),
              lambda lib: (lambda v: v * lib.array(b))):
        rng = np.random.default_rng(6)
        ours = run(mx, f(mx))
        rng = np.random.default_rng(6)
        theirs = run(ref, f(ref))
        close(ours, theirs, 20)


def test_jvp_and_vmap(mx, ref):
    x = np.random.default_rng(6).standard_normal((3, 4, 6)).astype(np.float32)
    t = np.random.default_rng(7).standard_normal((3, 4, 6)).astype(np.float32)
    cases = (("rfft", {}), ("fft", {"axis": 0}), ("rfftn", {"axes": [1, 0]}), ("irfft", {}), ("irfft", {"n": 5}))
    for op, kw in cases:
        f_ours = lambda v: [getattr(mx.fft, op)(v, **kw)]  # noqa: E731
        f_ref = lambda v: [getattr(ref.fft, op)(v, **kw)]  # noqa: E731
        (o1,), (j1,) = mx.jvp(f_ours, [mx.array(x)], [mx.array(t)])
        (o2,), (j2,) = ref.jvp(f_ref, [ref.array(x)], [ref.array(t)])
        same(mx, ref, o1, o2, 30)
        # The transform is linear: its tangent is the transform of the tangent.
        same(mx, ref, j1, f_ours(mx.array(t))[0], 30)
        if "n" not in kw or op != "irfft":
            # (MLX 0.32's jvp of irfft ignores an explicit n and returns the default length.)
            same(mx, ref, j1, j2, 30)
        for ax in (0, 1, 2):
            v1 = mx.vmap(lambda v: f_ours(v)[0], in_axes=ax)(mx.array(x))
            v2 = ref.vmap(lambda v: f_ref(v)[0], in_axes=ax)(ref.array(x))
            same(mx, ref, v1, v2, 30)


def test_large_threaded(mx, ref):
    x = np.random.default_rng(8).standard_normal((256, 1000)).astype(np.float32)
    close(mx.fft.rfft(mx.array(x)), np.fft.rfft(x.astype(np.float64)), 1000)
    close(mx.fft.fft(mx.array(x), axis=0), np.fft.fft(x.astype(np.float64), axis=0), 256)
    x = np.random.default_rng(9).standard_normal(1 << 16).astype(np.complex64)
    close(mx.fft.ifft(mx.fft.fft(mx.array(x))), x, 1 << 16)
