"""The sample values that lint renders reminders with (SPEC §5).

Long ones, so that an SMS that fits with them fits for every client.

A 12-letter GSM-7 first name, and Wednesday, September 30 at noon in the location's time zone
("Wednesday, September 30 at 12:00 PM"). The variables of each (session, location) are built
from parts made once per session, per location and per (time zone, duration).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sessconf.reminders import dates
from sessconf.reminders.variables import (
    AppointmentVars,
    ClientVars,
    ClinicVars,
    ReminderVars,
    SessionVars,
    appointment_vars,
    location_vars,
    session_vars,
)

if TYPE_CHECKING:
    from sessconf.repository.model import Entry
    from sessconf.values import Location, Session

SAMPLE_FIRST_NAME = "Christabella"  # 12 letters, all GSM-7
SAMPLE_LAST_NAME = "Montgomery-Clarke"
SAMPLE_START = datetime(2026, 9, 30, 12, 0)  # a Wednesday, at noon, in the location's zone


class Samples:
    """The variables of each (session, location), built once per session, location and duration."""

    def __init__(self, clinic_name: str, locations: Mapping[str, Location]) -> None:
        self.client = ClientVars(SAMPLE_FIRST_NAME, SAMPLE_LAST_NAME)
        self.clinic = ClinicVars(clinic_name)
        self.locations = locations
        self._sessions: dict[str, SessionVars] = {}
        self._places: dict[str, dict[str, Any]] = {}
        self._appointments: dict[tuple[str, int], AppointmentVars] = {}  # by (zone, duration)

    def session(self, entry: Entry[Session]) -> SessionVars:
        found = self._sessions.get(entry.name)
        if found is None:
            found = self._sessions[entry.name] = session_vars(entry.model)
        return found

    def place(self, location_id: str) -> dict[str, Any]:
        """The location, and the appointment's start there (the same for every duration)."""
        found = self._places.get(location_id)
        if found is None:
            found = self._places[location_id] = {
                "location": location_vars(self.locations[location_id]),
                "appointment": self.appointment(location_id, 0),
            }
        return found

    def appointment(self, location_id: str, duration: int) -> AppointmentVars:
        zone = self.locations[location_id].timezone
        found = self._appointments.get((zone, duration))
        if found is None:
            start = SAMPLE_START.replace(tzinfo=ZoneInfo(zone))
            found = self._appointments[(zone, duration)] = appointment_vars(start, duration, zone)
        return found

    def variables(self, entry: Entry[Session], location_id: str) -> ReminderVars:
        return ReminderVars(
            self.session(entry),
            self.client,
            self.appointment(location_id, entry.model.duration),
            self.place(location_id)["location"],
            self.clinic,
        )


def read_locale_data(locale: str) -> None:
    """Babel reads a locale's data (hundreds of kB) when it first formats something: before the
    renders' clocks run (and, in a bounded worker, once for both channels)."""
    start = SAMPLE_START.replace(tzinfo=ZoneInfo("UTC"))
    dates.format_datetime(start, locale)
    dates.format_zone(start, locale)
