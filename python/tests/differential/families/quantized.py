"""Differential cases of quantization: quantize (packed words, scales, biases compared
exactly), dequantize, quantized_matmul and gather_qmm (weights quantized inside each
library from the same values), to_fp8 / from_fp8, and the errors.

MLX's CPU products refuse float64 and its quantizer refuses float64 at evaluation; both
raise RuntimeError in rmlx too (cases below). Products differ from MLX in summation order
(rmlx: `s·(x·q) + b·Σx` per group in float32), so float32 products get a wider tolerance;
MLX's CPU kernels sum float16/bfloat16 products in the half type itself, rmlx in float32,
so half-precision products are known mismatches (test_quantized.py checks that rmlx's are
the closer ones to a float64 reference).
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

from ..harness import In, Raw
from ..specs import Case, Func

FAMILY = "quantized"

FLOATS = ("float32", "float16", "bfloat16")
AFFINE = [(gs, b) for gs in (32, 64, 128) for b in (1, 2, 3, 4, 5, 6, 8)]
FP_MODES = [("mxfp4", 32, 4), ("mxfp8", 32, 8), ("nvfp4", 16, 4)]


@dataclasses.dataclass(frozen=True)
class Deq:
    """`dequantize(*quantize(w, ...), ...)` in each library."""

    gs: int
    bits: int
    mode: str
    dtype: str | None = None

    def __call__(self, lib, w):
        q = lib.quantize(w, self.gs, self.bits, self.mode)
        kw = {"dtype": getattr(lib, self.dtype)} if self.dtype else {}
        return lib.dequantize(*q, group_size=self.gs, bits=self.bits, mode=self.mode, **kw)


@dataclasses.dataclass(frozen=True)
class QMM:
    """`quantized_matmul(x, *quantize(w, ...), ...)` in each library."""

    gs: int
    bits: int
    mode: str
    transpose: bool = True

    def __call__(self, lib, x, w):
        q = lib.quantize(w, self.gs, self.bits, self.mode)
        return lib.quantized_matmul(x, *q, transpose=self.transpose, group_size=self.gs,
                                    bits=self.bits, mode=self.mode)


@dataclasses.dataclass(frozen=True)
class GQMM:
    """`gather_qmm` with NumPy index arrays made library arrays."""

    gs: int
    bits: int
    mode: str
    transpose: bool = True

    def __call__(self, lib, x, w, lhs, rhs):
        q = lib.quantize(w, self.gs, self.bits, self.mode)
        conv = lambda v: lib.array(v) if isinstance(v, np.ndarray) else v  # noqa: E731
        return lib.gather_qmm(x, *q, lhs_indices=conv(lhs), rhs_indices=conv(rhs),
                              transpose=self.transpose, group_size=self.gs, bits=self.bits,
                              mode=self.mode)


@dataclasses.dataclass(frozen=True)
class FromFP8:
    dtype: str | None

    def __call__(self, lib, x):
        b = lib.to_fp8(x)
        return lib.from_fp8(b) if self.dtype is None else lib.from_fp8(b, getattr(lib, self.dtype))


@dataclasses.dataclass(frozen=True)
class GlobalQ:
    """nvfp4 `quantize` (and `dequantize`, with `deq`) with a float32 global scale `g`
    (a Python float made a library array; `shape` its shape)."""

    g: float
    deq: bool = False
    dtype: str | None = None
    shape: tuple = ()
    mode: str = "nvfp4"

    def __call__(self, lib, w):
        g = lib.full(self.shape, self.g, dtype=lib.float32)
        q = lib.quantize(w, mode=self.mode, global_scale=g)
        if not self.deq:
            return q
        kw = {"dtype": getattr(lib, self.dtype)} if self.dtype else {}
        return lib.dequantize(*q, mode=self.mode, global_scale=g, **kw)


@dataclasses.dataclass(frozen=True)
class QQAffine:
    """`qqmm(x, *quantize(w, gs, bits)[:2], gs, bits, mode="affine")`: MLX's CPU kernel
    reads the affine data as microscaling data (rmlx reproduces the deterministic cases)."""

    gs: int
    bits: int

    def __call__(self, lib, x, w):
        wq, s, _ = lib.quantize(w, self.gs, self.bits, mode="affine")
        return lib.qqmm(x, wq, s, self.gs, self.bits, mode="affine")


def _idx(values) -> Raw:
    arr = np.array(values, dtype=np.int32)
    return Raw(arr, f"idx{arr.tolist()}".replace(" ", ""))


def _build() -> Iterator[tuple[Case, str | None]]:
    F = FAMILY

    def C(op, fn, args, kw=None, tag="", scale=1.0, why=None):
        return Case(F, op, fn, tuple(args), kw or {}, tag=tag, scale=scale), why

    quantize = Func("quantize")
    for dt in FLOATS:
        for gs, b in AFFINE:
            yield C("quantize", quantize, (In("normal", (4, 128), dt),), {"group_size": gs, "bits": b})
        for mode, gs, b in FP_MODES:
            yield C("quantize", quantize, (In("normal", (4, 64), dt),), {"mode": mode})
        # strided and batched inputs
        yield C("quantize", quantize, (In("normal", (64, 4), dt, "T"),), {"group_size": 32}, tag="T")
        yield C("quantize", quantize, (In("normal", (2, 3, 64), dt),), {})
        yield C("quantize", quantize, (In("special", (2, 32), dt),), {"group_size": 32}, tag="special")
    # errors
    yield C("quantize", quantize, (In("normal", (4, 64), "float32"),), {"mode": "foo"})
    yield C("quantize", quantize, (In("normal", (4, 64), "float32"),), {"group_size": 48})
    yield C("quantize", quantize, (In("normal", (4, 64), "float32"),), {"group_size": 16})
    yield C("quantize", quantize, (In("normal", (4, 64), "float32"),), {"bits": 7})
    yield C("quantize", quantize, (In("normal", (64,), "float32"),), {})
    yield C("quantize", quantize, (In("normal", (4, 64), "int32"),), {})
    yield C("quantize", quantize, (In("normal", (4, 64), "float64"),), {})
    yield C("quantize", quantize, (In("normal", (4, 64), "float32"),), {"mode": "mxfp4", "group_size": 64})
    yield C("quantize", quantize, (In("normal", (4, 64), "float32"),), {"mode": "mxfp8", "bits": 4})
    yield C("quantize", quantize, (In("normal", (1, 16), "float32"),), {"mode": "nvfp4"})

    for dt in FLOATS:
        for gs, b in AFFINE:
            yield C("dequantize", Deq(gs, b, "affine"), (In("normal", (4, 128), dt),))
        for mode, gs, b in FP_MODES:
            yield C("dequantize", Deq(gs, b, mode), (In("normal", (4, 64), dt),))
            yield C("dequantize", Deq(gs, b, mode, "float32"), (In("normal", (4, 64), dt),))
        yield C("dequantize", Deq(64, 4, "affine", "float32"), (In("normal", (4, 128), dt),))
        yield C("dequantize", Deq(64, 4, "affine", "float16"), (In("normal", (4, 128), dt),))

    for dt in FLOATS:
        tol = 40.0
        for gs, b in [(64, 4), (32, 2), (128, 8), (32, 3), (64, 6), (64, 5), (32, 1)]:
            for m in (1, 5):
                yield C("quantized_matmul", QMM(gs, b, "affine"),
                        (In("normal", (m, 128), dt), In("normal", (16, 128), dt)), scale=tol)
            yield C("quantized_matmul", QMM(gs, b, "affine", False),
                    (In("normal", (3, 128), dt), In("normal", (128, 128), dt)), scale=tol)
        for mode, gs, b in FP_MODES:
            yield C("quantized_matmul", QMM(gs, b, mode),
                    (In("normal", (2, 64), dt), In("normal", (8, 64), dt)), scale=tol)
            yield C("quantized_matmul", QMM(gs, b, mode, False),
                    (In("normal", (2, 64), dt), In("normal", (64, 64), dt)), scale=tol)
        # batched x, 1-D x, strided x
        yield C("quantized_matmul", QMM(64, 4, "affine"),
                (In("normal", (2, 3, 64), dt), In("normal", (8, 64), dt)), scale=tol)
        yield C("quantized_matmul", QMM(64, 4, "affine"),
                (In("normal", (64,), dt), In("normal", (8, 64), dt)), scale=tol)
        yield C("quantized_matmul", QMM(64, 4, "affine"),
                (In("normal", (3, 64), dt, "T"), In("normal", (8, 64), dt)), scale=tol, tag="T")
        yield C("quantized_matmul", QMM(32, 4, "affine"),
                (In("normal", (2, 3, 64), dt), In("normal", (2, 8, 64), dt)), scale=tol, tag="batched")
    yield C("quantized_matmul", QMM(64, 4, "affine"),
            (In("normal", (3, 32), "float32"), In("normal", (8, 64), "float32")))
    yield C("quantized_matmul", QMM(64, 4, "affine"),
            (In("normal", (3, 64), "float64"), In("normal", (8, 64), "float32")))

    for dt in FLOATS:
        tol = 40.0
        yield C("gather_qmm", GQMM(64, 4, "affine"),
                (In("normal", (4, 2, 64), dt), In("normal", (3, 8, 64), dt), _idx([0, 3, 1]), _idx([2, 0, 2])), scale=tol)
        yield C("gather_qmm", GQMM(32, 4, "mxfp4"),
                (In("normal", (2, 1, 64), dt), In("normal", (3, 8, 64), dt), _idx([[1], [0]]), _idx([0, 1, 2])), scale=tol)
        yield C("gather_qmm", GQMM(32, 4, "affine", False),
                (In("normal", (2, 1, 64), dt), In("normal", (3, 64, 64), dt), _idx([1, 1]), _idx([2, 0])), scale=tol)

    # nvfp4 with a global scale: words, scale bytes and dequantized values exactly.
    for dt in FLOATS:
        for g in (1.0, 3.7, 0.01, 5000.0):
            yield C("quantize", GlobalQ(g), (In("normal", (4, 64), dt),), tag=f"global{g}")
            yield C("dequantize", GlobalQ(g, True), (In("normal", (4, 64), dt),), tag=f"global{g}")
        yield C("dequantize", GlobalQ(7.0, True, "bfloat16"), (In("normal", (2, 3, 32), dt),),
                tag="global")
        yield C("quantize", GlobalQ(2.0, shape=(1,)), (In("normal", (32, 4), dt, "T"),), tag="globalT")
    for kw in ({"mode": "mxfp4"}, {"shape": (2,)}):
        yield C("quantize", GlobalQ(2.0, **kw), (In("normal", (4, 64), "float32"),), tag="global-err")
        yield C("dequantize", GlobalQ(2.0, True, **kw), (In("normal", (4, 64), "float32"),),
                tag="global-err")

    # affine qqmm: one row of x, the cases MLX's CPU evaluates deterministically.
    for dt, combos in (("float32", [(32, 4), (64, 4), (32, 5), (64, 6), (32, 8), (128, 8)]),
                       ("bfloat16", [(32, 4), (32, 6), (64, 8)]),
                       ("float16", [(32, 5), (32, 8)])):
        for gs, b in combos:
            for xshape in ((1, 128), (128,)):
                yield C("qqmm", QQAffine(gs, b), (In("normal", xshape, dt), In("normal", (8, 128), dt)),
                        scale=40.0, tag="affine")
    # more than one row: MLX's NYI
    yield C("qqmm", QQAffine(32, 4), (In("normal", (2, 1, 128), "float32"), In("normal", (8, 128), "float32")),
            tag="affine")

    to_fp8 = Func("to_fp8")
    for dt in FLOATS:
        yield C("to_fp8", to_fp8, (In("normal", (4, 5), dt),))
        yield C("to_fp8", to_fp8, (In("special", (18,), dt),))
        yield C("to_fp8", to_fp8, (In("normal", (), dt),))
        for out in (None, "float32", "float16", "bfloat16"):
            yield C("from_fp8", FromFP8(out), (In("normal", (3, 7), dt),))
    yield C("to_fp8", to_fp8, (In("normal", (3,), "int32"),))
    yield C("from_fp8", Func("from_fp8"), (In("normal", (3,), "float32"),))


def cases() -> Iterator[Case]:
    for case, _ in _build():
        yield case


_HALF_SUM = ("MLX's CPU quantized products accumulate float16/bfloat16 in the half type "
             "(errors of several percent); rmlx accumulates in float32")
KNOWN_MISMATCHES: dict[str, str] = {
    f"{FAMILY}-{op}-{dt}": _HALF_SUM
    for op in ("quantized_matmul", "gather_qmm") for dt in ("float16", "bfloat16")
}
