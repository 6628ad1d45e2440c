"""einsum beside MLX, NumPy (optimize=True) and PyTorch.

    python benchmarks/einsum.py              # every installed implementation, one table
    python benchmarks/einsum.py --impl rmlx  # one implementation, JSON on stdout

Cases: a 4-operand chain whose order matters (left to right it would form a 512x512x512
product; the greedy order contracts the small middle first), the same chain's path search
alone, batched attention scores `bhqd,bhkd->bhqk` and the weighted sum `bhqk,bhkd->bhqd`,
a bilinear form `bi,bij,bj->b`, a batched trace and a plain matmul. Each implementation runs
in its own process and reports the best of several repetitions; ratios are other/rmlx
(above 1: slower than rmlx).
"""

import json
from functools import partial

from runner import IMPLS, array_module, best_of, collect, fmt_time, impl_parser, time_table

# name -> (subscripts, shapes)
CASES = {
    "chain ab,bc,cd,de (512,64,8,64,512)": ("ab,bc,cd,de->ae", [(512, 64), (64, 8), (8, 64), (64, 512)]),
    "chain ab,bc,cd,de (256,1024,16,1024)": ("ab,bc,cd,de->ae", [(256, 1024), (1024, 16), (16, 1024), (1024, 256)]),
    "attention bhqd,bhkd->bhqk (8,16,256,64)": ("bhqd,bhkd->bhqk", [(8, 16, 256, 64), (8, 16, 256, 64)]),
    "attention bhqk,bhkd->bhqd (8,16,256,64)": ("bhqk,bhkd->bhqd", [(8, 16, 256, 256), (8, 16, 256, 64)]),
    "bilinear bi,bij,bj->b (64,256,256)": ("bi,bij,bj->b", [(64, 256), (64, 256, 256), (64, 256)]),
    "batched trace bii->b (256,256,256)": ("bii->b", [(256, 256, 256)]),
    "matmul ij,jk (1024)": ("ij,jk->ik", [(1024, 1024), (1024, 1024)]),
}


def host_inputs():
    import numpy as np
    rng = np.random.default_rng(0)
    return {k: [rng.standard_normal(s, dtype=np.float32) for s in shapes] for k, (_, shapes) in CASES.items()}


def suite(name):
    hosts = host_inputs()
    out = {}
    if name in ("rmlx", "mlx"):
        mx = array_module(name)
        for k, (sub, _) in CASES.items():
            xs = [mx.array(h) for h in hosts[k]]
            mx.eval(*xs)
            out[k] = (lambda s=sub, xs=xs: mx.eval(mx.einsum(s, *xs)))
        sub, _ = CASES["chain ab,bc,cd,de (512,64,8,64,512)"]
        xs = [mx.array(h) for h in hosts["chain ab,bc,cd,de (512,64,8,64,512)"]]
        out["einsum_path (4-operand chain)"] = lambda: mx.einsum_path(sub, *xs)
    elif name == "numpy":
        import numpy as np
        for k, (sub, _) in CASES.items():
            out[k] = (lambda s=sub, xs=hosts[k]: np.einsum(s, *xs, optimize=True))
        sub, _ = CASES["chain ab,bc,cd,de (512,64,8,64,512)"]
        xs = hosts["chain ab,bc,cd,de (512,64,8,64,512)"]
        out["einsum_path (4-operand chain)"] = lambda: np.einsum_path(sub, *xs, optimize="greedy")
    elif name == "torch":
        import torch
        for k, (sub, _) in CASES.items():
            xs = [torch.from_numpy(h) for h in hosts[k]]
            out[k] = (lambda s=sub, xs=xs: torch.einsum(s, *xs))
    else:
        raise SystemExit(f"unknown implementation {name}")
    return out


def run_impl(name, reps):
    return {case: best_of(f, reps) for case, f in suite(name).items()}


def main():
    args = impl_parser(__doc__, reps=5).parse_args()
    if args.impl:
        print(json.dumps(run_impl(args.impl, args.reps)))
        return
    results = collect(__file__, ["--reps", str(args.reps)])
    impls = [i for i in IMPLS if i in results]
    time_table(results, list(results[impls[0]].keys()), partial(fmt_time, us_digits=1))


if __name__ == "__main__":
    main()
