"""`mx.linalg` ops whose results are unique (no sign or order conventions): norm, inv,
solve, solve_triangular, tri_inv, cholesky, cholesky_inv, eigvalsh and the singular values
of svd, det, slogdet, lu, lu_factor, pinv, cross, and eigvals (sorted), on float32, float64
and (where MLX accepts it) complex64 inputs, batched and transposed views included; plus
MLX's gradients and vmaps of the differentiable ones.

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

    def prep_only(self, lib, a):
        """The prepared input alone (batched `a`: the structure is built per matrix)."""
        n = a.shape[-1]
        eye = lib.eye(n, dtype=a.dtype)
        if self.prep == "diag":
            return a + n * eye
        if self.prep in ("spd", "chol"):
            return a @ a.swapaxes(-1, -2) + n * eye
        if self.prep == "sym":
            return a + a.swapaxes(-1, -2)
        return a

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
        elif self.prep == "herm":
            a = a @ lib.conj(a.swapaxes(-1, -2))
        return getattr(lib.linalg, self.name)(a, *rest, **kwargs)


@dataclasses.dataclass(frozen=True)
class SortedEigvals:
    """The eigenvalues of `eig`/`eigvals` sorted by real part, then imaginary part (their
    order is the solver's): `(sorted real parts, imaginary parts in that order)`."""

    name: str = "eigvals"

    def __call__(self, lib, a):
        w = getattr(lib.linalg, self.name)(a)
        w = w[0] if isinstance(w, tuple) else w
        key = lib.round(lib.real(w), 4) * 1000.0 + lib.round(lib.imag(w), 4)
        order = lib.argsort(key, axis=-1)
        w = lib.take_along_axis(w, order, axis=-1)
        return lib.real(w), lib.imag(w)


@dataclasses.dataclass(frozen=True)
class SvdRebuild:
    """`U[:, :k] · diag(S) · Vᴴ[:k]` from `svd` (equal to the input in both libraries,
    whatever phases the solver picks), and `S` itself."""

    def __call__(self, lib, a):
        u, s, vt = lib.linalg.svd(a)
        k = s.shape[-1]
        back = (u[..., :, :k] * s[..., None, :].astype(u.dtype)) @ vt[..., :k, :]
        return back, s


@dataclasses.dataclass(frozen=True)
class Transformed:
    """`lib.grad` (or `lib.vmap`) of `lib.linalg.<name>` (summed, first output)."""

    name: str
    how: str = "grad"

    def __call__(self, lib, a):
        def f(m):
            out = getattr(lib.linalg, self.name)(m)
            out = out[-1] if isinstance(out, tuple) else out
            return out.sum() if self.how == "grad" else out
        return (lib.grad(f) if self.how == "grad" else lib.vmap(f))(a)


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

    # det / slogdet: closed form up to 3×3, LU beyond (batched, transposed, int/half inputs).
    for dt in FLOATS:
        for shape in ((1, 1), (2, 2), (3, 3), (4, 4), (2, 5, 5), (3, 0, 0)):
            a = (In("normal", shape, dt),)
            # MLX's LU-based det of float64 input has float32 precision.
            yield Case(f, "det", La("det"), a, loose64=True)
            yield Case(f, "slogdet", La("slogdet"), a, loose64=True)
        yield Case(f, "det", La("det"), (In("normal", (6, 6), dt, "T"),), loose64=True)
        for shape in ((4, 4), (5, 3), (3, 5), (2, 4, 4)):
            a = (In("normal", shape, dt),)
            yield Case(f, "lu_factor", La("lu_factor"), a)
            yield Case(f, "lu", La("lu"), a)
            yield Case(f, "pinv", La("pinv"), a, scale=10.0)
        yield Case(f, "lu", La("lu"), (In("normal", (5, 5), dt, "T"),))
        for shape in ((4, 4), (2, 5, 5)):
            yield Case(f, "eigvals", SortedEigvals("eigvals"), (In("normal", shape, dt),), scale=10.0)
            yield Case(f, "eig", SortedEigvals("eig"), (In("normal", shape, dt),), scale=10.0)
    for dt in ("int32", "float16", "bfloat16"):
        yield Case(f, "det", La("det", "diag"), (In("small", (3, 3), dt),), scale=10.0)
        yield Case(f, "slogdet", La("slogdet", "diag"), (In("small", (2, 2), dt),), scale=10.0)
    # Errors (exception type checked by the harness).
    yield Case(f, "det", La("det"), (In("normal", (2, 2), "complex64"),))
    yield Case(f, "det", La("det"), (In("normal", (4, 4), "float16"),))
    yield Case(f, "lu", La("lu"), (In("normal", (3,), "float32"),))
    yield Case(f, "pinv", La("pinv"), (In("normal", (3, 3), "int32"),))
    yield Case(f, "eig", La("eig"), (In("normal", (2, 3), "float32"),))
    # cross: every dtype, size-2 vectors, broadcasting, other axes.
    cross = La("cross")
    for dt in ("float32", "float64", "float16", "int32", "complex64"):
        yield Case(f, "cross", cross, (In("normal", (4, 3), dt), In("normal", (3,), dt)))
        yield Case(f, "cross", cross, (In("normal", (2,), dt), In("normal", (3,), dt)))
        yield Case(f, "cross", cross, (In("normal", (3, 5), dt, "T"), In("normal", (5, 3), dt)))
    yield Case(f, "cross", cross, (In("normal", (3, 4), "float32"), In("normal", (3, 4), "float32")),
               {"axis": 0})
    yield Case(f, "cross", cross, (In("normal", (4, 4), "float32"), In("normal", (4, 4), "float32")))
    yield Case(f, "cross", cross, (In("normal", (3, 4), "float32"), In("normal", (3, 4), "float32")),
               {"axis": 2})
    # complex64: norms (every ord), singular values, Hermitian eigenvalues, eigvals.
    c64 = "complex64"
    for shape, ords in (((7,), [None, 0, 1, 2, 3, 0.5, math.inf, -math.inf]),
                        ((4, 5), [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])):
        for o in ords:
            yield Case(f, "norm", norm, (In("normal", shape, c64),), {"ord": o})
    yield Case(f, "svd", La("svd"), (In("normal", (2, 4, 3), c64),), {"compute_uv": False})
    yield Case(f, "eigvalsh", La("eigvalsh", "herm"), (In("normal", (2, 4, 4), c64),), scale=10.0)
    yield Case(f, "eigvals", SortedEigvals("eigvals"), (In("normal", (4, 4), c64),), scale=10.0)
    # Larger complex64 matrices (faer's complex solvers needed IEEE subnormals): singular
    # values, U S Vᴴ rebuilt, and the eigenvalues of eig/eigvals. rmlx decomposes in
    # complex128 and rounds; MLX's LAPACK works in complex64, whose error grows with the
    # size: hence the wider tolerance.
    for shape in ((9, 9), (33, 33), (2, 40, 24), (64, 64), (3, 17, 30)):
        yield Case(f, "svd", La("svd"), (In("normal", shape, c64),), {"compute_uv": False},
                   tag="large", scale=30.0)
        yield Case(f, "svd", SvdRebuild(), (In("normal", shape, c64),), tag="rebuild",
                   scale=30.0)
    for shape in ((9, 9), (33, 33), (2, 20, 20), (64, 64)):
        yield Case(f, "eigvals", SortedEigvals("eigvals"), (In("normal", shape, c64),),
                   tag="large", scale=30.0)
        yield Case(f, "eig", SortedEigvals("eig"), (In("normal", shape, c64),), tag="large",
                   scale=30.0)
    # MLX's transforms of linalg: grad of det/slogdet (closed form), vmap of the primitives.
    for dt in FLOATS:
        for shape in ((2, 2), (3, 3)):
            yield Case(f, "grad", Transformed("det"), (In("normal", shape, dt),), tag="det")
            yield Case(f, "grad", Transformed("slogdet"), (In("normal", shape, dt),), tag="slogdet")
        # (MLX's vmap of tri_inv returns the general inverse, and it has no vmap of LUF
        # (det/slogdet beyond 3×3): those are checked against loops in test_linalg_more.py.)
        for name, prep in (("inv", "diag"), ("pinv", ""), ("eigvalsh", "sym"), ("cholesky", "spd")):
            yield Case(f, "vmap", lambda lib, a, _n=name, _p=prep: Transformed(_n, "vmap")(
                lib, La("", _p).prep_only(lib, a)), (In("normal", (3, 4, 4), dt),), tag=name,
                scale=10.0)
