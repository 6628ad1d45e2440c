"""The fast ops in rmlx, MLX, PyTorch and NumPy — each library in its own process — as
milliseconds per call (median) and ratios other/rmlx:

- rms_norm and layer_norm over (4096, 4096) float32 (PyTorch: F.rms_norm / F.layer_norm;
  NumPy: the textbook composition);
- rope over (1, 32, 2048, 128) float32 (PyTorch and NumPy: the cos/sin-table composition
  that models use);
- scaled_dot_product_attention (1, 32, 2048, 128) causal, the same without a mask
  (`sdpa_full`), and the decoding shape
  (1, 32, 1, 128) queries against 2048 keys (PyTorch: F.scaled_dot_product_attention).

    python3 benchmarks/fast.py [--reps N] [--libs rmlx,mlx,torch,numpy] [--cases a,b]
"""

import argparse
import sys

from runner import child_json, md_row, md_rule, ms_row

WORKER = r'''
import json, sys, time
import numpy as np
lib, case, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)
def normal(*s):
    return rng.standard_normal(s, dtype=np.float32)
if case in ("rms_norm", "layer_norm"):
    X, W, B = normal(4096, 4096), normal(4096), normal(4096)
elif case == "rope":
    X = normal(1, 32, 2048, 128)
elif case in ("sdpa_causal", "sdpa_full"):
    Q, K, V = normal(1, 32, 2048, 128), normal(1, 32, 2048, 128), normal(1, 32, 2048, 128)
else:
    Q, K, V = normal(1, 32, 1, 128), normal(1, 32, 2048, 128), normal(1, 32, 2048, 128)
scale = 128 ** -0.5
if lib == "torch":
    import torch
    import torch.nn.functional as F
    T = lambda a: torch.from_numpy(a)
    if case == "rms_norm":
        x, w = T(X), T(W); f = lambda: F.rms_norm(x, (4096,), w, 1e-5)
    elif case == "layer_norm":
        x, w, b = T(X), T(W), T(B); f = lambda: F.layer_norm(x, (4096,), w, b, 1e-5)
    elif case == "rope":
        x = T(X)
        inv = 10000.0 ** (-torch.arange(0, 64, dtype=torch.float32) / 64)
        th = torch.arange(2048, dtype=torch.float32)[:, None] * inv
        c, s = torch.cos(th), torch.sin(th)
        def f():
            x1, x2 = x[..., :64], x[..., 64:]
            return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], -1)
    else:
        q, k, v = T(Q), T(K), T(V)
        causal = case == "sdpa_causal"
        f = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)
    run = lambda: f()
elif lib == "numpy":
    if case == "rms_norm":
        def run():
            return X / np.sqrt(np.mean(X * X, -1, keepdims=True) + 1e-5) * W
    elif case == "layer_norm":
        def run():
            mu = X.mean(-1, keepdims=True); d = X - mu
            return d / np.sqrt((d * d).mean(-1, keepdims=True) + 1e-5) * W + B
    elif case == "rope":
        inv = (10000.0 ** (-np.arange(64, dtype=np.float32) / 64)).astype(np.float32)
        th = np.arange(2048, dtype=np.float32)[:, None] * inv
        c, s = np.cos(th), np.sin(th)
        def run():
            x1, x2 = X[..., :64], X[..., 64:]
            return np.concatenate([x1 * c - x2 * s, x1 * s + x2 * c], -1)
    else:
        print(json.dumps({"ms": None})); sys.exit(0)
else:
    mx = __import__(lib + ".core", fromlist=["core"])
    F = mx.fast
    if case == "rms_norm":
        x, w = mx.array(X), mx.array(W); g = lambda: F.rms_norm(x, w, 1e-5)
    elif case == "layer_norm":
        x, w, b = mx.array(X), mx.array(W), mx.array(B); g = lambda: F.layer_norm(x, w, b, 1e-5)
    elif case == "rope":
        x = mx.array(X); g = lambda: F.rope(x, 128, traditional=False, base=10000.0, scale=1.0, offset=0)
    else:
        q, k, v = mx.array(Q), mx.array(K), mx.array(V)
        mask = "causal" if case == "sdpa_causal" else None
        g = lambda: F.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
    mx.eval(q if case.startswith("sdpa") else x)
    def run():
        r = g(); mx.eval(r); return r
for _ in range(2):
    run()
times = []
for _ in range(reps):
    t0 = time.perf_counter(); run(); times.append(time.perf_counter() - t0)
print(json.dumps({"ms": 1e3 * float(np.median(times))}))
'''

CASES = ["rms_norm", "layer_norm", "rope", "sdpa_causal", "sdpa_full", "sdpa_decode"]
LABELS = {
    "rms_norm": "rms_norm (4096, 4096) f32",
    "layer_norm": "layer_norm (4096, 4096) f32",
    "rope": "rope (1, 32, 2048, 128) f32",
    "sdpa_causal": "sdpa (1, 32, 2048, 128) causal",
    "sdpa_full": "sdpa (1, 32, 2048, 128) no mask",
    "sdpa_decode": "sdpa decode (1, 32, 1, 128) vs 2048 keys",
}


def run(lib: str, case: str, reps: int):
    got, err = child_json(["-c", WORKER, lib, case, str(reps)])
    return (got["ms"] if got else None), err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--libs", default="rmlx,mlx,torch,numpy")
    ap.add_argument("--cases", default=",".join(CASES))
    args = ap.parse_args()
    libs = args.libs.split(",")
    print(md_row("case", libs, [f"{lib}/rmlx" for lib in libs[1:]]))
    print(md_rule(2 * len(libs)))
    for case in args.cases.split(","):
        res = {}
        for lib in libs:
            reps = args.reps if not (lib == "mlx" and case in ("sdpa_causal", "sdpa_full")) else max(2, args.reps // 5)
            ms, err = run(lib, case, reps)
            res[lib] = ms
            if err:
                print(f"  ({lib} {case} failed: {err})", file=sys.stderr)
        print(ms_row(LABELS[case], res, libs), flush=True)


if __name__ == "__main__":
    main()
