"""Run one differential case in rmlx and in MLX and compare the outcomes.

A case (see `specs.py`) names a callable `fn(lib, *args, **kwargs)` and its arguments as
*specs*: `In` (an input array, generated once as NumPy with a fixed seed and converted to
each library), `D` (a dtype, resolved to each library's dtype object), or plain Python
values (weak scalars, axes, shapes), which are passed unchanged.

The outcome of a call in one library is either `Ok(values)` (a list of materialised result
arrays as NumPy, with their dtype names and shapes) or `Raised(exception type)`. The two
outcomes must agree: same exception type, or same dtype, same shape and the same values
within the dtype's tolerance (exact for integers and booleans, NaN where NaN).

Results are read back through `astype` + `tolist()` only, never the buffer protocol, so the
comparison depends on nothing but `.dtype`, `.shape`, `.astype` and `.tolist()`.
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import Any, Callable, Iterator

import numpy as np

# Every dtype both libraries have, in MLX's order of promotion-ish (for readable ids).
DTYPES = (
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
    "bfloat16",
    "float32",
    "float64",
    "complex64",
)
UNSIGNED = ("uint8", "uint16", "uint32", "uint64")
SIGNED = ("int8", "int16", "int32", "int64")
INTEGER = UNSIGNED + SIGNED
FLOATING = ("float16", "bfloat16", "float32", "float64")
REAL = ("bool_",) + INTEGER + FLOATING

# NumPy dtype used to hold values of each library dtype on the host. bfloat16 values are
# held as float32 and cast inside each library.
NP_DTYPE = {
    "bool_": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "bfloat16": np.float32,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
}

# (rtol, atol) per result dtype. Half precisions allow a couple of units in the last place
# (float16: 2^-10, bfloat16: 2^-7) because MLX may compute them through float32 while rmlx
# may not (or the other way round); float32 allows ~100 ulp relative with an absolute floor a
# few ulp of 1 (results near zero from inputs of order 1, e.g. sin(pi), carry absolute not
# relative error); float64 is tight.
TOLERANCE = {
    "float16": (4e-3, 4e-3),
    "bfloat16": (3e-2, 3e-2),
    "float32": (1e-5, 5e-6),
    "complex64": (1e-5, 5e-6),
    "float64": (1e-12, 1e-13),
}


# ----------------------------------------------------------------------------------------
# Argument specs


@dataclasses.dataclass(frozen=True)
class D:
    """A dtype argument, resolved to `lib.<name>` in each library."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclasses.dataclass(frozen=True)
class In:
    """An input array: `kind` of values, final `shape` and `dtype`, and an optional `view`
    applied in each library after conversion (the base array is generated with the shape
    the view needs, so the argument the op sees has exactly `shape`).

    Views: "T" (transpose of the reversed-shape base), "step" (`x[::2]` along axis 0),
    "neg" (`x[::-1]` along axis 0), "negstep" (`x[..., ::-2]` along the last axis).
    """

    kind: str
    shape: tuple
    dtype: str
    view: str | None = None

    def __str__(self) -> str:
        shape = "x".join(map(str, self.shape)) if self.shape else "0d"
        s = f"{self.dtype}[{shape}]"
        if self.kind != "normal":
            s += f"~{self.kind}"
        if self.view:
            s += f".{self.view}"
        return s


@dataclasses.dataclass(frozen=True)
class Raw:
    """A host value passed to both libraries as is (lists, NumPy arrays, scalars) but shown
    with a short label in the case id."""

    value: Any
    label: str

    def __str__(self) -> str:
        return self.label


# Views that need `array.__getitem__` (slicing) in the library under test.
SLICING_VIEWS = ("step", "neg", "negstep")


def base_shape(shape: tuple, view: str | None) -> tuple:
    """The shape to generate so that `view` of it has `shape`."""
    if not view or not shape:
        return shape
    if view == "T":
        return tuple(reversed(shape))
    if view == "step":
        return (shape[0] * 2,) + shape[1:]
    if view == "neg":
        return shape
    if view == "negstep":
        return shape[:-1] + (shape[-1] * 2,)
    raise ValueError(f"unknown view {view!r}")


def apply_view(x, view: str | None):
    if not view or x.ndim == 0:
        return x
    if view == "T":
        return x.T
    if view == "step":
        return x[::2]
    if view == "neg":
        return x[::-1]
    if view == "negstep":
        return x[..., ::-2]
    raise ValueError(f"unknown view {view!r}")


# ----------------------------------------------------------------------------------------
# Input values


def _rng(spec: In, position: int) -> np.random.Generator:
    # A fixed seed per input spec and argument position: a case always gets the same values,
    # whatever subset of the suite runs and in whatever order, and `op(x, y)` with two specs
    # alike still gets two different arrays.
    key = f"{spec.kind}|{spec.shape}|{spec.dtype}|{spec.view}|{position}"
    return np.random.default_rng(zlib.crc32(key.encode()))


_FLOAT_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, np.nan, np.inf, -np.inf, 1e-3, -1e-3, 1e4, -1e4, 1e30, -1e30, 3.0, 0.25]


def _int_edges(dtype: str) -> list:
    info = np.iinfo(NP_DTYPE[dtype])
    vals = [0, 1, 2, info.max, info.min, info.max - 1, info.min + 1, 7, 3]
    if info.min < 0:
        vals += [-1, -2, -7]
    return vals


def _fill(pool: list, n: int, rng: np.random.Generator) -> list:
    """`n` values cycling through `pool` from a random start (every value appears when
    `n >= len(pool)`)."""
    if n == 0:
        return []
    start = int(rng.integers(0, len(pool)))
    return [pool[(start + i) % len(pool)] for i in range(n)]


def make_values(spec: In, position: int = 0) -> np.ndarray:
    """The host values of `spec`'s base array (before the view), as the `position`-th input
    of its case."""
    shape = base_shape(spec.shape, spec.view)
    n = int(np.prod(shape)) if shape else 1
    rng = _rng(spec, position)
    dt = spec.dtype
    kind = spec.kind
    npdt = NP_DTYPE[dt]
    if dt == "bool_":
        flat = np.ones(n, dtype=bool) if kind in ("nonzero", "pos", "ge1") else rng.integers(0, 2, n).astype(bool)
    elif dt in INTEGER:
        info = np.iinfo(npdt)
        if kind == "edge":
            flat = np.array(_fill(_int_edges(dt), n, rng), dtype=npdt)
        elif kind == "shift":
            # Shift amounts in [0, bits): larger or negative ones are undefined in MLX.
            flat = rng.integers(0, info.bits, n).astype(npdt)
        elif kind in ("pos", "nonzero"):
            flat = rng.integers(1, min(int(info.max), 20) + 1, n).astype(npdt)
            if kind == "nonzero" and info.min < 0:
                flat = (flat * rng.choice([-1, 1], n)).astype(npdt)
        elif kind == "small":
            flat = rng.integers(max(int(info.min), -3), 4, n).astype(npdt)
        elif kind == "idx":
            # Indices valid along any axis of size >= 2.
            flat = rng.integers(0, 2, n).astype(npdt)
        elif kind == "exp":
            # Small non-negative exponents: negative integer powers are undefined in MLX.
            flat = rng.integers(0, 5, n).astype(npdt)
        else:
            lo = max(int(info.min), -20)
            flat = rng.integers(lo, 21, n).astype(npdt)
    else:
        if kind == "special":
            pool = list(_FLOAT_SPECIAL)
            flat = np.array(_fill(pool, n, rng), dtype=np.float64)
        elif kind == "unit":
            flat = rng.uniform(-0.99, 0.99, n)
        elif kind == "pos":
            flat = rng.uniform(0.1, 5.0, n)
        elif kind == "ge1":
            flat = rng.uniform(1.0, 6.0, n)
        elif kind == "nonzero":
            flat = rng.uniform(0.5, 4.0, n) * rng.choice([-1.0, 1.0], n)
        elif kind == "small":
            flat = rng.uniform(-2.0, 2.0, n)
        elif kind == "half":
            # Values at and around .5 to exercise round-half-to-even.
            flat = np.array(_fill([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 3.5, -3.51, 0.0], n, rng), dtype=np.float64)
        else:
            flat = rng.standard_normal(n) * 3.0
        if dt == "complex64":
            im = rng.standard_normal(n) * 2.0
            if kind == "special":
                im = np.array(_fill([0.0, 1.0, -2.0, np.nan, np.inf], n, rng), dtype=np.float64)
            z = np.empty(n, dtype=np.complex128)
            z.real, z.imag = flat, im  # not `flat + 1j * im`: inf * 1j makes a NaN real part
            flat = z
        with np.errstate(over="ignore", invalid="ignore"):
            flat = flat.astype(npdt)
    return flat.reshape(shape)


def to_lib(lib, spec: In, host: np.ndarray):
    """The library array of `spec` (view applied)."""
    if spec.dtype == "bfloat16":
        x = lib.array(host).astype(lib.bfloat16)
    elif spec.dtype == "float64":
        # MLX makes float32 from a float64 NumPy array unless asked.
        x = lib.array(host, dtype=lib.float64)
    else:
        x = lib.array(host)
    return apply_view(x, spec.view)


# ----------------------------------------------------------------------------------------
# Outcomes


@dataclasses.dataclass
class Ok:
    """Materialised results: (dtype name, shape, NumPy values) per output array, or the
    plain value for non-array outputs (e.g. `None` from `eval`)."""

    outputs: list


@dataclasses.dataclass
class Raised:
    exc_type: type
    message: str


def dtype_name(d) -> str:
    return str(d).rsplit(".", 1)[-1]


def _canonical_dtype(name: str) -> str:
    return "bool_" if name == "bool" else name


def materialise(lib, out) -> list:
    """Outputs as host values: `(dtype, shape, ndarray)` for arrays, recursing into
    tuples/lists, anything else unchanged."""
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in materialise(lib, o)]
    if not isinstance(out, lib.array):
        return [("py", type(out).__name__, out)]
    dt = _canonical_dtype(dtype_name(out.dtype))
    shape = tuple(out.shape)
    readable = out.astype(lib.float32) if dt == "bfloat16" else out
    values = readable.tolist()
    host = np.array(values, dtype=NP_DTYPE[dt]).reshape(shape)
    return [(dt, shape, host)]


def resolve(lib, arg, hosts: Iterator):
    """`arg` for `lib`; `hosts` yields the host values of the `In`s in traversal order."""
    if isinstance(arg, In):
        return to_lib(lib, arg, next(hosts))
    if isinstance(arg, D):
        return getattr(lib, arg.name)
    if isinstance(arg, Raw):
        return arg.value
    if isinstance(arg, tuple):
        return tuple(resolve(lib, a, hosts) for a in arg)
    if isinstance(arg, list):
        return [resolve(lib, a, hosts) for a in arg]
    return arg


def host_inputs(args, kwargs) -> list:
    """Host values of every `In` in `args` then `kwargs`, in the order `resolve` visits
    them."""
    hosts: list = []

    def visit(a):
        if isinstance(a, In):
            hosts.append(make_values(a, len(hosts)))
        elif isinstance(a, (tuple, list)):
            for b in a:
                visit(b)

    for a in args:
        visit(a)
    for a in kwargs.values():
        visit(a)
    return hosts


def run(lib, fn: Callable, args: tuple, kwargs: dict, hosts: list):
    """Call `fn(lib, *args, **kwargs)` with the specs resolved for `lib` and materialise the
    result; the outcome is `Ok` or `Raised` (errors raised at evaluation count too).

    Building the inputs is part of the case: a library that cannot make an input (say,
    bfloat16 `astype`) has not matched."""
    it = iter(hosts)
    try:
        rargs = [resolve(lib, a, it) for a in args]
        rkwargs = {k: resolve(lib, v, it) for k, v in kwargs.items()}
        out = fn(lib, *rargs, **rkwargs)
        return Ok(materialise(lib, out))
    except Exception as e:  # noqa: BLE001 - the exception type is the outcome
        return Raised(type(e), str(e))


# ----------------------------------------------------------------------------------------
# Comparison


def _close(ours: np.ndarray, theirs: np.ndarray, dt: str, scale: float) -> str | None:
    """None when equal within `dt`'s tolerance, else a short description."""
    if dt not in TOLERANCE:
        if ours.dtype == object or theirs.dtype == object:
            eq = np.array([a == b for a, b in zip(ours.ravel().tolist(), theirs.ravel().tolist())], dtype=bool)
        else:
            eq = ours == theirs
        if np.all(eq):
            return None
        return _first_diff(ours, theirs, ~np.asarray(eq))
    rtol, atol = TOLERANCE[dt]
    if dt == "float32" and ours.dtype == np.float64:
        # float64 values held to float32's tolerance (see `compare`'s `loose64`).
        atol = max(atol, 1e-6)
    rtol, atol = rtol * scale, atol * scale
    if dt == "complex64":
        parts = [(ours.real, theirs.real), (ours.imag, theirs.imag)]
    else:
        parts = [(ours.astype(np.float64), theirs.astype(np.float64))]
    bad = np.zeros(ours.shape, dtype=bool)
    for o, t in parts:
        o = o.astype(np.float64)
        t = t.astype(np.float64)
        nan_o, nan_t = np.isnan(o), np.isnan(t)
        inf_mismatch = (np.isinf(o) | np.isinf(t)) & (o != t) & ~(nan_o | nan_t)
        with np.errstate(invalid="ignore", over="ignore"):
            far = np.abs(o - t) > atol + rtol * np.abs(t)
        far &= ~(nan_o | nan_t) & ~(np.isinf(o) | np.isinf(t))
        bad |= (nan_o != nan_t) | inf_mismatch | far
    if not bad.any():
        return None
    return _first_diff(ours, theirs, bad)


def _first_diff(ours, theirs, bad) -> str:
    idx = np.argwhere(bad)
    n = len(idx)
    first = tuple(int(i) for i in idx[0]) if ours.ndim else ()
    o = ours[first] if ours.ndim else ours[()]
    t = theirs[first] if theirs.ndim else theirs[()]
    return f"{n} element(s) differ; first at {first}: ours={o!r} mlx={t!r}"


def compare(ours, theirs, scale: float = 1.0, loose64: bool = False) -> str | None:
    """None when the outcomes agree, else why they do not (for the failure message).
    `loose64` compares float64 results at float32's tolerance (for ops that MLX computes in
    float32 precision even for float64)."""
    if isinstance(theirs, Raised):
        if isinstance(ours, Raised):
            if ours.exc_type is theirs.exc_type:
                return None
            return f"mlx raised {theirs.exc_type.__name__}({theirs.message!r}); ours raised {ours.exc_type.__name__}({ours.message!r})"
        return f"mlx raised {theirs.exc_type.__name__}({theirs.message!r}); ours succeeded"
    if isinstance(ours, Raised):
        return f"mlx succeeded; ours raised {ours.exc_type.__name__}({ours.message!r})"
    if len(ours.outputs) != len(theirs.outputs):
        return f"{len(ours.outputs)} outputs vs mlx {len(theirs.outputs)}"
    for i, (o, t) in enumerate(zip(ours.outputs, theirs.outputs)):
        where = f"output {i}: " if len(ours.outputs) > 1 else ""
        if o[0] == "py" or t[0] == "py":
            if o[:2] != t[:2] or not _same_py(o[2], t[2]):
                return f"{where}ours {o!r} vs mlx {t!r}"
            continue
        (odt, oshape, ov), (tdt, tshape, tv) = o, t
        if odt != tdt:
            return f"{where}dtype ours={odt} mlx={tdt}"
        if oshape != tshape:
            return f"{where}shape ours={oshape} mlx={tshape}"
        diff = _close(ov, tv, "float32" if loose64 and odt == "float64" else odt, scale)
        if diff:
            return f"{where}{odt}{list(oshape)}: {diff}"
    return None


def _same_py(a, b) -> bool:
    """Equality of plain (non-array) results, NaN equal to NaN."""
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except TypeError:
        return a == b


def describe_outcome(outcome) -> str:
    if isinstance(outcome, Raised):
        return f"raises {outcome.exc_type.__name__}"
    parts = []
    for o in outcome.outputs:
        parts.append(f"{o[0]}{list(o[1])}" if o[0] != "py" else f"{o[1]}")
    return "ok " + ", ".join(parts)

