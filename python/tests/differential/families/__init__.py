"""Differential families kept one per module.

A module here defines `FAMILY` (its name, also its pytest marker), `cases()` (a generator of
`specs.Case`) and optionally `KNOWN_MISMATCHES` (id prefix -> why, as in `specs.py`). Adding a
module is all it takes to join the suite.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable


def _modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        yield importlib.import_module(f"{__name__}.{info.name}")


def builders() -> dict[str, Callable]:
    return {m.FAMILY: m.cases for m in _modules()}


def known_mismatches() -> dict[str, str]:
    known: dict[str, str] = {}
    for m in _modules():
        known.update(getattr(m, "KNOWN_MISMATCHES", {}))
    return known
