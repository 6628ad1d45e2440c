"""Differential cases of the convolutions: conv1d/2d/3d, conv_general (stride, symmetric /
asymmetric / negative padding, kernel and input dilation, groups, flip),
conv_transpose1d/2d/3d (output padding) and convolve (modes), over MLX's float dtypes, mixed
dtypes, transposed/reversed/strided views, empty batches and error cases; plus gradients
(`grad` with respect to input and weight) and `vmap` through them.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from ..harness import In
from ..specs import Case, Func

FAMILY = "conv"

FLOATS = ("float32", "float64", "float16", "bfloat16")

_GRAD_INPUT_DILATION = ("MLX 0.32.4's input gradient of a convolution with input dilation has the "
                        "wrong shape (fewer rows than the input); rmlx's has the input's shape and "
                        "matches finite differences (crates/rmlx/tests/transforms_conv.rs)")

_GRAD_F64 = ("MLX 0.32.4 cannot evaluate the gradient of a float64 convolution (ValueError "
             "'[Convolution::eval] got unsupported data type.'); rmlx computes it in float64 "
             "(checked against finite differences in crates/rmlx/tests/transforms_conv.rs)")
_VMAP_GROUPED_WEIGHT = ("MLX 0.32.4's vmap of a grouped convolution over the weight only (input "
                        "unbatched) differs from a loop over the batch; rmlx equals the loop")


@dataclasses.dataclass(frozen=True)
class Grad:
    """The gradients of `sum(lib.<name>(x, w, **kw) * cos(out))` with respect to x and w (a
    non-uniform cotangent, so every gradient entry is exercised)."""

    name: str

    def __call__(self, lib, x, w, **kwargs):
        f = getattr(lib, self.name)

        def loss(a, b):
            y = f(a, b, **kwargs)
            return (y * lib.cos(lib.arange(y.size, dtype=y.dtype).reshape(y.shape))).sum()

        return lib.grad(loss, argnums=(0, 1))(x, w)


@dataclasses.dataclass(frozen=True)
class VmapConv:
    """`vmap(lib.<name>)` with `in_axes` (keyword arguments fixed)."""

    name: str
    in_axes: tuple

    def __call__(self, lib, x, w, **kwargs):
        f = getattr(lib, self.name)
        return lib.vmap(lambda a, b: f(a, b, **kwargs), in_axes=self.in_axes)(x, w)


def _build() -> Iterator[tuple[Case, str | None]]:
    F = FAMILY

    def C(op, fn, args, kw=None, tag="", scale=8.0, why=None):
        # MLX's CPU convolution computes float64 in float32 (its results are float32 values
        # widened); rmlx computes in float64, so float64 results get float32's tolerance.
        return Case(F, op, fn, tuple(args), kw or {}, tag=tag, scale=scale, loose64=True), why

    c1, c2, c3, cg = Func("conv1d"), Func("conv2d"), Func("conv3d"), Func("conv_general")
    # ---- dtypes ------------------------------------------------------------------------
    for dt in FLOATS:
        yield C("conv1d", c1, (In("small", (2, 9, 3), dt), In("small", (4, 3, 3), dt)), {"padding": 1})
        yield C("conv2d", c2, (In("small", (1, 6, 5, 2), dt), In("small", (3, 3, 2, 2), dt)), {"stride": 2})
        yield C("conv3d", c3, (In("small", (1, 4, 3, 4, 2), dt), In("small", (2, 2, 2, 2, 2), dt)))
        yield C("convolve", Func("convolve"), (In("small", (9,), dt), In("small", (4,), dt)))
    for dx, dw in (("float16", "float32"), ("bfloat16", "float16"), ("float32", "int32"), ("float32", "bool_"),
                   ("float64", "float32"), ("int32", "float32"), ("bool_", "bool_"), ("uint8", "float16"),
                   ("complex64", "float32")):
        yield C("conv1d", c1, (In("small", (2, 7, 3), dx), In("small", (4, 3, 3), dw)), tag="mixed")
    # ---- parameters --------------------------------------------------------------------
    for kw in ({"stride": 2}, {"stride": 3, "padding": 2}, {"dilation": 2}, {"padding": 4},
               {"groups": 3}, {"groups": 6, "stride": 2, "padding": 1}, {"stride": 2, "dilation": 2, "padding": 3, "groups": 2}):
        g = kw.get("groups", 1)
        yield C("conv1d", c1, (In("small", (2, 13, 6), "float32"), In("small", (6, 3, 6 // g), "float32")), kw)
    for kw in ({"stride": (1, 2)}, {"padding": (2, 0)}, {"dilation": (2, 1), "padding": 1}, {"groups": 2, "stride": 2},
               {"groups": 4, "padding": 1}, {"stride": (3, 2), "padding": (1, 2), "dilation": (1, 2)}):
        g = kw.get("groups", 1)
        yield C("conv2d", c2, (In("small", (2, 8, 7, 4), "float32"), In("small", (4, 3, 2, 4 // g), "float32")), kw)
    for kw in ({"stride": (2, 1, 1)}, {"padding": 1, "dilation": (1, 2, 1)}):
        yield C("conv3d", c3, (In("small", (1, 5, 4, 5, 2), "float32"), In("small", (3, 2, 2, 2, 2), "float32")), kw)
    for kw in ({"padding": ([1, 0], [0, 2])}, {"padding": ([-1, 0], [0, -1])}, {"padding": -1, "input_dilation": 2},
               {"input_dilation": (2, 3), "padding": 2, "stride": 2}, {"kernel_dilation": [2, 1], "flip": True},
               {"stride": [2], "padding": [1, 2], "groups": 2, "flip": True},
               {"padding": ([2, 1], [0, 1]), "input_dilation": 2, "kernel_dilation": 2, "stride": 3},
               {"padding": ([1], [0])}, {"padding": [[1, 2], [0, 0]]}):
        g = kw.get("groups", 1)
        yield C("conv_general", cg, (In("small", (2, 7, 8, 4), "float32"), In("small", (4, 3, 2, 4 // g), "float32")), kw)
    for nd in (1, 2, 3):
        ct = Func(f"conv_transpose{nd}d")
        for kw in ({}, {"stride": 2}, {"stride": 2, "padding": 1, "output_padding": 1}, {"stride": 3, "dilation": 2, "padding": 2},
                   {"groups": 2, "stride": 2}, {"output_padding": -1}):
            g = kw.get("groups", 1)
            yield C(f"conv_transpose{nd}d", ct, (In("small", (2,) + (5, 4, 3)[:nd] + (4,), "float32"),
                                                 In("small", (6,) + (3, 2, 3)[:nd] + (4 // g,), "float32")), kw)
    cv = Func("convolve")
    for mode in ("full", "same", "valid"):
        for na, nv in ((7, 3), (3, 7), (6, 4), (5, 5), (1, 1), (4, 1)):
            yield C("convolve", cv, (In("small", (na,), "float32"), In("small", (nv,), "float32")), {"mode": mode})
    # ---- layouts -----------------------------------------------------------------------
    for vx, vw in (("T", None), ("neg", "neg"), ("step", "negstep"), (None, "T")):
        yield C("conv2d", c2, (In("small", (4, 6, 5, 4), "float32", vx), In("small", (4, 3, 3, 4), "float32", vw)), {"padding": 1})
    yield C("convolve", cv, (In("small", (8,), "float32", "neg"), In("small", (3,), "float32", "step")))
    # ---- sizes: empty batch, 1x1 kernels, larger (several kernel tiles) ----------------
    yield C("conv1d", c1, (In("small", (0, 8, 3), "float32"), In("small", (4, 3, 3), "float32")))
    yield C("conv2d", c2, (In("small", (2, 5, 5, 8), "float32"), In("small", (16, 1, 1, 8), "float32")))
    yield C("conv2d", c2, (In("small", (2, 24, 24, 16), "float32"), In("small", (24, 3, 3, 16), "float32")), {"padding": 1},
            tag="large", scale=32.0)
    # ---- errors ------------------------------------------------------------------------
    for xs, ws, dt, kw in (
        ((8, 3), (4, 3, 3), "float32", {}),
        ((2, 8, 5), (4, 3, 3), "float32", {}),
        ((2, 8, 6), (4, 3, 3), "float32", {"groups": 3}),
        ((2, 8, 6), (4, 3, 2), "float32", {"groups": 2}),
        ((2, 8, 7), (4, 3, 3), "float32", {"groups": 2}),
        ((2, 8, 3), (4, 3, 3), "float32", {"stride": 0}),
        ((2, 8, 3), (4, 3, 3), "float32", {"dilation": -1}),
        ((2, 2, 3), (4, 3, 3), "float32", {}),
        ((2, 8, 3), (4, 3, 3, 3), "float32", {}),
    ):
        yield C("conv1d", c1, (In("small", xs, dt), In("small", ws, "float32")), kw, tag="error")
    yield C("conv3d", c3, (In("small", (1, 4, 4, 4, 4), "float32"), In("small", (4, 2, 2, 2, 2), "float32")), {"groups": 2}, tag="error")
    yield C("conv2d", c2, (In("small", (2, 8, 3), "float32"), In("small", (4, 3, 3), "float32")), tag="error")
    yield C("conv_general", cg, (In("small", (2, 8, 8, 3), "float32"), In("small", (4, 3, 3, 3), "float32")), {"padding": [1, 1, 1]}, tag="error")
    yield C("conv_general", cg, (In("small", (2, 8, 8, 3), "float32"), In("small", (4, 3, 3, 3), "float32")), {"input_dilation": 0}, tag="error")
    yield C("convolve", cv, (In("small", (3, 2), "float32"), In("small", (2,), "float32")), tag="error")
    yield C("convolve", cv, (In("small", (3,), "float32"), In("small", (2,), "float32")), {"mode": "middle"}, tag="error")
    # ---- gradients ---------------------------------------------------------------------
    for name, xs, ws, kw in (
        ("conv1d", (2, 9, 4), (6, 3, 2), {"stride": 2, "padding": 1, "groups": 2}),
        ("conv1d", (2, 9, 4), (4, 2, 4), {"dilation": 3, "padding": 2}),
        ("conv1d", (1, 5, 2), (2, 2, 2), {"stride": 3, "padding": 4}),
        ("conv2d", (2, 7, 6, 3), (4, 3, 2, 3), {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)}),
        ("conv2d", (1, 6, 6, 4), (4, 3, 3, 1), {"groups": 4, "padding": 2}),
        ("conv3d", (1, 4, 5, 4, 2), (3, 2, 2, 3, 2), {"stride": 2, "padding": 1}),
        ("conv_transpose1d", (2, 4, 4), (2, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
        ("conv_transpose2d", (2, 4, 3, 4), (2, 3, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
        ("conv_general", (2, 7, 6, 2), (3, 2, 3, 2), {"padding": ([2, 0], [0, 1]), "kernel_dilation": (1, 2), "stride": (2, 3), "flip": True}),
        ("conv_general", (2, 7, 6, 2), (3, 2, 3, 2), {"padding": ([-1, 0], [0, -2])}),
    ):
        for dt in ("float32", "float64"):
            yield C(f"grad_{name}", Grad(name), (In("small", xs, dt), In("small", ws, dt)), kw, tag="grad",
                    why=_GRAD_F64 if dt == "float64" else None)
    yield C("grad_conv_general", Grad("conv_general"), (In("small", (1, 5, 2), "float32"), In("small", (2, 3, 2), "float32")),
            {"input_dilation": 2, "padding": 1}, tag="grad", why=_GRAD_INPUT_DILATION)
    # ---- vmap --------------------------------------------------------------------------
    for axes in ((0, None), (None, 0), (0, 0), (1, 2)):
        xs, ws = [2, 7, 4], [4, 3, 2]
        if axes[0] is not None:
            xs.insert(axes[0], 3)
        if axes[1] is not None:
            ws.insert(axes[1], 3)
        yield C("vmap_conv1d", VmapConv("conv1d", axes), (In("small", tuple(xs), "float32"), In("small", tuple(ws), "float32")),
                {"stride": 2, "padding": 1, "groups": 2}, tag="vmap", why=_VMAP_GROUPED_WEIGHT if axes == (None, 0) else None)


def cases() -> Iterator[Case]:
    for case, _ in _build():
        yield case


KNOWN_MISMATCHES: dict[str, str] = {case.id: why for case, why in _build() if why}
