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
    yield from op_set_cases()


# ---- The op-set primitives: fused products, structural ops, scans, scatters. Index values
# are literal and in range (MLX corrupts its heap on out-of-range ones).

def _addmm(lib, c, a, b):
    return lib.addmm(c, a, b, alpha=0.5, beta=2.0)


def _gather_mm(lib, a, b):
    return lib.gather_mm(a, b, lib.array([2, 0, 1]), lib.array([1, 1, 0]))


def _hadamard(lib, x):
    return lib.hadamard_transform(x, scale=0.5)


def _diagonal(lib, x):
    return lib.diagonal(x, 1, 0, 2)


def _diag(lib, x):
    return lib.diag(x, -1)


def _trace(lib, x):
    return lib.trace(x, 1)


def _pad_constant(lib, x):
    return lib.pad(x, [(1, 2), (0, 1)], constant_values=1.5)


def _pad_edge(lib, x):
    return lib.pad(x, [(2, 1), (1, 3)], mode="edge")


def _roll(lib, x):
    return lib.roll(x, (2, -1), axis=(0, 1))


def _tile(lib, x):
    return lib.tile(x, (2, 1, 3))


def _repeat(lib, x):
    return lib.repeat(x, 2, axis=1)


def _flip(lib, x):
    return x[::-1, :, ::-2]


def _as_strided(lib, x):
    return lib.as_strided(x, (3, 4), (2, 1), 1)


def _cumprod_zeros(lib, x):
    z = lib.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    return lib.cumprod(x * z, axis=1)


def _cumprod(lib, x):
    return lib.cumprod(x, axis=0, reverse=True)


def _cummax(lib, x):
    return lib.cummax(x, axis=1)


def _cummin(lib, x):
    return lib.cummin(x, axis=0, reverse=True)


def _logcumsumexp(lib, x):
    return lib.logcumsumexp(x, axis=1)


def _dyn_slice(lib, x):
    return lib.slice(x, lib.array([1, 2]), [0, 1], [2, 2])


def _dyn_update(lib, x, u):
    return lib.slice_update(x, u, lib.array([1]), [1])


def _put_along(lib, x, v):
    return lib.put_along_axis(x, lib.array([[2], [0], [1]]), v, axis=1)


def _at_add(lib, x, v):
    return x.at[lib.array([0, 2, 0])].add(v)


def _at_max(lib, x, v):
    return x.at[lib.array([0, 2])].maximum(v)


def _searchsorted(lib, v):
    return lib.searchsorted(lib.array([0.0, 0.5, 1.0, 2.0]), v)


COMPOSED = {
    "addmm": (_addmm, [("small", (2, 4)), ("small", (2, 3)), ("small", (3, 4))]),
    "gather_mm": (_gather_mm, [("small", (3, 2, 3)), ("small", (2, 3, 4))]),
    "hadamard_transform": (_hadamard, [("small", (3, 8))]),
    "diagonal": (_diagonal, [("small", (3, 2, 4))]),
    "diag": (_diag, [("small", (4,))]),
    "trace": (_trace, [("small", (3, 4))]),
    "pad": (_pad_constant, [("small", (3, 2))]),
    "pad/edge": (_pad_edge, [("small", (3, 2))]),
    "roll": (_roll, [("small", (3, 4))]),
    "tile": (_tile, [("small", (3, 4))]),
    "repeat": (_repeat, [("small", (3, 4))]),
    "flip": (_flip, [("small", (3, 2, 4))]),
    "as_strided": (_as_strided, [("small", (12,))]),
    "cumprod/zeros": (_cumprod_zeros, [("small", (3, 4))]),
    "cumprod": (_cumprod, [("small", (3, 4))]),
    "cummax": (_cummax, [("small", (3, 4))]),
    "cummin": (_cummin, [("small", (3, 4))]),
    "logcumsumexp": (_logcumsumexp, [("small", (3, 4))]),
    "slice": (_dyn_slice, [("small", (4, 5))]),
    "slice_update": (_dyn_update, [("small", (4, 5)), ("small", (4, 2))]),
    "put_along_axis": (_put_along, [("small", (3, 4)), ("small", (3, 1))]),
    "at.add": (_at_add, [("small", (4, 2)), ("small", (3, 2))]),
    "at.maximum": (_at_max, [("small", (4, 2)), ("small", (2, 2))]),
    "searchsorted": (_searchsorted, [("small", (3, 4))]),
}

# rmlx batches these too; MLX raises for them, so they are left out of the comparison.
NO_VMAP = {"as_strided", "slice", "gather_mm"}


@dataclasses.dataclass(frozen=True)
class GradComposed:
    """`GradOf` for a module-level function `fn(lib, *args)` (all arguments differentiated)."""

    name: str

    def __call__(self, lib, *args):
        fn = COMPOSED[self.name][0]

        def loss(*a):
            out = fn(lib, *a)
            return (out * _weights(lib, out)).sum()

        return lib.grad(loss, argnums=tuple(range(len(args))))(*args)


@dataclasses.dataclass(frozen=True)
class VmapComposed:
    """`vmap` of the same function over a leading axis of every argument."""

    name: str

    def __call__(self, lib, *args):
        fn = COMPOSED[self.name][0]
        return lib.vmap(lambda *a: fn(lib, *a))(*args)


def op_set_cases() -> Iterator[Case]:
    for name, (_, ins) in COMPOSED.items():
        op = name.split("/")[0]
        args = tuple(In(kind, shape, "float32") for kind, shape in ins)
        batched = tuple(In(kind, (2,) + shape, "float32") for kind, shape in ins)
        yield Case(FAMILY, op, GradComposed(name), args, scale=8.0, tag=name)
        if name not in NO_VMAP:
            yield Case(FAMILY, op, VmapComposed(name), batched, scale=8.0, tag=name + "-vmap")
