"""Reading a store: its schema status and a snapshot of its configuration, in a few bulk queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, inspect, select
from sqlalchemy.engine import Connection

from sessconf import __version__
from sessconf.errors import StoreError
from sessconf.state import BillingItemState, BillingLineState, ConfigState, LocationState, SessionState
from sessconf.store import schema as t


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    exists: bool
    version: int = 0
    store_id: str | None = None

    def check_readable(self, display: str) -> None:
        """Refuse a store whose schema this version of sessconf cannot read."""
        if not self.exists:
            return
        if self.version > t.SCHEMA_VERSION:
            raise StoreError(
                f"the store {display} was written by a newer sessconf (schema version {self.version}; "
                f"sessconf {__version__} knows up to {t.SCHEMA_VERSION})",
                "upgrade sessconf",
            )
        if self.version < t.SCHEMA_VERSION:
            raise StoreError(
                f"the store {display} has an older schema "
                f"(version {self.version}, current {t.SCHEMA_VERSION})",
                "run `sessconf migrate`",
            )


def schema_status(conn: Connection) -> SchemaStatus:
    if not inspect(conn).has_table(t.meta.name):
        return SchemaStatus(False)
    values: dict[str, str] = dict(conn.execute(select(t.meta.c.key, t.meta.c.value)).all())
    return SchemaStatus(True, int(values.get("schema_version", "0")), values.get("store_id"))


@dataclass(frozen=True, slots=True)
class Usage:
    """How appointments use one session or location: counts and dates, never who or which."""

    appointments: int = 0  # any status, any date
    first: datetime | None = None
    last: datetime | None = None
    future_booked: int = 0


@dataclass(slots=True)
class Snapshot:
    """What a store holds: its configuration, the row ids behind it, and appointment usage."""

    status: SchemaStatus
    config: ConfigState = field(default_factory=ConfigState)
    ids: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"session": {}, "location": {}, "billing_item": {}}
    )
    session_usage: dict[str, Usage] = field(default_factory=dict)
    location_usage: dict[str, Usage] = field(default_factory=dict)
    # (session, location) -> booked future appointments
    future_at: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def store_id(self) -> str | None:
        return self.status.store_id


def read_snapshot(conn: Connection, status: SchemaStatus, now: datetime | None = None) -> Snapshot:
    snap = Snapshot(status)
    if not status.exists:
        return snap
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    config = snap.config

    disciplines = _grouped(
        conn,
        t.location_disciplines.c.location_id,
        t.location_disciplines.c.discipline,
        t.location_disciplines.c.position,
    )
    location_names: dict[int, str] = {}
    previous = _previous(conn, t.location_previous_names)
    for row in conn.execute(select(t.locations).order_by(t.locations.c.id)):
        location_names[row.id] = row.name
        snap.ids["location"][row.name] = row.id
        config.locations[row.name] = LocationState(
            row.name,
            row.display_name,
            row.timezone,
            tuple(disciplines.get(row.id, ())),
            row.address,
            bool(row.archived),
            tuple(previous.get(row.id, ())),
        )

    item_codes: dict[int, str] = {}
    previous = _previous(conn, t.billing_item_previous_names)
    for row in conn.execute(select(t.billing_items).order_by(t.billing_items.c.id)):
        item_codes[row.id] = row.code
        snap.ids["billing_item"][row.code] = row.id
        config.billing_items[row.code] = BillingItemState(
            row.code,
            row.name,
            row.kind,
            Decimal(row.price_cents).scaleb(-2),
            row.currency,
            bool(row.archived),
            tuple(previous.get(row.id, ())),
        )

    links = _grouped(
        conn,
        t.session_locations.c.session_id,
        t.session_locations.c.location_id,
        t.session_locations.c.position,
    )
    lines: dict[int, list[BillingLineState]] = defaultdict(list)
    query = select(
        t.session_billing_items.c.session_id,
        t.session_billing_items.c.billing_item_id,
        t.session_billing_items.c.quantity,
    ).order_by(t.session_billing_items.c.session_id, t.session_billing_items.c.position)
    for session_id, item_id, quantity in conn.execute(query):
        lines[session_id].append(BillingLineState(item_codes[item_id], quantity))
    previous = _previous(conn, t.session_previous_names)
    session_names: dict[int, str] = {}
    for row in conn.execute(select(t.sessions).order_by(t.sessions.c.id)):
        session_names[row.id] = row.name
        snap.ids["session"][row.name] = row.id
        config.sessions[row.name] = SessionState(
            row.name,
            row.description,
            row.discipline,
            tuple(location_names[i] for i in links.get(row.id, ())),
            row.color,
            row.duration,
            tuple(lines.get(row.id, ())),
            bool(row.archived),
            tuple(previous.get(row.id, ())),
            row.max_attendees,
            bool(row.online_booking),
            row.buffer_before,
            row.buffer_after,
            bool(row.telehealth),
        )

    a = t.appointments
    future = and_(a.c.status == "booked", a.c.start_utc > now)
    usage_query = select(
        a.c.session_id,
        a.c.location_id,
        func.count(),
        func.min(a.c.start_utc),
        func.max(a.c.start_utc),
        func.sum(case((future, 1), else_=0)),
    ).group_by(a.c.session_id, a.c.location_id)
    per_session: dict[str, list[tuple[int, datetime, datetime, int]]] = defaultdict(list)
    per_location: dict[str, list[tuple[int, datetime, datetime, int]]] = defaultdict(list)
    for session_id, location_id, count, first, last, upcoming in conn.execute(usage_query):
        session, location = session_names[session_id], location_names[location_id]
        entry = (int(count), first, last, int(upcoming or 0))
        per_session[session].append(entry)
        per_location[location].append(entry)
        if upcoming:
            snap.future_at[(session, location)] = int(upcoming)
    snap.session_usage = {name: _usage(entries) for name, entries in per_session.items()}
    snap.location_usage = {name: _usage(entries) for name, entries in per_location.items()}
    return snap


def _usage(entries: list[tuple[int, datetime, datetime, int]]) -> Usage:
    return Usage(
        sum(e[0] for e in entries),
        min(e[1] for e in entries),
        max(e[2] for e in entries),
        sum(e[3] for e in entries),
    )


def _grouped(conn: Connection, key: Any, value: Any, order: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for k, v in conn.execute(select(key, value).order_by(key, order)):
        out[k].append(v)
    return out


def _previous(conn: Connection, table: object) -> dict[int, list[str]]:
    c = table.c  # type: ignore[attr-defined]
    out: dict[int, list[str]] = defaultdict(list)
    for owner, name in conn.execute(select(c.owner_id, c.name).order_by(c.owner_id, c.position)):
        out[owner].append(name)
    return out


def overfull_slots(conn: Connection, session_id: int, limit: int, now: datetime) -> int:
    """Future booked appointments in slots of ``session_id`` holding more than ``limit``."""
    a = t.appointments
    counts = (
        select(func.count().label("n"))
        .where(a.c.session_id == session_id, a.c.status == "booked", a.c.start_utc > now.replace(tzinfo=None))
        .group_by(a.c.location_id, a.c.start_utc)
        .subquery()
    )
    total = conn.execute(select(func.coalesce(func.sum(counts.c.n), 0)).where(counts.c.n > limit)).scalar()
    return int(total or 0)
