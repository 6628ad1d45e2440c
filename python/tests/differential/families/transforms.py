"""Gradients, jvps and vmaps of ops, in rmlx and in the real MLX, on the same inputs.

`GradOf(op)` differentiates `sum(op(*args) * w)` (a fixed, asymmetric weight `w`, so every
output element's cotangent differs) with respect to the chosen arguments; `JvpOf` pushes
fixed tangents forward; `VmapOf` maps the op over a leading batch axis (or another
`in_axes`). Float32 inputs; tolerances as for the op itself, loosened for second-order
quantities.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from ..harness import In
from ..specs import UNARY_DOMAIN, Case

FAMILY = "transforms"

# Ops differentiable in both libraries (integer-valued or boolean results have zero
# derivatives and are covered by `ZERO_GRAD`).
SMOOTH_UNARY = (
    "abs negative sqrt rsqrt square reciprocal exp expm1 log log2 log10 log1p sin cos tan "
    "arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh sigmoid erf erfinv"
).split()
ZERO_GRAD = "floor ceil sign stop_gradient".split()
SMOOTH_BINARY = "add subtract multiply divide power maximum minimum logaddexp arctan2 remainder".split()
BINARY_DOMAIN = {"divide": "nonzero", "power": "pos", "arctan2": "nonzero", "remainder": "nonzero"}


def _weights(lib, out):
    n = out.size
    return lib.reshape(lib.sin(lib.arange(n, dtype=lib.float32) * 0.7 + 0.3), out.shape)


@dataclasses.dataclass(frozen=True)
class GradOf:
    """`grad(lambda *a: sum(op(*a, **kw) * w), argnums)(*args)`."""

    op: str
    argnums: tuple = (0,)

    def __call__(self, lib, *args, **kw):
        fn = getattr(lib, self.op)

        def loss(*a):
            out = fn(*a, **kw)
            return (out * _weights(lib, out)).sum()

        return lib.grad(loss, argnums=self.argnums)(*args)


@dataclasses.dataclass(frozen=True)
class GradWithIndices:
    """`GradOf` for an indexing op whose second argument is the fixed index list `indices`."""

    op: str
    indices: tuple

    def __call__(self, lib, x, **kw):
        fn = getattr(lib, self.op)
        idx = lib.array(self.indices)

        def loss(a):
            out = fn(a, idx, **kw)
            return (out * _weights(lib, out)).sum()

        return lib.grad(loss)(x)


@dataclasses.dataclass(frozen=True)
class ValueAndGradOf:
    """`value_and_grad` of the same loss, returning `(loss, aux)` as value."""

    op: str

    def __call__(self, lib, *args, **kw):
        fn = getattr(lib, self.op)

        def loss(*a):
            out = fn(*a, **kw)
            return (out * _weights(lib, out)).sum(), out

        (value, aux), g = lib.value_and_grad(loss)(*args)
        return [value, aux, g]


@dataclasses.dataclass(frozen=True)
class JvpOf:
    """`jvp(op, args, tangents)` with tangents `cos(k + arange)` of each argument's shape."""

    op: str

    def __call__(self, lib, *args, **kw):
        fn = getattr(lib, self.op)
        tangents = [lib.reshape(lib.cos(lib.arange(a.size, dtype=lib.float32) + i), a.shape) for i, a in enumerate(args)]
        outs, tans = lib.jvp(lambda *a: fn(*a, **kw), list(args), tangents)
        return outs + tans


@dataclasses.dataclass(frozen=True)
class VmapOf:
    """`vmap(op, in_axes)(*args)`."""

    op: str
    in_axes: object = 0

    def __call__(self, lib, *args, **kw):
        fn = getattr(lib, self.op)
        return lib.vmap(lambda *a: fn(*a, **kw), in_axes=self.in_axes)(*args)


@dataclasses.dataclass(frozen=True)
class GradOfGrad:
    """The second derivative of an elementwise op: `grad(sum ∘ grad(sum ∘ op))`."""

    op: str

    def __call__(self, lib, x):
        fn = getattr(lib, self.op)
        first = lib.grad(lambda a: fn(a).sum())
        return lib.grad(lambda a: first(a).sum())(x)


REDUCTIONS = {
    "sum": [{"axis": 1}, {"axis": (0, 2), "keepdims": True}, {}],
    "prod": [{"axis": 1}, {}],
    "max": [{"axis": 2}, {}],
    "min": [{"axis": 0}],
    "mean": [{"axis": (1, 2)}, {}],
    "var": [{"axis": 1}, {"axis": 2, "ddof": 1}],
    "std": [{"axis": 0}],
    "logsumexp": [{"axis": 1}, {}],
    "softmax": [{"axis": -1}, {"axis": (0, 1)}],
    "cumsum": [{"axis": 1}, {"axis": 0, "reverse": True}, {"axis": 2, "inclusive": False}],
    "sort": [{"axis": 1}, {"axis": -1}],
}

SHAPES = {
    "transpose": [{"axes": (2, 0, 1)}],
    "reshape": [{"shape": (6, 4)}],
    "flatten": [{}],
    "swapaxes": [{"axis1": 0, "axis2": 2}],
    "expand_dims": [{"axis": 1}],
    "moveaxis": [{"source": 0, "destination": 2}],
    "broadcast_to": [],
    "split": [],
}


def cases() -> Iterator[Case]:
    F = FAMILY
    for op in SMOOTH_UNARY:
        kind = UNARY_DOMAIN.get(op, "small")
        x = In(kind, (3, 4), "float32")
        yield Case(F, op, GradOf(op), (x,), scale=4.0)
        yield Case(F, op, JvpOf(op), (x,), scale=4.0, tag="jvp")
        yield Case(F, op, VmapOf(op), (x,), scale=4.0, tag="vmap")
        yield Case(F, op, GradOf(op), (In(kind, (3, 4), "float32", "T"),), scale=4.0, tag="T")
        if op not in ("abs",):
            yield Case(F, op, GradOfGrad(op), (In(kind, (5,), "float32"),), scale=64.0, tag="second")
    for op in ZERO_GRAD:
        yield Case(F, op, GradOf(op), (In("small", (3, 4), "float32"),))
    for op in SMOOTH_BINARY:
        kind = BINARY_DOMAIN.get(op, "small")
        a, b = In("small" if op != "power" else "pos", (3, 4), "float32"), In(kind, (3, 4), "float32")
        yield Case(F, op, GradOf(op, (0, 1)), (a, b), scale=4.0)
        yield Case(F, op, GradOf(op, (0, 1)), (a, In(kind, (4,), "float32")), scale=4.0, tag="broadcast")
        yield Case(F, op, GradOf(op, (1,)), (In("small" if op != "power" else "pos", (2, 1, 4), "float32"), In(kind, (3, 1), "float32")), scale=4.0, tag="broadcast2")
        yield Case(F, op, JvpOf(op), (a, b), scale=4.0, tag="jvp")
        yield Case(F, op, VmapOf(op), (a, b), scale=4.0, tag="vmap")
        yield Case(F, op, VmapOf(op, (0, None)), (a, In(kind, (4,), "float32")), scale=4.0, tag="vmap-none")
        yield Case(F, op, VmapOf(op, (1, 0)), (In("small" if op != "power" else "pos", (4, 3), "float32"), b), scale=4.0, tag="vmap-axes")
    x3 = In("small", (2, 3, 4), "float32")
    for op, variants in REDUCTIONS.items():
        for kw in variants:
            yield Case(F, op, GradOf(op), (x3,), kw, scale=8.0)
            yield Case(F, op, VmapOf(op), (x3,), kw, scale=8.0, tag="vmap")
            yield Case(F, op, JvpOf(op), (x3,), kw, scale=8.0, tag="jvp")
        yield Case(F, op, ValueAndGradOf(op), (x3,), variants[0], scale=8.0, tag="value_and_grad")
    for op, variants in SHAPES.items():
        for kw in variants:
            yield Case(F, op, GradOf(op), (x3,), kw)
            yield Case(F, op, VmapOf(op), (x3,), kw, tag="vmap")
    yield Case(F, "broadcast_to", GradOf("broadcast_to"), (In("small", (3, 1), "float32"), (2, 3, 4)))
    yield Case(F, "split", GradOf("split"), (x3, 2), {"axis": 2})
    yield Case(F, "concatenate", GradOf("concatenate"), ([x3, In("small", (2, 1, 4), "float32")],), {"axis": 1})
    yield Case(F, "stack", GradOf("stack"), ([x3, x3],), {"axis": 1})
    yield Case(F, "where", GradOf("where", (1, 2)), (In("normal", (3, 4), "bool_"), In("small", (3, 4), "float32"), In("small", (4,), "float32")))
    yield Case(F, "take", GradOf("take"), (x3, [2, 0, 2]), {"axis": 1}, tag="list")  # raises: a list
    for ax in (0, 1, None):
        yield Case(F, "take", GradWithIndices("take", (1, 0, 1, 1)), (x3,), {"axis": ax}, tag="repeat")
    for ax in (0, 2):
        yield Case(F, "take", VmapOf("take", (0, None)), (x3, In("idx", (5,), "int32")), {"axis": ax}, tag="vmap")
        yield Case(F, "take", VmapOf("take", (None, 0)), (In("small", (3, 4), "float32"), In("idx", (2, 3), "int32")), {"axis": 0}, tag="vmap-idx")
        yield Case(F, "take", VmapOf("take", (0, 0)), (x3, In("idx", (2, 3), "int32")), {"axis": 1}, tag="vmap-both")
    yield Case(F, "matmul", GradOf("matmul", (0, 1)), (In("small", (3, 4), "float32"), In("small", (4, 5), "float32")), scale=4.0)
    yield Case(F, "matmul", GradOf("matmul", (0, 1)), (In("small", (2, 3, 4), "float32"), In("small", (4,), "float32")), scale=4.0, tag="vec")
    yield Case(F, "matmul", GradOf("matmul", (0, 1)), (In("small", (4,), "float32"), In("small", (2, 4, 5), "float32")), scale=4.0, tag="vecleft")
    yield Case(F, "matmul", VmapOf("matmul"), (In("small", (3, 2, 4), "float32"), In("small", (3, 4, 5), "float32")), scale=4.0, tag="vmap")
    yield Case(F, "matmul", VmapOf("matmul", (0, None)), (In("small", (3, 2, 4), "float32"), In("small", (4, 5), "float32")), scale=4.0, tag="vmap-none")
    yield Case(F, "matmul", JvpOf("matmul"), (In("small", (3, 4), "float32"), In("small", (4, 5), "float32")), scale=4.0, tag="jvp")
