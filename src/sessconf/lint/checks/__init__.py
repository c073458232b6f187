"""The checks lint runs over the whole loaded repository, one per code (documented in ``codes``).

A check is a function of the lint context that yields diagnostics of its code. The loader and
validation report the other codes (files, YAML, values) as they read. A check may also *prepare*:
do, with the settings and the catalogues alone, work its run needs later; lint runs preparations
while other processes are still loading the session files. A preparation must not change what its
check finds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sessconf.codes import Code
from sessconf.diagnostics import Diagnostic

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext

    Run = Callable[[LintContext], Iterable[Diagnostic]]
    Prepare = Callable[[LintContext], None]

_MODULES = ("references", "advice", "colors", "reminders", "presets")


@dataclass(frozen=True, slots=True)
class Check:
    code: Code
    run: Run
    prepare: Prepare | None = None


_CHECKS: dict[str, Check] = {}


def check(code: Code, *, prepare: Prepare | None = None) -> Callable[[Run], Run]:
    """Register the decorated function as the check of ``code``."""

    def register(run: Run) -> Run:
        if code.code in _CHECKS:
            raise RuntimeError(f"{code.code} has two checks")
        _CHECKS[code.code] = Check(code, run, prepare)
        return run

    return register


def all_checks() -> list[Check]:
    """Every check, by code."""
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return sorted(_CHECKS.values(), key=lambda c: c.code.code)
