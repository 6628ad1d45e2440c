"""`mx.random` with explicit keys: the same key must give the same values (rmlx reproduces
MLX's Threefry bits and its transforms; `test_random.py` checks the bits exactly, this
family puts every function through the common comparison with MLX's dtype, shape and
error rules)."""

from __future__ import annotations

import dataclasses
from typing import Iterator

from ..harness import In
from ..specs import Case

FAMILY = "random"


@dataclasses.dataclass(frozen=True)
class Rand:
    """`lib.random.<name>(*args, key=lib.random.key(seed), **kw)`."""

    name: str
    seed: int = 0

    def __call__(self, lib, *args, **kw):
        dt = kw.pop("dtype", None)
        if dt is not None:
            kw["dtype"] = getattr(lib, dt)
        return getattr(lib.random, self.name)(*args, key=lib.random.key(self.seed), **kw)


FLOATS = ("float16", "bfloat16", "float32")


def cases() -> Iterator[Case]:
    F = FAMILY
    for seed in (0, 7):
        for shape in ((), (5,), (3, 4), (0, 2)):
            for dt in FLOATS:
                yield Case(F, "uniform", Rand("uniform", seed), (), {"shape": shape, "dtype": dt})
                yield Case(F, "normal", Rand("normal", seed), (), {"shape": shape, "dtype": dt}, scale=2.0)
                yield Case(F, "gumbel", Rand("gumbel", seed), (), {"shape": shape, "dtype": dt}, scale=2.0)
                yield Case(F, "laplace", Rand("laplace", seed), (), {"shape": shape, "dtype": dt}, scale=2.0)
            yield Case(F, "randint", Rand("randint", seed), (-5, 9), {"shape": shape})
            yield Case(F, "randint", Rand("randint", seed), (0, 1000), {"shape": shape, "dtype": "uint8"})
            yield Case(F, "bernoulli", Rand("bernoulli", seed), (0.3,), {"shape": shape})
            yield Case(F, "truncated_normal", Rand("truncated_normal", seed), (-1.0, 2.0), {"shape": shape}, scale=2.0)
        yield Case(F, "uniform", Rand("uniform", seed), (In("small", (3,), "float32"), 5.0), {"shape": (2, 3)})
        yield Case(F, "normal", Rand("normal", seed), (), {"shape": (4,), "loc": 1.5, "scale": 0.5})
        yield Case(F, "bernoulli", Rand("bernoulli", seed), (In("unit", (2, 3), "float32"),))
        yield Case(F, "categorical", Rand("categorical", seed), (In("small", (4, 6), "float32"),), {"axis": -1})
        yield Case(F, "categorical", Rand("categorical", seed), (In("small", (4, 6), "float32"),), {"num_samples": 3})
        yield Case(F, "categorical", Rand("categorical", seed), (In("small", (1, 6), "float32"),))
        yield Case(F, "permutation", Rand("permutation", seed), (10,))
        yield Case(F, "permutation", Rand("permutation", seed), (In("small", (5, 3), "int32"),), {"axis": 0})
        yield Case(F, "split", Rand("split", seed), ())  # raises: split takes a key, not key=
    # Errors: integer dtypes for float distributions, bad shapes.
    yield Case(F, "uniform", Rand("uniform"), (), {"shape": (2,), "dtype": "int32"})
    yield Case(F, "normal", Rand("normal"), (), {"shape": (2,), "dtype": "int32"})
    yield Case(F, "randint", Rand("randint"), (0, 5), {"shape": (2,), "dtype": "float32"})
    yield Case(F, "truncated_normal", Rand("truncated_normal"), (In("small", (3,), "float32"), 2.0), {"shape": (2,)})
