"""Runs every transform sweep (crates/rmlx/tests/transforms*.rs) and prints the per-family,
per-dtype totals of the vjp / jvp / vmap checks as a markdown table.

    python3 tools/sweep_totals.py

Each `Sweep` (tests/common/sweep.rs) appends `SWEEP <family> <dtype> vjp a/b jvp c/d vmap e/f`
lines to the file named by RMLX_SWEEP_TOTALS; this script collects them.
"""

import collections
import glob
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    tests = sorted(pathlib.Path(p).stem for p in glob.glob(str(ROOT / "crates/rmlx/tests/transforms*.rs")))
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "sweep.txt")
        cmd = ["cargo", "test", "--release", "-q", "-p", "rmlx"]
        for t in tests:
            cmd += ["--test", t]
        rc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "RMLX_SWEEP_TOTALS": out}).returncode
        lines = pathlib.Path(out).read_text().splitlines() if os.path.exists(out) else []
    totals = collections.OrderedDict()
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or parts[0] != "SWEEP":
            continue
        key = (parts[1], parts[2])
        row = totals.setdefault(key, {})
        for check, frac in zip(parts[3::2], parts[4::2]):
            p, r = map(int, frac.split("/"))
            a, b = row.get(check, (0, 0))
            row[check] = (a + p, b + r)
    print("| family | dtype | vjp | jvp | vmap |")
    print("|---|---|---:|---:|---:|")
    sums = {}
    for (fam, dt), row in sorted(totals.items()):
        cells = []
        for check in ("vjp", "jvp", "vmap"):
            p, r = row.get(check, (0, 0))
            s = sums.setdefault((dt, check), [0, 0])
            s[0] += p
            s[1] += r
            cells.append(f"{p}/{r}")
        print(f"| {fam} | {dt} | " + " | ".join(cells) + " |")
    for dt in ("f64", "f32"):
        cells = [f"{sums.get((dt, c), [0, 0])[0]}/{sums.get((dt, c), [0, 0])[1]}" for c in ("vjp", "jvp", "vmap")]
        print(f"| **all** | {dt} | " + " | ".join(f"**{c}**" for c in cells) + " |")
    sys.exit(rc)


if __name__ == "__main__":
    main()
