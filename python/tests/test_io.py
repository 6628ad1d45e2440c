"""rmlx.core's file functions against MLX 0.32 and NumPy: round trips for every dtype and
format, files written by NumPy/MLX read by rmlx and the reverse, metadata, errors."""

import io
import os
import pathlib
import struct
import sys
import zipfile

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "fixtures"))
import gguf_writer as gw  # noqa: E402

DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
GGUF_DTYPES = ["int8", "int16", "int32", "float16", "float32"]
ST_DTYPES = [d for d in DTYPES if d != "float64"]  # MLX refuses float64 in safetensors


def sample(m, dtype, shape=(2, 3)):
    d = getattr(m, dtype)
    n = int(np.prod(shape))
    if dtype == "float64":
        return m.array(np.linspace(-2, 3, n).reshape(shape), dtype=d)
    if dtype == "complex64":
        return m.array((np.arange(n) + 1j * np.arange(n)[::-1]).astype(np.complex64).reshape(shape))
    if dtype == "bool_":
        return m.array((np.arange(n) % 3 == 0).reshape(shape))
    return m.array(np.arange(n).reshape(shape) % 7 - (0 if dtype.startswith("u") else 3)).astype(d)


def same(a, b):
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert a.tolist() == b.tolist()


# ---------------------------------------------------------------- round trips, every dtype

@pytest.mark.parametrize("dtype", DTYPES)
def test_npy_roundtrip_and_mlx_reads(mx, ref, tmp_path, dtype):
    a = sample(mx, dtype)
    mx.save(str(tmp_path / "a"), a)  # extension appended
    assert (tmp_path / "a.npy").exists()
    same(mx.load(str(tmp_path / "a.npy")), a)
    same(ref.load(str(tmp_path / "a.npy")), sample(ref, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_npy_written_by_mlx(mx, ref, tmp_path, dtype):
    ref.save(str(tmp_path / "m.npy"), sample(ref, dtype))
    same(mx.load(str(tmp_path / "m.npy")), sample(mx, dtype))


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bfloat16"])
def test_npy_bytes_equal_numpy(mx, tmp_path, dtype):
    a = sample(mx, dtype)
    mx.save(str(tmp_path / "a.npy"), a)
    buf = io.BytesIO()
    np.save(buf, np.array(a))
    assert (tmp_path / "a.npy").read_bytes() == buf.getvalue()
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.array(a))


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (5,), (2, 3, 4), (1, 1, 7)])
def test_npy_shapes(mx, tmp_path, shape):
    a = mx.array(np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape))
    mx.save(str(tmp_path / "s.npy"), a)
    b = mx.load(str(tmp_path / "s.npy"))
    assert b.shape == shape
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), np.array(a))


def test_npy_views_written_correctly(mx, ref, tmp_path):
    x = mx.arange(24).reshape(2, 3, 4)
    for i, v in enumerate([x.T, x[:, ::2], x[..., ::-1], mx.broadcast_to(mx.array([1, 2]), (3, 2)),
                           mx.swapaxes(x, 0, 1)]):
        p = str(tmp_path / f"v{i}.npy")
        mx.save(p, v)
        np.testing.assert_array_equal(np.load(p), np.array(v))
        same(mx.load(p), v)


@pytest.mark.parametrize("npdt", ["<i4", ">i4", ">f8", ">c8", "<u2", ">u8", ">f2", "|b1", "<i8"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_written_by_numpy(mx, tmp_path, npdt, order):
    x = np.arange(24).reshape(2, 3, 4)
    x = (x % 2 == 0) if npdt == "|b1" else x.astype(npdt)
    x = np.asfortranarray(x) if order == "F" else x
    p = tmp_path / "n.npy"
    np.save(p, x)
    b = mx.load(str(p))
    assert b.shape == x.shape
    np.testing.assert_array_equal(np.array(b), x)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_versions(mx, tmp_path, version):
    x = np.arange(10, dtype=np.int16).reshape(2, 5)
    p = tmp_path / "v.npy"
    with open(p, "wb") as f:
        np.lib.format.write_array(f, x, version=version)
    np.testing.assert_array_equal(np.array(mx.load(str(p))), x)


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_roundtrip(mx, ref, tmp_path, compressed):
    arrays = {d: sample(mx, d) for d in DTYPES}
    fn = mx.savez_compressed if compressed else mx.savez
    fn(str(tmp_path / "z"), sample(mx, "int32"), **arrays)
    z = zipfile.ZipFile(tmp_path / "z.npz")
    assert z.testzip() is None
    assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED}
    back = mx.load(str(tmp_path / "z.npz"))
    assert set(back) == set(arrays) | {"arr_0"}
    for k, v in arrays.items():
        same(back[k], v)
    mback = ref.load(str(tmp_path / "z.npz"))
    for k in arrays:
        same(mback[k], sample(ref, k))
    n = np.load(tmp_path / "z.npz")
    np.testing.assert_array_equal(n["int32"], np.array(arrays["int32"]))
    np.testing.assert_array_equal(n["complex64"], np.array(arrays["complex64"]))


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_written_by_numpy(mx, tmp_path, compressed):
    data = {"x": np.arange(100), "y": np.ones((3, 4), np.float16), "z": np.asfortranarray(np.eye(3)),
            "w": np.array([True, False])}
    (np.savez_compressed if compressed else np.savez)(tmp_path / "n.npz", **data)
    back = mx.load(str(tmp_path / "n.npz"))
    assert set(back) == set(data)
    for k, v in data.items():
        np.testing.assert_array_equal(np.array(back[k]), v)


def test_npz_written_by_mlx(mx, ref, tmp_path):
    ref.savez_compressed(str(tmp_path / "m"), ref.arange(5), b=ref.ones((2, 2)))
    back = mx.load(str(tmp_path / "m.npz"))
    assert back["arr_0"].tolist() == list(range(5)) and back["b"].tolist() == [[1, 1], [1, 1]]


@pytest.mark.parametrize("dtype", ST_DTYPES)
def test_safetensors_roundtrip(mx, ref, tmp_path, dtype):
    a = sample(mx, dtype)
    mx.save_safetensors(str(tmp_path / "s"), {"t": a, "u": mx.array(1.5)})
    back = mx.load(str(tmp_path / "s.safetensors"))
    same(back["t"], a)
    same(ref.load(str(tmp_path / "s.safetensors"))["t"], sample(ref, dtype))
    ref.save_safetensors(str(tmp_path / "m"), {"t": sample(ref, dtype)})
    same(mx.load(str(tmp_path / "m.safetensors"))["t"], a)


def test_safetensors_header_is_spec_conforming(mx, tmp_path):
    import json
    mx.save_safetensors(str(tmp_path / "s.safetensors"),
                        {"b": mx.ones((3,), dtype=mx.uint8), "a": mx.ones((2, 2)), "c": mx.zeros((0,))},
                        {"k": "v", "q\"uote": "é"})
    raw = (tmp_path / "s.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0
    h = json.loads(raw[8:8 + n])
    assert h["__metadata__"] == {"k": "v", "q\"uote": "é"}
    data = raw[8 + n:]
    for k, v in h.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        assert e <= len(data) and b % {"F32": 4, "U8": 1}[v["dtype"]] == 0
    assert np.frombuffer(data[slice(*h["a"]["data_offsets"])], np.float32).tolist() == [1.0] * 4


def test_safetensors_metadata(mx, ref, tmp_path):
    mx.save_safetensors(str(tmp_path / "s"), {"a": mx.ones(2)}, {"x": "1", "y": "two"})
    arrays, meta = mx.load(str(tmp_path / "s.safetensors"), return_metadata=True)
    assert meta == {"x": "1", "y": "two"}
    assert ref.load(str(tmp_path / "s.safetensors"), return_metadata=True)[1] == meta
    mx.save_safetensors(str(tmp_path / "e"), {"a": mx.ones(2)})
    assert mx.load(str(tmp_path / "e.safetensors"), return_metadata=True)[1] == {}


def write_st(path, header, data):
    import json
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + data)


def test_safetensors_unaligned_and_fp8(mx, ref, tmp_path):
    p = tmp_path / "u.safetensors"
    write_st(p, {"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [1, 9]},
                 "f": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [9, 11]}},
             b"\x07" + np.array([1.5, 2.5], np.float32).tobytes() + b"\x38\x40")
    ours, theirs = mx.load(str(p)), ref.load(str(p))
    for k in "abf":
        same(ours[k], theirs[k])


def test_safetensors_float64_is_an_rmlx_extension(mx, tmp_path):
    a = mx.array([1.0, -2.5], dtype=mx.float64)
    mx.save_safetensors(str(tmp_path / "d"), {"a": a})
    same(mx.load(str(tmp_path / "d.safetensors"))["a"], a)


def test_safetensors_mmap_not_active_memory_and_writes_stay_private(mx, tmp_path):
    p = str(tmp_path / "big.safetensors")
    mx.save_safetensors(p, {"w": mx.ones((1024, 1024))})
    before = (tmp_path / "big.safetensors").read_bytes()
    mx.synchronize()
    active = mx.get_active_memory()
    w = mx.load(p)["w"]
    assert mx.get_active_memory() - active < 1 << 20  # 4 MB file-backed, not counted
    assert float(mx.sum(w).item()) == 1024 * 1024
    v = np.asarray(memoryview(w))  # zero-copy view of the mapped window
    if v.flags.writeable:
        v[0, 0] = 5.0  # lands in a private copy-on-write page
    del v, w
    assert (tmp_path / "big.safetensors").read_bytes() == before


def test_safetensors_mmap_ops_do_not_donate(mx, tmp_path):
    p = str(tmp_path / "d.safetensors")
    mx.save_safetensors(p, {"w": mx.arange(8, dtype=mx.float32)})
    before = (tmp_path / "d.safetensors").read_bytes()
    w = mx.load(p)["w"]
    y = mx.exp(w) + 1  # would donate w's buffer if it were the allocator's
    del w
    mx.eval(y)
    assert (tmp_path / "d.safetensors").read_bytes() == before
    assert mx.load(p)["w"].tolist() == list(range(8))


# ---------------------------------------------------------------- GGUF

@pytest.mark.parametrize("dtype", GGUF_DTYPES)
def test_gguf_roundtrip(mx, ref, tmp_path, dtype):
    a = sample(mx, dtype)
    mx.save_gguf(str(tmp_path / "g"), {"t": a, "s": mx.array(2.0), "e": mx.zeros((0, 3))})
    back = mx.load(str(tmp_path / "g.gguf"))
    same(back["t"], a)
    assert back["e"].shape == (0, 3) and back["s"].shape == ()
    theirs = ref.load(str(tmp_path / "g.gguf"))
    same(theirs["t"], sample(ref, dtype))
    ref.save_gguf(str(tmp_path / "m"), {"t": sample(ref, dtype)})
    same(mx.load(str(tmp_path / "m.gguf"))["t"], a)


def test_gguf_bytes_equal_mlx(mx, ref, tmp_path):
    mx.save_gguf(str(tmp_path / "a"), {"w": mx.arange(6, dtype=mx.float32).reshape(2, 3)})
    ref.save_gguf(str(tmp_path / "b"), {"w": ref.arange(6, dtype=ref.float32).reshape(2, 3)})
    assert (tmp_path / "a.gguf").read_bytes() == (tmp_path / "b.gguf").read_bytes()


def test_gguf_metadata(mx, ref, tmp_path):
    meta = {"s": "str", "l": ["x", "yy"], "n": 3, "f": 2.5, "v": [1, 2, 3], "u8": (1, "uint8"),
            "b": (True, "bool_"), "i64": (7, "int64"), "e": []}

    def build(m):
        out = {}
        for k, v in meta.items():
            if isinstance(v, tuple):
                out[k] = m.array(v[0], dtype=getattr(m, v[1]))
            elif isinstance(v, (int, float)) or (isinstance(v, list) and v and not isinstance(v[0], str)):
                out[k] = m.array(v)
            else:
                out[k] = v
        return out
    mx.save_gguf(str(tmp_path / "m"), {"a": mx.ones(2)}, build(mx))
    ours = mx.load(str(tmp_path / "m.gguf"), return_metadata=True)[1]
    theirs = ref.load(str(tmp_path / "m.gguf"), return_metadata=True)[1]
    assert set(ours) == set(theirs) == set(meta)
    for k in meta:
        if isinstance(theirs[k], (str, list)):
            assert ours[k] == theirs[k]
        else:
            same(ours[k], theirs[k])


def test_gguf_metadata_every_type(mx, ref, tmp_path):
    md = [("u8", gw.U8, 3), ("i8", gw.I8, -3), ("u16", gw.U16, 4), ("i16", gw.I16, -4),
          ("u32", gw.U32, 5), ("i32", gw.I32, -5), ("f32", gw.F32, 1.5), ("bool", gw.BOOL, True),
          ("s", gw.STRING, "hé"), ("u64", gw.U64, 7), ("i64", gw.I64, -7),
          ("as", gw.ARRAY, (gw.STRING, ["a", "b"])), ("ai", gw.ARRAY, (gw.I32, [1, 2])),
          ("au16", gw.ARRAY, (gw.U16, [1, 2])), ("ab", gw.ARRAY, (gw.BOOL, [True, False])),
          ("ae", gw.ARRAY, (gw.I32, []))]
    p = tmp_path / "md.gguf"
    p.write_bytes(gw.gguf_bytes([("w", (2,), "F32", np.ones(2, np.float32).tobytes())], md))
    ours = mx.load(str(p), return_metadata=True)[1]
    theirs = ref.load(str(p), return_metadata=True)[1]
    assert list(ours) == [k for k, _, _ in md]
    for k in ours:
        if isinstance(theirs[k], (str, list)):
            assert ours[k] == theirs[k]
        else:
            same(ours[k], theirs[k])


def test_gguf_f64_metadata_loads(mx, tmp_path):
    # MLX 0.32 crashes (segfault) on f64 metadata; rmlx returns float64 arrays.
    p = tmp_path / "f.gguf"
    p.write_bytes(gw.gguf_bytes([], [("f", gw.F64, 2.5), ("af", gw.ARRAY, (gw.F64, [1.5, 2.0]))]))
    meta = mx.load(str(p), return_metadata=True)[1]
    assert meta["f"].dtype == mx.float64 and meta["f"].item() == 2.5
    assert meta["af"].tolist() == [1.5, 2.0]


def quant_blocks(kind, nblocks, rng):
    raw = b""
    for b in range(nblocks):
        if kind == "Q8_0":
            raw += np.float16(0.5 + b).tobytes() + rng.integers(-128, 128, 32).astype(np.int8).tobytes()
        elif kind == "Q4_0":
            raw += np.float16(0.25 * (b + 1)).tobytes() + rng.integers(0, 256, 16).astype(np.uint8).tobytes()
        else:
            raw += (np.float16(0.25 * (b + 1)).tobytes() + np.float16(-1.5 + b).tobytes()
                    + rng.integers(0, 256, 16).astype(np.uint8).tobytes())
    return raw


@pytest.mark.parametrize("kind", ["Q4_0", "Q4_1", "Q8_0"])
@pytest.mark.parametrize("name,shape", [("blk.weight", (3, 64)), ("w", (96,))])
def test_gguf_quantized_match_mlx(mx, ref, tmp_path, kind, name, shape):
    rng = np.random.default_rng(1)
    p = tmp_path / "q.gguf"
    raw = quant_blocks(kind, int(np.prod(shape)) // 32, rng)
    p.write_bytes(gw.gguf_bytes([(name, shape, kind, raw)]))
    ours, theirs = mx.load(str(p)), ref.load(str(p))
    assert set(ours) == set(theirs)
    for k in ours:
        same(ours[k], theirs[k])


def test_gguf_bf16_loads_as_float16(mx, ref, tmp_path):
    p = tmp_path / "b.gguf"
    bf = (np.array([1.0, -2.5, 3.25], np.float32).view(np.uint32) >> 16).astype(np.uint16)
    p.write_bytes(gw.gguf_bytes([("w", (3,), "BF16", bf.tobytes())]))
    same(mx.load(str(p))["w"], ref.load(str(p))["w"])


def test_gguf_alignment_64(mx, ref, tmp_path):
    p = tmp_path / "a.gguf"
    p.write_bytes(gw.gguf_bytes([("w", (2,), "F32", np.ones(2, np.float32).tobytes()),
                                 ("v", (3,), "I8", b"\x01\x02\x03")],
                                [("general.alignment", gw.U32, 64)], alignment=64))
    assert mx.load(str(p))["v"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------- file arguments

def test_file_arguments(mx, ref, tmp_path):
    a = mx.arange(6).reshape(2, 3)
    mx.save(tmp_path / "p", a)  # pathlib
    assert (tmp_path / "p.npy").exists()
    mx.save(str(tmp_path / "x.foo"), a)
    assert (tmp_path / "x.foo.npy").exists()
    same(mx.load(tmp_path / "p.npy"), a)
    with open(tmp_path / "f.npy", "wb") as f:
        mx.save(f, a)
    with open(tmp_path / "f.npy", "rb") as f:
        same(mx.load(f), a)
    buf = io.BytesIO()
    mx.save_safetensors(buf, {"a": a})
    buf.seek(0)
    same(mx.load(buf, format="safetensors")["a"], a)
    buf = io.BytesIO()
    mx.savez(buf, a, b=a)
    buf.seek(0)
    assert set(mx.load(buf, format="npz")) == {"arr_0", "b"}
    (tmp_path / "noext").write_bytes((tmp_path / "p.npy").read_bytes())
    same(mx.load(str(tmp_path / "noext"), format="npy"), a)


def test_gguf_pathlib(mx, tmp_path):
    mx.save_gguf(tmp_path / "g", {"a": mx.ones(2)})
    assert (tmp_path / "g.gguf").exists()


# ---------------------------------------------------------------- errors (type matches MLX)

def err_type(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e)
    return None


def check_same_error(mx, ref, f):
    t_ours, t_ref = err_type(lambda: f(mx)), err_type(lambda: f(ref))
    assert t_ref is not None
    assert t_ours is t_ref, (t_ours, t_ref)


@pytest.mark.parametrize("case", [
    lambda m, p: m.load(str(p / "x.npy"), return_metadata=True),
    lambda m, p: m.load(str(p / "x.npy"), format=".npy"),
    lambda m, p: m.load(str(p / "x.foo")),
    lambda m, p: m.load(str(p / "noext")),
    lambda m, p: m.load(str(p / "missing.npy")),
    lambda m, p: m.load(str(p / "missing.safetensors")),
    lambda m, p: m.load(str(p / "missing.npz")),
    lambda m, p: m.load(str(p / "missing.gguf")),
    lambda m, p: m.load(3),
    lambda m, p: m.save(3, m.ones(2)),
    lambda m, p: m.save(str(p / "q"), [1, 2]),
    lambda m, p: m.savez(str(p / "q"), m.ones(2), arr_0=m.ones(2)),
    lambda m, p: m.savez(str(p / "q"), [1, 2]),
    lambda m, p: m.save_safetensors(str(p / "q"), [m.ones(2)]),
    lambda m, p: m.save_safetensors(str(p / "q"), {"a": m.ones(2)}, {"k": 1}),
    lambda m, p: m.save_safetensors(str(p / "q"), {"a": np.ones(2)}),
    lambda m, p: m.save_gguf(str(p / "q"), {"a": m.ones(2, dtype=m.int64)}),
    lambda m, p: m.save_gguf(str(p / "q"), {"a": m.ones(2, dtype=m.bfloat16)}),
    lambda m, p: m.save_gguf(str(p / "q"), {"a": m.ones(2)}, {"s": m.zeros((2, 2), dtype=m.int32)}),
    lambda m, p: m.save_gguf(str(p / "q"), {"a": m.ones(2)}, {"s": m.array(1, dtype=m.float16)}),
    lambda m, p: m.save_gguf(str(p / "q"), {"a": m.ones(2)}, {"s": 3}),
    lambda m, p: m.save_gguf(io.BytesIO(), {"a": m.ones(2)}),
    lambda m, p: m.load(str(p / "bad.npy")),
    lambda m, p: m.load(str(p / "str.npy")),
    lambda m, p: m.load(str(p / "short.npy")),
    lambda m, p: m.load(str(p / "bad.safetensors")),
    lambda m, p: m.load(str(p / "short.safetensors")),
    lambda m, p: m.load(str(p / "hugelen.safetensors")),
    lambda m, p: m.load(str(p / "baddtype.safetensors")),
    lambda m, p: m.load(str(p / "bad.npz")),
    lambda m, p: m.load(str(p / "bad.gguf")),
    lambda m, p: m.load(str(p / "trunc.gguf")),
    lambda m, p: m.load(str(p / "q5.gguf")),
    lambda m, p: m.load(str(p / "nested.gguf"), return_metadata=True),
])
def test_errors_match_mlx(mx, ref, tmp_path, case):
    np.save(tmp_path / "x.npy", np.ones(2))
    (tmp_path / "x.foo").write_bytes(b"")
    (tmp_path / "noext").write_bytes(b"")
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPX\x01\x00")
    np.save(tmp_path / "str.npy", np.array(["a"]))
    (tmp_path / "short.npy").write_bytes(b"\x93NUMPY\x01\x00")
    write_st(tmp_path / "short.safetensors", {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0\0")
    (tmp_path / "bad.safetensors").write_bytes(struct.pack("<Q", 5) + b"{abc}")
    (tmp_path / "hugelen.safetensors").write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    write_st(tmp_path / "baddtype.safetensors", {"a": {"dtype": "XYZ", "shape": [1], "data_offsets": [0, 1]}}, b"\0")
    (tmp_path / "bad.npz").write_bytes(b"not a zip at all" * 4)
    (tmp_path / "bad.gguf").write_bytes(b"GGUX" + b"\0" * 40)
    (tmp_path / "trunc.gguf").write_bytes(gw.gguf_bytes([("w", (2,), "F32", b"")]))
    (tmp_path / "q5.gguf").write_bytes(gw.gguf_bytes([("w", (32,), "Q5_0", b"\0" * 22)]))
    (tmp_path / "nested.gguf").write_bytes(gw.gguf_bytes([], [("aa", gw.ARRAY, (gw.ARRAY, [(gw.I32, [1])]))]))
    check_same_error(mx, ref, lambda m: case(m, tmp_path))
