"""Markers, the pending switch and the per-family totals of the differential suite.

Totals (cases run / matched / failing / skipped per family) are printed at the end of the
run; with `RMLX_DIFF_TOTALS=path` (or `=1` for `TOTALS.md` beside this file) they are also
written as a Markdown table.
"""

import os
import pathlib
from collections import defaultdict

import pytest

from .specs import FAMILIES

_TOTALS = defaultdict(lambda: {"run": 0, "matched": 0, "known": 0, "failing": 0, "skipped": 0})


def pytest_configure(config):
    for family in FAMILIES:
        config.addinivalue_line("markers", f"{family}: differential cases of the {family} family")
    config.addinivalue_line("markers", "pending: differential cases of ops bound on another branch")


def pytest_collection_modifyitems(config, items):
    skip_pending = os.environ.get("RMLX_DIFF_SKIP_PENDING") == "1"
    for item in items:
        case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
        if case is None or not hasattr(case, "family"):
            continue
        item.user_properties.append(("rmlx_diff_family", case.family))
        if skip_pending and case.pending:
            item.add_marker(pytest.mark.skip(reason="pending: bound on another branch"))


def pytest_runtest_logreport(report):
    family = dict(report.user_properties).get("rmlx_diff_family")
    if family is None:
        return
    t = _TOTALS[family]
    if report.when == "setup" and report.skipped:
        t["skipped"] += 1
    elif report.when == "call":
        t["run"] += 1
        if hasattr(report, "wasxfail"):
            # A known mismatch: failing (xfail) or fixed (xpass).
            t["matched" if report.passed else "known"] += 1
        else:
            t["matched" if report.passed else "failing"] += 1


def totals_table() -> str:
    lines = ["| family | cases run | matched | known mismatch (xfail) | failing | skipped |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    sums = {"run": 0, "matched": 0, "known": 0, "failing": 0, "skipped": 0}
    for family in FAMILIES:
        if family not in _TOTALS:
            continue
        t = _TOTALS[family]
        lines.append(f"| {family} | {t['run']} | {t['matched']} | {t['known']} | {t['failing']} | {t['skipped']} |")
        for k in sums:
            sums[k] += t[k]
    lines.append(f"| **all** | {sums['run']} | {sums['matched']} | {sums['known']} | {sums['failing']} | {sums['skipped']} |")
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter):
    if not _TOTALS:
        return
    table = totals_table()
    terminalreporter.write_sep("=", "rmlx vs MLX differential totals")
    terminalreporter.write(table)
    target = os.environ.get("RMLX_DIFF_TOTALS")
    if target:
        path = pathlib.Path(__file__).with_name("TOTALS.md") if target == "1" else pathlib.Path(target)
        path.write_text("# Differential suite totals (rmlx vs MLX 0.32.4)\n\n" + table)
