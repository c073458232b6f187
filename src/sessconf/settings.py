"""Settings: what the ``[tool.sessconf]`` table of ``pyproject.toml`` may hold (SPEC §6), as a
value; ``repository.pyproject`` reads and validates it (with pydantic, which this module does not
import: a cached lint builds its settings without it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sessconf.limits import FORBIDDEN_RE, MIB

RuleLevel = Literal["error", "warning", "off"]


def check_currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"'{value}' is not an ISO 4217 currency code such as CAD")
    return value


def check_one_line(value: str) -> str:
    control = FORBIDDEN_RE.search(value)
    if control is not None:
        raise ValueError(
            f"the text holds the control character U+{ord(control.group()):04X} (it goes into reminders)"
        )
    return value


def check_locale(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Z]{2})?", value):
        raise ValueError(f"'{value}' is not a locale such as en-CA or fr-CA")
    return value


def check_color(value: str) -> str:
    if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value):
        raise ValueError(f"'{value}' is not a colour: use #rgb or #rrggbb")
    if len(value) == 4:
        value = "#" + "".join(2 * digit for digit in value[1:])
    return value.lower()


@dataclass(frozen=True, slots=True)
class Settings:
    """Repository settings; every field has a default, so an absent table is valid. The bounds of
    each field are checked where the settings are read (``repository.pyproject``)."""

    store: str | None = None
    currency: str = "CAD"
    clinic_name: str = ""
    locale: str = "en-CA"
    duration_step: int = 5
    sms_max_segments: int = 2
    max_file_size: int = 64 * MIB
    rules: dict[str, RuleLevel] = field(default_factory=dict)
    max_delete_fraction: float = 0.3
    max_change_fraction: float = 0.3
    # Colour advice (SC310, SC311): the calendar's background and the thresholds.
    calendar_background: str = "#ffffff"
    min_color_difference: float = 10.0
    min_color_contrast: float = 3.0
