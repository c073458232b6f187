"""Settings: what the ``[tool.sessconf]`` table of ``pyproject.toml`` may hold (SPEC §6), as a
value; ``repository.pyproject`` reads and validates it (with pydantic, which this module does not
import: a cached lint builds its settings without it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sessconf.limits import MIB
from sessconf.values import CONTROL_RE

RuleLevel = Literal["error", "warning", "off"]


def check_currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"'{value}' is not an ISO 4217 currency code such as CAD")
    return value


def check_one_line(value: str) -> str:
    control = CONTROL_RE.search(value)
    if control is not None:
        raise ValueError(
            f"the text holds the control character U+{ord(control.group()):04X} (it goes into reminders)"
        )
    return value


def check_locale(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Z]{2})?", value):
        raise ValueError(f"'{value}' is not a locale such as en-CA or fr-CA")
    return value


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
