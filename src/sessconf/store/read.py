"""Reading a store: its schema status and a snapshot of its configuration, in a few bulk queries."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, inspect, select
from sqlalchemy.engine import Connection

from sessconf.plan.snapshot import LastApply, SchemaStatus, Snapshot, Usage
from sessconf.plan.state import BillingItemState, BillingLineState, LocationState, SessionState
from sessconf.store import rules, tables
from sessconf.store.engine import plain_rows
from sessconf.store.errors import DamagedStoreError
from sessconf.store.history import Applied

RESTORE = "restore the store from a backup"

__all__ = ["SchemaStatus", "Snapshot", "Usage", "config_state", "read_snapshot", "schema_status"]


def schema_status(conn: Connection) -> SchemaStatus:
    if not inspect(conn).has_table(tables.meta.name):
        return SchemaStatus(False)
    values: dict[str, str] = dict(conn.execute(select(tables.meta.c.key, tables.meta.c.value)).all())
    version, store_id = values.get("schema_version"), values.get("store_id")
    # Both are written with the schema, in one transaction: without them the store was tampered with.
    if not version or not store_id:
        missing = "store_id" if version else "schema_version"
        raise DamagedStoreError(f"is damaged: its {tables.meta.name} table has no {missing}", RESTORE)
    if not (version.isascii() and version.isdigit()):
        raise DamagedStoreError(
            f"is damaged: its schema_version in {tables.meta.name} is not a number", RESTORE
        )
    return SchemaStatus(True, int(version), store_id)


def read_snapshot(
    conn: Connection, status: SchemaStatus, now: datetime | None = None, *, usage_views: bool = False
) -> Snapshot:
    """What the store holds. How appointments use it comes from the counts-only usage views when
    the schema has them (``usage_views``: all a read-only role can read), else from the table;
    ``now`` applies to the table only (the views count "future" by the database's clock)."""
    snap = Snapshot(status)
    if not status.exists:
        return snap
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    config = snap.config
    # The counter first: a change committed while the rows are read makes it older than them,
    # never newer, so trusting the rows while it holds still is safe on any isolation level.
    snap.config_version, snap.last_apply = config_state(conn)

    # One query per table, fetched whole (row-by-row iteration costs more than the query).
    disciplines = _grouped(conn, tables.location_disciplines, "location_id", "discipline")
    location_names: dict[int, str] = {}
    previous = _grouped(conn, tables.location_previous_names, "owner_id", "name")
    lc = tables.locations.c
    query = select(lc.id, lc.name, lc.display_name, lc.timezone, lc.address, lc.archived).order_by(lc.id)
    for id_, name, display, zone, address, archived in _rows(conn, query):
        location_names[id_] = name
        snap.ids["location"][name] = id_
        config.locations[name] = LocationState(
            name,
            display,
            zone,
            tuple(disciplines.get(id_, ())),
            address,
            bool(archived),
            tuple(previous.get(id_, ())),
        )

    item_codes: dict[int, str] = {}
    previous = _grouped(conn, tables.billing_item_previous_names, "owner_id", "name")
    bc = tables.billing_items.c
    query = select(bc.id, bc.code, bc.name, bc.kind, bc.price_cents, bc.currency, bc.archived).order_by(bc.id)
    for id_, code, name, kind, cents, currency, archived in _rows(conn, query):
        item_codes[id_] = code
        snap.ids["billing_item"][code] = id_
        config.billing_items[code] = BillingItemState(
            code,
            name,
            kind,
            Decimal(cents).scaleb(-2),
            currency,
            bool(archived),
            tuple(previous.get(id_, ())),
        )

    links = _grouped(conn, tables.session_locations, "session_id", "location_id")
    lines: dict[int, list[BillingLineState]] = defaultdict(list)
    sb = tables.session_billing_items.c
    query = select(sb.session_id, sb.billing_item_id, sb.quantity).order_by(sb.session_id, sb.position)
    for session_id, item_id, quantity in _rows(conn, query):
        lines[session_id].append(BillingLineState(item_codes[item_id], quantity))
    previous = _grouped(conn, tables.session_previous_names, "owner_id", "name")
    session_names: dict[int, str] = {}
    sc = tables.sessions.c
    query = select(
        sc.id,
        sc.name,
        sc.description,
        sc.discipline,
        sc.color,
        sc.duration,
        sc.archived,
        sc.max_attendees,
        sc.online_booking,
        sc.buffer_before,
        sc.buffer_after,
        sc.telehealth,
    ).order_by(sc.id)
    no_lines: list[BillingLineState] = []
    for (
        id_,
        name,
        description,
        discipline,
        color,
        duration,
        archived,
        max_attendees,
        online_booking,
        buffer_before,
        buffer_after,
        telehealth,
    ) in _rows(conn, query):
        session_names[id_] = name
        snap.ids["session"][name] = id_
        config.sessions[name] = SessionState(
            name,
            description,
            discipline,
            tuple([location_names[i] for i in links.get(id_, ())]),
            color,
            duration,
            tuple(lines.get(id_, no_lines)),
            bool(archived),
            tuple(previous.get(id_, ())),
            max_attendees,
            bool(online_booking),
            buffer_before,
            buffer_after,
            bool(telehealth),
        )

    if usage_views:
        _usage_from_views(conn, snap, session_names, location_names)
    else:
        _usage_from_appointments(conn, snap, session_names, location_names, now)
    return snap


UsageEntries = dict[str, list[tuple[int, datetime, datetime, int]]]


def _add_usage(
    snap: Snapshot, rows: Any, session_names: dict[int, str], location_names: dict[int, str]
) -> None:
    """Rows of (session id, location id, appointments, first, last, future booked)."""
    per_session: UsageEntries = defaultdict(list)
    per_location: UsageEntries = defaultdict(list)
    for session_id, location_id, count, first, last, upcoming in rows:
        session, location = session_names[session_id], location_names[location_id]
        entry = (int(count), first, last, int(upcoming or 0))
        per_session[session].append(entry)
        per_location[location].append(entry)
        if upcoming:
            snap.future_at[(session, location)] = int(upcoming)
    snap.session_usage = {name: _usage(entries) for name, entries in per_session.items()}
    snap.location_usage = {name: _usage(entries) for name, entries in per_location.items()}


def _usage_from_views(
    conn: Connection, snap: Snapshot, session_names: dict[int, str], location_names: dict[int, str]
) -> None:
    u = tables.appointment_usage.c
    query = select(u.session_id, u.location_id, u.appointments, u.first_start, u.last_start, u.future_booked)
    _add_usage(snap, conn.execute(query), session_names, location_names)
    s = tables.appointment_slot_usage.c
    for session_id, attendees, slots in _rows(conn, select(s.session_id, s.attendees, s.slots)):
        snap.future_slots.setdefault(session_names[session_id], []).extend([int(attendees)] * int(slots))


def _usage_from_appointments(
    conn: Connection,
    snap: Snapshot,
    session_names: dict[int, str],
    location_names: dict[int, str],
    now: datetime,
) -> None:
    """A schema older than the usage views (``apply`` reads it before it upgrades it)."""
    a = tables.appointments
    future = and_(a.c.status == "booked", a.c.start_utc > now)
    usage_query = select(
        a.c.session_id,
        a.c.location_id,
        func.count(),
        func.min(a.c.start_utc),
        func.max(a.c.start_utc),
        func.sum(case((future, 1), else_=0)),
    ).group_by(a.c.session_id, a.c.location_id)
    _add_usage(snap, conn.execute(usage_query), session_names, location_names)
    # Future slots holding more than one appointment (group sessions): a lowered max_attendees
    # is checked against them without another query.
    slots = (
        select(a.c.session_id, func.count())
        .where(a.c.status != "cancelled", a.c.start_utc > now)
        .group_by(a.c.session_id, a.c.location_id, a.c.start_utc)
        .having(func.count() > 1)
    )
    for session_id, count in _rows(conn, slots):
        snap.future_slots.setdefault(session_names[session_id], []).append(int(count))


def config_state(conn: Connection) -> tuple[int | None, LastApply | None]:
    """The configuration's change counter, and what the last apply left (None, None: a store
    without them, of an older schema or whose row was removed)."""
    if not inspect(conn).has_table(tables.config_state.name):
        return None, None
    s = tables.config_state.c
    row = conn.execute(
        select(s.config_version, s.applied_version, s.applied_digest, s.applied_at, s.applied_by)
    ).first()
    if row is None:
        return None, None
    version, applied_version, digest, applied_at, actor = row
    if not rules.counter_intact(conn):
        version = None  # a writer removed or disabled its triggers: the rows must be read
    last = None
    if digest is not None and applied_at is not None:
        last = LastApply(applied_at.replace(tzinfo=UTC), actor or "", digest, applied_version)
    return (None if version is None else int(version)), last


def history(conn: Connection, limit: int) -> list[Applied]:
    """The last ``limit`` applies, newest first."""
    h = tables.apply_history.c
    query = (
        select(h.applied_at, h.actor, h.git_commit, h.run_url, h.summary, h.plan_digest)
        .order_by(h.id.desc())
        .limit(limit)
    )
    out = []
    for applied_at, actor, commit, run_url, summary, plan_digest in conn.execute(query):
        try:
            counts = json.loads(summary)
        except ValueError:
            counts = None
        if not isinstance(counts, dict):
            raise DamagedStoreError(
                "is damaged: an apply_history row's summary is not a JSON object", RESTORE
            )
        out.append(
            Applied(
                applied_at.replace(tzinfo=UTC),
                actor,
                commit,
                run_url,
                {str(k): v for k, v in counts.items()},
                plan_digest,
            )
        )
    return out


def usage_of(conn: Connection, column: str, ids: list[int]) -> dict[int, tuple[int, datetime, datetime]]:
    """Appointments (any status, any date) of the sessions or locations ``ids`` (``column``:
    ``session_id`` or ``location_id``): count, first and last start, for those used."""
    a = tables.appointments.c
    key = a[column]
    out: dict[int, tuple[int, datetime, datetime]] = {}
    for start in range(0, len(ids), 500):  # within every driver's limit of parameters
        query = (
            select(key, func.count(), func.min(a.start_utc), func.max(a.start_utc))
            .where(key.in_(ids[start : start + 500]))
            .group_by(key)
        )
        for id_, n, first, last in conn.execute(query):
            out[int(id_)] = (int(n), first, last)
    return out


def _usage(entries: list[tuple[int, datetime, datetime, int]]) -> Usage:
    return Usage(
        sum(e[0] for e in entries),
        min(e[1] for e in entries),
        max(e[2] for e in entries),
        sum(e[3] for e in entries),
    )


def _rows(conn: Connection, query: Any) -> list[Any]:
    # plain tuples (values are converted here: bools from SQLite's 0/1, cents to Decimal)
    return plain_rows(conn, query)


def _grouped(conn: Connection, table: Any, key: str, value: str) -> dict[int, list[Any]]:
    """``{key: [value, ...]}`` in ``position`` order, from a link table."""
    c = table.c
    out: dict[int, list[Any]] = defaultdict(list)
    for k, v in _rows(conn, select(c[key], c[value]).order_by(c[key], c.position)):
        out[k].append(v)
    return out
