"""`mx.fast`: rms_norm, layer_norm, rope and scaled_dot_product_attention in rmlx and in the
real MLX on the same inputs — every float dtype, optional weights and biases, traditional
and default rope with constant, scalar-array and per-batch offsets, custom frequencies,
attention with no mask, the causal mask, boolean and additive masks (broadcast), grouped
query heads, sinks, transposed (non-contiguous) inputs, error cases — and the gradients of
each (`mx.grad` of a weighted sum), which must equal MLX's.

MLX computes these ops in float32 even for float64 inputs, so float64 results are compared
at float32's tolerance (`loose64`). Attention inputs are uniform in [-2, 2] (kind "small").
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from ..harness import In
from ..specs import Case

FAMILY = "fast"

FLOATS = ("float32", "float16", "bfloat16", "float64")


@dataclasses.dataclass(frozen=True)
class Fast:
    """`lib.fast.<name>(*args, **kwargs)`."""

    name: str

    def __call__(self, lib, *args, **kwargs):
        return getattr(lib.fast, self.name)(*args, **kwargs)


@dataclasses.dataclass(frozen=True)
class RopeOffsets:
    """`lib.fast.rope(x, ..., offset=lib.array(offsets))` (a 0-d array for one int)."""

    offsets: tuple | int

    def __call__(self, lib, x, *rest, **kwargs):
        return lib.fast.rope(x, *rest, offset=lib.array(self.offsets), **kwargs)


@dataclasses.dataclass(frozen=True)
class Attention:
    """`lib.fast.scaled_dot_product_attention(q, k, v, mask=..., sinks=...)`: `mask` is
    None, "causal" or "array" (the fourth argument); with `sinks` the last argument."""

    mask: str | None = None
    sinks: bool = False

    def __call__(self, lib, q, k, v, *rest, **kwargs):
        rest = list(rest)
        mask = rest.pop(0) if self.mask == "array" else self.mask
        sinks = rest.pop(0) if self.sinks else None
        return lib.fast.scaled_dot_product_attention(q, k, v, mask=mask, sinks=sinks, **kwargs)


def _weights(lib, out):
    n = out.size
    w = lib.sin(lib.arange(n, dtype=lib.float32) * 0.7 + 0.3)
    return lib.reshape(w, out.shape)


@dataclasses.dataclass(frozen=True)
class Grad:
    """`grad(lambda *a: sum(f(*a, **kw) * w), argnums)(*args)` for a fast-op callable."""

    f: object
    argnums: tuple = (0,)

    def __call__(self, lib, *args, **kwargs):
        def loss(*a):
            out = self.f(lib, *a, **kwargs)
            return (out.astype(lib.float32) * _weights(lib, out)).sum()

        return lib.grad(loss, argnums=self.argnums)(*args)


def _case(op, fn, args, kwargs=None, tag="", scale=1.0):
    # Attention outputs are weighted averages of values of order 1: their rounding error is
    # absolute, not relative to each (possibly tiny) output, and MLX rounds the scores of
    # half-precision inputs to that precision before its float32 softmax (rmlx does not).
    if op == "sdpa":
        scale *= 10
    return Case(FAMILY, op, fn, tuple(args), kwargs or {}, tag=tag, scale=scale, loose64=True)


def norm_cases() -> Iterator[Case]:
    rms, ln = Fast("rms_norm"), Fast("layer_norm")
    for dt in FLOATS:
        x = In("normal", (3, 4, 33), dt)
        w = In("normal", (33,), dt)
        yield _case("rms_norm", rms, (x, w), {"eps": 1e-5})
        yield _case("rms_norm", rms, (x,), {"weight": None, "eps": 1e-4})
        yield _case("layer_norm", ln, (x, w, w), {"eps": 1e-5})
        yield _case("layer_norm", ln, (x,), {"weight": None, "bias": None, "eps": 1e-5})
    xt = In("normal", (16, 5), "float32", "T")
    yield _case("rms_norm", rms, (xt, In("normal", (5,), "float32")), {"eps": 1e-5})
    yield _case("layer_norm", ln, (xt,), {"weight": None, "bias": In("normal", (5,), "float32"), "eps": 1e-5})
    yield _case("rms_norm", rms, (In("normal", (4, 6), "float16"), In("normal", (6,), "float32")), {"eps": 1e-5})
    yield _case("layer_norm", ln, (In("normal", (4, 6), "float16"),),
                {"weight": None, "bias": In("normal", (6,), "float32"), "eps": 1e-5})
    yield _case("rms_norm", rms, (In("normal", (0, 6), "float32"),), {"weight": None, "eps": 1e-5})
    # Errors.
    yield _case("rms_norm", rms, (In("normal", (), "float32"),), {"weight": None, "eps": 1e-5})
    yield _case("rms_norm", rms, (In("normal", (4, 6), "int32"),), {"weight": None, "eps": 1e-5})
    yield _case("rms_norm", rms, (In("normal", (4, 6), "float32"), In("normal", (5,), "float32")), {"eps": 1e-5})
    yield _case("layer_norm", ln, (In("normal", (4, 6), "float32"), In("normal", (1, 6), "float32")),
                {"bias": None, "eps": 1e-5})
    # Gradients.
    for dt in ("float32", "float64"):
        x = In("normal", (3, 2, 7), dt)
        w = In("normal", (7,), dt)
        yield _case("rms_norm", Grad(rms, (0, 1)), (x, w), {"eps": 1e-5}, tag="grad", scale=10)
        yield _case("layer_norm", Grad(ln, (0, 1, 2)), (x, w, w), {"eps": 1e-5}, tag="grad", scale=10)


def rope_cases() -> Iterator[Case]:
    rope = Fast("rope")
    for dt in FLOATS:
        for trad in (False, True):
            x = In("normal", (2, 3, 6, 16), dt)
            kw = {"traditional": trad, "base": 10000.0, "scale": 1.0, "offset": 5}
            yield _case("rope", rope, (x, 16), kw)
            yield _case("rope", rope, (x, 10), {**kw, "base": 500.0, "scale": 0.5})
    for trad in (False, True):
        kw = {"traditional": trad, "base": 10000.0, "scale": 1.0}
        x = In("normal", (3, 2, 5, 8), "float32")
        yield _case("rope", RopeOffsets((0, 4, 11)), (x, 8), kw)
        yield _case("rope", RopeOffsets(7), (x, 6), kw)
        yield _case("rope", rope, (In("normal", (3, 2, 5, 8), "float32", "T"), 8), {**kw, "offset": 2})
        yield _case("rope", rope, (In("normal", (2, 4, 8), "float32"), 8),
                    {"traditional": trad, "base": None, "scale": 1.0, "offset": 1,
                     "freqs": In("pos", (4,), "float32")})
    # Errors.
    kw = {"traditional": False, "base": 10000.0, "scale": 1.0, "offset": 0}
    yield _case("rope", rope, (In("normal", (4, 8), "float32"), 8), kw)
    yield _case("rope", rope, (In("normal", (2, 4, 8), "float32"), 7), kw)
    yield _case("rope", rope, (In("normal", (2, 4, 8), "float32"), 10), kw)
    yield _case("rope", rope, (In("normal", (2, 4, 8), "int32"), 8), kw)
    yield _case("rope", rope, (In("normal", (2, 4, 8), "float32"), 8), {**kw, "base": None})
    yield _case("rope", RopeOffsets((1, 2, 3)), (In("normal", (2, 4, 8), "float32"), 8),
                {"traditional": False, "base": 10.0, "scale": 1.0})
    # Gradients.
    for trad in (False, True):
        x = In("normal", (2, 2, 5, 8), "float32")
        kw = {"traditional": trad, "base": 100.0, "scale": 1.0, "offset": 3}
        yield _case("rope", Grad(rope), (x, 6), kw, tag="grad", scale=10)
        yield _case("rope", Grad(rope, (0,)), (x, 8),
                    {"traditional": trad, "base": None, "scale": 1.0, "offset": 0,
                     "freqs": In("pos", (4,), "float32")}, tag="grad", scale=10)


def attention_cases() -> Iterator[Case]:
    sc = {"scale": 0.35}
    for dt in FLOATS:
        q, k, v = In("normal", (2, 4, 5, 8), dt), In("normal", (2, 2, 7, 8), dt), In("normal", (2, 2, 7, 6), dt)
        yield _case("sdpa", Attention(), (q, k, v), sc)
        yield _case("sdpa", Attention("causal"), (q, k, v), sc)
    q, k, v = In("small", (1, 4, 9, 16), "float32"), In("small", (1, 1, 12, 16), "float32"), In("small", (1, 1, 12, 16), "float32")
    yield _case("sdpa", Attention("causal"), (q, k, v), sc)
    yield _case("sdpa", Attention("causal"), (In("small", (1, 2, 6, 8), "float32"),) + (In("small", (1, 2, 3, 8), "float32"),) * 2, sc)
    for shape in ((9, 12), (1, 4, 1, 12), (1, 1, 9, 1), (12,)):
        yield _case("sdpa", Attention("array"), (q, k, v, In("normal", shape, "bool_")), sc)
        yield _case("sdpa", Attention("array"), (q, k, v, In("normal", shape, "float32")), sc)
    yield _case("sdpa", Attention("array"), (q, k, v, In("small", (9, 12), "float16")), sc)
    yield _case("sdpa", Attention(sinks=True), (q, k, v, In("small", (4,), "float32")), sc)
    yield _case("sdpa", Attention("causal", sinks=True), (q, k, v, In("small", (4,), "float32")), sc)
    # Transposed (B, T, N, D) tensors seen as (B, N, T, D): non-contiguous.
    qt = In("small", (1, 4, 9, 16), "float32", "T")
    kt = In("small", (1, 1, 12, 16), "float32", "T")
    yield _case("sdpa", Attention("causal"), (qt, kt, kt), sc)
    # Decoding: one query against many keys.
    yield _case("sdpa", Attention(), (In("small", (1, 8, 1, 32), "float32"), In("small", (1, 2, 300, 32), "float32"),
                                      In("small", (1, 2, 300, 32), "float32")), sc)
    # Errors.
    yield _case("sdpa", Attention(), (In("small", (4, 5, 8), "float32"),) * 3, sc)
    yield _case("sdpa", Attention(), (In("small", (2, 3, 5, 8), "float32"), k, k), sc)
    yield _case("sdpa", Attention(), (In("small", (2, 4, 5, 8), "int32"),) * 3, sc)
    yield _case("sdpa", Attention("array"), (q, k, v, In("normal", (9, 11), "bool_")), sc)
    yield _case("sdpa", Attention("array"), (q, k, v, In("small", (9, 12), "float64")), sc)
    yield _case("sdpa", Attention(sinks=True), (q, k, v, In("small", (3,), "float32")), sc)
    # Gradients.
    q, k, v = In("small", (1, 4, 5, 8), "float32"), In("small", (1, 2, 6, 8), "float32"), In("small", (1, 2, 6, 8), "float32")
    for att in (Attention(), Attention("causal")):
        yield _case("sdpa", Grad(att, (0, 1, 2)), (q, k, v), sc, tag="grad", scale=10)
    yield _case("sdpa", Grad(Attention("array"), (0, 1, 2, 3)), (q, k, v, In("small", (5, 6), "float32")), sc,
                tag="grad", scale=10)
    yield _case("sdpa", Grad(Attention("array"), (0, 1, 2)), (q, k, v, In("normal", (5, 6), "bool_")), sc,
                tag="grad", scale=10)
    yield _case("sdpa", Grad(Attention(sinks=True), (0, 1, 2, 3)), (q, k, v, In("small", (4,), "float32")), sc,
                tag="grad", scale=10)


def cases() -> Iterator[Case]:
    yield from norm_cases()
    yield from rope_cases()
    yield from attention_cases()
