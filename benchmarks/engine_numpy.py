"""NumPy (and, when installed, PyTorch) side of the engine benchmark.

Run by `cargo run --release --example bench` in the same session so the ratios compare like
with like; prints one JSON object of {case: {"numpy": value, "torch": value}} with the same
units as the Rust side (GB/s, GFLOP/s, microseconds per op).
"""
import json
import sys

import numpy as np
from runner import best_of as best

try:
    import torch
except Exception:  # PyTorch is optional
    torch = None

try:
    import mlx.core as mx
except Exception:  # the real MLX is optional
    mx = None


def cases(lib):
    n = 16 * 1024 * 1024
    mb = n * 4
    out = {}
    if lib == "numpy":
        rng = np.random.default_rng(0)
        a = rng.standard_normal(n, dtype=np.float32)
        b = rng.standard_normal(n, dtype=np.float32)
        m = a.reshape(4096, 4096)
        mul_add = lambda: a * b + 1
        expf = lambda: np.exp(a)
        sumf = lambda: a.sum()
        rowsum = lambda: m.sum(axis=1)
        mats = {k: (rng.standard_normal((k, k), dtype=np.float32),
                    rng.standard_normal((k, k), dtype=np.float32)) for k in (512, 1024, 2048)}
        mm = lambda k: (lambda: mats[k][0] @ mats[k][1])
        tiny = np.ones(1, dtype=np.float32)
    elif lib == "mlx":
        mx.random.seed(0)
        a = mx.random.normal((n,))
        b = mx.random.normal((n,))
        m = a.reshape(4096, 4096)
        mx.eval(a, b, m)
        ev = lambda f: (lambda: mx.eval(f()))
        mul_add = ev(lambda: a * b + 1)
        expf = ev(lambda: mx.exp(a))
        sumf = ev(lambda: a.sum())
        rowsum = ev(lambda: m.sum(axis=1))
        mats = {k: (mx.random.normal((k, k)), mx.random.normal((k, k))) for k in (512, 1024, 2048)}
        mm = lambda k: ev(lambda: mats[k][0] @ mats[k][1])
        tiny = mx.ones((1,))
    else:
        torch.manual_seed(0)
        a = torch.randn(n)
        b = torch.randn(n)
        m = a.reshape(4096, 4096)
        mul_add = lambda: a * b + 1
        expf = lambda: torch.exp(a)
        sumf = lambda: a.sum()
        rowsum = lambda: m.sum(dim=1)
        mats = {k: (torch.randn(k, k), torch.randn(k, k)) for k in (512, 1024, 2048)}
        mm = lambda k: (lambda: mats[k][0] @ mats[k][1])
        tiny = torch.ones(1)
    slow = lib == "mlx"  # MLX's Linux CPU build multiplies with reference BLAS
    out["a*b+1 16M f32 (GB/s)"] = 3 * mb / best(mul_add, 10) / 1e9
    out["exp 16M f32 (GB/s)"] = 2 * mb / best(expf, 10) / 1e9
    out["sum 16M f32 (GB/s)"] = mb / best(sumf, 10) / 1e9
    out["row-sum 4096x4096 f32 (GB/s)"] = mb / best(rowsum, 10) / 1e9
    for k in (512, 1024, 2048):
        reps = 1 if slow else (5 if k < 2048 else 3)
        out[f"matmul {k} f32 (GFLOP/s)"] = 2 * k**3 / best(mm(k), reps) / 1e9

    def chain():
        x = tiny
        for _ in range(1000):
            x = x + 1
        if lib == "mlx":
            mx.eval(x)
        return x

    out["1000-op chain, tiny (us/op)"] = best(chain, 10) * 1e6 / 1000
    return out


def subnormal_slowdown():
    n = 4 * 1024 * 1024
    normal = np.full(n, 0.5, dtype=np.float32)
    sub = np.full(n, 1e-39, dtype=np.float32)
    return best(lambda: sub * np.float32(0.5), 5) / best(lambda: normal * np.float32(0.5), 5)


def main():
    result = {"subnormal slowdown (x)": {"numpy": subnormal_slowdown()}}
    libs = ["numpy"] + (["torch"] if torch is not None else []) + (["mlx"] if mx is not None else [])
    for lib in libs:
        for k, v in cases(lib).items():
            result.setdefault(k, {})[lib] = v
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
