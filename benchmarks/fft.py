"""FFT benchmark (issue 6): rmlx, MLX, NumPy and PyTorch side by side.

    python benchmarks/fft.py                 # every installed implementation, one table
    python benchmarks/fft.py --impl rmlx     # one implementation, JSON on stdout

Cases: the complex FFT of 2^20 complex64 values, the real FFT of a 4096x4096 float32
array along its last axis (4096 independent rows), and two extras (the 2-D complex FFT of
1024x1024 and a prime length). Each implementation runs in its own process (no shared
thread pools) and reports the best of several repetitions after a warm-up (so plans are
cached). The table shows times and each implementation's ratio to rmlx (above 1: slower
than rmlx).
"""

import json

from runner import array_module, best_of, collect, fmt_time, impl_parser, time_table

N1 = 1 << 20
ROWS = (4096, 4096)
SQ = (1024, 1024)
PRIME = 1_000_003


def inputs():
    import numpy as np
    rng = np.random.default_rng(0)
    z = (rng.standard_normal(N1) + 1j * rng.standard_normal(N1)).astype(np.complex64)
    return {
        "z": z,
        "m": rng.standard_normal(ROWS, dtype=np.float32),
        "sq": (rng.standard_normal(SQ) + 1j * rng.standard_normal(SQ)).astype(np.complex64),
        "p": rng.standard_normal(PRIME, dtype=np.float32).astype(np.complex64),
    }


CASES = ["fft 2^20 complex64", "rfft 4096x4096 f32 (last axis)", "fft2 1024x1024 complex64",
         "fft 1000003 (prime) complex64"]


def cases(name):
    d = inputs()
    if name in ("rmlx", "mlx"):
        mx = array_module(name)
        a = {k: mx.array(v) for k, v in d.items()}
        mx.eval(*a.values())
        ev = mx.eval
        fns = [lambda: ev(mx.fft.fft(a["z"])), lambda: ev(mx.fft.rfft(a["m"])),
               lambda: ev(mx.fft.fft2(a["sq"])), lambda: ev(mx.fft.fft(a["p"]))]
    elif name == "numpy":
        import numpy as np
        fns = [lambda: np.fft.fft(d["z"]), lambda: np.fft.rfft(d["m"]),
               lambda: np.fft.fft2(d["sq"]), lambda: np.fft.fft(d["p"])]
    elif name == "torch":
        import torch
        t = {k: torch.from_numpy(v) for k, v in d.items()}
        fns = [lambda: torch.fft.fft(t["z"]), lambda: torch.fft.rfft(t["m"]),
               lambda: torch.fft.fft2(t["sq"]), lambda: torch.fft.fft(t["p"])]
    else:
        raise SystemExit(f"unknown implementation {name}")
    return dict(zip(CASES, fns))


def main():
    args = impl_parser(__doc__, reps=5).parse_args()
    if args.impl:
        print(json.dumps({c: best_of(f, args.reps) for c, f in cases(args.impl).items()}))
        return
    time_table(collect(__file__, ["--reps", str(args.reps)]), CASES, fmt_time)


if __name__ == "__main__":
    main()
