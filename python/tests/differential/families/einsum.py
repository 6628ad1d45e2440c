"""Differential cases of einsum and einsum_path: the classic subscripts (matmul, batched
matmul, trace, diagonal, outer, bilinear, transposes, ellipses with broadcasting, size-1
broadcasting, chains of 3 to 5 operands whose order the greedy search picks), every dtype
(integer and bool contractions raise through matmul, as in MLX), non-contiguous inputs,
error cases, the contraction paths and their printed summaries, and gradients
(`grad` of a sum of the einsum, for every operand) against MLX's.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from ..harness import DTYPES, In
from ..specs import Case, Func

FAMILY = "einsum"


@dataclasses.dataclass(frozen=True)
class Einsum:
    """`lib.einsum(subscripts, *operands)` (or `einsum_path`)."""

    subscripts: str
    path: bool = False

    def __call__(self, lib, *operands):
        fn = lib.einsum_path if self.path else lib.einsum
        return fn(self.subscripts, *operands)

    def __repr__(self) -> str:
        return f"{'einsum_path' if self.path else 'einsum'}({self.subscripts!r})"


@dataclasses.dataclass(frozen=True)
class EinsumGrad:
    """The gradients of `sum(einsum(subscripts, *operands) * weights)` for every operand
    (weights make each output element's cotangent different)."""

    subscripts: str

    def __call__(self, lib, *operands):
        def loss(*xs):
            out = lib.einsum(self.subscripts, *xs)
            w = lib.reshape(lib.arange(out.size, dtype=out.dtype), out.shape) * 0.25 - 1.0
            return (out * w).sum()

        return lib.grad(loss, argnums=tuple(range(len(operands))))(*operands)


# (subscripts, shapes)
SUBSCRIPTS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("bi,bij,bj->b", [(2, 3), (2, 3, 4), (2, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("ab,bc,cd,de->ae", [(3, 4), (4, 2), (2, 5), (5, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("a,b,c->abc", [(2,), (3,), (4,)]),
    ("ij,ij->ij", [(2, 1), (1, 3)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("i,->i", [(3,), ()]),
    ("Ba,aB", [(2, 3), (3, 2)]),
    ("ii,ij,jk->k", [(3, 3), (3, 4), (4, 2)]),
    ("ij,jk,ki->", [(3, 4), (4, 5), (5, 3)]),
    ("ea,fb,abcd,gc,hd->efgh", [(2, 3), (2, 3), (3, 3, 3, 3), (2, 3), (2, 3)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
]

ERRORS = [
    ("ij,jk", [(2, 3)]),
    ("i$,jk", [(2, 3), (3, 4)]),
    ("...i...,jk", [(2, 3), (3, 4)]),
    ("ij,jk->ii", [(2, 3), (3, 4)]),
    ("ijk,jk", [(2, 3), (3, 4)]),
    ("ii", [(2, 3)]),
    ("ij,jk", [(2, 3), (2, 4)]),
    ("...ij,jk", [(3,), (3, 4)]),
]

GRADS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(3, 3)]),
    ("bi,bij,bj->b", [(2, 3), (2, 3, 4), (2, 4)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ab,bc,cd,de->ae", [(3, 4), (4, 2), (2, 5), (5, 3)]),
    ("ij,ij->ij", [(2, 1), (1, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
]


def _ins(shapes, dt, view=None):
    return tuple(In("small", s, dt, view if len(s) >= 2 else None) for s in shapes)


def cases() -> Iterator[Case]:
    F = FAMILY
    for sub, shapes in SUBSCRIPTS:
        for dt in ("float32", "float64", "float16", "bfloat16"):
            yield Case(F, "einsum", Einsum(sub), _ins(shapes, dt), tag=sub, scale=4.0)
        yield Case(F, "einsum", Einsum(sub), _ins(shapes, "float32", "T"), tag=sub, scale=4.0)
        yield Case(F, "einsum", Einsum(sub), _ins(shapes, "float32", "neg"), tag=sub, scale=4.0)
        yield Case(F, "einsum_path", Einsum(sub, path=True), _ins(shapes, "float32"), tag=sub)
    # Every dtype on a contraction (matmul: integers raise), a Hadamard/outer product and
    # a reduction (multiply + sum: every dtype computes).
    for dt in DTYPES:
        for sub, shapes in (("ij,jk->ik", [(2, 3), (3, 2)]), ("ij,ij->ij", [(2, 3), (2, 3)]),
                            ("i,j->ij", [(2,), (3,)]), ("ij->j", [(2, 3)]), ("ii->i", [(3, 3)])):
            yield Case(F, "einsum", Einsum(sub), _ins(shapes, dt), tag=sub)
    yield Case(F, "einsum", Einsum("ij,jk->ik"), (In("small", (2, 3), "float16"), In("small", (3, 2), "float32")), tag="mixed")
    for sub, shapes in ERRORS:
        yield Case(F, "einsum", Einsum(sub), _ins(shapes, "float32"), tag=sub)
        yield Case(F, "einsum_path", Einsum(sub, path=True), _ins(shapes, "float32"), tag=sub)
    for sub, shapes in GRADS:
        for dt in ("float32", "float64"):
            yield Case(F, "grad", EinsumGrad(sub), _ins(shapes, dt), tag=sub, scale=8.0)
    # A non-array operand (MLX: RuntimeError from its cast).
    yield Case(F, "einsum", Func("einsum"), ("ij->ji", [[1.0, 2.0]]), tag="list operand")
