"""Dtypes, devices, streams, memory and eval as Python objects: rmlx.core against mlx.core."""

import math
import threading

import pytest

DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "float32", "float64", "bfloat16", "complex64"]
CATEGORIES = ["complexfloating", "floating", "inexact", "signedinteger", "unsignedinteger",
              "integer", "number", "generic"]


def outcome(f):
    """(True, value) or (False, exception type) of calling f."""
    try:
        return True, f()
    except Exception as e:  # the type is what we compare
        return False, type(e)


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_objects(mx, ref, name):
    d, r = getattr(mx, name), getattr(ref, name)
    assert str(d) == str(r) and repr(d) == repr(r)
    assert d.size == r.size
    assert d == getattr(mx, name) and hash(d) == hash(getattr(mx, name))
    assert isinstance(d, mx.Dtype)
    for other in DTYPES:
        assert (d == getattr(mx, other)) == (r == getattr(ref, other))


@pytest.mark.parametrize("name", CATEGORIES)
def test_categories(mx, ref, name):
    c, r = getattr(mx, name), getattr(ref, name)
    assert repr(c) == repr(r)
    assert c == getattr(mx.DtypeCategory, name)
    for other in CATEGORIES:
        assert mx.issubdtype(c, getattr(mx, other)) == ref.issubdtype(r, getattr(ref, other))
    for d in DTYPES:
        assert mx.issubdtype(getattr(mx, d), c) == ref.issubdtype(getattr(ref, d), r)
        assert mx.issubdtype(c, getattr(mx, d)) == ref.issubdtype(r, getattr(ref, d))


@pytest.mark.parametrize("name", DTYPES)
def test_finfo_iinfo(mx, ref, name):
    ok, ours = outcome(lambda: mx.finfo(getattr(mx, name)))
    rok, theirs = outcome(lambda: ref.finfo(getattr(ref, name)))
    assert ok == rok
    if ok:
        assert repr(ours) == repr(theirs)
        for attr in ("min", "max", "eps", "smallest_normal", "bits"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert str(ours.dtype) == str(theirs.dtype)
    else:
        assert ours is theirs
    ok, ours = outcome(lambda: mx.iinfo(getattr(mx, name)))
    rok, theirs = outcome(lambda: ref.iinfo(getattr(ref, name)))
    assert ok == rok
    if ok:
        assert repr(ours) == repr(theirs)
        assert (ours.min, ours.max) == (theirs.min, theirs.max)
    else:
        assert ours is theirs


def test_finfo_rejects_non_dtypes(mx, ref):
    for lib in (mx, ref):
        with pytest.raises(TypeError):
            lib.finfo("float32")


@pytest.mark.parametrize("a", DTYPES)
def test_result_type_of_dtypes_and_arrays(mx, ref, a):
    for b in DTYPES:
        ours = mx.result_type(getattr(mx, a), mx.zeros((1,), dtype=getattr(mx, b)) if hasattr(mx, "zeros") else getattr(mx, b))
        theirs = ref.result_type(getattr(ref, a), getattr(ref, b))
        assert str(ours) == str(theirs), (a, b)


def test_result_type_errors(mx, ref):
    for args in [(1,), (1.0, 2), ()]:
        assert outcome(lambda: mx.result_type(*args)) == outcome(lambda: ref.result_type(*args))


def test_devices_and_streams(mx, ref):
    assert repr(mx.cpu) == repr(ref.cpu) and repr(mx.gpu) == repr(ref.gpu)
    assert repr(mx.default_device()) == repr(ref.default_device())
    assert repr(mx.Device(mx.gpu, 1)) == repr(ref.Device(ref.gpu, 1))
    assert mx.Device(mx.cpu) == mx.cpu and mx.Device(mx.cpu) == mx.Device(mx.cpu, 0)
    assert mx.Device(mx.cpu).type == mx.cpu
    assert mx.default_stream(mx.cpu) == mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    assert s == s and s != mx.default_stream(mx.cpu)
    assert s.device == mx.Device(mx.cpu)
    assert repr(s).startswith("Stream(Device(cpu, 0), ")
    assert mx.is_available(mx.cpu) == ref.is_available(ref.cpu)
    assert mx.device_count(mx.cpu) == ref.device_count(ref.cpu)
    assert mx.metal.is_available() is False
    assert isinstance(mx.cuda.is_available(), bool)


def test_set_default_device_without_gpu_is_value_error(mx, ref):
    if mx.cuda.is_available():
        pytest.skip("a GPU is present")
    for lib in (mx, ref):
        with pytest.raises(ValueError):
            lib.set_default_device(lib.gpu)
    assert mx.default_device() == mx.cpu


def test_stream_context_and_stream_keyword(mx):
    s = mx.new_stream(mx.cpu)
    a = mx.array([1.0, 2.0])
    with mx.stream(s):
        assert mx.default_stream(mx.cpu) == s
        b = a * 2
    assert mx.default_stream(mx.cpu) != s
    c = mx.add(a, b, stream=s)
    d = mx.exp(a, stream=mx.cpu)
    mx.synchronize(s)
    mx.synchronize()
    assert c.tolist() == [3.0, 6.0]
    assert abs(d.tolist()[0] - math.e) < 1e-6


def test_stream_from_another_thread_is_runtime_error(mx):
    s = mx.new_stream(mx.cpu)
    errors = []

    def work():
        try:
            mx.add(mx.array([1]), mx.array([2]), stream=s)
        except Exception as e:
            errors.append(type(e))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert errors == [RuntimeError]


def test_memory_api(mx, ref):
    names = ["get_active_memory", "get_peak_memory", "reset_peak_memory", "get_cache_memory",
             "get_memory_limit", "set_memory_limit", "set_cache_limit", "set_wired_limit",
             "clear_cache", "device_info"]
    for n in names:
        assert callable(getattr(mx, n)) and hasattr(ref, n)
    mx.clear_cache()
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    a = mx.array(list(range(1 << 20)))  # 4 MiB of int32
    mx.eval(a)
    assert mx.get_active_memory() - base >= 4 << 20
    assert mx.get_peak_memory() >= mx.get_active_memory()
    del a
    assert mx.get_active_memory() <= base + 4096
    assert mx.get_cache_memory() >= 4 << 20
    mx.clear_cache()
    assert mx.get_cache_memory() == 0
    old = mx.set_memory_limit(1 << 30)
    assert mx.set_memory_limit(old) == 1 << 30
    old = mx.set_cache_limit(0)
    assert mx.set_cache_limit(old) == 0
    info = mx.device_info()
    assert set(ref.device_info()) <= set(info)
    assert info["architecture"] == ref.device_info()["architecture"]


def test_eval_takes_pytrees_and_ignores_other_leaves(mx):
    a = mx.array([1.0]) + 1
    b = mx.array([2.0]) * 3
    mx.eval([a, {"x": (b,)}], None, 3, "text")
    assert a.tolist() == [2.0] and b.tolist() == [6.0]
    c = mx.exp(mx.array(0.0))
    mx.async_eval(c)
    assert c.item() == 1.0


def test_python_int_overflow(mx):
    with pytest.raises(OverflowError):
        mx.array(2 ** 70)
    with pytest.raises(OverflowError):
        mx.array([1, 2 ** 70])


def test_constants(mx, ref):
    for n in ("pi", "e", "euler_gamma", "inf"):
        assert getattr(mx, n) == getattr(ref, n)
    assert math.isnan(mx.nan) and mx.newaxis is None
    assert isinstance(mx.__version__, str)


def test_thread_unsafe_and_thread_local_streams(mx):
    local = mx.new_thread_local_stream(mx.cpu)
    shared = mx.new_thread_unsafe_stream(mx.cpu)
    assert repr(local).startswith("ThreadLocalStream(Device(cpu, 0), ")
    assert local.device == mx.cpu
    results = []

    def work():
        results.append(mx.add(mx.array(1), mx.array(2), stream=shared).item())
        results.append(mx.add(mx.array(1), mx.array(2), stream=local).item())

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert results == [3, 3]
    assert mx.add(mx.array(1), mx.array(2), stream=local).item() == 3


def test_clear_streams_forgets_this_threads_streams(mx):
    s = mx.new_stream(mx.cpu)
    mx.clear_streams()
    with pytest.raises(RuntimeError):
        mx.add(mx.array(1), mx.array(2), stream=s)
    assert mx.add(mx.array(1), mx.array(2)).item() == 3


def test_array_buffer_size_counts_each_buffer_once(mx, ref):
    for lib in (mx, ref):
        lib.clear_cache()  # a reused cached block may be larger than the request
        a = lib.ones((10,))
        b = a[2:5]
        lib.eval(a, b)
        assert lib.get_array_buffer_size(a) == 40
        assert lib.get_array_buffer_size(a, b) == 40
        assert lib.get_array_buffer_size([a, {"x": b}]) == 40
        with pytest.raises(ValueError):
            lib.get_array_buffer_size(lib.ones((3,)) + 1)


def test_eval_releases_the_gil(mx):
    # While another thread evaluates a large graph, this thread must keep running Python.
    x = mx.ones((1024, 1024))
    y = x
    for _ in range(40):
        y = mx.exp(y @ x * 1e-6)
    done = threading.Event()

    def work():
        mx.eval(y)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
    t.join()
    assert spins > 1000
