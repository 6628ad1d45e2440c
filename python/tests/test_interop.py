"""Moving array data in and out of Python, compared with MLX: the buffer protocol
(memoryview, NumPy), __array__, __bytes__, DLPack (NumPy, PyTorch), construction from NumPy
and PyTorch, pickling and copies, and the lifetime of exported memory."""

import copy
import ctypes
import gc
import io
import pickle
import struct
import zlib

import numpy as np
import pytest

ALL_DTYPES = [
    "bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "float32", "float64", "bfloat16", "complex64",
]
NUMPY_DTYPES = [d for d in ALL_DTYPES if d != "bfloat16"]


def dt(m, name):
    return getattr(m, name)


def outcome(f):
    """What a call does: ('ok', value) or ('err', exception type, message)."""
    try:
        return ("ok", f())
    except Exception as e:  # noqa: BLE001 - the type is what we compare
        return ("err", type(e), str(e))


def same_error(ours, theirs, prefix=None):
    assert ours[0] == theirs[0] == "err", (ours, theirs)
    assert ours[1] is theirs[1], (ours, theirs)
    if prefix is not None:
        assert ours[2].startswith(prefix) and theirs[2].startswith(prefix), (ours, theirs)


def sample(m, dtype, shape=(2, 3)):
    n = int(np.prod(shape))
    return m.array(np.arange(n).reshape(shape) % 5, dtype=dt(m, dtype))


def transposed(m, dtype="int32"):
    return sample(m, dtype, (2, 3)).T


# ----------------------------------------------------------------- buffer protocol


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_memoryview_describes_array_as_mlx(mx, ref, dtype):
    ours, theirs = memoryview(sample(mx, dtype)), memoryview(sample(ref, dtype))
    for attr in ("format", "itemsize", "ndim", "shape", "strides", "nbytes", "readonly"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_issue_formats(mx):
    assert memoryview(mx.array([1])).format == "i"
    expected = {"complex64": "Zf", "bool_": "?", "int64": "q", "uint64": "Q", "float16": "e",
                "uint8": "B", "bfloat16": "bfloat16"}
    for name, fmt in expected.items():
        assert memoryview(mx.array([1], dtype=dt(mx, name))).format == fmt


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_asarray_values_and_dtype(mx, ref, dtype):
    ours, theirs = np.asarray(sample(mx, dtype)), np.asarray(sample(ref, dtype))
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_transposed_export_keeps_strides(mx, ref):
    ours, theirs = transposed(mx), transposed(ref)
    assert memoryview(ours).strides == memoryview(theirs).strides == (4, 12)
    assert not memoryview(ours).c_contiguous and memoryview(ours).f_contiguous
    v = np.asarray(ours)
    np.testing.assert_array_equal(v, np.asarray(theirs))
    assert v.strides == (4, 12)


def test_broadcast_and_reversed_strides(mx, ref):
    if not hasattr(mx, "broadcast_to"):
        pytest.skip("rmlx.core.broadcast_to is not there yet")
    for m in (mx, ref):
        b = m.broadcast_to(m.array([1, 2, 3]), (4, 3))
        assert memoryview(b).strides == (0, 4)
        np.testing.assert_array_equal(np.asarray(b), np.broadcast_to([1, 2, 3], (4, 3)))


def test_zero_d_and_empty_exports(mx, ref):
    # (Strides of an empty array address nothing; MLX's depend on how it was made.)
    for make in (lambda m: m.array(5), lambda m: m.array(np.zeros((0, 3), np.float32))):
        ours, theirs = memoryview(make(mx)), memoryview(make(ref))
        for attr in ("format", "ndim", "shape", "nbytes"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert np.asarray(make(mx)).shape == np.asarray(make(ref)).shape


def test_writes_through_numpy_change_the_array(mx, ref):
    for m in (mx, ref):
        a = m.array([1, 2, 3])
        v = np.asarray(a)
        assert v.flags.writeable
        v[0] = 100
        assert a.tolist() == [100, 2, 3]


def test_export_evaluates_lazy_arrays(mx, ref):
    for m in (mx, ref):
        a = m.array([1.0, 2.0]) * 3 + 1
        np.testing.assert_array_equal(np.asarray(a), [4.0, 7.0])


def test_bfloat16_to_numpy_fails_as_mlx(mx, ref):
    for f in (lambda m: np.asarray(m.array([1, 2], dtype=m.bfloat16)),
              lambda m: np.array(m.array([1, 2], dtype=m.bfloat16)),
              lambda m: m.array([1, 2], dtype=m.bfloat16).__array__(),
              lambda m: memoryview(m.array([1, 2], dtype=m.bfloat16)).tolist()):
        ours, theirs = outcome(lambda: f(mx)), outcome(lambda: f(ref))
        same_error(ours, theirs)
        assert ours[2] == theirs[2]
    assert outcome(lambda: np.asarray(mx.array([1], dtype=mx.bfloat16)))[2] == (
        "'bfloat16' is not a valid PEP 3118 buffer format string")


def test_bytes_are_row_major(mx, ref):
    assert bytes(mx.array([1, 2, 3])) == bytes(ref.array([1, 2, 3]))
    assert bytes(transposed(mx)) == bytes(transposed(ref))
    bf = lambda m: bytes(m.array([1, 2], dtype=m.bfloat16))  # noqa: E731
    assert bf(mx) == bf(ref)


# A consumer that cannot take strides gets the elements in row-major order (MLX hands it
# the raw strided storage); one that wants to write into such a copy gets a BufferError.
def test_strideless_consumer_gets_row_major_copy(mx):
    t = transposed(mx)
    assert struct.unpack_from("6i", t) == tuple(np.asarray(t).ravel().tolist())
    assert zlib.crc32(t) == zlib.crc32(bytes(t))
    before = t.tolist()
    with pytest.raises((BufferError, TypeError)):  # CPython rewords the BufferError
        io.BytesIO(b"\0" * 24).readinto(t)
    assert t.tolist() == before
    with pytest.raises(TypeError):
        memoryview(t).cast("B")  # a cast needs a C-contiguous view, in MLX too


def test_strideless_writer_into_contiguous_array(mx, ref):
    for m in (mx, ref):
        a = m.array([0, 0], dtype=m.int32)
        assert io.BytesIO(np.array([7, 9], np.int32).tobytes()).readinto(a) == 8
        assert a.tolist() == [7, 9]


def test_ctypes_sees_non_contiguous_like_mlx(mx, ref):
    for m in (mx, ref):
        with pytest.raises(TypeError):
            (ctypes.c_int32 * 6).from_buffer(transposed(m))
        a = m.array([5, 6], dtype=m.int32)
        c = (ctypes.c_int32 * 2).from_buffer(a)
        c[1] = 60
        assert a.tolist() == [5, 60]


# ----------------------------------------------------------------- __array__


def test_array_dunder_shares_memory_and_ignores_arguments(mx, ref):
    for args in [(), (np.float64,), (None, True), (None, False)]:
        a, b = mx.array([1, 2, 3]), ref.array([1, 2, 3])
        ours, theirs = a.__array__(*args), b.__array__(*args)
        assert type(ours) is np.ndarray and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
        assert np.shares_memory(ours, np.asarray(a)) == np.shares_memory(theirs, np.asarray(b))


@pytest.mark.parametrize("dtype", [None, np.float64, np.int8, np.complex128])
def test_numpy_constructors(mx, ref, dtype):
    for build in (np.array, np.asarray):
        ours = build(mx.array([1, 2, 3]), dtype=dtype)
        theirs = build(ref.array([1, 2, 3]), dtype=dtype)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    a = mx.array([1.0, 2.0])
    assert not np.shares_memory(np.array(a), np.asarray(a))
    assert np.shares_memory(np.array(a, copy=False), np.asarray(a))


# ----------------------------------------------------------------- from NumPy


def numpy_inputs():
    return {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f64": np.arange(3, dtype=np.float64) + 0.1,
        "transposed": np.arange(6, dtype=np.int32).reshape(2, 3).T,
        "stepped": np.arange(10, dtype=np.int16)[::3],
        "broadcast": np.broadcast_to(np.arange(3, dtype=np.int8), (2, 3)),
        "noncontig2d": np.arange(24, dtype=np.float32).reshape(4, 6)[::2, 1::2],
        "f16_stepped": np.arange(8, dtype=np.float16)[::2],
        "0d": np.array(5, dtype=np.uint16),
        "c128": np.array([1 + 2j, -3.5j]),
        "c64": np.array([1 + 2j], dtype=np.complex64),
        "bool": np.array([True, False]),
        "i64": np.array([2**40, -1]),
        "u64": np.array([2**63], dtype=np.uint64),
        "u32": np.array([7], dtype=np.uint32),
        "i8": np.array([-7], dtype=np.int8),
        "f16": np.array([1.5], dtype=np.float16),
        "empty": np.zeros((0, 2), dtype=np.float32),
        "np_float32": np.float32(1.5),
        "np_int64": np.int64(3),
        "np_float64": np.float64(2.5),
        "np_bool": np.bool_(True),
        "np_complex128": np.complex128(1j),
        "np_uint8": np.uint8(7),
        "memoryview": memoryview(b"abc"),
        "bytes": b"abc",
        "bytearray": bytearray(b"ab"),
        "list_np_float64": [np.float64(1), 2.0],
    }


@pytest.mark.parametrize("name", list(numpy_inputs()))
@pytest.mark.parametrize("dtype", [None, "float64", "int32", "float16"])
def test_array_from_numpy_as_mlx(mx, ref, name, dtype):
    src = numpy_inputs()[name]
    ours = mx.array(src, dtype=dt(mx, dtype)) if dtype else mx.array(src)
    theirs = ref.array(src, dtype=dt(ref, dtype)) if dtype else ref.array(src)
    assert ours.dtype == dt(mx, str(theirs.dtype).split(".")[-1].replace("bool", "bool_"))
    assert ours.shape == theirs.shape
    assert ours.tolist() == theirs.tolist()


def test_array_from_numpy_copies(mx):
    src = np.arange(3, dtype=np.float32)
    a = mx.array(src)
    src[0] = 100
    assert a.tolist() == [0.0, 1.0, 2.0]


def test_float64_precision_is_kept_when_asked(mx, ref):
    src = np.array([0.1], dtype=np.float64)
    assert mx.array(src, dtype=mx.float64).item() == ref.array(src, dtype=ref.float64).item() == 0.1
    assert mx.array(src).item() == ref.array(src).item()


def test_negative_strides_are_value_error(mx, ref):
    src = np.arange(5, dtype=np.int32)[::-1]
    same_error(outcome(lambda: mx.array(src)), outcome(lambda: ref.array(src)),
               "Cannot convert DLPack arrays with negative strides")


@pytest.mark.parametrize("src", [
    np.array(["a"]), np.array([1, "a"], dtype=object),
    np.array([1.0], dtype=np.longdouble), np.array([1, 2], dtype=">i4"),
], ids=["str", "object", "longdouble", "bigendian"])
def test_unsupported_numpy_dtypes_are_runtime_error(mx, ref, src):
    same_error(outcome(lambda: mx.array(src)), outcome(lambda: ref.array(src)))


@pytest.mark.parametrize("leaf", ["a", None, {}], ids=["str", "None", "dict"])
def test_invalid_list_leaves_are_value_error(mx, ref, leaf):
    same_error(outcome(lambda: mx.array([leaf])), outcome(lambda: ref.array([leaf])),
               "Invalid type")


# ----------------------------------------------------------------- DLPack


def test_dlpack_device_and_capsule(mx, ref):
    assert mx.array([1]).__dlpack_device__() == ref.array([1]).__dlpack_device__() == (1, 0)
    for kwargs in [{}, {"max_version": (1, 1)}, {"stream": None, "dl_device": (1, 0), "copy": False}]:
        assert "dltensor" in repr(mx.array([1]).__dlpack__(**kwargs))
    same_error(outcome(lambda: mx.array([1]).__dlpack__(dl_device=(2, 0))),
               outcome(lambda: ref.array([1]).__dlpack__(dl_device=(2, 0))))
    same_error(outcome(lambda: mx.array([1]).__dlpack__(1)),
               outcome(lambda: ref.array([1]).__dlpack__(1)))


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_numpy_from_dlpack(mx, ref, dtype):
    ours, theirs = np.from_dlpack(sample(mx, dtype)), np.from_dlpack(sample(ref, dtype))
    assert ours.dtype == theirs.dtype and ours.flags.writeable == theirs.flags.writeable
    np.testing.assert_array_equal(ours, theirs)
    t = np.from_dlpack(transposed(mx))
    assert t.strides == np.from_dlpack(transposed(ref)).strides
    np.testing.assert_array_equal(t, np.from_dlpack(transposed(ref)))


def test_numpy_from_dlpack_bfloat16_fails_as_mlx(mx, ref):
    same_error(outcome(lambda: np.from_dlpack(mx.array([1], dtype=mx.bfloat16))),
               outcome(lambda: np.from_dlpack(ref.array([1], dtype=ref.bfloat16))))


def test_dlpack_copy_true_is_a_copy(mx):
    a = mx.array([1.0, 2.0])
    v = np.from_dlpack(a, copy=True)
    np.asarray(a)[0] = 9
    assert v.tolist() == [1.0, 2.0] and a.tolist() == [9.0, 2.0]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_torch_from_dlpack(mx, ref, dtype):
    torch = pytest.importorskip("torch")
    ours, theirs = torch.from_dlpack(sample(mx, dtype)), torch.from_dlpack(sample(ref, dtype))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert torch.equal(ours, theirs)
    t = torch.from_dlpack(transposed(mx, dtype))
    assert t.stride() == torch.from_dlpack(transposed(ref, dtype)).stride() == (1, 3)
    assert torch.equal(t, torch.from_dlpack(transposed(ref, dtype)))


def test_torch_view_is_zero_copy(mx, ref):
    torch = pytest.importorskip("torch")
    for m in (mx, ref):
        a = m.array([1.0, 2.0, 3.0])
        t = torch.from_dlpack(a)
        t[1] = 20
        assert a.tolist() == [1.0, 20.0, 3.0]


def torch_inputs(torch):
    return {
        "f32": torch.arange(3, dtype=torch.float32),
        "bf16": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
        "f16": torch.tensor([1.5], dtype=torch.float16),
        "f64": torch.tensor([0.1], dtype=torch.float64),
        "i64_T": torch.arange(6).reshape(2, 3).T,
        "stepped": torch.arange(10, dtype=torch.int16)[::3],
        "c128": torch.tensor([1 + 2j], dtype=torch.complex128),
        "c64": torch.tensor([1 - 2j], dtype=torch.complex64),
        "bool": torch.tensor([True, False]),
        "u8": torch.tensor([200], dtype=torch.uint8),
        "u16": torch.tensor([7], dtype=torch.uint16),
        "0d": torch.tensor(3.0),
        "empty": torch.zeros((0, 2)),
        "expanded": torch.arange(3, dtype=torch.int32).expand(2, 3),
    }


@pytest.mark.parametrize("name", ["f32", "bf16", "f16", "f64", "i64_T", "stepped", "c128", "c64",
                                  "bool", "u8", "u16", "0d", "empty", "expanded"])
@pytest.mark.parametrize("dtype", [None, "float64", "int32"])
def test_array_from_torch_as_mlx(mx, ref, name, dtype):
    torch = pytest.importorskip("torch")
    src = torch_inputs(torch)[name]
    ours = mx.array(src, dtype=dt(mx, dtype)) if dtype else mx.array(src)
    theirs = ref.array(src, dtype=dt(ref, dtype)) if dtype else ref.array(src)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.shape == theirs.shape
    assert ours.tolist() == theirs.tolist()


def test_array_from_torch_copies(mx):
    torch = pytest.importorskip("torch")
    src = torch.arange(3, dtype=torch.float32)
    a = mx.array(src)
    src[0] = 100
    assert a.tolist() == [0.0, 1.0, 2.0]


def test_array_from_torch_negative_strides(mx, ref):
    torch = pytest.importorskip("torch")

    class Reversed:
        """A DLPack producer with a negative stride (NumPy's view through DLPack)."""

        def __init__(self):
            self.a = np.arange(4, dtype=np.int32)[::-1]

        def __dlpack__(self, **kw):
            return self.a.__dlpack__(**kw)

        def __dlpack_device__(self):
            return self.a.__dlpack_device__()

    del torch
    same_error(outcome(lambda: mx.array(Reversed())), outcome(lambda: ref.array(Reversed())),
               "Cannot convert DLPack arrays with negative strides")


# ----------------------------------------------------------------- lifetime and memory


def test_numpy_view_outlives_rebinding_and_the_array(mx):
    a = mx.array([1.0, 2.0, 3.0])
    v = np.asarray(a)
    a += 1
    assert a.tolist() == [2.0, 3.0, 4.0]
    del a
    gc.collect()
    np.testing.assert_array_equal(v, [1.0, 2.0, 3.0])
    junk = [mx.array(np.full(3, 7.0, np.float32)) * 2 for _ in range(50)]
    mx.eval(*junk)
    np.testing.assert_array_equal(v, [1.0, 2.0, 3.0])


def test_views_outlive_the_array(mx):
    torch = pytest.importorskip("torch")
    a = mx.array([4, 5, 6], dtype=mx.int32)
    m, t, n, cap = memoryview(a), torch.from_dlpack(a), np.from_dlpack(a), a.__dlpack__()
    del a
    gc.collect()
    assert m.tolist() == t.tolist() == n.tolist() == [4, 5, 6]
    del cap


def test_rebinding_does_not_write_into_the_exported_buffer(mx):
    a = mx.array(np.arange(4, dtype=np.float32))
    v = np.asarray(a)
    for _ in range(3):
        a += 1
    mx.eval(a)
    np.testing.assert_array_equal(v, [0, 1, 2, 3])
    assert a.tolist() == [3, 4, 5, 6]


def _active(mx):
    gc.collect()
    return mx.get_active_memory()


@pytest.mark.parametrize("export", ["asarray", "memoryview", "dlpack_capsule", "np_from_dlpack",
                                    "torch"])
def test_memory_is_freed_after_the_last_view(mx, export):
    nbytes = 4_000_000
    before = _active(mx)
    a = mx.array(np.zeros(nbytes // 4, dtype=np.float32))
    if export == "torch":
        torch = pytest.importorskip("torch")
        view = torch.from_dlpack(a)
    else:
        view = {"asarray": np.asarray, "memoryview": memoryview, "np_from_dlpack": np.from_dlpack,
                "dlpack_capsule": lambda x: x.__dlpack__()}[export](a)
    assert _active(mx) - before >= nbytes
    del a
    assert _active(mx) - before >= nbytes  # the view keeps the data
    del view
    assert _active(mx) - before < nbytes


# ----------------------------------------------------------------- pickle and copy


def pickle_samples(m):
    out = [m.array(np.arange(6).reshape(2, 3) - 2, dtype=dt(m, d)) for d in ALL_DTYPES]
    out += [m.array(2.5), m.array(np.zeros((0, 3), np.float32)), transposed(m, "float16"),
            m.array([1.1, -2.5], dtype=m.bfloat16), m.array([1 + 2j, 3j])]
    return out


@pytest.mark.parametrize("protocol", [0, 1])
def test_old_pickle_protocols_fail_as_mlx(mx, ref, protocol):
    same_error(outcome(lambda: pickle.dumps(mx.array([1]), protocol=protocol)),
               outcome(lambda: pickle.dumps(ref.array([1]), protocol=protocol)), "cannot pickle")


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(mx, ref, protocol):
    for ours, theirs in zip(pickle_samples(mx), pickle_samples(ref)):
        back = pickle.loads(pickle.dumps(ours, protocol=protocol))
        assert type(back) is type(ours)
        assert back.dtype == ours.dtype and back.shape == ours.shape == theirs.shape
        assert back.tolist() == ours.tolist() == theirs.tolist()
        theirs_back = pickle.loads(pickle.dumps(theirs, protocol=protocol))
        assert theirs_back.tolist() == back.tolist()


def test_pickle_inside_containers(mx):
    obj = {"w": mx.array([1.0, 2.0]), "b": [mx.array(3, dtype=mx.int8)]}
    back = pickle.loads(pickle.dumps(obj))
    assert back["w"].tolist() == [1.0, 2.0] and back["b"][0].dtype == mx.int8


def test_setstate_accepts_mlx_state(mx, ref):
    for theirs in pickle_samples(ref):
        a = mx.array(0)
        a.__setstate__(theirs.__getstate__())
        assert a.shape == theirs.shape and a.tolist() == theirs.tolist()
        assert str(a.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_state_dtype_code_is_mlx(mx, ref):
    for d in ALL_DTYPES:
        assert mx.array([1], dtype=dt(mx, d)).__getstate__()[-1] == \
            ref.array([1], dtype=dt(ref, d)).__getstate__()[-1]


@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy])
def test_copies_share_data_but_not_rebinding(mx, ref, how):
    for m in (mx, ref):
        a = m.array([1.0, 2.0, 3.0])
        c = how(a)
        assert c is not a and type(c) is type(a)
        assert c.tolist() == a.tolist() and c.dtype == a.dtype
        np.asarray(a)[0] = 99  # MLX: copies read the same memory
        assert c.tolist() == [99.0, 2.0, 3.0]
        a += 1
        assert c.tolist() == [99.0, 2.0, 3.0]
        assert a.tolist() == [100.0, 3.0, 4.0]


def test_deepcopy_in_containers(mx):
    d = {"x": mx.array([1, 2])}
    e = copy.deepcopy(d)
    assert e["x"] is not d["x"] and e["x"].tolist() == [1, 2]
