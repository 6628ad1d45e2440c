"""Compiled (fused) elementwise chains in rmlx, MLX, PyTorch and NumPy — each variant in its
own process — as milliseconds per call (median) and ratios other/rmlx-compile:

- GELU, tanh approximation, over 16M float32;
- a layer of `x * sigmoid(x) * w + b` over (4096, 4096) float32 (w, b of shape (4096,));
- one unfused op (`exp(x)`, and `x + y`) over 16M float32 (target: NumPy's speed).

Variants: `rmlx-compile` (`mx.compile`: traced once, the chain fused into one `Compiled`
node), `rmlx` (unfused), `mlx-compile` (`mx.compile`),
`mlx`, `torch-compile` (`torch.compile`, eager when it does not run here), `torch`,
`numpy`.

    python3 benchmarks/compile.py [--reps N] [--libs ...] [--cases gelu,swish,exp,add]
"""

import argparse
import json
import subprocess
import sys

WORKER = r'''
import json, sys, time
import numpy as np
variant, case, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)
N = 1 << 24
if case == "swish":
    X = rng.standard_normal((4096, 4096), dtype=np.float32)
    W = rng.standard_normal(4096, dtype=np.float32)
    B = rng.standard_normal(4096, dtype=np.float32)
    host = (X, W, B)
elif case == "add":
    host = (rng.standard_normal(N, dtype=np.float32), rng.standard_normal(N, dtype=np.float32))
else:
    host = (rng.standard_normal(N, dtype=np.float32),)
C = 0.7978845608028654

def make(ns):
    """The case's function written with a library's namespace `ns` (tanh, sigmoid, exp)."""
    if case == "gelu":
        return lambda x: 0.5 * x * (1.0 + ns.tanh(C * (x + 0.044715 * (x * x * x))))
    if case == "swish":
        return lambda x, w, b: x * ns.sigmoid(x) * w + b
    if case == "exp":
        return lambda x: ns.exp(x)
    return lambda x, y: x + y

note = ""
if variant.startswith("torch"):
    import torch
    args = [torch.from_numpy(a) for a in host]
    f = make(torch)
    if variant == "torch-compile":
        try:
            g = torch.compile(f)
            g(*args)
            f = g
        except Exception as e:  # no compiler toolchain: eager
            note = "eager (torch.compile failed: %s)" % type(e).__name__
    run = lambda: f(*args)
elif variant == "numpy":
    class NS:
        tanh = staticmethod(np.tanh)
        exp = staticmethod(np.exp)
        @staticmethod
        def sigmoid(x):
            return 1.0 / (1.0 + np.exp(-x))
    f = make(NS)
    args = [np.float32(1) * a for a in host]
    run = lambda: f(*args)
else:
    lib = "mlx" if variant.startswith("mlx") else "rmlx"
    mx = __import__(lib + ".core", fromlist=["core"])
    args = [mx.array(a) for a in host]
    mx.eval(*args)
    f = make(mx)
    if variant.endswith("-compile"):
        g = mx.compile(f)
        def run():
            r = g(*args); mx.eval(r); return r
    else:
        def run():
            r = f(*args); mx.eval(r); return r
for _ in range(2):
    run()
times = []
for _ in range(reps):
    t0 = time.perf_counter(); run(); times.append(time.perf_counter() - t0)
print(json.dumps({"ms": 1e3 * float(np.median(times)), "note": note}))
'''

CASES = ["gelu", "swish", "exp", "add"]
LABELS = {
    "gelu": "GELU (tanh approx.) 16M f32",
    "swish": "x*sigmoid(x)*w+b (4096, 4096) f32",
    "exp": "exp(x) 16M f32 (one op)",
    "add": "x + y 16M f32 (one op)",
}
VARIANTS = ["rmlx-compile", "rmlx", "mlx-compile", "mlx", "torch-compile", "torch", "numpy"]


def run(variant: str, case: str, reps: int):
    out = subprocess.run([sys.executable, "-c", WORKER, variant, case, str(reps)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        err = out.stderr.strip().splitlines()
        return None, err[-1] if err else "failed"
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return r["ms"], r["note"] or None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--libs", default=",".join(VARIANTS))
    ap.add_argument("--cases", default=",".join(CASES))
    args = ap.parse_args()
    libs = args.libs.split(",")
    print("| case | " + " | ".join(libs) + " | " + " | ".join(f"{l}/{libs[0]}" for l in libs[1:]) + " |")
    print("|---" * (2 * len(libs)) + "|")
    for case in args.cases.split(","):
        res = {}
        for lib in libs:
            ms, note = run(lib, case, args.reps)
            res[lib] = ms
            if note:
                print(f"  ({lib} {case}: {note})", file=sys.stderr)
        cells = [f"{res[l]:.2f} ms" if res[l] else "n/a" for l in libs]
        base = res.get(libs[0])
        ratios = [f"{res[l] / base:.2f}x" if res[l] and base else "n/a" for l in libs[1:]]
        print(f"| {LABELS[case]} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |", flush=True)


if __name__ == "__main__":
    main()
