"""Complex vjps and jvps, in rmlx and in the real MLX.

MLX's convention for complex arguments: the vjp of a holomorphic map is the
conjugate-transpose product `c·conj(f'(z))`, and the gradient of a real loss with respect to
`z = x + iy` is `∂L/∂x + i·∂L/∂y`. `VjpOf` pulls a fixed complex cotangent back through an op;
`JvpOf` pushes a fixed complex tangent forward; `RealLossGrad` differentiates a real loss
built from the op (`|op(z)·w|²` summed, plus a real part, so both parts of the gradient
matter).

Two of MLX's own rules leave its convention (their vjp is the plain transpose `c·f'(z)`):
`power` with respect to a complex base and `cumprod`; rmlx keeps the convention there too,
so those cases are known mismatches.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from ..harness import In
from ..specs import Case

FAMILY = "complex_grads"

UNARY = "negative exp sin cos tan sinh cosh tanh log sqrt rsqrt square reciprocal conj abs real imag".split()
BINARY = "add subtract multiply divide power".split()
# Ops whose result is real: their cotangent is real.
REAL_OUT = {"abs", "real", "imag"}


def _fixed(lib, shape, k, complex_):
    n = 1
    for s in shape:
        n *= s
    t = lib.arange(n, dtype=lib.float32)
    re = lib.reshape(lib.cos(t * 0.9 + k), shape)
    if not complex_:
        return re
    im = lib.reshape(lib.sin(t * 0.4 - k), shape)
    return re + im * lib.array(1j, dtype=lib.complex64)


def _fn(lib, op):
    if op == "matmul":
        return lambda a, b: a @ b
    fn = lib
    for part in op.split("."):
        fn = getattr(fn, part)
    return fn


@dataclasses.dataclass(frozen=True)
class VjpOf:
    """`vjp(op, args, [c])` for a fixed cotangent `c` (complex unless the output is real)."""

    op: str

    def __call__(self, lib, *args, **kw):
        fn = _fn(lib, self.op)
        out = fn(*args, **kw)
        c = _fixed(lib, out.shape, 0.3, out.dtype == lib.complex64)
        _, g = lib.vjp(lambda *a: [fn(*a, **kw)], list(args), [c])
        return g


@dataclasses.dataclass(frozen=True)
class JvpOf:
    """`jvp(op, args, tangents)` for fixed complex tangents."""

    op: str

    def __call__(self, lib, *args, **kw):
        fn = _fn(lib, self.op)
        ts = [_fixed(lib, a.shape, 1.1 + i, True) for i, a in enumerate(args)]
        _, t = lib.jvp(lambda *a: [fn(*a, **kw)], list(args), ts)
        return t


@dataclasses.dataclass(frozen=True)
class RealLossGrad:
    """`grad` of `sum(|op(z)·w|²) + sum(real(op(z)))` with respect to every argument."""

    op: str

    def __call__(self, lib, *args, **kw):
        fn = _fn(lib, self.op)

        def loss(*a):
            out = fn(*a, **kw)
            w = _fixed(lib, out.shape, 0.7, True)
            return (lib.abs(out * w) ** 2).sum() + lib.real(out).sum()

        return lib.grad(loss, argnums=tuple(range(len(args))))(*args)


def _build() -> Iterator[tuple[Case, str]]:
    F = FAMILY
    z = In("small", (3, 4), "complex64")
    for op in UNARY:
        yield Case(F, op, VjpOf(op), (z,), scale=4.0, tag="vjp"), ""
        yield Case(F, op, JvpOf(op), (z,), scale=4.0, tag="jvp"), ""
        yield Case(F, op, RealLossGrad(op), (z,), scale=8.0, tag="real-loss"), ""
    for op in BINARY:
        args = (z, In("small", (4,), "complex64"))
        why = "MLX's power vjp w.r.t. a complex base is c·f'(z), not its c·conj(f'(z))" if op == "power" else ""
        yield Case(F, op, VjpOf(op), args, scale=4.0, tag="vjp"), why
        yield Case(F, op, JvpOf(op), args, scale=4.0, tag="jvp"), ""
        yield Case(F, op, RealLossGrad(op), args, scale=8.0, tag="real-loss"), why
    m = (In("small", (3, 4), "complex64"), In("small", (4, 2), "complex64"))
    yield Case(F, "matmul", VjpOf("matmul"), m, scale=4.0, tag="vjp"), ""
    yield Case(F, "matmul", RealLossGrad("matmul"), m, scale=8.0, tag="real-loss"), ""
    yield Case(F, "sum", VjpOf("sum"), (z,), {"axis": 1}, tag="vjp"), ""
    yield Case(F, "prod", VjpOf("prod"), (z,), {"axis": 1}, scale=4.0, tag="vjp"), ""
    yield Case(F, "cumsum", VjpOf("cumsum"), (z,), {"axis": 1}, tag="vjp"), ""
    yield Case(F, "cumprod", VjpOf("cumprod"), (z,), {"axis": 1}, scale=4.0, tag="vjp"), (
        "MLX's cumprod vjp is the plain transpose c·Jᵀ, not its conjugate convention"
    )
    for op in ("fft.fft", "fft.ifft", "fft.fft2", "fft.irfft"):
        yield Case(F, op, VjpOf(op), (z,), scale=8.0, tag="vjp"), ""
        yield Case(F, op, RealLossGrad(op), (z,), scale=16.0, tag="real-loss"), ""
    yield Case(F, "fft.rfft", VjpOf("fft.rfft"), (In("small", (3, 6), "float32"),), scale=8.0, tag="vjp"), ""
    for op in ("transpose", "flatten"):
        yield Case(F, op, VjpOf(op), (z,), tag="vjp"), ""


def cases() -> Iterator[Case]:
    for case, _ in _build():
        yield case


KNOWN_MISMATCHES: dict[str, str] = {case.id: why for case, why in _build() if why}
