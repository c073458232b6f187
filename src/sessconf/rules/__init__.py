"""Lint rules: one stable code each, documented by its docstring.

Rules are declared in the modules of this package, grouped by what they look at:

- ``loading``: files and YAML (produced by the loader while reading);
- ``schema``: the shape and values of each entity (produced while validating);
- ``references``: names and cross-references across the repository;
- ``advice``: style and advice, the codes that settings may re-grade or turn off;
- ``reminders``: reminder templates and SMS length.

A rule's severity is its default; ``[tool.sessconf].rules`` re-grades the rules whose
``changeable`` is true, and lint does not even run the check of a rule it turns off. Codes that
leave no valid model are always errors. Checks that need the same facts about every session share
them through ``sessconf.rules.index``, computed once per repository.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from sessconf.loader import Repository

    Check = Callable[[Repository], Iterable[Diagnostic]]
    Prepare = Callable[[Repository], None]

_MODULES = ("loading", "schema", "references", "advice", "reminders", "planning")


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    changeable: bool
    doc: str
    check: Check | None = None
    # Work for the check that needs only the settings and the catalogues: lint runs it while the
    # session files are still loading in other processes (see ``load_repository``'s ``meanwhile``).
    prepare: Prepare | None = None

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0].strip().replace("``", "`")

    def at(self, path: Path | str, pos: tuple[int, int], message: str, hint: str | None = None) -> Diagnostic:
        """A diagnostic of this rule, at its default severity (``path`` as a ``Path``, or as text:
        the loader keeps session paths as text until a diagnostic needs one)."""
        where = path if isinstance(path, Path) else Path(path)
        return Diagnostic(where, pos[0], pos[1], self.severity, self.code, message, hint)


REGISTRY: dict[str, Rule] = {}


def _register(rule: Rule) -> Rule:
    for other in REGISTRY.values():
        if rule.code == other.code or rule.name == other.name:
            raise RuntimeError(f"rule {rule.code} {rule.name} is declared twice")
    REGISTRY[rule.code] = rule
    return rule


def declare(
    code: str, name: str, doc: str, *, severity: Severity = Severity.ERROR, changeable: bool = False
) -> Rule:
    """Declare a rule whose diagnostics are produced elsewhere (by the loader)."""
    return _register(Rule(code, name, severity, changeable, inspect.cleandoc(doc)))


def check(
    code: str,
    name: str,
    *,
    severity: Severity = Severity.ERROR,
    changeable: bool = False,
    prepare: Prepare | None = None,
) -> Callable[[Check], Rule]:
    """Declare a rule from a check function over the whole repository; its docstring documents it.

    ``prepare``, if given, does what the check can do with the settings and catalogues alone,
    ahead of it (see :attr:`Rule.prepare`); it must not change what the check finds.
    """

    def wrap(fn: Check) -> Rule:
        doc = inspect.cleandoc(fn.__doc__ or "")
        return _register(Rule(code, name, severity, changeable, doc, fn, prepare))

    return wrap


def all_rules() -> list[Rule]:
    """Every rule, sorted by code."""
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return sorted(REGISTRY.values(), key=lambda r: r.code)


def lookup(code_or_name: str) -> Rule | None:
    all_rules()
    if code_or_name in REGISTRY:
        return REGISTRY[code_or_name]
    return next((r for r in REGISTRY.values() if r.name == code_or_name), None)


def levels(settings: Mapping[str, str]) -> dict[str, str]:
    """``[tool.sessconf.rules]`` as rule code -> level, for the rules that can change (a rule
    named twice, by code and by name, takes the level written last)."""
    out: dict[str, str] = {}
    for key, level in settings.items():
        known = lookup(key)
        if known is not None and known.changeable:
            out[known.code] = level
    return out


def turned_off(repo: Repository) -> set[str]:
    """The codes of the rules that the settings turn off: lint does not run their checks."""
    return {code for code, level in levels(repo.settings.rules).items() if level == "off"}
