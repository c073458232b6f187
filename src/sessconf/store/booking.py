"""Appointments and charges: the scheduling side's rules, enforced in the store (SPEC §7).

- An archived or unknown session or location cannot be booked, nor a location the session is not
  offered at; a slot (session, location, start instant) holds at most ``max_attendees`` booked or
  arrived appointments, also under concurrent bookings (the session row is locked while counting;
  SQLite serialises writers anyway).
- Arriving adds one charge per (not archived) billing item of the session, copying name, quantity,
  price and currency as they are at that moment; arriving twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from sessconf.errors import RefusedError, StoreError
from sessconf.store import schema as t
from sessconf.store.read import schema_status

if TYPE_CHECKING:
    from sessconf.store import Store


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    session: str
    client: str
    location: str
    start: datetime  # aware, in the location's time zone
    end: datetime
    status: str

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "session": self.session,
            "client": self.client,
            "location": self.location,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class Charge:
    appointment: int
    client: str
    billing_item: str
    name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    currency: str

    def to_dict(self) -> dict[str, object]:
        return {
            "appointment": self.appointment,
            "client": self.client,
            "billing_item": self.billing_item,
            "name": self.name,
            "quantity": self.quantity,
            "unit_price": f"{self.unit_price:.2f}",
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
        }


@dataclass(frozen=True, slots=True)
class Arrival:
    appointment: Appointment
    charges: list[Charge]
    already: bool  # it had arrived before: nothing was added


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("appointment times must carry a time zone")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


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
        status.check_readable(self.store.display)

    def timezone(self, location: str) -> ZoneInfo:
        """The time zone of a location in the store (for reading local times)."""
        if not self.store.exists():
            raise StoreError(
                f"the store {self.store.display} holds nothing yet", "run `sessconf apply` first"
            )
        with self.db.read() as conn:
            self._ready(conn)
            zone = conn.execute(select(t.locations.c.timezone).where(t.locations.c.name == location)).scalar()
        if zone is None:
            raise RefusedError(f"unknown location '{location}'")
        return ZoneInfo(zone)

    def book(
        self, session: str, client: str, location: str, start: datetime, duration: int | None = None
    ) -> Appointment:
        if not client.strip():
            raise RefusedError("the client id is empty")
        if not self.store.exists():
            raise StoreError(
                f"the store {self.store.display} holds nothing yet", "run `sessconf apply` first"
            )
        with self.db.write(exclusive=False) as conn:
            self._ready(conn)
            s = t.sessions
            query = select(s.c.id, s.c.archived, s.c.max_attendees, s.c.duration).where(s.c.name == session)
            if self.db.dialect == "postgresql":
                query = query.with_for_update()  # one booking of this session at a time
            row = conn.execute(query).first()
            if row is None:
                raise RefusedError(f"unknown session '{session}'")
            if row.archived:
                raise RefusedError(f"session '{session}' is archived and cannot be booked")
            loc = conn.execute(
                select(t.locations.c.id, t.locations.c.archived, t.locations.c.timezone).where(
                    t.locations.c.name == location
                )
            ).first()
            if loc is None:
                raise RefusedError(f"unknown location '{location}'")
            if loc.archived:
                raise RefusedError(f"location '{location}' is archived and takes no bookings")
            offered = conn.execute(
                select(func.count()).where(
                    t.session_locations.c.session_id == row.id, t.session_locations.c.location_id == loc.id
                )
            ).scalar()
            if not offered:
                raise RefusedError(f"session '{session}' is not offered at '{location}'")
            minutes = duration if duration is not None else row.duration
            if not 1 <= minutes <= 24 * 60:
                raise RefusedError(f"the duration {minutes} is out of range (1–1440 minutes)")
            start_utc = _utc(start)
            a = t.appointments
            taken = (
                conn.execute(
                    select(func.count()).where(
                        a.c.session_id == row.id,
                        a.c.location_id == loc.id,
                        a.c.start_utc == start_utc,
                        a.c.status != "cancelled",
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
                    status="booked",
                    booked_at=_now(),
                )
                .returning(a.c.id)
            ).scalar_one()
            return self._appointment(conn, int(new_id))

    def arrive(self, appointment_id: int) -> Arrival:
        with self.db.write(exclusive=False) as conn:
            self._ready(conn)
            appointment = self._appointment(conn, appointment_id, lock=True)
            if appointment.status == "arrived":
                return Arrival(
                    appointment, self._charges(conn, t.charges.c.appointment_id == appointment_id), True
                )
            if appointment.status == "cancelled":
                raise RefusedError(f"appointment {appointment_id} was cancelled; it cannot arrive")
            b, sb = t.billing_items, t.session_billing_items
            lines = conn.execute(
                select(b.c.code, b.c.name, b.c.price_cents, b.c.currency, sb.c.quantity)
                .select_from(
                    sb.join(b, b.c.id == sb.c.billing_item_id).join(
                        t.sessions, t.sessions.c.id == sb.c.session_id
                    )
                )
                .where(t.sessions.c.name == appointment.session, b.c.archived.is_(False))
                .order_by(sb.c.position)
            ).all()
            now = _now()
            rows = [
                {
                    "appointment_id": appointment_id,
                    "client": appointment.client,
                    "billing_item": code,
                    "name": name,
                    "quantity": quantity,
                    "unit_price_cents": price,
                    "amount_cents": price * quantity,
                    "currency": currency,
                    "charged_at": now,
                }
                for code, name, price, currency, quantity in lines
            ]
            if rows:
                conn.execute(insert(t.charges), rows)
            conn.execute(
                update(t.appointments)
                .where(t.appointments.c.id == appointment_id)
                .values(status="arrived", arrived_at=now)
            )
            arrived = self._appointment(conn, appointment_id)
            return Arrival(arrived, self._charges(conn, t.charges.c.appointment_id == appointment_id), False)

    def cancel(self, appointment_id: int) -> tuple[Appointment, bool]:
        """Cancel a booked appointment; returns it and whether it was already cancelled."""
        with self.db.write(exclusive=False) as conn:
            self._ready(conn)
            appointment = self._appointment(conn, appointment_id, lock=True)
            if appointment.status == "cancelled":
                return appointment, True
            if appointment.status == "arrived":
                raise RefusedError(f"appointment {appointment_id} has arrived; it cannot be cancelled")
            conn.execute(
                update(t.appointments)
                .where(t.appointments.c.id == appointment_id)
                .values(status="cancelled", cancelled_at=_now())
            )
            return self._appointment(conn, appointment_id), False

    def appointments(
        self, *, session: str | None = None, client: str | None = None, status: str | None = None
    ) -> list[Appointment]:
        if not self.store.exists():
            return []
        with self.db.read() as conn:
            found = schema_status(conn)
            if not found.exists:
                return []
            found.check_readable(self.store.display)
            conditions = []
            if session is not None:
                conditions.append(t.sessions.c.name == session)
            if client is not None:
                conditions.append(t.appointments.c.client == client)
            if status is not None:
                conditions.append(t.appointments.c.status == status)
            return self._select(conn, and_(True, *conditions))

    def charges(self, client: str) -> list[Charge]:
        if not self.store.exists():
            return []
        with self.db.read() as conn:
            found = schema_status(conn)
            if not found.exists:
                return []
            found.check_readable(self.store.display)
            return self._charges(conn, t.charges.c.client == client)

    def _appointment(self, conn: Connection, appointment_id: int, *, lock: bool = False) -> Appointment:
        found = self._select(conn, t.appointments.c.id == appointment_id, lock=lock)
        if not found:
            raise RefusedError(f"no appointment {appointment_id}")
        return found[0]

    def _select(self, conn: Connection, condition: object, *, lock: bool = False) -> list[Appointment]:
        a, s, loc = t.appointments, t.sessions, t.locations
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
        if lock and self.db.dialect == "postgresql":
            query = query.with_for_update(of=a)
        out = []
        for id_, session, client, location, zone, start_utc, duration, status in conn.execute(query):
            tz = ZoneInfo(zone)
            start = start_utc.replace(tzinfo=UTC)
            end = (start + timedelta(minutes=duration)).astimezone(tz)  # in UTC: DST-safe
            out.append(Appointment(id_, session, client, location, start.astimezone(tz), end, status))
        return out

    def _charges(self, conn: Connection, condition: object) -> list[Charge]:
        c = t.charges
        rows = conn.execute(select(c).where(condition).order_by(c.c.id))  # type: ignore[arg-type]
        return [
            Charge(
                r.appointment_id,
                r.client,
                r.billing_item,
                r.name,
                r.quantity,
                _cents(r.unit_price_cents),
                _cents(r.amount_cents),
                r.currency,
            )
            for r in rows
        ]
