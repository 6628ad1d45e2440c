"""`export_function` / `exporter` / `import_function` against the real MLX: calling forms,
errors, multiple traces, shapeless traces, metadata, the callback form, transforms of
imported functions, and a sweep of primitives through a file and back."""

import numpy as np
import pytest


def close(a, b, tol=1e-6):
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=tol, atol=tol)


def both(mx, ref, fn):
    """Runs `fn(module)` for rmlx and MLX."""
    return fn(mx), fn(ref)


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__, str(e)
    return None


def test_round_trip_positional_and_keyword(mx, ref, tmp_path):
    def run(m):
        w = m.array([[1.0, 2.0], [3.0, -4.0]])

        def f(x, y):
            return m.exp(x) @ w + y

        path = str(tmp_path / f"{m.__name__}.mlxfn")
        x = m.array([[0.5, -1.0], [2.0, 0.0]])
        y = m.array([1.0, 2.0])
        m.export_function(path, f, x, y=y)
        g = m.import_function(path)
        a = g(x, y=y)
        b = g((x,), {"y": y})
        c = g(m.ones((2, 2)), y=m.zeros(2))
        return a, b, c, f(m.ones((2, 2)), m.zeros(2))

    (a, b, c, want), (ra, rb, rc, _) = both(mx, ref, run)
    assert isinstance(a, tuple) and len(a) == 1
    close(a[0], ra[0], 1e-5)
    close(b[0], rb[0], 1e-5)
    close(c[0], rc[0], 1e-5)
    close(c[0], want)


def test_errors_match_mlx(mx, ref, tmp_path):
    def run(m):
        path = str(tmp_path / f"e_{m.__name__}.mlxfn")
        x = m.array(1.0)
        y = m.array([1.0, 2.0, 3.0])
        m.export_function(path, lambda x, y: x + y, x, y=y)
        g = m.import_function(path)
        return [
            error_of(lambda: m.export_function(path + "b", lambda x, y: x + y, 1, y=y)),
            error_of(lambda: m.export_function(path + "c", lambda x: 3, x)),
            error_of(lambda: m.export_function(path + "d", lambda x: [x, [x]], x)),
            error_of(lambda: m.export_function(path + "e", lambda x: {"k": x}, x)),
            error_of(lambda: g(x, y)),
            error_of(lambda: g(x, y=m.array([1.0, 2.0]))),
            error_of(lambda: g(x, y=m.array([1, 2, 3]))),
            error_of(lambda: g(x)),
            error_of(lambda: g(x, z=y)),
            error_of(lambda: g(1.0, y=2)),
            error_of(lambda: m.import_function(str(tmp_path / "missing.mlxfn"))),
            error_of(
                lambda: m.export_function(lambda d: None, lambda x: x, x, metadata="m")
            ),
        ]

    got, want = both(mx, ref, run)
    for g, w in zip(got, want):
        assert g is not None and w is not None
        assert g[0] == w[0], (g, w)
        # Same text up to the first line (MLX's listing of traces differs in spacing).
        assert g[1].split("\n")[0].replace(
            str(tmp_path), ""
        ) == w[1].split("\n")[0].replace(str(tmp_path), ""), (g, w)


def test_no_match_lists_the_traces(mx, tmp_path):
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x, y: x + y, mx.array(1.0), y=mx.ones(3))
    err = error_of(lambda: mx.import_function(path)(mx.array(1.0), y=mx.ones(2)))
    assert err[0] == "ValueError"
    assert 'Function with 1 positional inputs and 1 keyword inputs:\n   1: () float32\n   "y": (3) float32' in err[1]
    assert 'Called with 1 positional inputs and 1 keyword inputs:\n  1: () float32\n  "y": (2) float32' in err[1]


def test_exporter_traces_and_errors(mx, ref, tmp_path):
    def run(m):
        def fun(*args):
            return sum(args)

        path = str(tmp_path / f"multi_{m.__name__}.mlxfn")
        with m.exporter(path, fun) as ex:
            ex(m.array(1))
            ex(m.array(1), m.array(2))
            ex(m.array(1), m.array(2), m.array(3))
            dup = error_of(lambda: ex(m.array(1)))
        closed = error_of(lambda: ex(m.array(1.0)))
        g = m.import_function(path)
        outs = [g(m.array(5))[0], g(m.array(5), m.array(6))[0], g(*map(m.array, [5, 6, 7]))[0]]
        miss = error_of(lambda: g(m.array([5, 6])))
        return dup, closed, outs, miss[0]

    (dup, closed, outs, miss), (rdup, rclosed, routs, rmiss) = both(mx, ref, run)
    assert dup == rdup and closed == rclosed and miss == rmiss
    for a, b in zip(outs, routs):
        close(a, b)


def test_shapeless(mx, ref, tmp_path):
    def run(m):
        path = str(tmp_path / f"sl_{m.__name__}.mlxfn")
        m.export_function(path, lambda x: m.exp(x) * 2 + x.sum(), m.zeros((2, 3)), shapeless=True)
        g = m.import_function(path)
        return (
            g(m.ones((4, 5)))[0],
            g(m.arange(6, dtype=m.float32).reshape(3, 2))[0],
            error_of(lambda: g(m.ones((4,))))[0],
            error_of(lambda: g(m.ones((4, 5), dtype=m.float16)))[0],
        )

    got, want = both(mx, ref, run)
    close(got[0], want[0], 1e-5)
    close(got[1], want[1], 1e-5)
    assert got[2:] == want[2:]


def test_shaped_trace_refuses_other_shapes(mx, tmp_path):
    path = str(tmp_path / "s.mlxfn")
    mx.export_function(path, lambda x: x * 2, mx.zeros((2, 3)))
    assert error_of(lambda: mx.import_function(path)(mx.ones((3, 2))))[0] == "ValueError"


def test_metadata(mx, ref, tmp_path):
    def run(m):
        path = str(tmp_path / f"m_{m.__name__}.mlxfn")
        m.export_function(path, lambda x: x, m.array(1.0), metadata='{"layers": 2}')
        f, meta = m.import_function(path, return_metadata=True)
        path2 = str(tmp_path / f"n_{m.__name__}.mlxfn")
        m.export_function(path2, lambda x: x, m.array(1.0))
        return meta, m.import_function(path2, return_metadata=True)[1], f(m.array(3.0))[0].item()

    assert both(mx, ref, run)[0] == both(mx, ref, run)[1] == ('{"layers": 2}', "", 3.0)


def test_keyword_order_does_not_matter(mx, tmp_path):
    path = str(tmp_path / "kw.mlxfn")
    mx.export_function(path, lambda a, b: a - 2 * b, a=mx.array([1.0]), b=mx.array([10.0]))
    g = mx.import_function(path)
    assert g(b=mx.array([10.0]), a=mx.array([1.0]))[0].item() == -19.0
    assert g({"b": mx.array([1.0]), "a": mx.array([3.0])})[0].item() == 1.0


def test_transforms_of_imported_functions(mx, ref, tmp_path):
    def run(m):
        path = str(tmp_path / f"t_{m.__name__}.mlxfn")
        m.export_function(path, lambda x, y: m.sin(x) * y, m.array(1.0), y=m.ones(3))
        g = m.import_function(path)
        dx = m.grad(lambda a, b: g(a, y=b)[0].sum())(m.array(0.5), m.array([1.0, 2.0, 3.0]))
        vm = m.vmap(lambda a: g(a, y=m.ones(3))[0])(m.array([1.0, 2.0]))
        cf = m.compile(lambda a: g(a, y=m.ones(3))[0] + 1)(m.array(2.0))
        return dx, vm, cf

    for a, b in zip(*both(mx, ref, run)):
        close(a, b, 1e-6)


def test_custom_functions_and_random_constants(mx, ref, tmp_path):
    def run(m):
        @m.custom_function
        def plain(x):
            return x * 2

        @m.custom_function
        def twice(x):
            return x * 2

        @twice.vjp
        def twice_vjp(primals, cotangent, output):
            return (cotangent * 100,)

        p1 = str(tmp_path / f"c_{m.__name__}.mlxfn")
        m.export_function(p1, lambda x: plain(x) + 1, m.ones((3,)))
        # Rules are closures: MLX refuses them rather than drop them silently.
        refused = error_of(lambda: m.export_function(p1 + "x", lambda x: twice(x), m.ones(3)))
        m.random.seed(3)
        p2 = str(tmp_path / f"r_{m.__name__}.mlxfn")
        m.export_function(p2, lambda x: x + m.random.uniform(shape=x.shape), m.ones((3,)))
        r = m.import_function(p2)
        c = m.import_function(p1)(m.arange(3, dtype=m.float32))[0]
        return c, refused, r(m.ones(3))[0], r(m.ones(3))[0]

    (c, refused, r1, r2), (rc, rrefused, _, _) = both(mx, ref, run)
    close(c, rc)
    assert refused == rrefused
    # The key was captured: the same numbers every call, as in MLX.
    close(r1, r2, 0)


def test_checkpointed_function_exports(mx, tmp_path):
    path = str(tmp_path / "ck.mlxfn")
    f = mx.checkpoint(lambda x: mx.sin(x) * x)
    mx.export_function(path, lambda x: f(x).sum(), mx.ones(3))
    g = mx.import_function(path)
    x = mx.array([0.1, 0.2, 0.3])
    close(g(x)[0], (mx.sin(x) * x).sum())
    close(mx.grad(lambda a: g(a)[0])(x), mx.sin(x) + x * mx.cos(x))


def test_callback_form_matches_mlx(mx, ref):
    def run(m):
        entries = []
        w = m.array([1.0, 2.0])
        m.export_function(
            entries.append, lambda x, y: (m.exp(x) * w + y,), m.ones((2,)), y=m.ones(2)
        )
        return entries

    got, want = both(mx, ref, run)
    assert [e["type"] for e in got] == [e["type"] for e in want]

    def specs(xs):
        return [(n, tuple(s), str(d).split(".")[-1]) for n, s, d in xs]

    for g, w in zip(got, want):
        if g["type"] in ("inputs", "outputs"):
            assert specs(g[g["type"]]) == specs(w[w["type"]])
        elif g["type"] == "keyword_inputs":
            assert list(map(tuple, g["keywords"])) == list(map(tuple, w["keywords"]))
        elif g["type"] == "constants":
            assert [n for n, _ in g["constants"]] == [n for n, _ in w["constants"]]
        else:
            assert g["name"] == w["name"]
            assert specs(g["inputs"]) == specs(w["inputs"])
            assert specs(g["outputs"]) == specs(w["outputs"])


def sweep_cases(m):
    """(name, function, example inputs): one or more primitives each."""
    x = m.array(np.linspace(-2, 2, 24, dtype=np.float32).reshape(2, 3, 4))
    sq = m.array(np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], np.float32))
    i = m.array(np.array([2, 0, 1], np.int32))
    return [
        ("unary", lambda a: m.tanh(a) + m.abs(a) + m.sqrt(m.abs(a)) + m.erf(a), (x,)),
        ("binary", lambda a: m.maximum(a, 0.5) * m.power(m.abs(a), 1.5) - a // 0.7, (x,)),
        ("compare", lambda a: m.where(a > 0, a, -a) + (a == 1).astype(m.float32), (x,)),
        ("bitwise", lambda a: (a.astype(m.int32) << 2) ^ 5, (x,)),
        ("reduce", lambda a: (a.sum(0), a.prod(1), a.max(2), a.min(), a.mean(1), a.var(0)), (x,)),
        ("arg", lambda a: (a.argmax(1), a.argmin(2)), (x,)),
        ("logsumexp", lambda a: (m.logsumexp(a, axis=1), m.softmax(a, axis=-1)), (x,)),
        ("scan", lambda a: (m.cumsum(a, 1), m.cumprod(a, 2, reverse=True), m.cummax(a, 0)), (x,)),
        ("sort", lambda a: (m.sort(a, 1), m.argsort(a, 2), m.partition(a, 1, axis=2)), (x,)),
        ("shape", lambda a: (a.reshape(6, 4), a.transpose(2, 0, 1), a[:, None], a.flatten(), m.squeeze(a[:1])), (x,)),
        ("slice", lambda a: (a[1:, ::2, 1:3], m.split(a, 2, axis=2)[1], m.concatenate([a, a], 1)), (x,)),
        ("pad_roll", lambda a: (m.pad(a, [(0, 0), (1, 2), (0, 1)]), m.roll(a, 2, 1), m.pad(a, 1, mode="edge")), (x,)),
        ("gather", lambda a, k: (a[:, k], m.take(a, k, axis=2), m.take_along_axis(a, m.zeros((2, 3, 1), m.int32), 2)), (x, i)),
        ("scatter", lambda a, k: m.zeros((4, 4)).at[k].add(a[0, :, :]), (x, i)),
        ("creation", lambda a: a + m.arange(4) + m.linspace(0, 1, 4) + m.eye(3, 4) + m.full((4,), 2.0), (x,)),
        ("matmul", lambda a, s: (s @ a[0], m.addmm(a[0], s, a[1], alpha=0.5, beta=2.0), m.outer(a[0, 0], a[1, 1])), (x, sq)),
        ("linalg", lambda s: (m.linalg.inv(s), m.linalg.cholesky(s), m.linalg.qr(s)[1], m.linalg.eigh(s)[0], m.linalg.svd(s, compute_uv=False)), (sq,)),
        ("linalg2", lambda s: (m.linalg.solve(s, s[0]), m.linalg.solve_triangular(s, s, upper=True), m.linalg.lu(s)[2]), (sq,)),
        ("fft", lambda a: (m.fft.rfft(a), m.fft.fft2(a.astype(m.complex64)), m.abs(m.fft.ifft(a))), (x,)),
        ("conv", lambda a: m.conv1d(a, m.ones((2, 3, 4)), stride=1, padding=1), (x,)),
        ("conv2d", lambda a: m.conv2d(a[None], m.ones((3, 2, 2, 4)), dilation=1, groups=1), (x,)),
        ("fast", lambda a: (m.fast.rms_norm(a, m.ones(4), 1e-5), m.fast.layer_norm(a, m.ones(4), m.zeros(4), 1e-5), m.fast.rope(a, 4, traditional=False, base=10000.0, scale=1.0, offset=1)), (x,)),
        ("sdpa", lambda a: m.fast.scaled_dot_product_attention(a[None], a[None], a[None], scale=0.5, mask="causal"), (x,)),
        ("quantized", lambda w: m.dequantize(*m.quantize(w, group_size=32, bits=4), group_size=32, bits=4), (m.array(np.linspace(-1, 1, 128, dtype=np.float32).reshape(2, 64)),)),
        ("qmm", lambda a, w: m.quantized_matmul(a, *m.quantize(w, group_size=32, bits=8), transpose=True, group_size=32, bits=8), (m.ones((3, 64)), m.array(np.linspace(-1, 1, 256, dtype=np.float32).reshape(4, 64)))),
        ("misc", lambda a: (m.nan_to_num(a / 0.0), m.stop_gradient(a), m.diagonal(a, 0, 1, 2), m.clip(a, -1, 1), m.round(a, 1)), (x,)),
        ("dtypes", lambda a: (a.astype(m.float16) * 2, a.astype(m.bfloat16) + 1, a.astype(m.uint8), a.view(m.int32)), (x,)),
        ("hadamard", lambda a: m.hadamard_transform(a, scale=0.5), (x,)),
        ("dynamic", lambda a, k: (m.slice(a, k, (0,), (1, 3, 4)), m.slice_update(a, a[:1] * 0, k, (0,))), (x, m.array([1], m.int32))),
        ("as_strided", lambda a: m.as_strided(a, (3, 4), (4, 1), 2), (x,)),
        ("searchsorted", lambda a: m.searchsorted(m.array([0.0, 1.0, 2.0]), a) if hasattr(m, "searchsorted") else a, (x,)),
        ("block_masked", lambda a: m.block_masked_mm(m.ones((64, 64)), m.ones((64, 64)), 32, m.array([[True, False], [True, True]])) + a.sum(), (x,)),
        ("random_bits", lambda k: m.random.uniform(shape=(4,), key=k), (m.random.key(3),)),
        ("compiled", m.compile(lambda a: m.sigmoid(a) * a + 1), (x,)),
    ]


def test_primitive_sweep(mx, tmp_path):
    """Every case gives the same values through a file as called directly."""
    names = set()
    for name, f, inputs in sweep_cases(mx):
        path = str(tmp_path / f"{name}.mlxfn")
        mx.export_function(path, f, *inputs)
        got = mx.import_function(path)(*inputs)
        want = f(*inputs)
        want = list(want) if isinstance(want, (tuple, list)) else [want]
        assert len(got) == len(want), name
        for a, b in zip(got, want):
            assert a.dtype == b.dtype and a.shape == b.shape, name
            wide = (lambda v: v.astype(mx.float32)) if a.dtype == mx.bfloat16 else (lambda v: v)
            np.testing.assert_allclose(
                np.array(wide(a)),
                np.array(wide(b)),
                rtol=1e-6,
                atol=1e-6,
                err_msg=name,
            )
        mx.export_function(lambda e: names.add(e.get("name")), f, *inputs)
    # The sweep reaches most primitive families.
    for p in ["Sort", "Cum", "Gather", "Scatter", "Matmul", "FFT", "Convolution", "Pad",
              "QuantizedMatmul", "RandomBits", "Concatenate", "Slice", "Reshape", "Transpose"]:
        assert any(n and n.startswith(p) for n in names), p


def test_corrupt_files_fail_cleanly(mx, tmp_path):
    path = tmp_path / "ok.mlxfn"
    mx.export_function(str(path), lambda x: mx.exp(x) @ x.T, mx.ones((3, 3)))
    data = path.read_bytes()
    bad = tmp_path / "bad.mlxfn"
    rng = np.random.default_rng(0)
    for cut in range(0, len(data), 7):
        bad.write_bytes(data[:cut])
        with pytest.raises(RuntimeError):
            mx.import_function(str(bad))
    for _ in range(200):
        b = bytearray(data)
        for k in rng.integers(0, len(b), 3):
            b[k] = int(rng.integers(0, 256))
        bad.write_bytes(bytes(b))
        try:
            g = mx.import_function(str(bad))
            mx.eval(g(mx.ones((3, 3))))
        except (RuntimeError, ValueError):
            pass


def test_export_from_python_runs_from_rust_fixture(mx):
    """The checked-in fixture (written by tools/fixtures/export.py with this package)
    still imports and gives the values stored with it; the Rust test reads the same file."""
    import json
    import pathlib

    path = pathlib.Path(__file__).parents[2] / "crates/rmlx/tests/fixtures/export_mlp.mlxfn"
    f, meta = mx.import_function(str(path), return_metadata=True)
    meta = json.loads(meta)
    x = mx.array(np.array(meta["x"], np.float32))
    (y,) = f(x)
    np.testing.assert_allclose(np.array(y), np.array(meta["y"], np.float32), rtol=1e-5, atol=1e-6)


def test_imported_constants_are_mapped_not_copied(mx, tmp_path):
    """Weights of an imported function are windows of the mapped file: importing costs no
    active memory, and re-exporting to the same path leaves the old import working."""
    path = str(tmp_path / "w.mlxfn")
    w = mx.array(np.arange(1 << 20, dtype=np.float32).reshape(1024, 1024))

    def f(x):
        return x @ w

    x = mx.ones((2, 1024))
    mx.export_function(path, f, x)
    mx.eval(x)
    before = mx.get_active_memory()
    g = mx.import_function(path)
    assert mx.get_active_memory() - before < (1 << 20)
    want = f(x)
    mx.export_function(path, lambda x: x * 0, x)  # replaced on disk while g maps it
    close(g(x)[0], want, 1e-6)
    close(mx.import_function(path)(x)[0], x * 0)
