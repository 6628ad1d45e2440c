"""API details of the assorted MLX 0.32 ops against the real MLX: signatures (positional and
keyword rules), return containers (divmod's list, minmax's tuple, depends' array-or-list),
array methods, laziness, DLPack import, dtype predicates and the messages of errors. Values
over many dtypes and layouts are the differential family `misc_ops`'s job.
"""

import numpy as np
import pytest


def same(got, want):
    """Same dtype name, shape and values (NaN equal)."""
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    g = np.array(got.tolist())
    w = np.array(want.tolist())
    assert np.array_equal(g, w, equal_nan=g.dtype.kind in "fc"), (g, w)


def outcome(lib, fn):
    try:
        return ("ok", fn(lib))
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return ("raised", type(e))


def check(mx, ref, fn):
    """The same outcome in both: the same exception type, or the same values."""
    a, b = outcome(mx, fn), outcome(ref, fn)
    assert a[0] == b[0], (a, b)
    if a[0] == "raised":
        assert a[1] is b[1], (a, b)
        return
    ours, theirs = a[1], b[1]
    if isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
    elif isinstance(theirs, bool):
        assert ours is theirs
    else:
        same(ours, theirs)


def test_all_names_exist(mx, ref):
    for name in ["tri", "tril", "triu", "meshgrid", "from_dlpack", "bartlett", "blackman",
                 "hamming", "hanning", "divmod", "isclose", "allclose", "array_equal", "median",
                 "count_nonzero", "minmax", "searchsorted", "diag", "diagonal", "trace", "unique",
                 "can_cast", "isdtype", "depends"]:
        assert callable(getattr(mx, name)), name
    for name in ["diag", "diagonal"]:
        assert hasattr(mx.array, name) and hasattr(ref.array, name)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tri(n=2, m=3, k=1, dtype=m.int8),
        lambda m: m.tri(2, None, 0, None),
        lambda m: m.tri(2, 2, 0, m.int8, m.cpu),  # stream is keyword-only
        lambda m: m.tri(2.5),
        lambda m: m.tril(x=m.ones((2, 2)), k=1),
        lambda m: m.triu(m.ones((3, 3)), -1, stream=m.cpu),
        lambda m: m.tril([[1, 2], [3, 4]]),
        lambda m: m.diag(a=m.ones((2, 2))),  # a is positional-only
        lambda m: m.diag(m.arange(3), k=-1),
        lambda m: m.diagonal(a=m.ones((2, 2)), offset=1),
        lambda m: m.diagonal(m.ones((2, 2)), 0, 0, 1, m.cpu),  # stream may be positional
        lambda m: m.trace(m.ones((2, 2)), offset=1, axis1=0, axis2=1, dtype=m.int8),
        lambda m: m.trace(m.ones((2, 2)), dtype=m.floating),
        lambda m: m.median(a=m.ones(2)),
        lambda m: m.median(m.ones((2, 3)), 1, True),
        lambda m: m.count_nonzero(m.ones((2, 3)), 1),
        lambda m: m.count_nonzero(m.ones((2, 3)), axis=1, keepdims=True),
        lambda m: m.count_nonzero(m.ones((2, 3)), 1, True),
        lambda m: m.minmax(m.ones((2, 3)), 1, True),
        lambda m: m.searchsorted(m.ones(2), m.ones(2), "right"),
        lambda m: m.searchsorted(m.ones(2), m.ones(2), side=None),
        lambda m: m.searchsorted(m.ones(2), 1.0),
        lambda m: m.bartlett(M=3),
        lambda m: m.hanning(True),
        lambda m: m.hamming(2.0),
        lambda m: m.unique(m.array([3, 1, 3]), size=2, return_counts=True),
        lambda m: m.unique(m.array([3, 1, 3]), 3, True, True, True, 9),
        lambda m: m.unique(m.array([3, 1, 3]), 3.0),
        lambda m: m.unique(m.array([3, 1, 3]), 3, return_index=1),
        lambda m: m.isclose(a=m.ones(1), b=m.ones(1)),
        lambda m: m.isclose(m.ones(1), m.ones(1), 0.1, 0.2),
        lambda m: m.isclose(m.ones(1), m.ones(1), rtol=None),
        lambda m: m.allclose(m.ones(1), m.ones(1), 1e-5, 1e-8, True),
        lambda m: m.array_equal(a=m.ones(1), b=m.ones(1)),
        lambda m: m.array_equal(m.ones(1), m.ones(1), True),
        lambda m: m.array_equal(m.ones(1), m.ones(1), stream=m.cpu),
        lambda m: m.divmod(a=m.ones(1), b=m.ones(1)),
        lambda m: m.divmod(m.ones(1), m.ones(1), m.cpu),
        lambda m: m.divmod(m.ones(1), 2, stream=m.cpu),
        lambda m: m.meshgrid(m.ones(2), sparse=None),
        lambda m: m.meshgrid(m.ones(2), m.ones(3), stream=m.cpu),
    ],
)
def test_signatures(mx, ref, call):
    check(mx, ref, call)


def test_return_containers(mx, ref):
    for m in (mx, ref):
        a = m.array([[3, 1], [2, 5]])
        assert type(m.divmod(a, 2)) is list
        assert type(m.minmax(a)) is tuple
        assert type(m.meshgrid(a[0], a[1])) is tuple
        assert type(m.meshgrid()) is tuple and len(m.meshgrid()) == 0
        assert isinstance(m.depends(a, a), m.array)
        assert type(m.depends([a], a)) is list
        assert type(m.depends((a, a), [a])) is list
        assert isinstance(m.unique(a, 2), m.array)
        assert type(m.unique(a, 2, return_inverse=True)) is tuple
        assert type(m.can_cast(m.int8, m.int16)) is bool
        assert type(m.isdtype(m.int8, "integral")) is bool


def test_divmod_values_and_weak_scalars(mx, ref):
    check(mx, ref, lambda m: m.divmod(m.array([7, -7], m.int8), 3))
    check(mx, ref, lambda m: m.divmod(7, m.array([2.0, -2.0], m.float16)))
    check(mx, ref, lambda m: m.divmod(7.5, 2))
    check(mx, ref, lambda m: m.divmod(m.array([True]), m.array([True])))
    check(mx, ref, lambda m: m.divmod(m.array([1 + 2j]), m.array([1 + 1j])))


def test_isclose_tolerances_in_float32(mx, ref):
    # The tolerances are float32, so a float16 comparison is not rounded to float16.
    f = lambda m: m.isclose(m.array([1.0], m.float16), m.array([1 + 2**-10], m.float16),  # noqa: E731
                            rtol=0, atol=0.0009765)
    check(mx, ref, f)
    assert f(mx).item() is False
    check(mx, ref, lambda m: m.isclose(m.array([m.inf, -m.inf, m.nan]), m.array([m.inf, m.inf, m.nan])))
    check(mx, ref, lambda m: m.allclose(m.array([1.0, m.nan]), m.array([1.0, m.nan]), equal_nan=True))


def test_array_equal_rules(mx, ref):
    check(mx, ref, lambda m: m.array_equal(m.array([1, 2]), m.array([1.0, 2.0])))
    check(mx, ref, lambda m: m.array_equal(m.array([1, 2]), m.array([[1, 2]])))
    check(mx, ref, lambda m: m.array_equal(m.array([1.0]), 1))
    check(mx, ref, lambda m: m.array_equal(m.array(0.1, m.float16), 0.1))
    check(mx, ref, lambda m: m.array_equal(m.array([m.nan]), m.array([m.nan]), equal_nan=True))
    check(mx, ref, lambda m: m.array_equal(m.array([1]), [1]))
    check(mx, ref, lambda m: m.array_equal(None, m.array(1)))


def test_median_dtypes_and_nan(mx, ref):
    for dt in ("int8", "uint8", "int64", "bool_", "float16", "bfloat16", "float64", "complex64"):
        check(mx, ref, lambda m, dt=dt: m.median(m.array([3, 1, 2, 0]).astype(getattr(m, dt))))
    check(mx, ref, lambda m: m.median(m.array([[1.0, m.nan], [2.0, 3.0]]), axis=1))
    check(mx, ref, lambda m: m.median(m.array([60000, 60000], m.float16)))
    check(mx, ref, lambda m: m.median(m.array([3e38, 3e38, 3e38])))


def test_median_errors(mx, ref):
    for f in (
        lambda m: m.median(m.array([])),
        lambda m: m.median(m.zeros((2, 0)), axis=1),
        lambda m: m.median(m.ones((2, 3)), axis=2),
        lambda m: m.median(m.ones((2, 3)), axis=(0, 0)),
        lambda m: m.median(m.ones((2, 3)), axis=()),
    ):
        check(mx, ref, f)
    with pytest.raises(ValueError, match=r"^\[median\] Cannot take median along empty axis"):
        mx.median(mx.zeros((2, 0)), axis=1)
    with pytest.raises(IndexError, match=r"^\[median\] axis 2 is out of bounds"):
        mx.median(mx.ones((2, 3)), axis=2)


def test_searchsorted_rules(mx, ref):
    a = lambda m: m.array([1, 2, 2, 4])  # noqa: E731
    check(mx, ref, lambda m: m.searchsorted(a(m), m.array([0, 2, 3, 5])))
    check(mx, ref, lambda m: m.searchsorted(a(m), m.array([[0, 2], [3, 5]]), side="right"))
    check(mx, ref, lambda m: m.searchsorted(m.array([1.0, 2.0, m.nan]), m.array([m.nan, 1.0, 3.0]), side="right"))
    check(mx, ref, lambda m: m.searchsorted(m.array([5, 4, 3, 2, 1]), m.array([3, 1, 5, 0, 6])))
    with pytest.raises(ValueError, match=r"^\[searchsorted\] The sorted sequence must be 1-D"):
        mx.searchsorted(mx.ones((2, 2)), mx.ones(2))
    with pytest.raises(ValueError, match=r"^\[searchsorted\] Invalid side 'middle'"):
        mx.searchsorted(mx.ones(2), mx.ones(2), side="middle")
    assert mx.searchsorted(a(mx), mx.array(3)).dtype == mx.uint32


def test_diagonal_is_a_view_and_methods(mx, ref):
    check(mx, ref, lambda m: m.arange(12).reshape(3, 4).diagonal(1))
    check(mx, ref, lambda m: m.arange(12).reshape(3, 4).diag(-1))
    check(mx, ref, lambda m: m.arange(3).diag(1))
    check(mx, ref, lambda m: m.arange(24).reshape(2, 3, 4).diagonal(1, 2, 0))
    a = mx.arange(12).reshape(3, 4)
    d = mx.diagonal(a)
    a[0, 0] = 100  # rebinding: the old buffer is untouched, the diagonal keeps its values
    assert d.tolist() == [0, 5, 10]
    with pytest.raises(ValueError, match=r"^\[trace\] axis1 and axis2 cannot be the same axis"):
        mx.trace(mx.ones((2, 2)), 0, 0, 0)
    with pytest.raises(IndexError, match=r"^\[diagonal\] Invalid axis2 3 for array with 3 dimensions"):
        mx.diagonal(mx.ones((2, 2, 2)), 0, 1, 3)


def test_unique_semantics(mx, ref):
    a = lambda m: m.array([2, 1, 2, 3, 1])  # noqa: E731
    for size in (0, 2, 3, 5):
        check(mx, ref, lambda m, s=size: m.unique(a(m), s, True, True, True))
    check(mx, ref, lambda m: m.unique(m.array([[2, 1], [2, 3]]), 4, return_inverse=True))
    check(mx, ref, lambda m: m.unique(m.array([1.0, m.nan, m.nan, 0.0, -0.0]), 5, True, True, True))
    check(mx, ref, lambda m: m.unique(m.array([5, 6], m.uint8), 3, fill_value=m.array(7, m.int64)))
    check(mx, ref, lambda m: m.unique(m.array([5, 6]), 3, fill_value=1 + 2j))
    check(mx, ref, lambda m: m.unique(m.array([5, 6], m.bool_), 3, fill_value=2))
    check(mx, ref, lambda m: m.unique(m.array([]), 3, fill_value=0))
    check(mx, ref, lambda m: m.unique(m.array(5), 3, True, True, True))
    with pytest.raises(ValueError, match=r"^Converting 1000 to int8 would result in overflow"):
        mx.unique(mx.array([1, 2], mx.int8), 3, fill_value=1000)
    with pytest.raises(ValueError, match=r"^\[unique\] A fill value is required"):
        mx.unique(mx.array([]), 3)
    with pytest.raises(ValueError, match=r"^\[unique\] Fill value must have one element, but got shape \(2\)"):
        mx.unique(mx.array([1]), 3, fill_value=mx.array([7, 8]))
    with pytest.raises(ValueError, match=r"^\[unique\] Received negative size -1"):
        mx.unique(mx.array([1]), -1)


def test_unique_does_not_evaluate_its_input(mx):
    a = mx.arange(10) % 3
    vals, counts = mx.unique(a, 4, return_counts=True)
    assert vals.shape == (4,) and counts.shape == (4,)
    assert vals.tolist() == [0, 1, 2, 0] and counts.tolist() == [4, 3, 3, 0]


def test_from_dlpack(mx, ref):
    torch = pytest.importorskip("torch")
    for make in (
        lambda: np.arange(6.0).reshape(2, 3).T,
        lambda: np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2],
        lambda: np.float64(2.5),
        lambda: np.int32(3),
        lambda: b"abc",
        lambda: np.array([True, False]),
        lambda: torch.arange(4, dtype=torch.bfloat16),
        lambda: torch.arange(12, dtype=torch.int16).reshape(3, 4).t(),
    ):
        check(mx, ref, lambda m, make=make: m.from_dlpack(make()))
    check(mx, ref, lambda m: m.from_dlpack(np.arange(3), copy=True))
    check(mx, ref, lambda m: m.from_dlpack(m.array([1, 2])))
    check(mx, ref, lambda m: m.from_dlpack([1, 2]))
    check(mx, ref, lambda m: m.from_dlpack(5))
    check(mx, ref, lambda m: m.from_dlpack(np.array(["a"])))
    check(mx, ref, lambda m: m.from_dlpack(x=np.arange(3)))
    with pytest.raises(ValueError, match=r"^\[convert\] Cannot import a CPU array without a copy"):
        mx.from_dlpack(np.arange(3), copy=False)
    # A copy: later writes to the source do not show.
    src = np.arange(4, dtype=np.int32)
    got = mx.from_dlpack(src)
    src[0] = 99
    assert got.tolist() == [0, 1, 2, 3]
    # Interop both ways with the real MLX.
    assert mx.from_dlpack(ref.array([1.5, 2.5])).tolist() == [1.5, 2.5]
    assert ref.from_dlpack(mx.array([1, 2], mx.int16)).tolist() == [1, 2]


def test_dtype_predicates(mx, ref):
    names = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
             "float16", "float32", "float64", "bfloat16", "complex64"]
    kinds = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
             "complex floating", "numeric"]
    for a in names:
        for b in names:
            assert mx.can_cast(getattr(mx, a), getattr(mx, b)) == ref.can_cast(getattr(ref, a), getattr(ref, b)), (a, b)
        for k in kinds:
            assert mx.isdtype(getattr(mx, a), k) == ref.isdtype(getattr(ref, a), k), (a, k)
        assert mx.can_cast(mx.zeros(1, getattr(mx, a)), mx.float16) == ref.can_cast(ref.zeros(1, getattr(ref, a)), ref.float16)
    for f in (
        lambda m: m.can_cast(m.floating, m.int32),
        lambda m: m.can_cast(1, m.int32),
        lambda m: m.can_cast(m.int32, m.floating),
        lambda m: m.isdtype(m.int8, ("bool", m.int8)),
        lambda m: m.isdtype(m.int8, ()),
        lambda m: m.isdtype(m.int8, ["bool", m.int8]),
        lambda m: m.isdtype(m.int8, "float"),
        lambda m: m.isdtype(m.int8, m.integer),
        lambda m: m.isdtype(m.array([1]), "integral"),
        lambda m: m.isdtype(dtype=m.int8, kind="integral"),
    ):
        a, b = outcome(mx, f), outcome(ref, f)
        assert a == b, (a, b)
    with pytest.raises(ValueError, match=r"^\[isdtype\] Unknown data type kind: 'float'"):
        mx.isdtype(mx.int8, "float")
    with pytest.raises(ValueError, match=r"^\[can_cast\] `from_` must be an array or a dtype"):
        mx.can_cast(1.0, mx.float32)


def test_issubdtype_matches_every_pair(mx, ref):
    names = ["complexfloating", "floating", "inexact", "signedinteger", "unsignedinteger", "integer",
             "number", "generic", "bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
             "int32", "int64", "float16", "float32", "float64", "bfloat16", "complex64"]
    for a in names:
        for b in names:
            assert outcome(mx, lambda m: m.issubdtype(getattr(m, a), getattr(m, b))) == \
                outcome(ref, lambda m: m.issubdtype(getattr(m, a), getattr(m, b))), (a, b)


def test_depends(mx, ref):
    x = mx.array([1.0, 2.0])
    dep = x * 3
    (y,) = mx.depends([x], [dep])
    assert y.tolist() == [1.0, 2.0]
    check(mx, ref, lambda m: m.depends(m.array(1), (m.array(2), m.array(3))))
    check(mx, ref, lambda m: m.depends([m.array(1)], []))
    for f in (lambda m: m.depends(1, [m.array(2)]), lambda m: m.depends(m.array(1), 2),
              lambda m: m.depends(inputs=m.array(1), dependencies=m.array(2))):
        check(mx, ref, f)
    # MLX crashes on an empty input list; rmlx returns an empty list.
    assert mx.depends([], [mx.array(1)]) == []


def test_meshgrid_and_tri(mx, ref):
    check(mx, ref, lambda m: m.meshgrid(m.array([1, 2, 3]), m.array([4.0, 5]), sparse=True))
    check(mx, ref, lambda m: m.meshgrid(m.array([[1, 2]]), m.array([3]), indexing="ij"))
    check(mx, ref, lambda m: m.meshgrid(m.array([1, 2]), indexing="ab"))
    check(mx, ref, lambda m: m.meshgrid([1, 2], [3]))
    check(mx, ref, lambda m: m.tri(-1))
    check(mx, ref, lambda m: m.tri(3, k=2**31 - 1))
    check(mx, ref, lambda m: m.tril(m.array([[m.nan, m.nan], [1, 1]])))
    for w in ("bartlett", "blackman", "hamming", "hanning"):
        for n in (-1, 0, 1, 2):
            check(mx, ref, lambda m, w=w, n=n: getattr(m, w)(n))
