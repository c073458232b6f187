"""The variables a reminder template sees (SPEC §5), built from the model.

``session``, ``client``, ``appointment``, ``location`` and ``clinic`` are small read-only objects
(named tuples: cheap to define, which lint's start-up time notices) holding plain values (text,
numbers, datetimes): data, never template source.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sessconf.values import Location, Session


class SessionVars(NamedTuple):
    name: str
    description: str
    duration: int
    discipline: str
    telehealth: bool
    max_attendees: int


class ClientVars(NamedTuple):
    first_name: str
    last_name: str


class AppointmentVars(NamedTuple):
    start: datetime
    end: datetime


class LocationVars(NamedTuple):
    name: str
    address: str | None
    timezone: str


class ClinicVars(NamedTuple):
    name: str


VARIABLES: dict[str, type[Any]] = {
    "session": SessionVars,
    "client": ClientVars,
    "appointment": AppointmentVars,
    "location": LocationVars,
    "clinic": ClinicVars,
}
FIELDS: dict[str, tuple[str, ...]] = {name: tuple(cls._fields) for name, cls in VARIABLES.items()}


class ReminderVars(NamedTuple):
    """Everything one reminder is rendered from."""

    session: SessionVars
    client: ClientVars
    appointment: AppointmentVars
    location: LocationVars
    clinic: ClinicVars

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in VARIABLES}


def session_vars(session: Session) -> SessionVars:
    return SessionVars(
        session.name,
        session.description,
        session.duration,
        session.discipline,
        session.telehealth,
        session.max_attendees,
    )


def location_vars(location: Location) -> LocationVars:
    return LocationVars(location.name, location.address, location.timezone)


def appointment_vars(start: datetime, duration: int, timezone: str) -> AppointmentVars:
    """Start and end in the location's zone; the end is ``duration`` minutes later (in real time,
    also across a daylight-saving change)."""
    zone = ZoneInfo(timezone)
    start = start.astimezone(zone)
    end = (start.astimezone(UTC) + timedelta(minutes=duration)).astimezone(zone)
    return AppointmentVars(start, end)


def reminder_vars(
    session: Session,
    location: Location,
    start: datetime,
    *,
    first_name: str,
    last_name: str,
    clinic_name: str,
) -> ReminderVars:
    return ReminderVars(
        session_vars(session),
        ClientVars(first_name, last_name),
        appointment_vars(start, session.duration, location.timezone),
        location_vars(location),
        ClinicVars(clinic_name),
    )
