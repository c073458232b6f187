"""Reminders for people to read: what ``sessconf render`` shows (SPEC §4, §5).

:func:`render_reminders` chooses what to render (a session, or every bookable one, at a location
or at each one's first) and renders it. Each render is bounded, and so are all the renders of one
call together (one :class:`~sessconf.reminders.sandbox.Allowance` per template). With a template
from the repository, they run in one bounded worker (:mod:`sessconf.reminders.worker`), whose
memory and time the operating system limits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sessconf.diagnostics import did_you_mean
from sessconf.errors import SessconfError
from sessconf.reminders import dates, sandbox, worker
from sessconf.reminders.sms import SmsLength, sms_length
from sessconf.reminders.templates import (
    CHANNELS,
    Channel,
    CompiledTemplate,
    Email,
    ReminderError,
    load_source,
)
from sessconf.reminders.variables import reminder_vars
from sessconf.repository.model import Entry, Repository
from sessconf.settings import Settings
from sessconf.timeparse import parse_start
from sessconf.values import Location, Session

Target = tuple[Entry[Session], str]  # a session, and the id of a location where it is offered

SAMPLE_FIRST_NAME = "Alex"
SAMPLE_LAST_NAME = "Martin"
SAMPLE_TIME = time(10, 0)  # on the next day, when no start is given


@dataclass(frozen=True, slots=True)
class Reminder:
    """The reminders of one session at one location, for one appointment."""

    session: str
    location: str
    locale: str
    start: datetime
    end: datetime
    sms: str | None
    sms_length: SmsLength | None
    email: Email | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "session": self.session,
            "location": self.location,
            "locale": self.locale,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.sms is not None and self.sms_length is not None:
            out["sms"] = {
                "text": self.sms,
                "segments": self.sms_length.segments,
                "encoding": self.sms_length.encoding,
                "length": self.sms_length.units,
                "forced_by": self.sms_length.forced_by,
            }
        if self.email is not None:
            out["email"] = {"subject": self.email.subject, "text": self.email.text, "html": self.email.html}
        return out


class Renderer:
    """Renders the reminders of the sessions of the repository at ``root``, with its settings and
    its locations (templates compiled once)."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        locations: Mapping[str, Location],
        channels: tuple[Channel, ...] = CHANNELS,
    ) -> None:
        self.settings, self.locations = settings, locations
        self.locale = settings.locale
        try:
            dates.babel_locale(self.locale)
        except dates.LocaleError as exc:
            raise ReminderError(root / "pyproject.toml", 1, str(exc)) from None
        self.templates = {
            channel: CompiledTemplate(load_source(root, channel, self.locale)) for channel in channels
        }

    def render(
        self,
        session: Entry[Session],
        location_id: str,
        *,
        start: str | None = None,
        first_name: str = SAMPLE_FIRST_NAME,
        last_name: str = SAMPLE_LAST_NAME,
    ) -> Reminder:
        """Raises :class:`ReminderError` for a template that fails, ``SessconfError`` for a start
        time that does not exist or is ambiguous at the location."""
        (found,) = self.render_all(
            [(session, location_id)], start=start, first_name=first_name, last_name=last_name
        )
        return found

    def render_all(
        self,
        targets: Sequence[Target],
        *,
        start: str | None = None,
        first_name: str = SAMPLE_FIRST_NAME,
        last_name: str = SAMPLE_LAST_NAME,
    ) -> list[Reminder]:
        """The reminders of each (session, location id), as :meth:`render`; in a bounded worker
        when a template comes from the repository."""

        def render_each() -> list[Reminder]:
            for compiled in self.templates.values():
                compiled.allowance = sandbox.Allowance()
            return [
                self._render(entry, location_id, start, first_name, last_name)
                for entry, location_id in targets
            ]

        # Babel reads the locale's data on first use: before the renders' clocks run
        dates.format_datetime(next_day(ZoneInfo("UTC")), self.locale)
        if all(compiled.source.builtin for compiled in self.templates.values()) or not worker.available():
            return render_each()

        def bounded() -> list[Reminder]:
            sandbox.use_timers()
            return render_each()

        try:
            return worker.run(bounded)
        except worker.WorkerStopped as exc:
            path = next(c.path for c in self.templates.values() if not c.source.builtin)
            raise ReminderError(path, 1, f"rendering this template was stopped: {exc}") from None

    def _render(
        self, session: Entry[Session], location_id: str, start: str | None, first_name: str, last_name: str
    ) -> Reminder:
        location = self.locations[location_id]
        zone = ZoneInfo(location.timezone)
        when = parse_start(start, zone) if start is not None else next_day(zone)
        variables = reminder_vars(
            session.model,
            location,
            when,
            first_name=first_name,
            last_name=last_name,
            clinic_name=self.settings.clinic_name,
        )
        sms = self.templates["sms"].render_sms(variables, self.locale) if "sms" in self.templates else None
        email = (
            self.templates["email"].render_email(variables, self.locale)
            if "email" in self.templates
            else None
        )
        return Reminder(
            session.name,
            location_id,
            self.locale,
            variables.appointment.start,
            variables.appointment.end,
            sms,
            sms_length(sms) if sms is not None else None,
            email,
        )


def next_day(zone: ZoneInfo) -> datetime:
    """Tomorrow at 10:00 in ``zone``: a sample appointment."""
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, SAMPLE_TIME, tzinfo=zone)


def render_reminders(
    repo: Repository,
    name: str | None,
    *,
    location_id: str | None = None,
    channel: Channel | None = None,
    start: str | None = None,
    first_name: str | None = None,
) -> list[Reminder]:
    """The reminders of session ``name`` (at ``location_id``, else at its first known location),
    or with ``name`` None of every bookable session (at ``location_id`` only, when given, else at
    each one's first): the SMS and the email, or ``channel`` alone.

    Raises ``SessconfError`` for an unknown session or location, or nothing to render, and
    :class:`ReminderError` for a template that fails.
    """
    if location_id is not None and location_id not in repo.locations:
        raise SessconfError(f"unknown location '{location_id}'", did_you_mean(location_id, repo.locations))
    targets = choose_targets(repo, name, location_id)
    locations = {known: entry.model for known, entry in repo.locations.items()}
    channels = tuple(c for c in CHANNELS if channel in (None, c))
    renderer = Renderer(repo.root, repo.settings, locations, channels)
    return renderer.render_all(targets, start=start, first_name=first_name or SAMPLE_FIRST_NAME)


def choose_targets(repo: Repository, name: str | None, location_id: str | None) -> list[Target]:
    """What :func:`render_reminders` renders (``location_id`` is a known location, or None)."""
    if name is not None:
        entry = repo.sessions.get(name)
        if entry is None:
            if (repo.sessions_dir / f"{name}.yaml").is_file():
                raise SessconfError(f"session '{name}' has errors", "run `sessconf lint` to see them")
            raise SessconfError(f"unknown session '{name}'", did_you_mean(name, repo.sessions))
        offered = [loc for loc in entry.model.locations if loc in repo.locations]
        if location_id is None:
            if not offered:
                raise SessconfError(f"session '{name}' has no known location", "run `sessconf lint`")
            return [(entry, offered[0])]
        if location_id not in entry.model.locations:
            raise SessconfError(
                f"session '{name}' is not offered at '{location_id}'",
                f"its locations: {', '.join(entry.model.locations)}",
            )
        return [(entry, location_id)]
    targets = []
    for entry in sorted(repo.sessions.values(), key=lambda e: e.name):
        if entry.model.archived:
            continue
        offered = [loc for loc in entry.model.locations if loc in repo.locations]
        if location_id is not None:
            offered = [loc for loc in offered if loc == location_id]
        if offered:
            targets.append((entry, offered[0]))
    if not targets:
        where = f" at '{location_id}'" if location_id else ""
        raise SessconfError(f"no bookable session{where} to render")
    return targets
