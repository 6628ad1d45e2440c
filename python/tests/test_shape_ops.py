"""API details of the shape ops (unstack, repeat, tile, pad, flip, roll, diff, as_strided,
view, slice/slice_update with array starts) against MLX: keyword names, positional-only
arguments, return types, exception types and messages; plus rmlx's defined results where
MLX reads or writes outside its buffers (clamped starts, bounds-checked as_strided)."""

import numpy as np
import pytest


def _same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.tolist() == theirs.tolist()


def _both(mx, ref, f):
    """`f(lib, a)` in both libraries (a: int32 (2, 3, 4)): same outcome, or same error."""
    out = []
    for lib in (mx, ref):
        a = lib.arange(24).reshape(2, 3, 4)
        try:
            out.append(("ok", f(lib, a)))
        except Exception as e:  # noqa: BLE001 - the exception type is compared
            out.append(("err", type(e), str(e)))
    (k1, *r1), (k2, *r2) = out
    assert k1 == k2, (out[0], out[1])
    if k1 == "err":
        assert r1[0] is r2[0], (r1, r2)
        return r1[1], r2[1]
    if isinstance(r1[0], (tuple, list)):
        assert type(r1[0]) is type(r2[0])
        assert len(r1[0]) == len(r2[0])
        for o, t in zip(r1[0], r2[0]):
            _same(o, t)
    else:
        _same(r1[0], r2[0])
    return None


CALLS = [
    # keyword names and positional-only arguments
    lambda m, a: m.unstack(a, axis=2),
    lambda m, a: m.unstack(a, 1),
    lambda m, a: m.unstack(x=a),
    lambda m, a: m.repeat(a, repeats=2, axis=0),
    lambda m, a: m.repeat(array=a, repeats=2),
    lambda m, a: m.tile(a, (1, 2)),
    lambda m, a: m.tile(a, reps=2),
    lambda m, a: m.pad(a, pad_width=1, mode="edge", constant_values=3),
    lambda m, a: m.pad(a=a, pad_width=1),
    lambda m, a: m.pad(a, 1, None),
    lambda m, a: m.flip(a, axis=(0, 1)),
    lambda m, a: m.roll(a, shift=2, axis=-1),
    lambda m, a: m.roll(a=a, shift=1),
    lambda m, a: m.diff(a, n=2, axis=1),
    lambda m, a: m.diff(a, prepend=a),
    lambda m, a: m.as_strided(a, shape=(3,), strides=(5,), offset=2),
    lambda m, a: m.view(a, dtype=m.float32),
    lambda m, a: m.view(a, m.float32, None),
    lambda m, a: a.view(m.uint8),
    lambda m, a: a.view(dtype=m.int16, stream=m.cpu),
    lambda m, a: m.slice(a, start_indices=m.array([1]), axes=[2], slice_size=[2, 3, 2]),
    lambda m, a: m.slice(a, m.array([1]), [2], [2, 3, 2], stream=m.cpu),
    lambda m, a: m.slice_update(a, update=m.zeros((2,)), start_indices=m.array([1]), axes=[2]),
    # streams
    lambda m, a: m.flip(a, stream=m.cpu),
    lambda m, a: m.pad(a, 1, stream=m.cpu),
    # argument kinds
    lambda m, a: m.pad(a, np.int32(2)),
    lambda m, a: m.pad(a, [np.int64(1), 2]),
    lambda m, a: m.pad(a, 1, constant_values=np.float32(2.5)),
    lambda m, a: m.pad(a, 1, constant_values=m.array([[9]])),
    lambda m, a: m.repeat(a, np.int64(2)),
    lambda m, a: m.flip(a, np.int64(1)),
    lambda m, a: m.view(np.float32(1.5), m.int32),
    lambda m, a: m.view(a, np.float32),
    lambda m, a: m.tile(a, [np.int64(2)]),
]


@pytest.mark.parametrize("i", range(len(CALLS)))
def test_calls_match_mlx(mx, ref, i):
    _both(mx, ref, CALLS[i])


def test_unstack_returns_a_tuple(mx):
    parts = mx.unstack(mx.zeros((3, 2)))
    assert isinstance(parts, tuple) and len(parts) == 3
    assert mx.unstack(mx.zeros((0, 2))) == ()


def test_error_messages_name_the_problem(mx, ref):
    cases = [
        lambda m: m.unstack(m.zeros((2, 3)), axis=2),
        lambda m: m.repeat(m.zeros((2, 3)), -1),
        lambda m: m.pad(m.zeros((2, 3)), 1, "wrap"),
        lambda m: m.pad(m.zeros((0, 3)), 1, "reflect"),
        lambda m: m.pad(m.zeros((2, 3), m.int8), 1, constant_values=300),
        lambda m: m.pad(m.zeros((2, 3), m.uint8), 1, constant_values=-1),
        lambda m: m.flip(m.zeros((2, 3)), 2),
        lambda m: m.roll(m.zeros((2, 3)), (1,), (0, 1)),
        lambda m: m.diff(m.zeros((2, 3)), -1),
        lambda m: m.view(m.zeros((2, 3), m.uint8), m.int32),
        lambda m: m.view(m.zeros((), m.float32), m.uint8),
        lambda m: m.slice(m.zeros((4, 5)), m.array([1.0]), [0], [2, 5]),
        lambda m: m.slice(m.zeros((4, 5)), m.array([1]), [0], [5, 5]),
        lambda m: m.slice_update(m.zeros((4, 5)), m.ones((2, 2)), m.array([1, 1]), [0, 0]),
    ]
    for f in cases:
        msgs = []
        for lib in (mx, ref):
            with pytest.raises(Exception) as info:
                f(lib)
            msgs.append((info.type, str(info.value)))
        assert msgs[0][0] is msgs[1][0], msgs
        # Same text, up to MLX's missing "[pad]" prefix on a few of its messages.
        ours, theirs = msgs[0][1], msgs[1][1]
        assert ours == theirs or ours.endswith(theirs) or ours == "[pad] " + theirs, msgs


def test_pad_modes_match_numpy(mx):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for mode in ("constant", "edge", "reflect", "symmetric"):
        for width in (1, (2, 5), [(0, 3), (7, 1)]):
            got = np.array(mx.pad(mx.array(x), width, mode))
            np.testing.assert_array_equal(got, np.pad(x, width, mode))


def test_dynamic_slice_clamps_starts(mx):
    """MLX reads outside the array for these starts; rmlx clamps them (JAX's rule)."""
    a = mx.arange(20).reshape(4, 5)
    x = np.arange(20).reshape(4, 5)
    for starts, expected in (([3, 4], (2, 3)), ([-1, -7], (0, 0)), ([100, 2], (2, 2))):
        got = mx.slice(a, mx.array(starts), [0, 1], [2, 2])
        r, c = expected
        assert got.tolist() == x[r:r + 2, c:c + 2].tolist()
    big = mx.slice(a, mx.array([2**63 + 5], mx.uint64), [1], [4, 3])
    assert big.tolist() == x[:, 2:].tolist()


def test_dynamic_slice_update_clamps_starts(mx):
    z = mx.zeros((4, 5), mx.int32)
    out = mx.slice_update(z, mx.ones((2, 3), mx.int32), mx.array([5, -1]), [0, 1])
    want = np.zeros((4, 5), np.int32)
    want[2:4, 0:3] = 1
    assert out.tolist() == want.tolist()
    # A 1-d update on axis 1 spans every row; start 3 + 3 > 5 clamps to 2.
    out = mx.slice_update(z, mx.array([1, 2, 3]), mx.array([3]), [1])
    assert out.tolist() == [[0, 0, 1, 2, 3]] * 4
    with pytest.raises(ValueError, match=r"^\[slice_update\]"):
        mx.slice_update(z, mx.ones((1, 2, 3)), mx.array([0, 0]), [0, 1])


def test_slice_rejects_negative_sizes(mx):
    with pytest.raises(ValueError, match=r"^\[slice\] Invalid slice size"):
        mx.slice(mx.zeros((4, 5)), mx.array([0]), [0], [-1, 5])


def test_as_strided_is_bounds_checked(mx):
    a = mx.arange(12).reshape(3, 4)
    for shape, strides, offset in (((4,), (4,), 0), ((2, 2), (1, 1), 11), ((2,), (-1,), 0), ((2, 2), (1,), 0)):
        with pytest.raises(ValueError) as info:
            mx.as_strided(a, shape, strides, offset)
        msg = str(info.value)
        assert msg.startswith("[as_strided]") and "strides" in msg and f"offset {offset}" in msg
    # Views inside the input are fine, including reversed strides from the last element.
    assert mx.as_strided(a, (3,), (-5,), 10).tolist() == [10, 5, 0]
    assert mx.as_strided(a, (0, 2), (100, 100), 50).shape == (0, 2)


def test_view_as_bool_reads_nonzero_bytes_as_true(mx, ref):
    for lib in (mx, ref):
        v = lib.view(lib.array([0, 1, 2, 255], lib.uint8), lib.bool_)
        assert v.tolist() == [False, True, True, True]
    # rmlx stores valid booleans (MLX keeps the raw byte, so its astype gives 2 here).
    assert mx.view(mx.array([2], mx.uint8), mx.bool_).astype(mx.int32).tolist() == [1]


def test_view_method_exists_only_where_mlx_has_it(mx, ref):
    for name in ("view", "flip", "roll", "pad", "tile", "repeat", "diff", "unstack", "as_strided"):
        assert hasattr(mx.array, name) == hasattr(ref.array, name), name
