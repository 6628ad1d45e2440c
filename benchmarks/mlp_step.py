"""One training step of a hand-written MLP (784-512-512-10, ReLU, batch 256, cross-entropy)
with SGD and with Adam written with ops, in rmlx, MLX and PyTorch — each in its own process,
in one run — as milliseconds per step and ratios to rmlx.

    python3 benchmarks/mlp_step.py [--steps N] [--libs rmlx,rmlx+compile,mlx,mlx+compile,torch]

`<lib>+compile` runs the same step through `mx.compile` (the step as a pure function of the
parameters and optimizer state).
"""

import argparse
import sys

from runner import child_json, md_row, md_rule, ms_row

WORKER = r'''
import json, sys, time
import numpy as np
lib, opt, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)
X = rng.normal(size=(256, 784)).astype(np.float32)
Y = rng.integers(0, 10, 256)
def init(i, o):
    return (rng.normal(size=(i, o)) * np.sqrt(2 / i)).astype(np.float32), np.zeros(o, np.float32)
params_np = [w for p in (init(784, 512), init(512, 512), init(512, 10)) for w in p]
lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
if lib == "torch":
    import torch
    torch.set_num_threads(2)
    P = [torch.tensor(w, requires_grad=True) for w in params_np]
    M = [torch.zeros_like(p) for p in P]; V = [torch.zeros_like(p) for p in P]
    x = torch.tensor(X); y = torch.tensor(Y)
    t = [0]
    def step():
        h = x
        for i in range(3):
            h = h @ P[2 * i] + P[2 * i + 1]
            if i < 2:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, y)
        g = torch.autograd.grad(loss, P)
        with torch.no_grad():
            t[0] += 1
            for k, (p, gi) in enumerate(zip(P, g)):
                if opt == "sgd":
                    p -= lr * gi
                else:
                    M[k] = b1 * M[k] + (1 - b1) * gi
                    V[k] = b2 * V[k] + (1 - b2) * gi * gi
                    mh = M[k] / (1 - b1 ** t[0]); vh = V[k] / (1 - b2 ** t[0])
                    p -= lr * mh / (torch.sqrt(vh) + eps)
        return float(loss)
else:
    compiled = lib.endswith("+compile")
    mx = __import__(lib.removesuffix("+compile") + ".core", fromlist=["core"])
    P = [mx.array(w) for w in params_np]
    M = [mx.zeros_like(p) for p in P]; V = [mx.zeros_like(p) for p in P]
    x = mx.array(X); y = mx.array(Y)
    def loss_fn(P):
        h = x
        for i in range(3):
            h = h @ P[2 * i] + P[2 * i + 1]
            if i < 2:
                h = mx.maximum(h, 0.0)
        picked = mx.take_along_axis(h, y[:, None], axis=1)[:, 0]
        return (mx.logsumexp(h, axis=1) - picked).mean()
    vg = mx.value_and_grad(loss_fn)
    def update(P, M, V, c1, c2):
        """One step as a pure function of the state (what `compile` traces)."""
        loss, g = vg(P)
        if opt == "sgd":
            return loss, [p - lr * gi for p, gi in zip(P, g)], M, V
        M = [b1 * m + (1 - b1) * gi for m, gi in zip(M, g)]
        V = [b2 * v + (1 - b2) * gi * gi for v, gi in zip(V, g)]
        P = [p - lr * (m / c1) / (mx.sqrt(v / c2) + eps) for p, m, v in zip(P, M, V)]
        return loss, P, M, V
    if compiled:
        update = mx.compile(update)
    t = [0]
    def step():
        global P, M, V
        t[0] += 1
        # Bias corrections as arrays: Python scalars would be part of compile's cache key.
        c1, c2 = mx.array(1 - b1 ** t[0]), mx.array(1 - b2 ** t[0])
        loss, P, M, V = update(P, M, V, c1, c2)
        mx.eval(loss, P, M, V)
        return loss.item()
for _ in range(3):
    step()
times = []
for _ in range(steps):
    t0 = time.perf_counter(); last = step(); times.append(time.perf_counter() - t0)
print(json.dumps({"ms": 1e3 * float(np.median(times)), "loss": last}))
'''


def run(lib: str, opt: str, steps: int):
    return child_json(["-c", WORKER, lib, opt, str(steps)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--libs", default="rmlx,mlx,torch")
    args = ap.parse_args()
    libs = args.libs.split(",")
    print(md_row("optimizer", libs, [f"{lib}/rmlx" for lib in libs[1:]]))
    print(md_rule(2 * len(libs)))
    for opt in ("sgd", "adam"):
        res = {}
        for lib in libs:
            r, err = run(lib, opt, args.steps)
            res[lib] = r["ms"] if r else None
            if err:
                print(f"  ({lib} failed: {err})", file=sys.stderr)
        print(ms_row(opt, res, libs))


if __name__ == "__main__":
    main()
