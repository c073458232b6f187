"""Appointments and charges: the scheduling side's rules, enforced in the store (SPEC §7).

- An archived or unknown session or location cannot be booked, nor a location the session is not
  offered at; a slot (session, location, start instant) holds at most ``max_attendees``
  appointments that are not cancelled, also under concurrent bookings (the session row is locked
  while counting; SQLite serialises writers anyway). ``online`` bookings are refused for a session
  with ``online_booking: false``.
- An appointment's life: ``booked`` → ``arrived`` | ``cancelled`` | ``no_show``, and ``arrived`` →
  ``booked`` when an arrival is undone. Arriving adds one charge per (not archived) billing item of
  the session, copying name, quantity, price and currency as they are at that moment; undoing it
  adds one reversing charge per charge of that arrival. Charges are never edited or deleted.

The charges themselves are written by the database (:mod:`sessconf.store.rules`), whoever changes
the status; this module checks first, so that a refusal reads as a sentence about the appointment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sessconf import limits
from sessconf.errors import RefusedError, StoreError
from sessconf.store import tables
from sessconf.store.migrate import check_readable
from sessconf.store.read import schema_status

if TYPE_CHECKING:
    from sessconf.store import Store


class Status(StrEnum):
    """An appointment's status, as the store holds it."""

    BOOKED = "booked"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    session: str
    client: str
    location: str
    start: datetime  # aware, in the location's time zone
    end: datetime
    status: Status

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "session": self.session,
            "client": self.client,
            "location": self.location,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status.value,
        }


@dataclass(frozen=True, slots=True)
class Charge:
    """One line of a client's case file; a reversing charge has a negative amount and names the
    charge it undoes (``reverses``)."""

    id: int
    appointment: int
    client: str
    billing_item: str
    name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    currency: str
    reverses: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "appointment": self.appointment,
            "client": self.client,
            "billing_item": self.billing_item,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "reverses": self.reverses,
        }


@dataclass(frozen=True, slots=True)
class Arrival:
    appointment: Appointment
    charges: list[Charge]
    already: bool  # it had arrived before: nothing was added


@dataclass(frozen=True, slots=True)
class Unarrival:
    appointment: Appointment
    reversals: list[Charge]  # one per charge of the arrival undone
    not_arrived: bool  # it was booked, not arrived: nothing was reversed


def client_problem(client: str) -> str | None:
    """Why ``client`` cannot be a client id in the store, or None."""
    if not client.strip():
        return "the client id is empty"
    return limits.text_problem(client, limits.CLIENT_MAX, "the client id")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("appointment times must carry a time zone")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


@contextmanager
def _rules_of_the_store() -> Iterator[None]:
    """A write the database refused (a rule of :mod:`sessconf.store.rules`, or a constraint)."""
    try:
        yield
    except IntegrityError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "a constraint"
        raise RefusedError(f"the store refused it: {reason}") from None


class Booking:
    """Appointment operations on one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def _ready(self, conn: Connection) -> None:
        status = schema_status(conn)
        if not status.exists:
            raise StoreError(
                f"the store {self.store.display} holds nothing yet", "run `sessconf apply` first"
            )
        check_readable(status, self.store.display, conn=conn)

    def _exists(self) -> None:
        if not self.store.exists():
            raise StoreError(
                f"the store {self.store.display} holds nothing yet", "run `sessconf apply` first"
            )

    def timezone(self, location: str) -> ZoneInfo:
        """The time zone of a location in the store (for reading local times)."""
        self._exists()
        with self.db.read() as conn:
            self._ready(conn)
            zone = conn.execute(
                select(tables.locations.c.timezone).where(tables.locations.c.name == location)
            ).scalar()
        if zone is None:
            raise RefusedError(f"unknown location '{location}'")
        return ZoneInfo(zone)

    def book(
        self,
        session: str,
        client: str,
        location: str,
        start: datetime,
        duration: int | None = None,
        *,
        online: bool = False,
    ) -> Appointment:
        """Book ``session`` for ``client``; ``online``: as the client would online (refused for a
        session that only staff can book)."""
        problem = client_problem(client)
        if problem is not None:
            raise RefusedError(problem)
        self._exists()
        with _rules_of_the_store(), self.db.write(exclusive=False) as conn:
            self._ready(conn)
            s = tables.sessions
            query = select(s.c.id, s.c.archived, s.c.max_attendees, s.c.duration, s.c.online_booking).where(
                s.c.name == session
            )
            query = query.with_for_update()  # one booking of this session at a time (SQLite: its lock)
            row = conn.execute(query).first()
            if row is None:
                raise RefusedError(f"unknown session '{session}'")
            if row.archived:
                raise RefusedError(f"session '{session}' is archived and cannot be booked")
            if online and not row.online_booking:
                raise RefusedError(
                    f"session '{session}' cannot be booked online (online_booking: false); staff can book it"
                )
            loc = conn.execute(
                select(tables.locations.c.id, tables.locations.c.archived, tables.locations.c.timezone).where(
                    tables.locations.c.name == location
                )
            ).first()
            if loc is None:
                raise RefusedError(f"unknown location '{location}'")
            if loc.archived:
                raise RefusedError(f"location '{location}' is archived and takes no bookings")
            offered = conn.execute(
                select(func.count()).where(
                    tables.session_locations.c.session_id == row.id,
                    tables.session_locations.c.location_id == loc.id,
                )
            ).scalar()
            if not offered:
                raise RefusedError(f"session '{session}' is not offered at '{location}'")
            minutes = duration if duration is not None else row.duration
            if not 1 <= minutes <= 24 * 60:
                raise RefusedError(f"the duration {minutes} is out of range (1–1440 minutes)")
            start_utc = _utc(start)
            a = tables.appointments
            taken = (
                conn.execute(
                    select(func.count()).where(
                        a.c.session_id == row.id,
                        a.c.location_id == loc.id,
                        a.c.start_utc == start_utc,
                        a.c.status != Status.CANCELLED,
                    )
                ).scalar()
                or 0
            )
            if taken >= row.max_attendees:
                raise RefusedError(
                    f"the slot is full: {taken} of {row.max_attendees} place(s) booked for '{session}' "
                    f"at '{location}' at {start.isoformat()}"
                )
            new_id = conn.execute(
                insert(a)
                .values(
                    session_id=row.id,
                    location_id=loc.id,
                    client=client,
                    start_utc=start_utc,
                    duration=minutes,
                    status=Status.BOOKED,
                    booked_at=_now(),
                )
                .returning(a.c.id)
            ).scalar_one()
            return self._appointment(conn, int(new_id))

    def arrive(self, appointment_id: int) -> Arrival:
        """Mark a booked appointment arrived; the store adds its charges. Arriving twice adds nothing."""
        with _rules_of_the_store(), self.db.write(exclusive=False) as conn:
            self._ready(conn)
            appointment = self._appointment(conn, appointment_id, lock=True)
            if appointment.status == Status.ARRIVED:
                return Arrival(appointment, self._open_charges(conn, appointment_id), True)
            if appointment.status == Status.CANCELLED:
                raise RefusedError(f"appointment {appointment_id} was cancelled; it cannot arrive")
            if appointment.status == Status.NO_SHOW:
                raise RefusedError(f"appointment {appointment_id} was marked no-show; it cannot arrive")
            self._set_status(conn, appointment_id, Status.ARRIVED, arrived_at=_now())
            arrived = self._appointment(conn, appointment_id)
            return Arrival(arrived, self._open_charges(conn, appointment_id), False)

    def unarrive(self, appointment_id: int) -> Unarrival:
        """Undo an arrival: the store adds one reversing charge per charge of that arrival and the
        appointment is booked again. A booked appointment is left as it is (nothing to undo)."""
        with _rules_of_the_store(), self.db.write(exclusive=False) as conn:
            self._ready(conn)
            appointment = self._appointment(conn, appointment_id, lock=True)
            if appointment.status == Status.BOOKED:
                return Unarrival(appointment, [], True)
            if appointment.status != Status.ARRIVED:
                raise RefusedError(
                    f"appointment {appointment_id} {_was(appointment.status)}; it has no arrival to undo"
                )
            undone = [c.id for c in self._open_charges(conn, appointment_id)]
            self._set_status(conn, appointment_id, Status.BOOKED, arrived_at=None)
            reversals = self._charges(conn, tables.charges.c.reverses.in_(undone)) if undone else []
            return Unarrival(self._appointment(conn, appointment_id), reversals, False)

    def no_show(self, appointment_id: int) -> tuple[Appointment, bool]:
        """Mark a booked appointment no-show (it keeps its place); returns it and whether it was
        already marked."""
        with _rules_of_the_store(), self.db.write(exclusive=False) as conn:
            self._ready(conn)
            appointment = self._appointment(conn, appointment_id, lock=True)
            if appointment.status == Status.NO_SHOW:
                return appointment, True
            if appointment.status == Status.ARRIVED:
                raise RefusedError(
                    f"appointment {appointment_id} has arrived; it cannot be marked no-show",
                    f"if the arrival was a mistake: `sessconf appointments unarrive {appointment_id}`",
                )
            if appointment.status == Status.CANCELLED:
                raise RefusedError(f"appointment {appointment_id} was cancelled; it cannot be marked no-show")
            self._set_status(conn, appointment_id, Status.NO_SHOW, no_show_at=_now())
            return self._appointment(conn, appointment_id), False

    def cancel(self, appointment_id: int) -> tuple[Appointment, bool]:
        """Cancel a booked appointment; returns it and whether it was already cancelled."""
        with _rules_of_the_store(), self.db.write(exclusive=False) as conn:
            self._ready(conn)
            appointment = self._appointment(conn, appointment_id, lock=True)
            if appointment.status == Status.CANCELLED:
                return appointment, True
            if appointment.status != Status.BOOKED:
                raise RefusedError(
                    f"appointment {appointment_id} {_was(appointment.status)}; it cannot be cancelled"
                )
            self._set_status(conn, appointment_id, Status.CANCELLED, cancelled_at=_now())
            return self._appointment(conn, appointment_id), False

    def appointments(
        self, *, session: str | None = None, client: str | None = None, status: Status | None = None
    ) -> list[Appointment]:
        if not self.store.exists():
            return []
        with self.db.read() as conn:
            found = schema_status(conn)
            if not found.exists:
                return []
            check_readable(found, self.store.display, conn=conn)
            conditions = []
            if session is not None:
                conditions.append(tables.sessions.c.name == session)
            if client is not None:
                conditions.append(tables.appointments.c.client == client)
            if status is not None:
                conditions.append(tables.appointments.c.status == status)
            return self._select(conn, and_(True, *conditions))

    def charges(self, client: str) -> list[Charge]:
        """A client's case file, oldest first: charges and reversing charges."""
        if not self.store.exists():
            return []
        with self.db.read() as conn:
            found = schema_status(conn)
            if not found.exists:
                return []
            check_readable(found, self.store.display, conn=conn)
            return self._charges(conn, tables.charges.c.client == client)

    def _set_status(self, conn: Connection, appointment_id: int, status: Status, **stamps: object) -> None:
        a = tables.appointments
        conn.execute(update(a).where(a.c.id == appointment_id).values(status=status, **stamps))

    def _appointment(self, conn: Connection, appointment_id: int, *, lock: bool = False) -> Appointment:
        if not 1 <= appointment_id <= limits.MAX_ID:  # no row can have it (nor can it be queried)
            raise RefusedError(f"no appointment {appointment_id}")
        found = self._select(conn, tables.appointments.c.id == appointment_id, lock=lock)
        if not found:
            raise RefusedError(f"no appointment {appointment_id}")
        return found[0]

    def _select(self, conn: Connection, condition: object, *, lock: bool = False) -> list[Appointment]:
        a, s, loc = tables.appointments, tables.sessions, tables.locations
        query = (
            select(
                a.c.id,
                s.c.name,
                a.c.client,
                loc.c.name,
                loc.c.timezone,
                a.c.start_utc,
                a.c.duration,
                a.c.status,
            )
            .select_from(a.join(s, s.c.id == a.c.session_id).join(loc, loc.c.id == a.c.location_id))
            .where(condition)  # type: ignore[arg-type]
            .order_by(a.c.start_utc, a.c.id)
        )
        if lock:  # SQLite renders no FOR UPDATE: its write transaction holds the whole database
            query = query.with_for_update(of=a)
        out = []
        for id_, session, client, location, zone, start_utc, duration, status in conn.execute(query):
            tz = ZoneInfo(zone)
            start = start_utc.replace(tzinfo=UTC)
            end = (start + timedelta(minutes=duration)).astimezone(tz)  # in UTC: DST-safe
            out.append(Appointment(id_, session, client, location, start.astimezone(tz), end, Status(status)))
        return out

    def _open_charges(self, conn: Connection, appointment_id: int) -> list[Charge]:
        """The charges of the appointment's current arrival: not reversing, not reversed."""
        c = tables.charges
        r = c.alias("r")
        return self._charges(
            conn,
            and_(
                c.c.appointment_id == appointment_id,
                c.c.reverses.is_(None),
                ~exists().where(r.c.reverses == c.c.id),
            ),
        )

    def _charges(self, conn: Connection, condition: object) -> list[Charge]:
        c = tables.charges
        rows = conn.execute(select(c).where(condition).order_by(c.c.id))  # type: ignore[arg-type]
        return [
            Charge(
                r.id,
                r.appointment_id,
                r.client,
                r.billing_item,
                r.name,
                r.quantity,
                _cents(r.unit_price_cents),
                _cents(r.amount_cents),
                r.currency,
                r.reverses,
            )
            for r in rows
        ]


def _was(status: Status) -> str:
    return {
        Status.BOOKED: "is booked",
        Status.ARRIVED: "has arrived",
        Status.CANCELLED: "was cancelled",
        Status.NO_SHOW: "was marked no-show",
    }[status]
