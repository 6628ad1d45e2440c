"""Differential cases of the product ops: addmm, inner, outer, tensordot, kron, vecdot,
block_masked_mm, gather_mm, segmented_mm and hadamard_transform.

Index and segment arrays are given as NumPy values (`Raw`) and turned into each library's
array by `ArrFunc`, so they hold exactly the in-range values chosen here: rmlx clamps
out-of-range gather indices and segment bounds, while MLX reads stray memory (or aborts
inside BLAS), so out-of-range values have nothing to compare and are tested in
`test_products.py` instead.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

from ..harness import DTYPES, FLOATING, In, Raw
from ..specs import Case, Func

FAMILY = "products"

_F32_ONLY = ("MLX 0.32's CPU backend evaluates GatherMM and BlockMaskedMM only for float32 "
             "(RuntimeError 'Currently only supports float32' at eval); rmlx computes every "
             "real floating dtype, as MLX's Metal backend does")
_SEG_HALF = ("MLX 0.32's CPU segmented_mm for float16/bfloat16 reads rows of `a` after the "
             "first with a wrong stride (a[1, :2] @ b[:2] comes out as a[0, 2:4] @ b[:2]); "
             "rmlx computes the product")


@dataclasses.dataclass(frozen=True)
class ArrFunc:
    """`lib.<name>(*args, **kwargs)` with NumPy array arguments made `lib` arrays (index and
    segment values chosen by the case)."""

    name: str

    def __call__(self, lib, *args, **kwargs):
        conv = lambda v: lib.array(v) if isinstance(v, np.ndarray) else v  # noqa: E731
        return getattr(lib, self.name)(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})


def _idx(values, dtype=np.int32) -> Raw:
    arr = np.array(values, dtype=dtype)
    return Raw(arr, f"idx{np.dtype(dtype).name}{arr.tolist()}".replace(" ", ""))


def _build() -> Iterator[tuple[Case, str | None]]:
    """(case, known-mismatch reason or None)."""
    F = FAMILY

    def C(op, fn, args, kw=None, tag="", scale=4.0, why=None):
        return Case(F, op, fn, tuple(args), kw or {}, tag=tag, scale=scale), why

    # ---- addmm -------------------------------------------------------------------------
    addmm = Func("addmm")
    for dt in DTYPES:
        yield C("addmm", addmm, (In("small", (2, 4), dt), In("small", (2, 3), dt), In("small", (3, 4), dt)))
    for c, a, b in (
        ((4,), (2, 3), (3, 4)),
        ((), (2, 3), (3, 4)),
        ((1, 4), (2, 3), (3, 4)),
        ((2, 1), (2, 3), (3, 4)),
        ((4,), (3,), (3, 4)),
        ((2,), (2, 3), (3,)),
        ((), (3,), (3,)),
        ((1,), (3,), (3,)),  # raises: c does not broadcast to ()
        ((5, 2, 4), (2, 3), (3, 4)),  # raises: c bigger than the output
        ((3, 4), (2, 3), (3, 4)),  # raises
        ((2, 4), (2, 3), (2, 3)),  # raises: inner mismatch
        ((2, 4), (), (3, 4)),  # raises: 0-d
        ((5, 2, 4), (5, 2, 3), (3, 4)),
        ((3, 1, 2, 4), (5, 2, 3), (3, 1, 3, 4)),
        ((2, 4), (2, 0), (0, 4)),
        ((0, 4), (0, 3), (3, 4)),
        ((2, 1, 4), (2, 1, 3), (2, 3, 4)),
    ):
        for dt in ("float32", "float16", "bfloat16", "float64"):
            yield C("addmm", addmm, (In("small", c, dt), In("small", a, dt), In("small", b, dt)))
    for alpha, beta in ((2.0, 0.5), (0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (-1.5, 3), (2, 1)):
        yield C("addmm", addmm, (In("special", (3, 4), "float32"), In("small", (3, 5), "float32"), In("small", (5, 4), "float32"), alpha, beta))
        yield C("addmm", addmm, (In("small", (3, 4), "float32"), In("special", (3, 5), "float32"), In("small", (5, 4), "float32")), {"alpha": alpha, "beta": beta})
        yield C("addmm", addmm, (In("normal", (3, 4), "complex64"), In("normal", (3, 5), "complex64"), In("normal", (5, 4), "complex64")), {"alpha": alpha, "beta": beta})
    for vc, va, vb in (("T", None, None), (None, "T", None), (None, None, "T"), (None, "T", "T"), ("neg", "neg", "step"), ("negstep", "negstep", None)):
        yield C("addmm", addmm, (In("small", (4, 6), "float32", vc), In("small", (4, 5), "float32", va), In("small", (5, 6), "float32", vb)), {"alpha": 0.5, "beta": 2.0})
    for dc, da, db in (("int32", "float32", "float32"), ("float64", "float32", "float32"), ("float32", "int32", "int32"), ("int32", "int32", "int32"),
                       ("float16", "float32", "float16"), ("bool_", "bfloat16", "int8"), ("complex64", "float32", "float32"), ("uint8", "uint8", "float16")):
        yield C("addmm", addmm, (In("small", (2, 4), dc), In("small", (2, 3), da), In("small", (3, 4), db)), tag="mixed")
    yield C("addmm", addmm, (In("small", (64, 96), "float32"), In("small", (64, 80), "float32"), In("small", (80, 96), "float32"), 0.25, -1.0), scale=16.0, tag="large")
    yield C("addmm", addmm, (In("small", (96,), "float32"), In("small", (3, 64, 80), "float32", "T"), In("small", (80, 96), "float32")), scale=16.0, tag="large")

    # ---- inner / outer / kron ----------------------------------------------------------
    inner, outer, kron = Func("inner"), Func("outer"), Func("kron")
    for dt in DTYPES:
        yield C("inner", inner, (In("small", (2, 3), dt), In("small", (4, 3), dt)))
        yield C("inner", inner, (In("small", (), dt), In("small", (4, 3), dt)))
        yield C("outer", outer, (In("small", (3,), dt), In("small", (4,), dt)))
        yield C("kron", kron, (In("small", (2, 3), dt), In("small", (2, 2), dt)))
    for sa, sb in (((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 5, 3)), ((2, 3), (2, 4)), ((0, 3), (2, 3)), ((2, 0), (4, 0))):
        for dt in ("float32", "float64", "float16"):
            yield C("inner", inner, (In("small", sa, dt), In("small", sb, dt)))
    for sa, sb in (((), (3,)), ((2, 3), (2, 2)), ((2, 3), ()), ((0,), (3,)), ((2, 2, 2), (3,))):
        yield C("outer", outer, (In("small", sa, "float32"), In("small", sb, "int32")))
    for sa, sb in (((), (2, 3)), ((), ()), ((3,), (2, 2)), ((2, 1, 2), (3, 2)), ((2,), (3,)), ((0, 2), (3, 2)), ((2, 2), (0,)), ((2, 3, 1), (1, 2))):
        yield C("kron", kron, (In("small", sa, "float32"), In("small", sb, "float32")))
    for da, db in (("int8", "float16"), ("bool_", "int32"), ("uint8", "int8"), ("complex64", "float32")):
        yield C("inner", inner, (In("small", (2, 3), da), In("small", (3,), db)), tag="mixed")
        yield C("outer", outer, (In("small", (2,), da), In("small", (3,), db)), tag="mixed")
        yield C("kron", kron, (In("small", (2, 2), da), In("small", (3,), db)), tag="mixed")
    for va, vb in (("T", None), ("neg", "negstep"), ("step", "T")):
        yield C("inner", inner, (In("small", (3, 4), "float32", va), In("small", (2, 4), "float32", vb)))
        yield C("outer", outer, (In("small", (3, 4), "float32", va), In("small", (2, 4), "float32", vb)))
        yield C("kron", kron, (In("small", (3, 4), "float32", va), In("small", (2, 4), "float32", vb)))

    # ---- tensordot ---------------------------------------------------------------------
    td = Func("tensordot")
    for dt in DTYPES:
        yield C("tensordot", td, (In("small", (2, 3, 4), dt), In("small", (3, 4, 5), dt)))
    for sa, sb, axes in (
        ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0), ((), (4,), 0), ((2, 3), (3,), 2),
        ((2, 3), (4,), -1), ((2, 3), (2, 3), 1), ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]), ((2, 3, 4), (4, 3, 5), [[-2, -1], [1, 0]]),
        ((2, 3, 4), (4, 3, 5), ((1, 2), (1, 0))), ((2, 3, 4), (4, 3, 5), [[1, 2], [1]]), ((2, 3, 4), (4, 3, 5), [[1], [1], [1]]),
        ((2, 3), (3, 4), [[], []]), ((2, 3, 4), (4, 3, 5), [[2], [2]]), ((2, 3, 4), (5, 4, 3), [[0, 1, 2], [2, 1, 0]]),
        ((0, 3), (3, 2), 1), ((2, 3), (3, 4), [2, 0]), ((2, 3), (3, 4), 1.0), ((2, 3), (3, 4), True),
    ):
        for dt in ("float32", "float64"):
            yield C("tensordot", td, (In("small", sa, dt), In("small", sb, dt)), {"axes": axes})
    yield C("tensordot", td, (In("small", (2, 3), "float32"), In("small", (3, 4), "float32"), 1), tag="positional")
    for va, vb in (("T", None), ("neg", "T"), ("negstep", "step")):
        yield C("tensordot", td, (In("small", (3, 4), "float32", va), In("small", (4, 2), "float32", vb)), {"axes": 1})

    # ---- vecdot ------------------------------------------------------------------------
    vd = Func("vecdot")
    for dt in DTYPES:
        yield C("vecdot", vd, (In("small", (2, 3), dt), In("small", (2, 3), dt)))
        yield C("vecdot", vd, (In("small", (2, 3), dt), In("small", (2, 3), dt)), {"axis": 0})
    for sa, sb, axis in (((2, 3), (1, 3), -1), ((3, 2), (3, 1), 0), ((2, 3), (3,), -1), ((2, 3), (2, 1), 1), ((2, 3), (2, 3), 2),
                         ((2, 3), (2, 3), -3), ((), (), -1), ((0, 3), (0, 3), -1), ((2, 3), (3, 3), 1), ((4, 1, 3), (1, 5, 3), -1)):
        yield C("vecdot", vd, (In("small", sa, "float32"), In("small", sb, "float32")), {"axis": axis})
    for da, db in (("complex64", "float32"), ("float32", "complex64"), ("int8", "uint8"), ("bool_", "float16")):
        yield C("vecdot", vd, (In("normal", (2, 3), da), In("normal", (2, 3), db)), tag="mixed")
    yield C("vecdot", vd, (In("small", (2, 3), "float32"), In("small", (2, 3), "float32"), 0), tag="positional")
    for va, vb in (("T", "neg"), ("negstep", "step")):
        yield C("vecdot", vd, (In("normal", (3, 4), "complex64", va), In("normal", (3, 4), "complex64", vb)))

    # ---- block_masked_mm ---------------------------------------------------------------
    bmm = Func("block_masked_mm")
    # (a, b, block, mask_out, mask_lhs, mask_rhs) shapes; masks as bool.
    mask_shapes = (
        ((70, 100), (100, 40), 32, (3, 2), None, None),
        ((70, 100), (100, 40), 32, None, (3, 4), (4, 2)),
        ((70, 100), (100, 40), 32, (3, 2), (3, 4), (4, 2)),
        ((70, 100), (100, 40), 64, (2, 1), (2, 2), None),
        ((70, 100), (100, 40), 64, None, None, (2, 1)),
        ((2, 40, 70), (70, 33), 32, (2, 2, 2), (2, 3), None),
        ((40, 70), (3, 70, 33), 32, (2, 2), None, (3, 3, 2)),
        ((70,), (70, 40), 32, (2,), (3,), (3, 2)),
        ((40, 70), (70,), 32, (2,), (2, 3), (3,)),
        ((5, 7), (7, 3), 32, (1, 1), (1, 1), (1, 1)),
        ((70, 100), (100, 40), 32, (1, 2), None, None),  # broadcast mask
        ((70, 100), (100, 40), 32, (3, 3), None, None),  # raises
        ((70, 100), (100, 40), 32, (5, 3, 2), None, None),  # raises: batch only in the mask
        ((70, 100), (100, 40), 16, (5, 3), None, None),  # raises: block size
        ((70, 100), (90, 40), 32, (3, 2), None, None),  # raises: inner mismatch
        ((0, 100), (100, 40), 32, (0, 2), None, None),
        ((70, 0), (0, 40), 32, (3, 2), (3, 0), (0, 2)),
    )
    for sa, sb, bs, mo, ml, mr in mask_shapes:
        kw = {}
        for name, shape in (("mask_out", mo), ("mask_lhs", ml), ("mask_rhs", mr)):
            if shape is not None:
                kw[name] = In("normal", shape, "bool_")
        yield C("block_masked_mm", bmm, (In("small", sa, "float32"), In("small", sb, "float32"), bs), kw)
        if mo is not None and bs == 32 and len(sa) == 2 and sa == (70, 100):
            kwf = {k: In("pos", v.shape, "float32") for k, v in kw.items()}
            yield C("block_masked_mm", bmm, (In("small", sa, "float32"), In("small", sb, "float32"), bs), kwf, tag="float")
    for dt in DTYPES:
        yield C("block_masked_mm", bmm, (In("small", (40, 70), dt), In("small", (70, 33), dt), 32),
                {"mask_out": In("normal", (2, 2), "bool_"), "mask_lhs": In("normal", (2, 3), "bool_")},
                why=_F32_ONLY if dt in ("float16", "bfloat16", "float64") else None)
        yield C("block_masked_mm", bmm, (In("small", (2, 3), dt), In("small", (3, 4), dt)), tag="nomask")
    yield C("block_masked_mm", bmm, (In("small", (40, 70), "float32"), In("small", (70, 33), "float32"), 32),
            {"mask_out": In("pos", (2, 2), "float16"), "mask_lhs": In("normal", (2, 3), "bool_"), "mask_rhs": In("small", (3, 2), "int32")}, tag="mixedmasks")
    yield C("block_masked_mm", bmm, (In("small", (40, 70), "int32"), In("small", (70, 33), "float32"), 32), {"mask_out": In("normal", (2, 2), "bool_")}, tag="mixed")
    yield C("block_masked_mm", bmm, (In("special", (40, 70), "float32"), In("small", (70, 33), "float32"), 32),
            {"mask_lhs": In("normal", (2, 3), "bool_"), "mask_rhs": In("normal", (3, 2), "bool_")}, tag="special")
    for va, vb in (("T", None), ("neg", "T"), (None, "step")):
        yield C("block_masked_mm", bmm, (In("small", (40, 70), "float32", va), In("small", (70, 33), "float32", vb), 32),
                {"mask_out": In("normal", (2, 2), "bool_"), "mask_rhs": In("pos", (3, 2), "float32")})
    yield C("block_masked_mm", bmm, (In("small", (40, 70), "float32"), In("small", (70, 33), "float32"), 32, None,
                                      In("normal", (2, 3), "bool_")), tag="positional")

    # ---- gather_mm ---------------------------------------------------------------------
    g = ArrFunc("gather_mm")
    A, B = (4, 2, 3), (3, 3, 5)
    for dt in DTYPES:
        yield C("gather_mm", g, (In("small", A, dt), In("small", B, dt), _idx([0, 3, 1]), _idx([2, 2, 0])),
                why=_F32_ONLY if dt in ("float16", "bfloat16", "float64") else None)
        yield C("gather_mm", g, (In("small", (3, 2, 3), dt), In("small", B, dt)), tag="noindex")
    for sa, sb, li, ri in (
        (A, B, [0, 3, 1], None),  # raises: rhs default has 3 entries
        (A, B, None, [2, 1, 0, 0]),
        ((3, 2, 3), B, None, [2, 1, 0, 0]),  # raises
        (A, B, [[0], [3]], [2, 1, 0]),
        (A, B, 1, None),
        ((2, 3), B, [0], [1, 2]),
        ((2, 3), B, None, [1, 2]),
        ((2, 3), (3, 5), [0, 0, 0], None),
        ((3,), B, None, [1, 2]),
        (A, (3,), [1, 2], None),
        ((2, 3, 2, 3), B, [5, 4], [1, 0]),
        ((2, 3, 2, 3), B, None, [[0, 1, 2], [2, 1, 0]]),
        (A, B, [[0, 1, 2], [2, 1, 3]], [0, 1, 2]),
        ((2, 2, 0), (2, 0, 3), [0, 1, 1], [0, 1, 0]),
        ((2, 0, 2), (2, 2, 3), [0, 1, 1], [0, 1, 0]),
        (A, B, [], None),  # raises: broadcast
        (A, A, [1, 2], None),  # raises: inner mismatch
        ((), B, [0], None),  # raises: 0-d
    ):
        args = [In("small", sa, "float32"), In("small", sb, "float32")]
        kw = {}
        if li is not None:
            kw["lhs_indices"] = _idx(li)
        if ri is not None:
            kw["rhs_indices"] = _idx(ri)
        yield C("gather_mm", g, args, kw)
    for idt in (np.uint8, np.int8, np.int64, np.uint32, np.uint64, np.int16):
        yield C("gather_mm", g, (In("small", A, "float32"), In("small", B, "float32")), {"lhs_indices": _idx([0, 3], idt), "rhs_indices": _idx([1, 2], idt)})
    for bad in (np.float32, np.bool_):
        yield C("gather_mm", g, (In("small", A, "float32"), In("small", B, "float32")), {"lhs_indices": _idx([0, 1], bad), "rhs_indices": _idx([1, 0])})
    for da, db in (("int32", "float32"), ("float16", "float32"), ("int32", "int32"), ("complex64", "float32")):
        yield C("gather_mm", g, (In("small", A, da), In("small", B, db), _idx([0, 1]), _idx([1, 1])), tag="mixed")
    yield C("gather_mm", g, (In("small", A, "float32"), In("small", B, "float32"), _idx([0, 0, 1, 3]), _idx([0, 0, 1, 2])), {"sorted_indices": True})
    yield C("gather_mm", g, (In("small", A, "float32"), In("small", B, "float32"), None, None, True), tag="positional_sorted")
    for va, vb in (("T", None), ("neg", "T"), ("step", "negstep")):
        yield C("gather_mm", g, (In("small", (4, 3, 3), "float32", va), In("small", (3, 3, 4), "float32", vb), _idx([3, 0, 2]), _idx([1, 2, 0])))
    yield C("gather_mm", g, (In("small", (8, 64, 48), "float32"), In("small", (6, 48, 40), "float32"), _idx([7, 0, 3, 3, 5]), _idx([5, 1, 0, 4, 2])), scale=16.0, tag="large")

    # ---- segmented_mm ------------------------------------------------------------------
    s = ArrFunc("segmented_mm")
    for dt in DTYPES:
        yield C("segmented_mm", s, (In("small", (3, 6), dt), In("small", (6, 4), dt), _idx([[0, 2], [2, 6], [1, 4]])),
                why=_SEG_HALF if dt in ("float16", "bfloat16") else None)
    for sa, sb, seg in (
        ((3, 6), (6, 4), [0, 6]),
        ((3, 6), (6, 4), [[[0, 2], [2, 6]]]),
        ((3, 6), (6, 4), [[1, 1], [4, 2]]),
        ((3, 6), (6, 4), np.zeros((0, 2), np.int32)),
        ((3, 6), (6, 4), [[0, 2, 4]]),  # raises
        ((3, 6), (6, 4), 1),  # raises
        ((2, 3, 6), (6, 4), [[0, 2]]),  # raises: batched
        ((6,), (6, 4), [[0, 2]]),  # raises
        # (0, 6) @ (6, 4): MLX 0.32 dies of SIGFPE in BLAS; tested in test_products.py.
        ((3, 0), (0, 4), [[0, 0]]),
    ):
        yield C("segmented_mm", s, (In("small", sa, "float32"), In("small", sb, "float32"), _idx(seg)))
    for idt in (np.uint32, np.int64, np.int8):
        yield C("segmented_mm", s, (In("small", (3, 6), "float32"), In("small", (6, 4), "float32"), _idx([[0, 3], [3, 6]], idt)))
    for bad in (np.float32, np.bool_):
        yield C("segmented_mm", s, (In("small", (3, 6), "float32"), In("small", (6, 4), "float32"), _idx([[0, 1]], bad)))
    yield C("segmented_mm", s, (In("small", (3, 6), "int32"), In("small", (6, 4), "int32"), _idx([[0, 1]], np.float32)), tag="order")
    for da, db in (("int32", "float32"), ("float32", "float64"), ("complex64", "float32")):
        yield C("segmented_mm", s, (In("small", (3, 6), da), In("small", (6, 4), db), _idx([[0, 3], [3, 6]])), tag="mixed")
    for va, vb in (("T", None), (None, "T"), ("neg", "step"), ("negstep", "neg")):
        yield C("segmented_mm", s, (In("small", (3, 6), "float32", va), In("small", (6, 4), "float32", vb), _idx([[0, 2], [2, 6], [5, 6]])))
    yield C("segmented_mm", s, (In("small", (48, 256), "float32"), In("small", (256, 40), "float32")), {"segments": _idx([[0, 100], [100, 256], [7, 200]])}, scale=16.0, tag="large")

    # ---- hadamard_transform ------------------------------------------------------------
    h = Func("hadamard_transform")
    # Left out: n = m * j with j not a power of two (36, 100): MLX 0.32 returns garbage or
    # aborts; rmlx raises its ValueError (see test_products.py).
    for n in (1, 2, 4, 8, 12, 20, 24, 28, 40, 56, 64, 96, 160, 224, 1024, 1536, 3, 5, 6, 44):
        yield C("hadamard_transform", h, (In("normal", (3, n), "float32"),), scale=4.0 if n < 1000 else 16.0)
    for dt in DTYPES:
        yield C("hadamard_transform", h, (In("small", (2, 24), dt),), scale=8.0)
        yield C("hadamard_transform", h, (In("small", (2, 16), dt),), {"scale": 0.5}, scale=8.0)
        yield C("hadamard_transform", h, (In("small", (2, 1), dt),), {"scale": 0.5})
        yield C("hadamard_transform", h, (In("small", (), dt),))
    for kw in ({"scale": 1.0}, {"scale": 2}, {"scale": -0.25}, {"scale": None}):
        yield C("hadamard_transform", h, (In("normal", (2, 3, 40), "float32"),), kw)
    yield C("hadamard_transform", h, (In("normal", (2, 32), "float32"), 0.125), tag="positional")
    yield C("hadamard_transform", h, (In("special", (3, 16), "float32"),))
    yield C("hadamard_transform", h, (In("normal", (0, 8), "float32"),))  # raises
    yield C("hadamard_transform", h, (In("normal", (2, 0), "float32"),))  # raises
    yield C("hadamard_transform", h, (In("normal", (2, 12), "float64"),))  # raises
    yield C("hadamard_transform", h, (In("normal", (2, 3), "float64"),))  # raises (size first)
    for v in ("T", "neg", "negstep", "step"):
        yield C("hadamard_transform", h, (In("normal", (8, 12), "float32", v),))
    for dt in ("float16", "bfloat16"):
        yield C("hadamard_transform", h, (In("normal", (4, 2048), dt),), scale=16.0, tag="large")


def cases() -> Iterator[Case]:
    for case, _ in _build():
        yield case


KNOWN_MISMATCHES: dict[str, str] = {case.id: why for case, why in _build() if why}
