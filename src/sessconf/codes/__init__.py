"""The lint rules' identities: code, name, default severity, whether it can change, documentation.

A leaf: everything that produces or configures diagnostics (the YAML reader, the repository
loader, settings, lint checks, planning) names its codes from here, and nothing here knows how
a problem is found. Codes are declared in the modules of this package, grouped by what they are
about:

- ``files``: files and YAML (the reader and the loader report them);
- ``values``: the shape and values of each entity (validation);
- ``references``: names and cross-references across the repository;
- ``advice``: style and advice, the codes that settings may re-grade or turn off;
- ``colors``: colour advice (calendar colours hard to tell apart or to see);
- ``reminders``: reminder templates and SMS length;
- ``planning``: what only a plan against a store finds;
- ``presets``: ``presets.yaml`` and ``extends:``.

A code's docstring is its documentation: ``sessconf rules`` and the README's table are generated
from it. Its severity is its default; ``[tool.sessconf].rules`` re-grades the codes whose
``changeable`` is true. Codes that leave no valid model are always errors.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sessconf.diagnostics import Diagnostic, Severity

_MODULES = ("files", "values", "references", "advice", "colors", "reminders", "planning", "presets")


class Level(StrEnum):
    """What ``[tool.sessconf.rules]`` may set a changeable code to."""

    ERROR = "error"
    WARNING = "warning"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Code:
    """One rule: ``SC201`` ``unknown-location``, an error that settings cannot change, and its doc."""

    code: str
    name: str
    severity: Severity
    changeable: bool
    doc: str

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0].strip().replace("``", "`")

    def at(self, path: Path | str, pos: tuple[int, int], message: str, hint: str | None = None) -> Diagnostic:
        """A diagnostic of this code at its default severity (``path`` as a ``Path``, or as text:
        the loader keeps session paths as text until a diagnostic needs one)."""
        where = path if isinstance(path, Path) else Path(path)
        return Diagnostic(where, pos[0], pos[1], self.severity, self.code, message, hint)


CODES: dict[str, Code] = {}


def declare(
    code: str, name: str, doc: str, *, severity: Severity = Severity.ERROR, changeable: bool = False
) -> Code:
    """Declare a code; its docstring (``doc``) documents it."""
    for other in CODES.values():
        if code == other.code or name == other.name:
            raise RuntimeError(f"rule {code} {name} is declared twice")
    declared = CODES[code] = Code(code, name, severity, changeable, inspect.cleandoc(doc))
    return declared


def all_codes() -> list[Code]:
    """Every code, sorted."""
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return sorted(CODES.values(), key=lambda c: c.code)


def lookup(code_or_name: str) -> Code | None:
    """The code ``SC201`` or ``unknown-location``, or None."""
    all_codes()
    found = CODES.get(code_or_name)
    if found is not None:
        return found
    return next((c for c in CODES.values() if c.name == code_or_name), None)


def levels(rules: Mapping[str, str]) -> dict[str, Level]:
    """``[tool.sessconf.rules]`` as code -> level, for the codes that can change (a code named
    twice, by code and by name, takes the level written last)."""
    out: dict[str, Level] = {}
    for key, level in rules.items():
        known = lookup(key)
        if known is not None and known.changeable:
            out[known.code] = Level(level)
    return out


def turned_off(rules: Mapping[str, str]) -> frozenset[str]:
    """The codes that the settings turn off: lint does not even run their checks."""
    return frozenset(code for code, level in levels(rules).items() if level is Level.OFF)
