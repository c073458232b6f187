"""What lint's reminder check finds, as values: template errors and SMS reminders too long.

Each finding is at its file, line and column, with its message and hint.

The check names no rule: ``sessconf.lint.checks.reminders`` turns each finding into a diagnostic of its
rule. Light: no Jinja2, no Babel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sessconf.reminders.sms import SmsLength, sms_length

if TYPE_CHECKING:
    from sessconf.reminders.templates import ReminderError
    from sessconf.reminders.variables import ReminderVars
    from sessconf.repository.model import Entry
    from sessconf.values import Session


class FindingKind(Enum):
    TEMPLATE_ERROR = "template-error"  # a template that cannot be read, compiled or rendered
    SMS_TOO_LONG = "sms-too-long"  # an SMS reminder longer than sms_max_segments


class Finding(NamedTuple):
    """One finding (a named tuple, not a dataclass: ten times cheaper to define, and lint imports
    this module whenever it renders)."""

    kind: FindingKind
    path: Path
    line: int
    column: int
    message: str
    hint: str | None = None
    inherited_by: tuple[str, ...] = ()  # for a value written in presets.yaml: the session


def template_error(channel: str, exc: ReminderError, context: str | None = None) -> Finding:
    """A template that fails, at its line; ``context`` tells what it was rendered for."""
    message = f"{channel} reminder: {exc.problem}"
    return Finding(FindingKind.TEMPLATE_ERROR, exc.path, exc.line, 1, message, context)


def setting_error(root: Path, key: str, message: str, hint: str | None = None) -> Finding:
    """A template error caused by a setting (a locale), at the line of ``pyproject.toml`` that sets it."""
    path = root / "pyproject.toml"
    line, column = _setting_pos(path, key)
    return Finding(FindingKind.TEMPLATE_ERROR, path, line, column, message, hint)


def _setting_pos(path: Path, key: str) -> tuple[int, int]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1, 1
    for number, line in enumerate(lines, start=1):
        if re.match(rf"\s*{key}\s*=", line):
            return number, len(line) - len(line.lstrip()) + 1
    return 1, 1


def sms_too_long(
    entry: Entry[Session],
    places: list[tuple[str, SmsLength, str]],
    variables: Callable[[str], ReminderVars],
    template: Path,
    max_segments: int,
) -> Finding:
    """A session whose SMS is too long at ``places`` (location, length, text), at its description.

    ``variables`` gives the session's variables at a location, ``template`` is the SMS template's
    file: they tell where a character that forced UCS-2 comes from.
    """
    location_id, length, text = max(places, key=lambda e: (e[1].segments, e[1].units))
    where = ", ".join(f"'{loc}'" for loc, _, _ in places[:3])
    if len(places) > 3:
        where += f" and {len(places) - 3} more"
    message = f"the SMS reminder takes {length.describe()} at {where}; sms_max_segments is {max_segments}"
    if length.forced_by is not None:
        culprit = length.forced_by
        origin = _origin(culprit, variables(location_id), template)
        message += f"; UCS-2 because of '{culprit}' (U+{ord(culprit):04X}) {origin}"
    path, (line, column) = entry.where("description")  # in presets.yaml when inherited
    inherited_by = () if path == entry.path else (entry.name,)
    hint = _hint(length, text, max_segments)
    return Finding(FindingKind.SMS_TOO_LONG, path, line, column, message, hint, inherited_by)


# Typographic characters with a GSM-7 equivalent (letters have none: 'ç' is not 'c').
_ASCII_FOR = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
}


def _origin(culprit: str, variables: ReminderVars, template: Path) -> str:
    places = [
        ("in the description", variables.session.description),
        ("in the location's name", variables.location.name),
        ("in the location's address", variables.location.address or ""),
        ("in clinic_name", variables.clinic.name),
    ]
    for label, text in places:
        if culprit in text:
            return label
    return f"in the template {template.name}"


def _hint(length: SmsLength, text: str, max_segments: int) -> str:
    if length.forced_by is not None:
        replacement = _ASCII_FOR.get(length.forced_by)
        gsm = replacement and f"write '{replacement}' instead of '{length.forced_by}' to send it in GSM-7"
        fit = sms_length(_gsm_safe(text))
        if gsm and fit.segments <= max_segments:
            return gsm + f" ({fit.segments} segment{'s' if fit.segments > 1 else ''})"
        if gsm:
            return gsm + ", and shorten the description"
    return "shorten the description, or raise sms_max_segments in [tool.sessconf]"


def _gsm_safe(text: str) -> str:
    out = text
    for char, replacement in _ASCII_FOR.items():
        out = out.replace(char, replacement)
    return out
