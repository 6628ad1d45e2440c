"""Run the spec table outside pytest and print every mismatch, one line each.

    cd python/tests && python -m differential.report [family ...] [--pending] [--all]

Without `--pending` the cases of ops still bound on another branch are left out; `--all`
also prints the matching cases' outcomes.
"""

import sys
from collections import Counter

import mlx.core

import rmlx.core

from .harness import compare, describe_outcome, host_inputs, run
from .specs import all_cases


def main(argv: list[str]) -> int:
    families = [a for a in argv if not a.startswith("--")]
    pending = "--pending" in argv
    verbose = "--all" in argv
    run_, bad = Counter(), Counter()
    for case in all_cases():
        if families and case.family not in families:
            continue
        if case.pending and not pending:
            continue
        hosts = host_inputs(case.args, case.kwargs)
        theirs = run(mlx.core, case.fn, case.args, case.kwargs, hosts)
        ours = run(rmlx.core, case.fn, case.args, case.kwargs, hosts)
        diff = compare(ours, theirs, case.scale, case.loose64)
        run_[case.family] += 1
        if diff:
            bad[case.family] += 1
            print(f"MISMATCH {case.id}: mlx {describe_outcome(theirs)}; {diff}")
        elif verbose:
            print(f"ok {case.id}: {describe_outcome(theirs)}")
    for family in run_:
        print(f"TOTAL {family}: run {run_[family]}, matched {run_[family] - bad[family]}, failing {bad[family]}")
    return 1 if sum(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
