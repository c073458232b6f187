"""Settings: what the ``[tool.sessconf]`` table of ``pyproject.toml`` may hold (SPEC §6), as a
value; ``repository.pyproject`` reads it."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sessconf.limits import MIB
from sessconf.model import CONTROL_RE

RuleLevel = Literal["error", "warning", "off"]


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"'{value}' is not an ISO 4217 currency code such as CAD")
    return value


def _one_line(value: str) -> str:
    control = CONTROL_RE.search(value)
    if control is not None:
        raise ValueError(
            f"the text holds the control character U+{ord(control.group()):04X} (it goes into reminders)"
        )
    return value


def _locale(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(?:-[A-Z]{2})?", value):
        raise ValueError(f"'{value}' is not a locale such as en-CA or fr-CA")
    return value


def _color(value: str) -> str:
    if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value):
        raise ValueError(f"'{value}' is not a colour: use #rgb or #rrggbb")
    if len(value) == 4:
        value = "#" + "".join(2 * digit for digit in value[1:])
    return value.lower()


class Settings(BaseModel):
    """Repository settings; every field has a default, so an absent table is valid."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    store: str | None = None
    currency: Annotated[str, AfterValidator(_currency)] = "CAD"
    clinic_name: Annotated[str, AfterValidator(_one_line)] = ""
    locale: Annotated[str, AfterValidator(_locale)] = "en-CA"
    duration_step: Annotated[int, Field(ge=1, le=600)] = 5
    sms_max_segments: Annotated[int, Field(ge=1, le=20)] = 2
    max_file_size: Annotated[int, Field(ge=1024)] = 64 * MIB
    rules: dict[str, RuleLevel] = Field(default_factory=dict)
    max_delete_fraction: Annotated[float, Field(ge=0, le=1)] = 0.3
    max_change_fraction: Annotated[float, Field(ge=0, le=1)] = 0.3
    # Colour advice (SC310, SC311): the calendar's background and the thresholds.
    calendar_background: Annotated[str, AfterValidator(_color)] = "#ffffff"
    min_color_difference: Annotated[float, Field(ge=0, le=100)] = 10.0
    min_color_contrast: Annotated[float, Field(ge=1, le=21)] = 3.0
