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

from runner import IMPLS, array_module, best_of, collect, md_row, md_rule, ratio

K = N = 4096
CASES = {"decode 1x4096": 1, "prefill 512x4096": 512}


def inputs():
    import numpy as np
    rng = np.random.default_rng(0)
    w = rng.standard_normal((N, K), dtype=np.float32) * 0.02
    xs = {name: rng.standard_normal((m, K), dtype=np.float32) for name, m in CASES.items()}
    return w, xs


def run_impl(name, reps):
    import numpy as np
    w, xs = inputs()
    out = {}
    if name in ("rmlx", "mlx"):
        mx = array_module(name)
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
    head = md_row("case", [f"{i}{' (dense f32)' if i in ('numpy', 'torch') else ' (4-bit)'}" for i in impls],
                  [f"{i}/rmlx" for i in impls if i != "rmlx"])
    lines = [head, md_rule(2 * len(impls))]
    for case in CASES:
        base = results.get("rmlx", {}).get(case)
        cells = [fmt(results[i][case]) if case in results[i] else "-" for i in impls]
        ratios = [ratio(results[i].get(case), base, suffix="") for i in impls if i != "rmlx"]
        lines.append(md_row(case, cells, ratios))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl")
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    if args.impl:
        print(json.dumps(run_impl(args.impl, args.reps)))
        return
    print(table(collect(__file__, ["--reps", str(args.reps)])))


if __name__ == "__main__":
    main()
