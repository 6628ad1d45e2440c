"""repr/str/print/format of arrays and the print options, character for character against MLX."""

import math

import numpy as np
import pytest

DTYPES = [
    "bool_",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "complex64",
]
FLOATS = ["float16", "float32", "float64", "bfloat16"]

# Special values overflow float16 on purpose (they print as inf in both libraries).
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

SHAPES = [
    (),
    (1,),
    (5,),
    (6,),
    (7,),
    (10,),
    (0,),
    (0, 3),
    (2, 0),
    (2, 0, 3),
    (3, 0),
    (2, 3, 0),
    (7, 0),
    (0, 7, 2),
    (2, 3),
    (6, 6),
    (7, 7),
    (2, 7),
    (7, 2),
    (3, 2, 2),
    (7, 2, 3),
    (2, 8, 9),
    (2, 2, 2, 2),
    (1, 7, 1, 8),
    (3, 1, 7, 2),
    (2, 1, 1, 1, 2),
    (7, 1, 1, 1),
    (1, 1, 1, 1, 1, 1, 1),
    (8, 8, 8),
]


@pytest.fixture(autouse=True)
def default_options(mx, ref):
    """Every test starts and ends with the default print options in both libraries."""
    mx.set_printoptions(precision=-1)
    ref.set_printoptions(precision=-1)
    yield
    mx.set_printoptions(precision=-1)
    ref.set_printoptions(precision=-1)


def random_values(dtype, shape, seed):
    """NumPy values of `dtype` (float32 standing in for bfloat16) over a wide range."""
    rng = np.random.default_rng(seed)
    if dtype == "bool_":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        # Mix small numbers with ones near the dtype's limits.
        big = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
        small = rng.integers(max(info.min, -100), 100, size=shape).astype(dtype)
        return np.where(rng.random(shape) < 0.5, big, small)
    mag = 10.0 ** rng.integers(-7, 8, size=shape)
    vals = rng.standard_normal(shape) * mag
    vals = np.where(rng.random(shape) < 0.2, np.round(vals), vals)
    if dtype == "complex64":
        imag = rng.standard_normal(shape) * 10.0 ** rng.integers(-7, 8, size=shape)
        return (vals + 1j * imag).astype(np.complex64)
    return vals.astype("float32" if dtype == "bfloat16" else dtype)


def pair(mx, ref, values, dtype):
    """The same NumPy values as an rmlx array and an MLX array of `dtype`."""
    values = np.asarray(values)
    return (
        mx.array(values, dtype=getattr(mx, dtype)),
        ref.array(values, dtype=getattr(ref, dtype)),
    )


def assert_same_text(ours, theirs):
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)
    assert format(ours, "") == format(theirs, "")
    assert f"{ours}" == f"{theirs}"


# ---------------------------------------------------------------------------------------
# Layout: every dtype over every shape (empty, 0-d, summarized, 1-d..5-d), random values.


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_random_layout(mx, ref, dtype, shape):
    seed = (DTYPES.index(dtype) * 1000 + SHAPES.index(shape)) & 0xFFFF
    ours, theirs = pair(mx, ref, random_values(dtype, shape, seed), dtype)
    assert_same_text(ours, theirs)


@pytest.mark.parametrize("n", list(range(0, 16)) + [100, 1001])
def test_summarize_threshold_1d(mx, ref, n):
    ours, theirs = pair(mx, ref, np.arange(n), "int32")
    assert_same_text(ours, theirs)


@pytest.mark.parametrize("rows", [1, 5, 6, 7, 8, 13])
@pytest.mark.parametrize("cols", [1, 6, 7, 9])
def test_summarize_threshold_2d(mx, ref, rows, cols):
    ours, theirs = pair(mx, ref, np.arange(rows * cols).reshape(rows, cols), "int32")
    assert_same_text(ours, theirs)


def test_large_array(mx, ref):
    vals = np.random.RandomState(7).randn(300, 400).astype(np.float32)
    ours, theirs = pair(mx, ref, vals, "float32")
    assert_same_text(ours, theirs)


def test_large_3d_array(mx, ref):
    vals = np.arange(40 * 50 * 60).reshape(40, 50, 60)
    ours, theirs = pair(mx, ref, vals, "int64")
    assert_same_text(ours, theirs)


def test_transposed_views(mx, ref):
    vals = np.arange(80).reshape(8, 10)
    ours, theirs = pair(mx, ref, vals, "int16")
    assert_same_text(ours.T, theirs.T)
    ours, theirs = pair(mx, ref, vals[:3, :4], "float32")
    assert_same_text(ours.T, theirs.T)


def test_lazy_result(mx, ref):
    a, b = pair(mx, ref, np.linspace(-3, 3, 12).reshape(3, 4), "float32")
    assert_same_text(mx.multiply(mx.sin(a), 7), ref.multiply(ref.sin(b), 7))


def test_nine_floats_summarized(mx, ref):
    # A 9-element dimension is summarized whatever its values (MLX's threshold is 6).
    vals = [0.1, 1 / 3, 2.0, 1e-5, 123456789.0, -0.0, math.nan, math.inf, -math.inf]
    ours, theirs = mx.array(vals), ref.array(vals)
    assert repr(theirs) == "array([0.1, 0.333333, 2, ..., nan, inf, -inf], dtype=float32)"
    assert_same_text(ours, theirs)


# ---------------------------------------------------------------------------------------
# Element text: special values, magnitudes, rounding, complex parts, integer extremes.

SPECIAL_FLOATS = [
    0.0,
    -0.0,
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    0.1,
    1 / 3,
    -2 / 3,
    2.0,
    -2.25,
    1e-5,
    1e-4,
    0.00012345678,
    123456.0,
    1234567.0,
    1234565.0,
    999999.5,
    9999995.0,
    123456789.0,
    1e6,
    1e15,
    1e20,
    -1e20,
    1e-20,
    3.4e38,
    1e-38,
    1e-40,
    1e-45,
    6.1e-5,
    5.96e-8,
    65504.0,
    65520.0,
    0.5,
    2.5,
    0.125,
    0.375,
    100.0,
    -7.0,
]


def float_values(dtype):
    if dtype == "bfloat16":
        # Two engine conversion differences, not printing ones (see the xfail tests below):
        # MLX's float32 -> bfloat16 makes NaN positive, and keeps subnormals.
        return [
            v
            for v in SPECIAL_FLOATS
            if not (math.isnan(v) and math.copysign(1, v) < 0) and not (0 < abs(v) < 1.1754944e-38)
        ]
    if dtype == "float64":
        return SPECIAL_FLOATS + [1e300, -1e-300, 5e-324, 1.7976931348623157e308]
    return SPECIAL_FLOATS


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("precision", [-1, 0, 2, 5])
def test_special_floats_one_by_one(mx, ref, dtype, precision):
    mx.set_printoptions(precision=precision)
    ref.set_printoptions(precision=precision)
    values = float_values(dtype)
    np_dtype = "float32" if dtype == "bfloat16" else dtype
    for v in values:
        ours, theirs = pair(mx, ref, np.array(v, dtype=np_dtype), dtype)
        assert repr(ours) == repr(theirs), v


@pytest.mark.parametrize("dtype", FLOATS)
def test_special_floats_in_rows(mx, ref, dtype):
    values = float_values(dtype)
    np_dtype = "float32" if dtype == "bfloat16" else dtype
    for start in range(0, len(values), 5):
        chunk = np.array(values[start : start + 5], dtype=np_dtype)
        ours, theirs = pair(mx, ref, chunk, dtype)
        assert_same_text(ours, theirs)
    ours, theirs = pair(mx, ref, np.array(values, dtype=np_dtype), dtype)
    assert_same_text(ours, theirs)


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_rounding_sweep(mx, ref, dtype):
    # Values whose printed digits depend on the dtype's own rounding of the stored number.
    rng = np.random.RandomState(11)
    vals = (rng.rand(6, 6) - 0.5) * 10.0 ** rng.randint(-6, 7, size=(6, 6))
    np_dtype = "float32" if dtype == "bfloat16" else dtype
    ours, theirs = pair(mx, ref, vals.astype(np_dtype), dtype)
    assert_same_text(ours, theirs)


@pytest.mark.xfail(reason="engine: float32 -> bfloat16 keeps the sign of NaN; MLX makes it +nan")
def test_bfloat16_negative_nan_conversion(mx, ref):
    ours, theirs = pair(mx, ref, np.array([-math.nan, math.nan], dtype=np.float32), "bfloat16")
    assert repr(theirs) == "array([nan, nan], dtype=bfloat16)"
    assert repr(ours) == repr(theirs)


@pytest.mark.xfail(reason="engine: float -> bfloat16 cast flushes subnormals to 0; MLX keeps them")
def test_bfloat16_subnormal_conversion(mx, ref):
    ours, theirs = pair(mx, ref, np.array([1e-38, 1e-40], dtype=np.float32), "bfloat16")
    assert repr(theirs) == "array([1.00101e-38, 9.18355e-41], dtype=bfloat16)"
    assert repr(ours) == repr(theirs)


COMPLEX = [
    1 + 2j,
    1 - 2j,
    -1 - 2j,
    0j,
    complex(0, -0.0),
    complex(-0.0, 0),
    complex(-0.0, -0.0),
    complex(math.nan, 1),
    complex(1, math.nan),
    complex(1, -math.nan),
    complex(-math.nan, math.nan),
    complex(math.inf, -math.inf),
    complex(-math.inf, math.inf),
    1 / 3 + 1e-7j,
    1e10 + 1e-10j,
    complex(1, -0.0),
    complex(-1234567.0, 0.5),
]


@pytest.mark.parametrize("precision", [-1, 0, 3])
def test_complex_values(mx, ref, precision):
    mx.set_printoptions(precision=precision)
    ref.set_printoptions(precision=precision)
    for c in COMPLEX:
        ours, theirs = pair(mx, ref, np.array(c, dtype=np.complex64), "complex64")
        assert repr(ours) == repr(theirs), c
    ours, theirs = pair(mx, ref, np.array(COMPLEX, dtype=np.complex64), "complex64")
    assert_same_text(ours, theirs)
    grid = np.array(COMPLEX[:6], dtype=np.complex64).reshape(2, 3)
    ours, theirs = pair(mx, ref, grid, "complex64")
    assert_same_text(ours, theirs)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d.startswith(("int", "uint"))])
def test_integer_extremes(mx, ref, dtype):
    info = np.iinfo(dtype)
    vals = np.array([info.min, info.max, 0, 1, info.max - 1, info.min + 1], dtype=dtype)
    ours, theirs = pair(mx, ref, vals, dtype)
    assert_same_text(ours, theirs)
    for v in (info.min, info.max):
        ours, theirs = pair(mx, ref, np.array(v, dtype=dtype), dtype)
        assert_same_text(ours, theirs)


def test_bool_values(mx, ref):
    for vals in ([True], [False], True, False, [[True, False], [False, True]], [True] * 9):
        ours, theirs = pair(mx, ref, np.array(vals), "bool_")
        assert_same_text(ours, theirs)


def test_python_scalars_and_lists(mx, ref):
    for v in [3, -3, 2.5, True, 1 + 2j, [1, 2, 3], [1.5, -0.0], [[1, 2], [3, 4]], [], [[]]]:
        assert_same_text(mx.array(v), ref.array(v))


# ---------------------------------------------------------------------------------------
# Print options.

PRECISIONS = [-7, -2, -1, 0, 1, 2, 3, 6, 8, 10, 20, 40, 1100, 1200, 70000]


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_precision_applies(mx, ref, dtype, precision):
    mx.set_printoptions(precision=precision)
    ref.set_printoptions(precision=precision)
    assert mx.get_printoptions().precision == precision
    for shape in [(), (4,), (2, 3), (9,)]:
        seed = (DTYPES.index(dtype) * 31 + len(shape)) & 0xFFFF
        ours, theirs = pair(mx, ref, random_values(dtype, shape, seed), dtype)
        assert_same_text(ours, theirs)


def test_set_printoptions_signature(mx, ref):
    for lib in (mx, ref):
        lib.set_printoptions(3)
        assert lib.get_printoptions().precision == 3
        lib.set_printoptions(precision=True)
        assert lib.get_printoptions().precision == 1
        lib.set_printoptions()
        assert lib.get_printoptions().precision == -1
        for bad in ("x", 2.5, None, 2**31, -(2**31) - 1, 2**64):
            with pytest.raises(TypeError):
                lib.set_printoptions(precision=bad)
        with pytest.raises(TypeError):
            lib.set_printoptions(foo=3)
        with pytest.raises(TypeError):
            lib.printoptions(precision="x")


def test_print_options_object(mx, ref):
    for lib in (mx, ref):
        opts = lib.get_printoptions()
        assert type(opts).__name__ == "PrintOptions"
        assert opts.precision == -1
        opts.precision = 5  # a copy: the global options do not change
        assert lib.get_printoptions().precision == -1
        assert lib.get_printoptions() is not lib.get_printoptions()
        assert lib.PrintOptions().precision == -1
        assert lib.PrintOptions(3).precision == 3
        assert lib.PrintOptions(precision=4).precision == 4
        for bad in ("x", 2.5, 2**31):
            with pytest.raises(TypeError):
                opts.precision = bad
        with pytest.raises(TypeError):
            lib.PrintOptions(2**40)
        with pytest.raises(AttributeError):
            opts.foo = 1


def test_printoptions_context(mx, ref):
    outcomes = []
    for lib in (mx, ref):
        seen = []
        x = lib.array([1 / 3, 2.0])
        before = repr(x)
        ctx = lib.printoptions(precision=2)
        seen.append(lib.get_printoptions().precision)  # creating applies nothing
        with ctx as entered:
            seen.append(type(entered).__name__)
            seen.append(lib.get_printoptions().precision)
            seen.append(repr(x))
            lib.set_printoptions(precision=5)
            with lib.printoptions(precision=7):
                seen.append(lib.get_printoptions().precision)
            seen.append(lib.get_printoptions().precision)  # inner restores to 5
        seen.append(lib.get_printoptions().precision)  # outer restores to -1
        seen.append(repr(x) == before)
        with pytest.raises(KeyError):
            with lib.printoptions(precision=3):
                raise KeyError("x")
        seen.append(lib.get_printoptions().precision)
        with lib.printoptions():
            seen.append(lib.get_printoptions().precision)
        with lib._PrintOptionsContext(lib.PrintOptions(9)):
            seen.append(lib.get_printoptions().precision)
        # Leaving a context that was never entered restores the defaults.
        lib.set_printoptions(precision=4)
        lone = lib.printoptions(precision=2)
        lib.set_printoptions(precision=6)
        assert lone.__exit__(None, None, None) is None
        seen.append(lib.get_printoptions().precision)
        # Entering twice remembers the options in force at the second entry.
        twice = lib.printoptions(precision=2)
        twice.__enter__()
        twice.__enter__()
        twice.__exit__(None, None, None)
        seen.append(lib.get_printoptions().precision)
        lib.set_printoptions(precision=-1)
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][:4] == [-1, "_PrintOptionsContext", 2, "array([0.33, 2.00], dtype=float32)"]


def test_context_reuse(mx, ref):
    for lib in (mx, ref):
        ctx = lib.printoptions(precision=1)
        lib.set_printoptions(precision=4)
        with ctx:
            assert repr(lib.array(0.25)) == "array(0.2, dtype=float32)"
        assert lib.get_printoptions().precision == 4
        lib.set_printoptions(precision=-1)


# ---------------------------------------------------------------------------------------
# print(), str() and __format__.


def test_print_writes_repr(mx, ref, capsys):
    for make in (lambda lib: lib.array([[1.5, 2], [3, 4]]), lambda lib: lib.array(7)):
        print(make(mx))
        ours = capsys.readouterr().out
        print(make(ref))
        assert ours == capsys.readouterr().out


ZERO_D_SPECS = {
    "float32": ["", ".2f", "10.3f", "e", "g", "%", ">8", ".0f", "+.3e"],
    "float16": ["", ".3f", "g"],
    "bfloat16": ["", ".10f", "e"],
    "float64": ["", ".20f", "g"],
    "int32": ["", "d", "5d", ".2f", "x", "#x", ",", ">10", "b"],
    "int8": ["", "b", "+d"],
    "uint64": ["", ",", "x"],
    "int64": ["", "d", ","],
    "bool_": ["", "d", ".2f", ">10", "<7", "^7", " "],
    "complex64": ["", ".2f", "g", ">20"],
}
ZERO_D_VALUES = {
    "float32": [1 / 3, 2.5, -0.0, math.nan, math.inf],
    "float16": [1 / 3, 1.5],
    "bfloat16": [1 / 3, -7.0],
    "float64": [1 / 3],
    "int32": [5, 255, -17],
    "int8": [3, -128],
    "uint64": [2**64 - 1],
    "int64": [-(2**63)],
    "bool_": [True, False],
    "complex64": [1 + 2j, complex(1, -0.0)],
}
FORMAT_CASES = [
    (dtype, value, spec)
    for dtype, specs in ZERO_D_SPECS.items()
    for value in ZERO_D_VALUES[dtype]
    for spec in specs
]


@pytest.mark.parametrize("dtype,value,spec", FORMAT_CASES)
def test_format_zero_d(mx, ref, dtype, value, spec):
    np_dtype = "float32" if dtype == "bfloat16" else dtype
    ours, theirs = pair(mx, ref, np.array(value, dtype=np_dtype), dtype)
    assert format(ours, spec) == format(theirs, spec)


def test_format_in_fstrings(mx, ref):
    for lib in (mx, ref):
        a = lib.array(1 / 3)
        assert f"{a}" == "0.3333333432674408"
        assert f"{a:.2f}" == "0.33"
        assert f"{a!s:>40}" == "          array(0.333333, dtype=float32)"
        assert f"{lib.array(True)}" == "True"
        assert f"{lib.array(True):>5}" == "    1"


REJECTED = r"^unsupported format string passed to mx\.array\.__format__$"


@pytest.mark.parametrize("spec", [".2f", "s", ">30", " ", "d"])
@pytest.mark.parametrize("shape", [(1,), (2,), (0,), (1, 1), (2, 3)])
def test_format_nd_rejects_specs(mx, ref, spec, shape):
    for lib in (mx, ref):
        a = lib.array(np.zeros(shape, dtype=np.float32))
        with pytest.raises(TypeError, match=REJECTED):
            format(a, spec)
        assert format(a, "") == repr(a)


def test_format_nd_non_string_spec(mx, ref):
    for lib in (mx, ref):
        with pytest.raises(TypeError, match="unsupported format string"):
            lib.array([1]).__format__(5)


@pytest.mark.parametrize(
    "dtype,spec", [("float32", "d"), ("float32", "s"), ("bool_", "s"), ("complex64", "d")]
)
def test_format_zero_d_invalid_spec(mx, dtype, spec):
    # MLX 0.32.4 crashes the interpreter here; rmlx raises what Python's format does.
    a = mx.array(np.array(1, dtype=dtype), dtype=getattr(mx, dtype))
    with pytest.raises(ValueError):
        format(a, spec)


@pytest.mark.parametrize("precision", [-1, 3])
@pytest.mark.parametrize("dtype", FLOATS + ["complex64"])
def test_value_fuzz(mx, ref, dtype, precision):
    # Many random magnitudes, six per row so nothing is summarized.
    mx.set_printoptions(precision=precision)
    ref.set_printoptions(precision=precision)
    rng = np.random.default_rng(1234 + FLOATS.index(dtype) if dtype in FLOATS else 99)
    for _ in range(300):
        mag = 10.0 ** rng.integers(-12, 13, size=6)
        vals = rng.standard_normal(6) * mag
        if dtype == "complex64":
            vals = (vals + 1j * rng.standard_normal(6) * mag[::-1]).astype(np.complex64)
        else:
            vals = vals.astype("float32" if dtype in ("float16", "bfloat16") else dtype)
        ours, theirs = pair(mx, ref, vals, dtype)
        assert repr(ours) == repr(theirs)


def test_format_ignores_print_options(mx, ref):
    for lib in (mx, ref):
        with lib.printoptions(precision=2):
            assert f"{lib.array(1 / 3)}" == "0.3333333432674408"
            assert format(lib.array(1 / 3), ".3f") == "0.333"
            assert format(lib.array([1 / 3]), "") == "array([0.33], dtype=float32)"
