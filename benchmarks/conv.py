"""Convolution benchmark: rmlx, MLX, NumPy and PyTorch on the same cases.

    python benchmarks/conv.py                # every installed implementation, one table
    python benchmarks/conv.py --impl rmlx    # one implementation, JSON on stdout

Cases (float32, channels-last for rmlx/MLX/NumPy; PyTorch gets channels_last tensors so
oneDNN runs its NHWC kernels):
- conv2d 8×56×56×64 → 64, 3×3, stride 1, padding 1 (issue 6's case)
- conv2d strided + grouped: 8×56×56×64 → 128, 3×3, stride 2, padding 1, groups 4
- conv1d 16×1024×128 → 128, kernel 5, padding 2
With `--grad` the table gives instead the gradient of `sum(conv(x, w) * c)` w.r.t. both the
input and the weight (forward and backward; `mx.grad` / `torch.autograd.grad`, 3× the forward
FLOPs) for the 3×3 stride-1 case; NumPy has no column there.
NumPy has no N-d convolution: its column is a plain im2col (sliding_window_view + one
tensordot), the textbook baseline. Each implementation runs in its own process and reports
the best of several repetitions, and the implementations are run in interleaved rounds
(`--rounds`, best kept). The table gives the best wall ms, GFLOP/s, the CPU ms one call costs
(all threads), and the ratio of wall times other/rmlx (above 1: slower than rmlx).
"""

import argparse
import json
import resource
import time

from runner import IMPLS, array_module, collect, md_row, md_rule, ratio

# name: (input shape NHWC or NLC, weight shape O,K..,C/g, stride, padding, groups)
CASES = {
    "conv2d 8x56x56x64->64 3x3 s1 p1": ((8, 56, 56, 64), (64, 3, 3, 64), 1, 1, 1),
    "conv2d 8x56x56x64->128 3x3 s2 p1 g4": ((8, 56, 56, 64), (128, 3, 3, 16), 2, 1, 4),
    "conv1d 16x1024x128->128 k5 p2": ((16, 1024, 128), (128, 5, 128), 1, 2, 1),
}


GRAD_CASES = {"grad conv2d 8x56x56x64->64 3x3 s1 p1 (x and w)": CASES["conv2d 8x56x56x64->64 3x3 s1 p1"]}


def flops(xs, ws, stride, pad):
    """2 · outputs · taps · input channels per group."""
    spatial = [(n + 2 * pad - k) // stride + 1 for n, k in zip(xs[1:-1], ws[1:-1])]
    out = xs[0] * ws[0]
    for s in spatial:
        out *= s
    taps = 1
    for k in ws[1:-1]:
        taps *= k
    return 2 * out * taps * ws[-1]


def best_of(f, reps=10):
    """(best wall seconds, mean CPU seconds of this process per call) over `reps` calls after
    two warm-up calls. CPU time sums every thread, so it shows the work a call costs even when
    the machine is shared (PyTorch's OpenMP threads also count their spin-waiting)."""
    f()
    f()
    t = float("inf")
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(reps):
        s = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - s)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / reps
    return t, cpu


def inputs(xs, ws):
    import numpy as np
    rng = np.random.default_rng(0)
    return rng.standard_normal(xs, dtype=np.float32), rng.standard_normal(ws, dtype=np.float32) * 0.1


def run_lazy_grad(mx):
    import numpy as np
    out = {}
    for name, (xs, ws, s, p, g) in GRAD_CASES.items():
        x, w = (mx.array(a) for a in inputs(xs, ws))
        c = mx.array(np.random.default_rng(1).standard_normal(xs[:-1] + (ws[0],), dtype=np.float32))
        mx.eval(x, w, c)
        loss = lambda x, w: mx.sum(mx.conv2d(x, w, stride=s, padding=p, groups=g) * c)  # noqa: E731,B023
        grad = mx.grad(loss, argnums=(0, 1))
        out[name] = best_of(lambda: mx.eval(grad(x, w)))  # noqa: B023
    return out


def run_torch_grad():
    import numpy as np
    import torch
    import torch.nn.functional as F
    out = {}
    for name, (xs, ws, s, p, g) in GRAD_CASES.items():
        x, w = (torch.from_numpy(a) for a in inputs(xs, ws))
        x = x.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last).requires_grad_()
        w = w.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last).requires_grad_()
        c = torch.from_numpy(np.random.default_rng(1).standard_normal(xs[:-1] + (ws[0],), dtype=np.float32))
        c = c.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)

        def f():
            y = F.conv2d(x, w, stride=s, padding=p, groups=g)  # noqa: B023
            return torch.autograd.grad(y, (x, w), c)  # noqa: B023

        out[name] = best_of(f)
    return out


def run_lazy(mx):
    out = {}
    for name, (xs, ws, s, p, g) in CASES.items():
        x, w = (mx.array(a) for a in inputs(xs, ws))
        mx.eval(x, w)
        f = mx.conv2d if len(xs) == 4 else mx.conv1d
        out[name] = best_of(lambda: mx.eval(f(x, w, stride=s, padding=p, groups=g)))
    return out


def run_numpy():
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view
    out = {}
    for name, (xs, ws, s, p, g) in CASES.items():
        x, w = inputs(xs, ws)
        nd = len(xs) - 2

        def conv():
            xp = np.pad(x, [(0, 0)] + [(p, p)] * nd + [(0, 0)])
            win = sliding_window_view(xp, ws[1:-1], axis=tuple(range(1, 1 + nd)))
            win = win[(slice(None),) + (slice(None, None, s),) * nd]
            # win: N, out.., C, K..; per group one tensordot over (C/g, K..)
            cg, og = ws[-1], ws[0] // g
            parts = []
            for gi in range(g):
                wi = np.moveaxis(w[gi * og:(gi + 1) * og], -1, 1)  # og, C/g, K..
                xi = win[..., gi * cg:(gi + 1) * cg, :, :] if nd == 2 else win[..., gi * cg:(gi + 1) * cg, :]
                parts.append(np.tensordot(xi, wi, axes=(list(range(1 + nd, 2 + 2 * nd)), list(range(1, 2 + nd)))))
            return np.concatenate(parts, -1) if g > 1 else parts[0]

        out[name] = best_of(conv, 3)  # noqa: B023
    return out


def run_torch():
    import torch
    import torch.nn.functional as F
    out = {}
    for name, (xs, ws, s, p, g) in CASES.items():
        x, w = (torch.from_numpy(a) for a in inputs(xs, ws))
        if len(xs) == 4:
            x = x.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
            w = w.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
            f = lambda: F.conv2d(x, w, stride=s, padding=p, groups=g)  # noqa: E731
        else:
            x = x.permute(0, 2, 1).contiguous()
            w = w.permute(0, 2, 1).contiguous()
            f = lambda: F.conv1d(x, w, stride=s, padding=p, groups=g)  # noqa: E731
        with torch.no_grad():
            out[name] = best_of(f)
    return out


def run(impl, grad=False):
    if grad:
        if impl == "numpy":
            return {}
        if impl == "torch":
            return run_torch_grad()
        return run_lazy_grad(array_module(impl))
    if impl in ("rmlx", "mlx"):
        return run_lazy(array_module(impl))
    if impl == "numpy":
        return run_numpy()
    return run_torch()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=IMPLS)
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of every implementation, interleaved; the best of each is kept "
                         "(on a shared machine the load changes from one run to the next)")
    ap.add_argument("--grad", action="store_true",
                    help="the gradient w.r.t. input and weight of the 3x3 case instead")
    args = ap.parse_args()
    if args.impl:
        print(json.dumps(run(args.impl, args.grad)))
        return
    res = {i: None for i in IMPLS}
    for _ in range(args.rounds):
        for impl, got in collect(__file__, ["--grad"] if args.grad else []).items():
            if res[impl] is None:
                res[impl] = got
            else:
                for k, (t, c) in got.items():
                    res[impl][k] = [min(t, res[impl][k][0]), min(c, res[impl][k][1])]
    cases = GRAD_CASES if args.grad else CASES
    cols = [i for i in IMPLS if res[i]]
    print(md_row("case", [f"{i} ms (GFLOP/s) [cpu ms]" for i in cols],
                 [f"{i}/rmlx" for i in cols if i != "rmlx"]))
    print(md_rule(2 * len(cols)))
    for name, (xs, ws, s, p, g) in cases.items():
        fl = flops(xs, ws, s, p) * (3 if args.grad else 1)
        cells = [f"{res[i][name][0] * 1e3:.2f} ({fl / res[i][name][0] / 1e9:.0f}) [{res[i][name][1] * 1e3:.1f}]" for i in cols]
        ratios = [ratio(res[i][name][0], res["rmlx"][name][0], suffix="") for i in cols if i != "rmlx"] if "rmlx" in cols else []
        print(md_row(name, cells, ratios))


if __name__ == "__main__":
    main()
