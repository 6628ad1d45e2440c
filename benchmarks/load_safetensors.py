"""Loading a 1 GB safetensors file: rmlx vs MLX vs NumPy vs PyTorch.

Creates the file once (several float32/float16/bfloat16 tensors, written by rmlx), then for
each library runs a fresh subprocess that loads the file and touches all data (a sum of
every tensor), reporting wall time and peak RSS growth over the process's RSS after
imports. Each library runs `--repeat` times (interleaved, page cache warm after the first
round); the table shows medians and ratios to rmlx.

NumPy and PyTorch use the `safetensors` package when installed; otherwise NumPy reads each
tensor with `np.fromfile` (a copy, as safetensors.numpy does) and PyTorch wraps those
arrays with `torch.from_numpy`.

    python benchmarks/load_safetensors.py [--path /tmp/rmlx_bench_1g.safetensors] [--repeat 3]
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys

CHILD = r"""
import json, resource, struct, sys, time
lib, path = sys.argv[1], sys.argv[2]

def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)), 8 + n

if lib in ("rmlx", "mlx"):
    core = __import__(lib + ".core", fromlist=["core"])
    base = rss_kb()
    t0 = time.perf_counter()
    arrays = core.load(path)
    total = 0.0
    for a in arrays.values():
        total += core.sum(a.astype(core.float32)).item()
    method = lib + ".core.load"
elif lib == "numpy":
    import numpy as np
    base = rss_kb()
    t0 = time.perf_counter()
    try:
        from safetensors.numpy import load_file
        arrays = load_file(path)
        method = "safetensors.numpy"
    except ImportError:
        h, start = header(path)
        arrays = {}
        dt = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}
        for k, v in h.items():
            if k == "__metadata__":
                continue
            b, e = v["data_offsets"]
            arrays[k] = np.fromfile(path, dtype=dt[v["dtype"]], count=(e - b) // np.dtype(dt[v["dtype"]]).itemsize,
                                    offset=start + b).reshape(v["shape"])
        method = "np.fromfile"
    total = 0.0
    for k, a in arrays.items():
        if a.dtype == np.uint16:  # bfloat16 bits: widen to float32
            a = (a.astype(np.uint32) << 16).view(np.float32)
        total += float(a.sum(dtype=np.float32))
elif lib == "torch":
    import torch
    base = rss_kb()
    t0 = time.perf_counter()
    try:
        from safetensors.torch import load_file
        arrays = load_file(path)
        method = "safetensors.torch"
    except ImportError:
        import numpy as np
        h, start = header(path)
        arrays = {}
        for k, v in h.items():
            if k == "__metadata__":
                continue
            b, e = v["data_offsets"]
            npdt = {"F32": np.float32, "F16": np.float16, "BF16": np.int16}[v["dtype"]]
            t = torch.from_numpy(np.fromfile(path, dtype=npdt, count=(e - b) // np.dtype(npdt).itemsize,
                                             offset=start + b).reshape(v["shape"]))
            arrays[k] = t.view(torch.bfloat16) if v["dtype"] == "BF16" else t
        method = "np.fromfile+torch.from_numpy"
    total = 0.0
    for a in arrays.values():
        total += float(a.float().sum())
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": (peak - base) / 1024, "sum": total, "method": method}))
"""


def make_file(path):
    if os.path.exists(path):
        return
    import rmlx.core as mx
    # 1 GiB in all: 6 float32 tensors of 128 MiB, 2 float16 and 2 bfloat16 of 64 MiB.
    arrays = {}
    for i in range(6):
        arrays[f"layer{i}.weight"] = mx.random.normal((8192, 4096)) if hasattr(mx, "random") else mx.ones((8192, 4096))
    for i in range(2):
        arrays[f"half{i}"] = mx.ones((8192, 4096), dtype=mx.float16)
        arrays[f"bhalf{i}"] = mx.ones((8192, 4096), dtype=mx.bfloat16)
    mx.save_safetensors(path, arrays)


def available(lib):
    try:
        __import__(lib)
        return True
    except ImportError:
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--path", default="/tmp/rmlx_bench_1g.safetensors")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    make_file(args.path)
    size = os.path.getsize(args.path)
    libs = [lib for lib in ["rmlx", "mlx", "numpy", "torch"] if available(lib)]
    results = {lib: [] for lib in libs}
    for _ in range(args.repeat):
        for lib in libs:
            out = subprocess.run([sys.executable, "-c", CHILD, lib, args.path], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{lib} failed: {out.stderr[-500:]}", file=sys.stderr)
                continue
            results[lib].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"file: {args.path} ({size / 2**30:.2f} GiB), median of {args.repeat} runs")
    print(f"{'library':<8} {'method':<30} {'load+sum s':>10} {'x rmlx':>7} {'peak RSS MB':>12} {'x rmlx':>7}  sum")
    base = results.get("rmlx")
    bt = statistics.median(r["seconds"] for r in base) if base else None
    bm = statistics.median(r["peak_mb"] for r in base) if base else None
    for lib, rs in results.items():
        if not rs:
            continue
        t = statistics.median(r["seconds"] for r in rs)
        m = statistics.median(r["peak_mb"] for r in rs)
        print(f"{lib:<8} {rs[0]['method']:<30} {t:>10.3f} {t / bt if bt else float('nan'):>7.2f} "
              f"{m:>12.0f} {m / bm if bm else float('nan'):>7.2f}  {rs[0]['sum']:.4g}")


if __name__ == "__main__":
    main()
