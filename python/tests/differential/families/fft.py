"""`mx.fft` against the real MLX: the twelve transforms over lengths 1 to 1024 (primes and
odd lengths included) with n / s / axes / norm, every input dtype MLX accepts (all are
promoted to complex64, or float32 for the inverse real transforms), non-contiguous views,
empty batches, the sample frequencies, the shifts, error types, and gradients (vjp of real
projections) of each transform kind.

Both libraries compute in float32; transform values grow like sqrt(n)·|x|, so tolerances
scale with the length.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Iterator

from ..harness import In
from ..specs import Case

FAMILY = "fft"

LENGTHS = (1, 2, 3, 5, 7, 8, 12, 17, 64, 97, 1000, 1024)
INPUT_DTYPES = ("float32", "complex64", "float64", "float16", "bfloat16", "int32", "uint8", "bool_")
COMPLEX_OPS = ("fft", "ifft")
ND_OPS = ("fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn")


@dataclasses.dataclass(frozen=True)
class F:
    """`lib.fft.<name>(*args, **kwargs)`."""

    name: str

    def __call__(self, lib, *args, **kwargs):
        return getattr(lib.fft, self.name)(*args, **kwargs)


@dataclasses.dataclass(frozen=True)
class Grad:
    """`lib.grad` of `sum(w · real-projection(lib.fft.<name>(x, **kw)))` at `x`; complex
    outputs are projected as `real + 0.7·imag` so both halves are checked."""

    name: str

    def __call__(self, lib, x, **kwargs):
        f = getattr(lib.fft, self.name)

        def loss(v):
            y = f(v, **kwargs)
            if y.dtype == lib.complex64:
                y = lib.real(y) + 0.7 * lib.imag(y)
            w = lib.arange(y.size, dtype=lib.float32).reshape(y.shape) / y.size
            return (y * lib.cos(w * 5.0)).sum()

        return lib.grad(loss)(x)


@dataclasses.dataclass(frozen=True)
class ComplexGrad:
    """Like `Grad` for a complex input built from two real ones (`x + i·y`), the gradient
    with respect to both."""

    name: str

    def __call__(self, lib, x, y, **kwargs):
        f = getattr(lib.fft, self.name)

        def loss(a, b):
            z = a.astype(lib.complex64) + b.astype(lib.complex64) * lib.array(1j, lib.complex64)
            out = f(z, **kwargs)
            if out.dtype == lib.complex64:
                out = lib.real(out) + 0.7 * lib.imag(out)
            w = lib.arange(out.size, dtype=lib.float32).reshape(out.shape) / out.size
            return (out * lib.cos(w * 5.0)).sum()

        return lib.grad(loss, argnums=(0, 1))(x, y)


def _scale(n: int) -> float:
    """Tolerance multiplier for transforms of `n` points in all."""
    return max(1.0, 4.0 * math.sqrt(n) * math.log2(n + 1))


def cases() -> Iterator[Case]:
    f = FAMILY
    for n in LENGTHS:
        rows = (n,) if n >= 1000 else (3, n)
        sc = _scale(n)
        for op in COMPLEX_OPS:
            yield Case(f, op, F(op), (In("normal", rows, "complex64"),), scale=sc)
            yield Case(f, op, F(op), (In("normal", rows, "float32"),), scale=sc)
        yield Case(f, "rfft", F("rfft"), (In("normal", rows, "float32"),), scale=sc)
        yield Case(f, "irfft", F("irfft"), (In("normal", rows[:-1] + (n // 2 + 1,), "complex64"),),
                   {"n": n}, scale=sc)
    # Input dtypes (all promoted) and views.
    for dt in INPUT_DTYPES:
        for op in ("fft", "ifft", "rfft", "irfft", "fftn", "rfftn", "irfftn"):
            kind = "small" if dt in ("int32", "uint8") else "normal"
            yield Case(f, op, F(op), (In(kind, (4, 6), dt),), scale=_scale(24))
    for view in ("T", "step", "neg", "negstep"):
        for op in ("fft", "rfft", "irfft", "fft2", "rfft2", "irfftn"):
            dt = "float32" if op.startswith("rfft") else "complex64"
            yield Case(f, op, F(op), (In("normal", (6, 10), dt, view),), scale=_scale(60))
    # n: crop / pad, axis, norm.
    x = In("normal", (4, 10), "complex64")
    xr = In("normal", (4, 10), "float32")
    for n in (1, 3, 10, 16, 21):
        for op in ("fft", "ifft", "irfft"):
            yield Case(f, op, F(op), (x,), {"n": n}, scale=_scale(21))
        yield Case(f, "rfft", F("rfft"), (xr,), {"n": n}, scale=_scale(21))
    for axis in (0, -2):
        for op in ("fft", "ifft", "rfft", "irfft"):
            yield Case(f, op, F(op), (xr if op == "rfft" else x,), {"axis": axis}, scale=_scale(10))
    for norm in ("backward", "ortho", "forward"):
        for op in ("fft", "ifft", "rfft", "irfft") + ND_OPS:
            src = In("normal", (3, 4, 5), "float32" if op.startswith("rfft") else "complex64")
            yield Case(f, op, F(op), (src,), {"norm": norm}, scale=_scale(60))
    # n-D: axes orders (the real axis anywhere), s crop / pad, no axes.
    x3 = In("normal", (3, 4, 5), "complex64")
    x3r = In("normal", (3, 4, 5), "float32")
    for op in ND_OPS:
        src = x3r if op.startswith("rfft") else x3
        for kw in ({"axes": [0, 1]}, {"axes": [2, 0]}, {"axes": [-1, -3]}, {"axes": [1]},
                   {"s": [2, 7], "axes": [0, 2]}, {"s": [6, 3, 4], "axes": [1, 0, 2]}):
            yield Case(f, op, F(op), (src,), kw, scale=_scale(168))
        yield Case(f, op, F(op), (src,), {"axes": None}, scale=_scale(60))
        if op.endswith("n"):
            yield Case(f, op, F(op), (In("normal", (2, 3), "int32"),), {"axes": []})
    # Empty batches and zero-length axes padded by n.
    yield Case(f, "fft", F("fft"), (In("normal", (0, 4), "float32"),))
    yield Case(f, "rfft", F("rfft"), (In("normal", (0, 4), "float32"),))
    yield Case(f, "irfft", F("irfft"), (In("normal", (0, 4), "complex64"),))
    yield Case(f, "fft", F("fft"), (In("normal", (3, 0), "float32"),), {"n": 4})
    # Frequencies and shifts.
    for n in (1, 2, 7, 10):
        for d in (1.0, 0.25, 3):
            yield Case(f, "fftfreq", F("fftfreq"), (n,), {"d": d})
            yield Case(f, "rfftfreq", F("rfftfreq"), (n,), {"d": d})
    for op in ("fftshift", "ifftshift"):
        for dt in ("int32", "float32", "complex64", "float16"):
            yield Case(f, op, F(op), (In("normal", (4, 5, 3), dt),))
        yield Case(f, op, F(op), (In("normal", (4, 5, 3), "float32"),), {"axes": 1})
        yield Case(f, op, F(op), (In("normal", (4, 5, 3), "float32"),), {"axes": [-1, 0]})
        yield Case(f, op, F(op), (In("normal", (4, 5, 3), "float32"),), {"axes": [1, 1]})
        yield Case(f, op, F(op), (In("normal", (7,), "float32", "neg"),))
        yield Case(f, op, F(op), (In("normal", (0, 3), "float32"),))
        yield Case(f, op, F(op), (In("normal", (), "float32"),))
        yield Case(f, op, F(op), (In("normal", (3, 4), "float32"),), {"axes": 2})
        yield Case(f, op, F(op), (In("normal", (), "float32"),), {"axes": [0]})
    # Errors (exception types).
    e = In("normal", (3, 4), "float32")
    for op, kw in (("fft", {"n": 0}), ("ifft", {"n": -1}), ("fft", {"axis": 2}),
                   ("rfft", {"axis": -3}), ("fft", {"norm": "none"}), ("fftn", {"axes": [0, -2]}),
                   ("fft2", {"axes": [1, 1]}), ("fftn", {"s": [3], "axes": [0, 1]}),
                   ("fftn", {"s": [3, 3]}), ("fft2", {"s": [3, 3], "axes": None}),
                   ("rfftn", {"s": [3, 3, 3], "axes": [0, 1, 0]}), ("fftn", {"axes": [0, 1, 2]}),
                   ("fftn", {"s": [3], "axes": [5]}), ("irfftn", {"s": [0, 3], "axes": [0, 1]}),
                   ("fft", {"axis": 1.0}), ("fft", {"n": 2.5}), ("fftn", {"axes": 0}),
                   ("fftn", {"s": 3, "axes": [0]}), ("fft", {"norm": None})):
        yield Case(f, op, F(op), (e,), kw)
    yield Case(f, "irfft", F("irfft"), (In("normal", (1,), "complex64"),))
    yield Case(f, "fft", F("fft"), (In("normal", (0,), "float32"),))
    yield Case(f, "fft", F("fft"), (In("normal", (), "float32"),))
    yield Case(f, "fftn", F("fftn"), (In("normal", (), "float32"),))
    yield Case(f, "fft", F("fft"), (In("normal", (), "float32"),), {"n": 2})
    for n, d in ((0, 1.0), (-2, 1.0), (4, 0.0)):
        yield Case(f, "fftfreq", F("fftfreq"), (n,), {"d": d})
        yield Case(f, "rfftfreq", F("rfftfreq"), (n,), {"d": d})
    # Gradients: MLX's vjp conventions for each kind.
    for op, shape, kw in (("fft", (3, 6), {}), ("fft", (3, 6), {"n": 9}), ("fft", (3, 6), {"n": 4, "axis": 0}),
                          ("ifft", (3, 5), {"norm": "ortho"}), ("rfft", (3, 6), {}), ("rfft", (3, 5), {}),
                          ("rfft", (3, 6), {"n": 9, "norm": "forward"}), ("rfft", (4, 5), {"axis": 0}),
                          ("fft2", (3, 4, 5), {}), ("rfftn", (3, 4, 5), {"axes": [2, 0]}),
                          ("rfft2", (3, 4, 6), {"s": [2, 8]})):
        yield Case(f, f"grad_{op}", Grad(op), (In("normal", shape, "float32"),), kw, scale=_scale(60))
    for op, shape, kw in (("fft", (3, 6), {}), ("ifft", (3, 6), {"n": 4}), ("irfft", (3, 6), {}),
                          ("irfft", (3, 6), {"n": 7}), ("irfft", (3, 6), {"n": 13, "norm": "ortho"}),
                          ("irfft", (4, 5), {"axis": 0, "n": 8}), ("irfftn", (3, 4, 5), {}),
                          ("irfftn", (3, 4, 5), {"axes": [2, 0], "s": [6, 5]}), ("ifftn", (3, 4, 5), {"norm": "forward"})):
        yield Case(f, f"grad_{op}", ComplexGrad(op),
                   (In("normal", shape, "float32"), In("normal", shape, "float32")), kw, scale=_scale(60))
