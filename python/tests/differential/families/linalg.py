"""`mx.linalg` ops whose results are unique (no sign or order conventions): norm, inv,
solve, solve_triangular, tri_inv, cholesky, cholesky_inv, eigvalsh and the singular values
of svd, on float32 and float64 inputs (batched and transposed views included).

Inputs that need structure (invertible, symmetric, positive definite) are built inside each
library by small callables from the same random values, so both libraries see equal inputs.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Iterator

from ..harness import In
from ..specs import Case

FAMILY = "linalg"

FLOATS = ("float32", "float64")


@dataclasses.dataclass(frozen=True)
class La:
    """`lib.linalg.<name>(prep(a), *rest, **kw)`; `prep` gives the input its structure:
    `"diag"` adds `n` on the diagonal (invertible), `"spd"` is `a·aᵀ + n·I`, `"sym"` is
    `a + aᵀ`, `"chol"` the Cholesky factor of the `spd` matrix."""

    name: str
    prep: str = ""

    def __call__(self, lib, a, *rest, **kwargs):
        n = a.shape[-1]
        eye = lib.eye(n, dtype=a.dtype)
        if self.prep == "diag":
            a = a + n * eye
        elif self.prep in ("spd", "chol"):
            a = a @ a.swapaxes(-1, -2) + n * eye
            if self.prep == "chol":
                a = lib.linalg.cholesky(a, kwargs.get("upper", False))
        elif self.prep == "sym":
            a = a + a.swapaxes(-1, -2)
        return getattr(lib.linalg, self.name)(a, *rest, **kwargs)


def cases() -> Iterator[Case]:
    f = FAMILY
    norm = La("norm")
    for dt in FLOATS:
        for shape, ords in (((7,), [None, 0, 1, 2, 3, 0.5, math.inf, -math.inf]),
                            ((4, 5), [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])):
            for o in ords:
                yield Case(f, "norm", norm, (In("normal", shape, dt),), {"ord": o})
        yield Case(f, "norm", norm, (In("normal", (3, 4, 5), dt, "T"),), {"axis": (0, 2)})
        yield Case(f, "norm", norm, (In("normal", (3, 4, 5), dt),),
                   {"ord": "nuc", "axis": (2, 1), "keepdims": True})
        yield Case(f, "norm", norm, (In("normal", (3, 4, 5), dt),), {"ord": 3, "axis": -1})
        for shape in ((4, 4), (3, 5, 5)):
            a = (In("normal", shape, dt),)
            yield Case(f, "inv", La("inv", "diag"), a)
            yield Case(f, "cholesky", La("cholesky", "spd"), a)
            yield Case(f, "cholesky", La("cholesky", "spd"), a, {"upper": True})
            yield Case(f, "cholesky_inv", La("cholesky_inv", "chol"), a)
            yield Case(f, "tri_inv", La("tri_inv", "diag"), a, {"upper": True})
            yield Case(f, "eigvalsh", La("eigvalsh", "sym"), a)
            yield Case(f, "svd", La("svd"), a, {"compute_uv": False})
            b = In("normal", shape[:-1] + (2,), dt)
            yield Case(f, "solve", La("solve", "diag"), a + (b,))
            yield Case(f, "solve_triangular", La("solve_triangular", "diag"), a + (b,))
        yield Case(f, "inv", La("inv", "diag"), (In("normal", (4, 4), dt, "T"),))
        yield Case(f, "svd", La("svd"), (In("normal", (3, 6), dt),), {"compute_uv": False})
