"""The pydantic model that validates a ``[tool.sessconf]`` table into :class:`Settings`.

Apart from ``sessconf.settings`` so that reading settings imports pydantic only when there is a
table to validate (and a cached lint, not at all).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sessconf.limits import MIB
from sessconf.settings import (
    RuleLevel,
    Settings,
    check_color,
    check_currency,
    check_locale,
    check_one_line,
)


class SettingsSchema(BaseModel):
    """The fields of :class:`Settings`, with their bounds."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    store: str | None = None
    currency: Annotated[str, AfterValidator(check_currency)] = "CAD"
    clinic_name: Annotated[str, AfterValidator(check_one_line)] = ""
    locale: Annotated[str, AfterValidator(check_locale)] = "en-CA"
    duration_step: Annotated[int, Field(ge=1, le=600)] = 5
    sms_max_segments: Annotated[int, Field(ge=1, le=20)] = 2
    max_file_size: Annotated[int, Field(ge=1024)] = 64 * MIB
    rules: dict[str, RuleLevel] = Field(default_factory=dict)
    max_delete_fraction: Annotated[float, Field(ge=0, le=1)] = 0.3
    max_change_fraction: Annotated[float, Field(ge=0, le=1)] = 0.3
    # Colour advice (SC310, SC311): the calendar's background and the thresholds.
    calendar_background: Annotated[str, AfterValidator(check_color)] = "#ffffff"
    min_color_difference: Annotated[float, Field(ge=0, le=100)] = 10.0
    min_color_contrast: Annotated[float, Field(ge=1, le=21)] = 3.0

    def settings(self) -> Settings:
        return Settings(**{name: getattr(self, name) for name in type(self).model_fields})
