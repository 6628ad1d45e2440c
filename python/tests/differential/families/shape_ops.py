"""Shape ops: unstack, repeat, tile, pad (every mode and pad_width form), flip, roll, diff,
as_strided, view, slice / slice_update with array starts, and the older permute_dims,
broadcast_arrays, broadcast_shapes, atleast_1d/2d/3d, contiguous and unflatten.

Left out on purpose (MLX 0.32 reads or writes outside its buffers, so there is nothing to
match; rmlx's defined behaviour is tested in `python/tests/test_shape_ops.py`):
`as_strided` views reaching outside the input, `slice`/`slice_update` starts out of range,
`slice_update` with an update of more dimensions than the array, `slice` with negative
sizes, and `pad` of an empty axis in edge mode (MLX gives zeros or a broadcast error
depending on the axis; rmlx raises ValueError).
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

from ..harness import DTYPES, FLOATING, INTEGER, In, Raw
from ..specs import Case, Func, Method

FAMILY = "shape_ops"

# Views of the harness: transposed, stepped, reversed, reversed with a step.
VIEWS = ("T", "step", "neg", "negstep")


@dataclasses.dataclass(frozen=True)
class WithStarts:
    """`lib.<name>(a, [update,] lib.array(starts, dtype), axes, ...)`: the start array is
    built in each library from host values (its values matter, so no random `In`)."""

    name: str
    starts: tuple
    dtype: str = "int32"
    ndim: int = 1  # 0: a 0-d start array (one value); 2: a (1, k) array

    def __call__(self, lib, a, *rest, **kwargs):
        s = np.array(self.starts, dtype=np.dtype(self.dtype if self.dtype != "bool_" else "bool"))
        if self.ndim == 0:
            s = s.reshape(())
        elif self.ndim == 2:
            s = s.reshape(1, -1)
        start = lib.array(s)
        if self.name == "slice_update":
            update, *rest = rest
            return getattr(lib, self.name)(a, update, start, *rest, **kwargs)
        return getattr(lib, self.name)(a, start, *rest, **kwargs)

    @property
    def label(self) -> str:
        starts = ",".join(map(str, self.starts))
        return f"starts={self.dtype}[{starts}]" + ("" if self.ndim == 1 else f"{self.ndim}d")


@dataclasses.dataclass(frozen=True)
class PadWithArray:
    """`lib.pad(a, width, mode, constant_values=lib.array(value, dtype))`."""

    value: tuple | float
    dtype: str

    @property
    def label(self) -> str:
        return f"constant_values={self.dtype}{self.value}"

    def __call__(self, lib, a, width, **kwargs):
        c = lib.array(np.array(self.value), dtype=getattr(lib, self.dtype))
        return lib.pad(a, width, constant_values=c, **kwargs)


@dataclasses.dataclass(frozen=True)
class ShapesOf:
    """`lib.broadcast_shapes(*shapes)` (plain tuples, no arrays)."""

    def __call__(self, lib, *shapes):
        return lib.broadcast_shapes(*shapes)


def _kind(dt: str) -> str:
    return "small" if dt in INTEGER or dt == "bool_" else "normal"


def _new_ops() -> Iterator[Case]:
    F = FAMILY

    def C(op, args, kw=None, tag="", fn=None):
        return Case(F, op, fn or Func(op), args, kw or {}, tag=tag or getattr(fn, "label", ""))

    # ---- every dtype, main forms
    for dt in DTYPES:
        x = In(_kind(dt), (2, 3, 4), dt)
        yield C("unstack", (x,))
        yield C("unstack", (x,), {"axis": -1})
        yield C("repeat", (x, 2), {"axis": 1})
        yield C("repeat", (x, 3))
        yield C("tile", (x, (2, 1, 2)))
        yield C("flip", (x,))
        yield C("flip", (x,), {"axis": (0, 2)})
        yield C("roll", (x, 2), {"axis": 1})
        yield C("roll", (x, (1, -3)), {"axis": (0, 2)})
        yield C("roll", (x, 5))
        for mode in ("constant", "edge", "reflect", "symmetric"):
            yield C("pad", (x, [(1, 2), (0, 3), (2, 0)], mode))
        yield C("pad", (x, 1), {"constant_values": 1})
        if dt != "bool_":
            yield C("diff", (x,))
            yield C("diff", (x,), {"n": 2, "axis": 1})
        yield C("as_strided", (x, (3, 4), (4, 1), 5))
        yield C("slice", (x, [0, 1, 2]), {"axes": [1], "slice_size": [2, 2, 2]},
                fn=WithStarts("slice", (1,)))
        yield C("slice_update", (x, In(_kind(dt), (2, 2), dt), [1, 2]),
                fn=WithStarts("slice_update", (1, 2)))
        for to in DTYPES:
            if to == dt:
                continue
            if to in FLOATING + ("complex64",) and dt not in FLOATING + ("complex64",):
                # Integer bits read as floats are valid but rarely meaningful; cover a few.
                if to not in ("float32", "float16") or dt not in ("int32", "int16", "uint8"):
                    continue
            src = In(_kind(dt), (2, 8), dt)
            yield C("view", (src, Raw(to, to)), fn=ViewAs(to))
    yield C("diff", (In("small", (3, 5), "bool_"),))
    yield C("diff", (In("small", (3, 5), "bool_"),), {"n": 2, "axis": 0})

    # ---- non-contiguous inputs
    for v in VIEWS:
        for dt in ("float32", "int16"):
            x = In(_kind(dt), (4, 6), dt, v)
            yield C("unstack", (x,), {"axis": 1})
            yield C("repeat", (x, 2), {"axis": 0})
            yield C("repeat", (x, 2))
            yield C("tile", (x, (2, 3)))
            yield C("flip", (x,), {"axis": 1})
            yield C("roll", (x, (1, 2)), {"axis": (0, 1)})
            yield C("roll", (x, -7))
            for mode in ("constant", "edge", "reflect", "symmetric"):
                yield C("pad", (x, (2, 3), mode))
            yield C("diff", (x,), {"axis": 0})
            yield C("as_strided", (x, (5, 3), (3, 2), 4))
            yield C("as_strided", (x,))
            yield C("as_strided", (x, (24,)))
            yield C("slice", (x, [0, 1], [3, 2]), fn=WithStarts("slice", (1, 2)))
            yield C("slice_update", (x, In(_kind(dt), (2, 3), dt, "T"), [0, 1]),
                    fn=WithStarts("slice_update", (2, 3)))
            yield C("view", (x, Raw("uint8", "uint8")), fn=ViewAs("uint8"))
            yield C("view", (x, Raw("int32", "int32")), fn=ViewAs("int32"))
            yield C("view", (x, Raw("float16", "float16")), fn=ViewAs("float16"))

    x = In("normal", (2, 3, 4), "float32")
    z = In("normal", (), "float32")
    e = In("normal", (0, 3), "float32")

    # ---- unstack
    for axis in (0, 1, 2, -3, 3, -4):
        yield C("unstack", (x,), {"axis": axis})
    yield C("unstack", (z,))  # raises
    yield C("unstack", (e,))
    yield C("unstack", (e,), {"axis": 1})
    yield C("unstack", (x, 1))  # raises: axis is keyword-only
    yield C("unstack", (Raw([1, 2], "list"),))  # raises

    # ---- repeat
    for reps, axis in ((0, 1), (1, 0), (4, -1), (2, None), (2, 3), (-1, 0), (3, -4)):
        yield C("repeat", (x, reps), {} if axis is None else {"axis": axis})
    yield C("repeat", (z, 3))
    yield C("repeat", (z, 3), {"axis": 0})  # raises
    yield C("repeat", (e, 2), {"axis": 0})
    yield C("repeat", (x, 2.0))  # raises
    yield C("repeat", (x, [1, 2]), {"axis": 0})  # raises
    yield C("repeat", (x, 2, 1))  # positional axis

    # ---- tile
    for reps in (2, (2,), (1, 2, 1), (2, 1, 1, 2), (), (0, 2), (3, 1, 1), [2, 2], -1, (1, -2)):
        yield C("tile", (x, reps))
    yield C("tile", (z, (2, 3)))
    yield C("tile", (e, 2))
    yield C("tile", (x, 2.0))  # raises
    yield C("tile", (x, None))  # raises

    # ---- pad: widths, modes, values
    a = In("normal", (3, 4), "float32")
    for width in (0, 1, (2,), (1, 2), [1, 2], [(1, 0), (0, 2)], [[0, 3], [2, 1]], ((1, 1), (2, 2)),
                  [(2, 1)], np.int64(2), (np.int64(1), 2)):
        w = Raw(width, f"np{int(width)}") if isinstance(width, np.integer) else width
        if isinstance(width, tuple) and any(isinstance(v, np.integer) for v in width):
            w = Raw(width, "(np1,2)")
        for mode in ("constant", "edge", "reflect", "symmetric"):
            yield C("pad", (a, w, mode))
    for mode in ("reflect", "symmetric", "edge"):
        for width in (5, (0, 9), (7, 1)):
            yield C("pad", (a, width, mode))  # wider than the axis: periodic / repeated
        yield C("pad", (In("normal", (1, 4), "float32"), 2, mode))
        yield C("pad", (In("normal", (2,), "int32"), 3, mode))
    for width in ((1, 2, 3), [(1,)], [(1, 2), (3, 4), (5, 6)], -1, [(0, 0), (1, -1)], 1.5, (1.5, 2),
                  [], "x", None):
        yield C("pad", (a, width))  # raise
    yield C("pad", (a, 1, "wrap"))  # raises
    yield C("pad", (a, 1, "Constant"))  # raises
    yield C("pad", (a, 1, 3))  # raises: mode must be a str
    yield C("pad", (z, 2))
    yield C("pad", (z, []))
    yield C("pad", (z, [(1, 0), (0, 2)]))  # raises
    yield C("pad", (e, 1))
    yield C("pad", (e, [(0, 0), (1, 1)], "edge"))
    yield C("pad", (e, [(1, 1), (0, 0)], "reflect"))  # raises
    yield C("pad", (e, [(0, 1), (0, 0)], "symmetric"))  # raises
    yield C("pad", (e, [(0, 0), (1, 2)], "reflect"))
    yield C("pad", (In("normal", (2, 0), "float32"), [(1, 1), (1, 0)], "edge"))  # raises
    i = In("small", (2, 3), "int32")
    for value in (7, 7.5, -2, True, 1j, 2**31 - 1, 2**40, Raw(np.float32(2.5), "np.float32(2.5)")):
        yield C("pad", (i, 1), {"constant_values": value})
    for dt, value in (("uint8", -1), ("int8", 300), ("uint8", 255), ("bool_", 2), ("float16", 1e10),
                      ("bfloat16", 3), ("int64", -(2**63)), ("complex64", 1j)):
        yield C("pad", (In("small", (2, 3), dt), (1, 0)), {"constant_values": value})
    for value, vdt in ((2.5, "float32"), ((1, 2), "int32"), (((4,),), "int32"), ((), "int32"), (3.5, "float64"),
                       (2, "uint8")):
        for dt in ("int32", "float16", "bool_"):
            yield C("pad", (In("small", (2, 3), dt), 1), fn=PadWithArray(value, vdt))
    yield C("pad", (i, 1), {"constant_values": Raw(np.array([3, 4]), "np[3,4]")})
    yield C("pad", (i, 1), {"constant_values": "a"})  # raises
    yield C("pad", (i, 1), {"constant_values": [2]})  # raises
    yield C("pad", (i, 1), {"mode": "edge", "constant_values": 9})
    yield C("pad", (Raw([1, 2], "list"), 1))  # raises

    # ---- flip
    for axis in (None, 0, 1, 2, -1, (0, 1), [2, 0], (1, 1), (), 3, -4, (0, 5)):
        yield C("flip", (x,), {} if axis is None else {"axis": axis})
    yield C("flip", (x, 1))
    yield C("flip", (z,))
    yield C("flip", (z,), {"axis": 0})  # raises
    yield C("flip", (e,), {"axis": 0})
    yield C("flip", (x,), {"axis": 1.0})  # raises

    # ---- roll
    for shift, axis in ((1, None), (-1, None), (25, None), ((1, 2), None), ((), None), (1, 0), (-1, 2), (7, -1),
                        ((1, 2), (0, 1)), (1, (0, 1)), ((1, 2, 3), (0, 1)), ((1,), (0, 1)), ((), (0, 1)),
                        ((1, 1), (0, 0)), (1, (0, 0, 2)), ([1, 2], [0, 2]), ((1, 2), 0), ((1,), ()), (1, 3),
                        (1, -4), (2**31 + 5, 1), (True, 1)):
        yield C("roll", (x, shift) if axis is None else (x, shift, axis))
    yield C("roll", (x, 2), {"axis": 1})
    yield C("roll", (z, 1))
    yield C("roll", (z, 1, 0))  # raises
    yield C("roll", (e, 1))
    yield C("roll", (e, 2, 1))
    yield C("roll", (x, 1.0))  # raises

    # ---- diff
    for n, axis in ((1, -1), (0, -1), (2, 0), (3, 2), (4, 2), (9, 1), (-1, 0), (1, 3), (1, -4)):
        yield C("diff", (x,), {"n": n, "axis": axis})
    yield C("diff", (x, 2, 1))
    yield C("diff", (z,))  # raises
    yield C("diff", (e,), {"axis": 0})
    yield C("diff", (In("edge", (9,), "uint8"),))
    yield C("diff", (In("edge", (9,), "int8"),), {"n": 2})
    yield C("diff", (In("special", (9,), "float32"),))
    yield C("diff", (In("normal", (6,), "complex64"),), {"n": 3})
    yield C("diff", (x,), {"prepend": 0})  # raises: not in MLX's signature
    yield C("diff", (x, 1.0))  # raises

    # ---- as_strided (views inside the input only)
    for args in ((), ((4, 6),), ((24,),), ((2, 2), (1, 4)), ((3,), (5,), 1), ((2, 2), None, 2),
                 ((3, 4), (0, 1)), ((2,), (-1,), 3), ((0,), (100,)), ((), (), 5), ((2, -1),),
                 ((3, 3), (2, 3), 0), ((5,), (-4,), 23), (None, (1, 1, 1))):
        yield C("as_strided", (x,) + args)
    yield C("as_strided", (x,), {"shape": (4,), "strides": (2,), "offset": 3})
    yield C("as_strided", (x, (2,), (1,), -1))  # raises
    yield C("as_strided", (x, (2,), (1,), 1.0))  # raises
    yield C("as_strided", (x, (2.0,)))  # raises
    yield C("as_strided", (In("normal", (1, 6), "float32"),), {"shape": (3, 6), "strides": (0, 1)})

    # ---- view
    b = In("normal", (3,), "float32")
    for to in ("int32", "uint8", "float16", "bfloat16", "bool_", "int64", "float64", "complex64"):
        yield C("view", (b, Raw(to, to)), fn=ViewAs(to))  # float64/complex64/int64 raise (odd bytes)
    yield C("view", (In("normal", (2, 4), "float32"), Raw("float64", "f64")), fn=ViewAs("float64"))
    yield C("view", (In("small", (2, 4), "uint8"), Raw("int32", "i32")), fn=ViewAs("int32"))
    yield C("view", (In("small", (2, 3), "uint8"), Raw("int16", "i16")), fn=ViewAs("int16"))  # raises
    yield C("view", (z, Raw("int32", "i32")), fn=ViewAs("int32"))
    yield C("view", (z, Raw("uint8", "u8")), fn=ViewAs("uint8"))  # raises
    yield C("view", (In("small", (), "uint8"), Raw("int32", "i32")), fn=ViewAs("int32"))  # raises
    yield C("view", (In("small", (2, 0), "uint8"), Raw("int32", "i32")), fn=ViewAs("int32"))
    yield C("view", (In("small", (0, 4), "uint8"), Raw("int32", "i32")), fn=ViewAs("int32"))
    yield C("view", (In("small", (4, 2), "int16", "T"), Raw("uint8", "u8")), fn=ViewAs("uint8"))
    yield C("view", (In("small", (2, 8), "uint8", "negstep"), Raw("int16", "i16")), fn=ViewAs("int16"))
    for scalar in (2.5, 3, True):
        yield C("view", (scalar, Raw("int32", "i32")), fn=ViewAs("int32"))
    yield C("view", (Raw(np.float32(1.0), "np.float32(1)"), Raw("int32", "i32")), fn=ViewAs("int32"))
    yield C("view", (b, "int32"))  # raises: dtype objects only
    yield C("view", (b, None))  # raises
    yield C("view", (Raw([1, 2], "list"), Raw("int32", "i32")), fn=ViewAs("int32"))  # raises
    for to in ("int32", "uint16", "float16"):
        yield C("array.view", (In("small", (2, 4), "float32"),), {"dtype": Raw(to, to)}, fn=ViewMethod())
    yield C("array.view", (In("small", (2, 4), "float32"), Raw("int32", "i32")), fn=ViewMethod())

    # ---- slice with array starts (in range)
    s = In("small", (4, 5), "int32")
    for starts, axes, size, sdt in (((1,), [0], [2, 5], "int32"), ((1, 2), [0, 1], [2, 2], "int32"),
                                    ((1,), [1], [4, 3], "int64"), ((1,), [-1], [4, 3], "uint8"),
                                    ((3, 0), [0, 1], [1, 5], "uint32"), ((0,), [0], [0, 5], "int16"),
                                    ((), [], [4, 5], "int32"), ((2, 1), [1, 0], [2, 3], "uint64"),
                                    ((3,), [0], [1, 1], "int8")):
        yield C("slice", (s, axes, size), fn=WithStarts("slice", starts, sdt))
    yield C("slice", (s, [0], [2, 5]), fn=WithStarts("slice", (1,), "int32", ndim=0))
    yield C("slice", (s,), {"axes": [1], "slice_size": [2, 2]}, fn=WithStarts("slice", (3,)))
    for starts, axes, size, sdt, nd in (((1,), [2], [4, 3], "int32", 1), ((1, 1), [0], [4, 3], "int32", 1),
                                        ((1,), [0], [5, 3], "int32", 1), ((1,), [0], [2], "int32", 1),
                                        ((1,), [0], [2, 5], "float32", 1), ((1,), [0], [2, 5], "bool_", 1),
                                        ((1, 1), [0, 1], [2, 5], "int32", 2), ((1, 1), [0, 0], [2, 5], "int32", 1),
                                        ((1,), [0, 1], [2, 2], "int32", 0), ((1,), [-3], [2, 2], "int32", 1)):
        yield C("slice", (s, axes, size), fn=WithStarts("slice", starts, sdt, nd))  # raise
    yield C("slice", (s, Raw([1], "list"), [0], [2, 5]))  # raises: starts must be an array
    yield C("slice", (z, []), {"slice_size": []}, fn=WithStarts("slice", ()))

    # ---- slice_update with array starts (in range)
    d = In("small", (4, 5), "int32")
    for upd, starts, axes, sdt in (((2, 3), (1, 2), [0, 1], "int32"), ((2, 3), (1,), [0], "int64"),
                                   ((5,), (1,), [0], "uint8"), ((), (1, 1), [0, 1], "int32"),
                                   ((2,), (1, 1), [0, 1], "int32"), ((1, 5), (2,), [0], "int32"),
                                   ((2, 1), (1,), [0], "int16"), ((3, 3), (1,), [1], "int32"),
                                   ((4, 5), (), [], "int32"), ((2, 5), (), [], "int32"),
                                   ((0, 3), (0, 0), [0, 1], "int32"), ((2, 3), (2, 2), [-2, -1], "uint64"),
                                   ((3,), (2,), [1], "int32")):
        for udt in ("int32", "float32"):
            yield C("slice_update", (d, In("small", upd, udt), axes), fn=WithStarts("slice_update", starts, sdt))
    for ddt in ("bool_", "complex64", "float16", "uint8"):
        yield C("slice_update", (In("small", (4, 5), ddt), In("small", (2, 3), "complex64"), [0, 1]),
                fn=WithStarts("slice_update", (1, 2)))
    yield C("slice_update", (d, In("small", (2, 3), "int32"), [0, 1]),
            fn=WithStarts("slice_update", (1,), "int32", 0))  # raises: one start, two axes
    for upd, starts, axes, sdt, nd in (((2, 3), (1, 2), [0, 2], "int32", 1), ((2, 3), (1,), [0, 1], "int32", 1),
                                       ((5, 3), (0, 0), [0, 1], "int32", 1), ((2, 3), (0, 0), [0, 1], "float32", 1),
                                       ((2, 3), (0, 0), [0, 1], "int32", 2), ((2, 3), (0, 0), [0, 0], "int32", 1),
                                       ((2, 3), (0, 0), [0, 1], "bool_", 1)):
        yield C("slice_update", (d, In("small", upd, "int32"), axes), fn=WithStarts("slice_update", starts, sdt, nd))
    yield C("slice_update", (d, 3, Raw(None, "starts"), [0, 1]), fn=SliceUpdateArgs())  # raises
    yield C("slice_update", (d, Raw([[1, 2]], "list"), Raw(None, "starts"), [0, 1]), fn=SliceUpdateArgs())  # raises
    yield C("slice_update", (z, In("small", (), "float32"), []), fn=WithStarts("slice_update", ()))


@dataclasses.dataclass(frozen=True)
class ViewAs:
    """`lib.view(a, lib.<dtype>)` (the dtype is resolved in each library)."""

    to: str

    def __call__(self, lib, a, _label=None):
        return lib.view(a, getattr(lib, self.to))


@dataclasses.dataclass(frozen=True)
class ViewMethod:
    """`a.view(lib.<dtype>)` given the dtype name positionally or as `dtype=`."""

    def __call__(self, lib, a, to=None, dtype=None):
        return a.view(getattr(lib, to or dtype))


@dataclasses.dataclass(frozen=True)
class SliceUpdateArgs:
    """`lib.slice_update(a, update, lib.array([0, 0]), axes)` with a raw `update`."""

    def __call__(self, lib, a, update, _starts, axes):
        return lib.slice_update(a, update, lib.array([0, 0]), axes)


def _existing_ops() -> Iterator[Case]:
    """Ops bound before this family: compared here so they stay in step with MLX."""
    F = FAMILY

    def C(op, args, kw=None, fn=None):
        return Case(F, op, fn or Func(op), args, kw or {})

    x = In("normal", (2, 3, 4), "float32")
    z = In("normal", (), "float32")
    for dt in DTYPES:
        yield C("permute_dims", (In(_kind(dt), (2, 3, 4), dt),), {"axes": (1, 2, 0)})
        yield C("contiguous", (In(_kind(dt), (3, 4), dt, "T"),))
        yield C("unflatten", (In(_kind(dt), (2, 12), dt), 1, (3, 4)))
    for axes in (None, (2, 0, 1), [0, 2, 1], (0, 1), (0, 0, 1), (0, 1, 3), (-1, 0, 1)):
        yield C("permute_dims", (x,), {} if axes is None else {"axes": axes})
    yield C("permute_dims", (x, (1, 0, 2)))
    yield C("permute_dims", (z,))
    for v in VIEWS:
        yield C("permute_dims", (In("normal", (4, 6), "float32", v),), {"axes": (1, 0)})
        yield C("contiguous", (In("normal", (4, 6), "float32", v),))
        yield C("contiguous", (In("normal", (4, 6), "float32", v),), {"allow_col_major": True})
        yield C("unflatten", (In("normal", (4, 6), "float32", v), 1, (2, -1)))
        yield C("atleast_3d", (In("normal", (4, 6), "float32", v),))
    yield C("contiguous", (x,))
    yield C("contiguous", (z,))
    yield C("contiguous", (Raw([1, 2], "list"),))  # raises

    # broadcast_arrays / broadcast_shapes
    for shapes in (((3, 1), (1, 4)), ((2, 3, 4), (4,), ()), ((3,),), ((0, 1), (1, 5)), ((2, 3), (3, 2))):
        arrays = tuple(In("normal", s, dt) for s, dt in zip(shapes, ("float32", "int32", "bool_")))
        yield C("broadcast_arrays", arrays)
        yield Case(F, "broadcast_shapes", ShapesOf(), shapes)
    yield C("broadcast_arrays", ())
    yield C("broadcast_arrays", (In("normal", (3, 1), "float16", "T"), In("normal", (2, 1, 3), "uint8")))
    yield C("broadcast_arrays", (x, Raw([1, 2], "list")))  # raises
    yield C("broadcast_arrays", (x, 2.0))  # raises
    yield C("broadcast_arrays", (x,), {"stream": Raw(None, "None")})
    for shapes in ((), ((1, 2), [3, 1]), ((2,), (3,)), ((1, 2), 3), ((1, 2), (1.5,)), ((1, 2), "ab"), ((1, 2), None), (3,), (None, (1,)), ((1,), (2,), 3), ((-1,), (3,)), ((0,), (1,))):
        yield Case(F, "broadcast_shapes", ShapesOf(), shapes)

    # atleast_nd
    for op in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for shape in ((), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4), (0,)):
            yield C(op, (In("normal", shape, "int32"),))
        yield C(op, (z, In("normal", (3,), "float32"), In("normal", (2, 3), "uint8")))
        yield C(op, ())
        yield C(op, (Raw([1, 2], "list"),))  # raises
        yield C(op, (2.5,))  # raises

    # unflatten
    for axis, shape in ((0, (1, 2)), (1, (3, 1)), (2, (2, 2)), (-1, (-1, 2)), (2, (4,)), (1, (-1,)), (0, (2, -1)),
                        (2, (3, 2)), (1, (-1, -1)), (1, ()), (3, (1, 4)), (-4, (1, 2))):
        # (2, (0, -1)) left out: MLX divides by zero (SIGFPE) inferring next to a 0.
        yield C("unflatten", (x, axis, shape))
    yield C("unflatten", (In("normal", (2, 0), "float32"), 1, (0, 5)))
    yield C("unflatten", (In("normal", (2, 0), "float32"), 1, (-1, 5)))
    yield C("unflatten", (In("normal", (2, 0), "float32"), 1, (5, -1)))
    yield C("unflatten", (z, 0, (1,)))  # raises
    yield C("unflatten", (x,), {"axis": 1, "shape": (3, 1)})
    yield C("unflatten", (x, 1.0, (3,)))  # raises


def cases() -> Iterator[Case]:
    yield from _new_ops()
    yield from _existing_ops()


# Nothing known to differ: the mismatches MLX makes by reading outside buffers are left out
# (see the module docstring).
KNOWN_MISMATCHES: dict[str, str] = {}

# `Method` is re-exported for symmetry with other family modules.
__all__ = ["FAMILY", "cases", "KNOWN_MISMATCHES", "Method"]
