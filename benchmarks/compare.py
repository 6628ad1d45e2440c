"""Side-by-side benchmark: the same cases through rmlx, MLX, NumPy and PyTorch.

    python benchmarks/compare.py                 # every installed implementation, one table
    python benchmarks/compare.py --impl rmlx     # one implementation, JSON on stdout
    python benchmarks/compare.py --only sort     # only the cases whose name contains "sort"

Each implementation runs in its own process (so libraries don't share thread pools or
caches) and reports the best of several repetitions per case. The table shows each
implementation's time and its ratio to rmlx (above 1 means slower than rmlx).
"""

import json

from runner import IMPLS, array_module, best_of, collect, fmt_time, impl_parser, time_table

N = 16 * 1024 * 1024
SORT_N = 1 << 20  # sort: 1M float32
TABLE = (100_000, 128)  # take: rows of a float32 table ...
TAKE_N = 1 << 20  # ... gathered at 1M random row indices


def shared_inputs():
    """NumPy inputs of the sort/cumsum/take cases, identical in every process."""
    import numpy as np
    rng = np.random.default_rng(1)
    return {
        "s": rng.standard_normal(SORT_N, dtype=np.float32),
        "table": rng.standard_normal(TABLE, dtype=np.float32),
        "idx": rng.integers(0, TABLE[0], TAKE_N).astype(np.int32),
    }


def per_call(f, calls):
    """Mean seconds per call over a loop of `calls` calls (best of 5 loops)."""
    def loop():
        for _ in range(calls):
            f()
    return best_of(loop, 5) / calls


class Lazy:
    """rmlx and MLX: arrays are lazy, so each timed call evaluates its result."""

    def __init__(self, mx):
        self.mx = mx

    def data(self):
        import numpy as np
        rng = np.random.default_rng(0)
        mx = self.mx
        arrays = {
            "a": mx.array(rng.standard_normal(N, dtype=np.float32)),
            "b": mx.array(rng.standard_normal(N, dtype=np.float32)),
            "m1": mx.array(rng.standard_normal((2048, 2048), dtype=np.float32)),
            "m2": mx.array(rng.standard_normal((2048, 2048), dtype=np.float32)),
            "tiny": mx.array([1.0, 2.0, 3.0]),
        }
        arrays["m"] = mx.array(rng.standard_normal((4096, 4096), dtype=np.float32))
        arrays.update({k: mx.array(v) for k, v in shared_inputs().items()})
        mx.eval(*arrays.values())
        return arrays

    def cases(self):
        mx = self.mx
        d = self.data()
        a, b, m, tiny = d["a"], d["b"], d["m"], d["tiny"]
        ev = mx.eval

        def chain():
            x = tiny
            for _ in range(1000):
                x = x + 1.0
            ev(x)

        return {
            "a*b+1 (16M f32)": lambda: ev(a * b + 1),
            "exp (16M f32)": lambda: ev(mx.exp(a)),
            "sum (16M f32)": lambda: ev(mx.sum(a)),
            "row sum (4096x4096)": lambda: ev(mx.sum(m, axis=1)),
            "matmul 2048 f32": lambda: ev(d["m1"] @ d["m2"]),
            "softmax rows (4096x4096)": lambda: ev(mx.softmax(m, axis=-1)),
            "sort (1M f32)": lambda: ev(mx.sort(d["s"])),
            "cumsum (16M f32)": lambda: ev(mx.cumsum(a)),
            "take 1M rows (100kx128 f32)": lambda: ev(mx.take(d["table"], d["idx"], axis=0)),
            "1000-op chain, evaluated": chain,
            "op call a+b (tiny, lazy)": ("call", lambda: tiny + tiny),
            "mx.array([1,2,3])": ("call", lambda: mx.array([1.0, 2.0, 3.0])),
        }


class Numpy:
    def cases(self):
        import numpy as np
        rng = np.random.default_rng(0)
        a = rng.standard_normal(N, dtype=np.float32)
        b = rng.standard_normal(N, dtype=np.float32)
        m = a.reshape(4096, 4096)
        m1 = rng.standard_normal((2048, 2048), dtype=np.float32)
        m2 = rng.standard_normal((2048, 2048), dtype=np.float32)
        tiny = np.array([1.0, 2.0, 3.0], dtype=np.float32)
        sh = shared_inputs()

        def softmax():
            e = np.exp(m - m.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)

        def chain():
            x = tiny
            for _ in range(1000):
                x = x + np.float32(1.0)

        return {
            "a*b+1 (16M f32)": lambda: a * b + 1,
            "exp (16M f32)": lambda: np.exp(a),
            "sum (16M f32)": lambda: a.sum(),
            "row sum (4096x4096)": lambda: m.sum(axis=1),
            "matmul 2048 f32": lambda: m1 @ m2,
            "softmax rows (4096x4096)": softmax,
            "sort (1M f32)": lambda: np.sort(sh["s"]),
            "cumsum (16M f32)": lambda: np.cumsum(a),
            "take 1M rows (100kx128 f32)": lambda: sh["table"][sh["idx"]],
            "1000-op chain, evaluated": chain,
            "op call a+b (tiny, lazy)": ("call", lambda: tiny + tiny),
            "mx.array([1,2,3])": ("call", lambda: np.array([1.0, 2.0, 3.0], dtype=np.float32)),
        }


class Torch:
    def cases(self):
        import torch
        g = torch.Generator().manual_seed(0)
        a = torch.randn(N, generator=g)
        b = torch.randn(N, generator=g)
        m = a.reshape(4096, 4096)
        m1 = torch.randn(2048, 2048, generator=g)
        m2 = torch.randn(2048, 2048, generator=g)
        tiny = torch.tensor([1.0, 2.0, 3.0])
        sh = {k: torch.from_numpy(v) for k, v in shared_inputs().items()}
        idx64 = sh["idx"].long()

        def chain():
            x = tiny
            for _ in range(1000):
                x = x + 1.0

        return {
            "a*b+1 (16M f32)": lambda: a * b + 1,
            "exp (16M f32)": lambda: torch.exp(a),
            "sum (16M f32)": lambda: a.sum(),
            "row sum (4096x4096)": lambda: m.sum(dim=1),
            "matmul 2048 f32": lambda: m1 @ m2,
            "softmax rows (4096x4096)": lambda: torch.softmax(m, dim=-1),
            "sort (1M f32)": lambda: torch.sort(sh["s"]),
            "cumsum (16M f32)": lambda: torch.cumsum(a, 0),
            "take 1M rows (100kx128 f32)": lambda: torch.index_select(sh["table"], 0, idx64),
            "1000-op chain, evaluated": chain,
            "op call a+b (tiny, lazy)": ("call", lambda: tiny + tiny),
            "mx.array([1,2,3])": ("call", lambda: torch.tensor([1.0, 2.0, 3.0])),
        }


def run_impl(name, reps, only=None):
    if name in ("rmlx", "mlx"):
        suite = Lazy(array_module(name))
    elif name == "numpy":
        suite = Numpy()
    elif name == "torch":
        suite = Torch()
    else:
        raise SystemExit(f"unknown implementation {name}")
    out = {}
    for case, f in suite.cases().items():
        if only and not any(o in case for o in only):
            continue
        if isinstance(f, tuple):
            out[case] = per_call(f[1], 20000)
        else:
            out[case] = best_of(f, reps)
    return out


def main():
    p = impl_parser(__doc__, reps=5)
    p.add_argument("--only", action="append",
                   help="run only cases whose name contains this text (repeatable)")
    args = p.parse_args()
    if args.impl:
        print(json.dumps(run_impl(args.impl, args.reps, args.only)))
        return
    only = [a for o in args.only or [] for a in ("--only", o)]
    results = collect(__file__, ["--reps", str(args.reps)] + only)
    impls = [i for i in IMPLS if i in results]
    time_table(results, list(results[impls[0]].keys()), fmt_time)


if __name__ == "__main__":
    main()
