"""What every benchmark script shares: timing, running each implementation in its own
process, and printing the markdown tables with ratios other/rmlx.

The scripts import it as a sibling module (`python benchmarks/<name>.py` puts this folder
on `sys.path`). Each implementation runs in a child process so libraries don't share
thread pools or caches; the child prints one JSON object as its last line of stdout.
"""

import argparse
import importlib
import json
import subprocess
import sys
import time

IMPLS = ["rmlx", "mlx", "numpy", "torch"]


def impl_parser(doc, reps):
    """The command line of a script that runs every implementation in its own process:
    `--impl NAME` runs one and prints JSON; `--reps` repetitions per case."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", choices=IMPLS, help="run one implementation and print JSON")
    p.add_argument("--reps", type=int, default=reps)
    return p


def best_of(f, reps):
    """Best wall time of `reps` calls of `f` after one warm-up call, in seconds."""
    f()
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - s)
    return t


def array_module(impl):
    """`rmlx.core` or `mlx.core` for the lazy implementations "rmlx" and "mlx"."""
    return importlib.import_module(f"{impl}.core")


def child_json(args):
    """Runs `python *args` and returns `(the JSON of its last stdout line, None)`, or
    `(None, its last stderr line)` when it failed."""
    r = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    if r.returncode != 0:
        err = r.stderr.strip().splitlines()
        return None, err[-1] if err else "failed"
    return json.loads(r.stdout.strip().splitlines()[-1]), None


def collect(script, extra=(), impls=IMPLS):
    """`{impl: result}` of `python script --impl <impl> *extra` for every implementation;
    one that fails is reported on stderr and left out."""
    results = {}
    for impl in impls:
        got, err = child_json([script, "--impl", impl, *extra])
        if err is not None:
            print(f"[{impl}] skipped: {err}", file=sys.stderr)
            continue
        results[impl] = got
    return results


def ratio(value, base, suffix="x", missing="-"):
    """`value / base` as `1.23x` (other/rmlx: above 1 is slower than rmlx)."""
    return f"{value / base:.2f}{suffix}" if value and base else missing


def md_row(*parts):
    """A markdown table row. A list part spreads over several cells; an empty list still
    leaves one empty cell, as the scripts' tables always had."""
    return "| " + " | ".join(p if isinstance(p, str) else " | ".join(p) for p in parts) + " |"


def md_rule(columns):
    """The rule under a header of `columns` cells."""
    return "|---" * columns + "|"


def print_padded(header, rows):
    """A markdown table whose columns are padded to their widest cell."""
    widths = [max(len(r[k]) for r in rows + [header]) for k in range(len(header))]

    def line(r):
        return "| " + " | ".join(x.ljust(w) for x, w in zip(r, widths)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def time_table(results, cases, fmt_time):
    """The padded table of `results` (`{impl: {case: seconds}}`): each implementation's
    time, then its ratio to rmlx; a case an implementation lacks shows `-`."""
    impls = [i for i in IMPLS if i in results]
    header = ["case"] + impls + [f"{i}/rmlx" for i in impls if i != "rmlx"]
    rows = []
    for c in cases:
        base = results.get("rmlx", {}).get(c)
        row = [c] + [fmt_time(results[i][c]) if c in results[i] else "-" for i in impls]
        row += [ratio(results[i].get(c), base) for i in impls if i != "rmlx"]
        rows.append(row)
    print_padded(header, rows)


def fmt_time(s, us_digits=2):
    """Seconds as `12.34 ms`, or in microseconds below a millisecond."""
    return f"{s * 1e3:.2f} ms" if s >= 1e-3 else f"{s * 1e6:.{us_digits}f} us"


def ms_row(label, ms, libs):
    """A row of milliseconds per library (`ms[lib]`, None when it failed) and the ratios
    of the other libraries to the first."""
    cells = [f"{ms[lib]:.2f} ms" if ms[lib] else "n/a" for lib in libs]
    base = ms.get(libs[0])
    return md_row(label, cells, [ratio(ms[lib], base, missing="n/a") for lib in libs[1:]])
