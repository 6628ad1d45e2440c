"""Linear algebra benchmark: svd and eigh of a 512×512 float32 matrix (plus inv and solve),
through rmlx, MLX, NumPy and PyTorch.

    python benchmarks/linalg.py                # every installed implementation, one table
    python benchmarks/linalg.py --impl rmlx    # one implementation, JSON on stdout

Each implementation runs in its own process and reports the best of several repetitions.
The table shows each time and its ratio to rmlx (above 1 means slower than rmlx). Inputs are
the same in every process (a random matrix; its symmetric part for eigh).
"""

import json

from runner import IMPLS, array_module, best_of, collect, impl_parser, md_row, md_rule, ratio

N = 512


def inputs():
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((N, N), dtype=np.float32)
    return {
        "a": a,
        "sym": (a + a.T) / 2,
        "well": a + N ** 0.5 * np.eye(N, dtype=np.float32),
        "b": rng.standard_normal((N, 16), dtype=np.float32),
    }


def cases(impl):
    x = inputs()
    if impl in ("rmlx", "mlx"):
        mx = array_module(impl)
        d = {k: mx.array(v) for k, v in x.items()}
        mx.eval(*d.values())
        L, s = mx.linalg, mx.cpu

        def ev(f):
            return lambda: mx.eval(f())
        return {
            "svd 512 (U,S,Vt)": ev(lambda: L.svd(d["a"], stream=s)),
            "svd 512 (S only)": ev(lambda: L.svd(d["a"], compute_uv=False, stream=s)),
            "eigh 512": ev(lambda: L.eigh(d["sym"], stream=s)),
            "eigvalsh 512": ev(lambda: L.eigvalsh(d["sym"], stream=s)),
            "inv 512": ev(lambda: L.inv(d["well"], stream=s)),
            "solve 512x16": ev(lambda: L.solve(d["well"], d["b"], stream=s)),
        }
    if impl == "numpy":
        import numpy as np
        return {
            "svd 512 (U,S,Vt)": lambda: np.linalg.svd(x["a"]),
            "svd 512 (S only)": lambda: np.linalg.svd(x["a"], compute_uv=False),
            "eigh 512": lambda: np.linalg.eigh(x["sym"]),
            "eigvalsh 512": lambda: np.linalg.eigvalsh(x["sym"]),
            "inv 512": lambda: np.linalg.inv(x["well"]),
            "solve 512x16": lambda: np.linalg.solve(x["well"], x["b"]),
        }
    import torch
    t = {k: torch.from_numpy(v) for k, v in x.items()}
    return {
        "svd 512 (U,S,Vt)": lambda: torch.linalg.svd(t["a"]),
        "svd 512 (S only)": lambda: torch.linalg.svdvals(t["a"]),
        "eigh 512": lambda: torch.linalg.eigh(t["sym"]),
        "eigvalsh 512": lambda: torch.linalg.eigvalsh(t["sym"]),
        "inv 512": lambda: torch.linalg.inv(t["well"]),
        "solve 512x16": lambda: torch.linalg.solve(t["well"], t["b"]),
    }


def run_impl(impl, reps):
    return {name: best_of(f, reps) for name, f in cases(impl).items()}


def table(results):
    impls = [i for i in IMPLS if i in results]
    names = list(next(iter(results.values())).keys())
    header = ["case"] + [f"{i} (ms)" for i in impls] + [f"{i}/rmlx" for i in impls if i != "rmlx"]
    rows = []
    for n in names:
        base = results.get("rmlx", {}).get(n)
        r = [n] + [f"{results[i][n] * 1e3:.2f}" for i in impls]
        r += [ratio(results[i][n], base, suffix="") for i in impls if i != "rmlx"]
        rows.append(r)
    print(md_row(*header))
    print(md_rule(len(header)))
    for r in rows:
        print(md_row(*r))


def main():
    args = impl_parser(__doc__, reps=3).parse_args()
    if args.impl:
        print(json.dumps(run_impl(args.impl, args.reps)))
        return
    table(collect(__file__, ["--reps", str(args.reps)]))


if __name__ == "__main__":
    main()
