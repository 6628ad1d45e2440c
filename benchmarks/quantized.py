"""quantized_matmul benchmark: 4-bit (group 64) 4096×4096 weight times a 1×4096 vector (the
LLM decoding shape) and times a 512×4096 matrix.

    python benchmarks/quantized.py                # every installed implementation, one table
    python benchmarks/quantized.py --impl rmlx    # one implementation, JSON on stdout

rmlx and MLX run `quantized_matmul` on the packed 4-bit weight (rmlx multiplies the weights
MLX packed: the same bytes). NumPy and PyTorch have no 4-bit CPU product: they run the
dense float32 matmul of the same shape as the reference (their rows are marked "dense f32").
Each implementation runs in its own process; times are the best of several repetitions.
The ratio column is other/rmlx (above 1: slower than rmlx).
"""

import argparse
import json
import subprocess
import sys
import time

IMPLS = ["rmlx", "mlx", "numpy", "torch"]
K = N = 4096
CASES = {"decode 1x4096": 1, "prefill 512x4096": 512}


def inputs():
    import numpy as np
    rng = np.random.default_rng(0)
    w = rng.standard_normal((N, K), dtype=np.float32) * 0.02
    xs = {name: rng.standard_normal((m, K), dtype=np.float32) for name, m in CASES.items()}
    return w, xs


def best_of(f, reps):
    f()
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - s)
    return t


def run_impl(name, reps):
    import numpy as np
    w, xs = inputs()
    out = {}
    if name in ("rmlx", "mlx"):
        if name == "rmlx":
            import rmlx.core as mx
        else:
            import mlx.core as mx
        # Both multiply MLX's packing of the weight (rmlx's is bit-identical; using the
        # same bytes rules out any difference).
        import mlx.core as ref
        q = ref.quantize(ref.array(w), 64, 4)
        wq, s, b = (mx.array(np.array(a)) for a in q)
        mx.eval(wq, s, b)
        for case, x in xs.items():
            xa = mx.array(x)
            mx.eval(xa)
            calls = 20 if x.shape[0] == 1 else 1
            reps_c = reps if x.shape[0] == 1 else max(2, reps // 3)

            def f():
                for _ in range(calls):
                    mx.eval(mx.quantized_matmul(xa, wq, s, b, transpose=True, group_size=64, bits=4))
            out[case] = best_of(f, reps_c) / calls
    elif name == "numpy":
        wt = np.ascontiguousarray(w.T)
        for case, x in xs.items():
            calls = 20 if x.shape[0] == 1 else 1
            out[case] = best_of(lambda: [x @ wt for _ in range(calls)], reps) / calls
    elif name == "torch":
        import torch
        wt = torch.from_numpy(w)
        for case, x in xs.items():
            xt = torch.from_numpy(x)
            calls = 20 if x.shape[0] == 1 else 1
            out[case] = best_of(lambda: [torch.nn.functional.linear(xt, wt) for _ in range(calls)], reps) / calls
    return out


def fmt(s):
    return f"{s * 1e3:.3f} ms"


def table(results):
    impls = [i for i in IMPLS if i in results]
    head = "| case | " + " | ".join(
        f"{i}{' (dense f32)' if i in ('numpy', 'torch') else ' (4-bit)'}" for i in impls
    ) + " | " + " | ".join(f"{i}/rmlx" for i in impls if i != "rmlx") + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(impls) - 1)]
    for case in CASES:
        base = results.get("rmlx", {}).get(case)
        cells = [fmt(results[i][case]) if case in results[i] else "-" for i in impls]
        ratios = []
        for i in impls:
            if i == "rmlx":
                continue
            v = results[i].get(case)
            ratios.append(f"{v / base:.2f}" if v and base else "-")
        lines.append(f"| {case} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl")
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    if args.impl:
        print(json.dumps(run_impl(args.impl, args.reps)))
        return
    results = {}
    for impl in IMPLS:
        r = subprocess.run([sys.executable, __file__, "--impl", impl, "--reps", str(args.reps)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{impl}: failed\n{r.stderr[-2000:]}", file=sys.stderr)
            continue
        results[impl] = json.loads(r.stdout.strip().splitlines()[-1])
    print(table(results))


if __name__ == "__main__":
    main()
