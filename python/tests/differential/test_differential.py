"""One test per case of the spec table: the same call in rmlx and in MLX must agree on the
exception type, or on dtype, shape and values (see `harness.compare`).

Run one family: `pytest python/tests/differential -m unary`; only what exists today:
`-m "not pending"`; one op: `-k "unary-exp-"`.
"""

import mlx.core
import pytest

import rmlx.core

from .harness import compare, describe_outcome, host_inputs, run
from .specs import KNOWN_MISMATCHES, all_cases

CASES = all_cases()


def _param(case):
    marks = [getattr(pytest.mark, case.family)]
    if case.pending:
        marks.append(pytest.mark.pending)
    for prefix, why in KNOWN_MISMATCHES.items():
        if case.id.startswith(prefix):
            marks.append(pytest.mark.xfail(reason=f"known mismatch: {why}", strict=False))
            break
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_matches_mlx(case):
    hosts = host_inputs(case.args, case.kwargs)
    theirs = run(mlx.core, case.fn, case.args, case.kwargs, hosts)
    ours = run(rmlx.core, case.fn, case.args, case.kwargs, hosts)
    diff = compare(ours, theirs, case.scale, case.loose64)
    assert diff is None, f"{case.id}: mlx {describe_outcome(theirs)}; {diff}"
