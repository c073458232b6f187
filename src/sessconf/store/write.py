"""Writing a plan into a store, inside the caller's transaction.

Only the rows of changed entities are written. Order matters for foreign keys and unique names:
billing items and locations are created and updated first, then sessions are deleted, created
and updated, and only then are locations and billing items deleted. Previous names of every
changed entity are removed before any is inserted, so names can move between entities.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, inspect, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sessconf import limits
from sessconf.errors import RefusedError
from sessconf.plan.plan import Change, Plan
from sessconf.plan.snapshot import Snapshot
from sessconf.plan.state import BillingItemState, ConfigState, EntityKind, LocationState, SessionState
from sessconf.store import tables
from sessconf.store.engine import Database
from sessconf.store.history import HistoryEntry

FAILPOINT_ENV = "SESSCONF_FAILPOINT"


class Failpoint:
    """Test-only crash injection, read from ``$SESSCONF_FAILPOINT`` by the apply path only.

    ``row:K`` kills the process (SIGKILL) right after the K-th row is written; ``before-commit``
    and ``after-commit`` kill it just before and just after COMMIT. With a ``pause:`` prefix the
    process instead prints ``failpoint: paused at ...`` on stderr there and waits: SIGUSR1 lets
    it go on, SIGINT interrupts it (tests act at a known point of the transaction).
    """

    def __init__(self, spec: str | None) -> None:
        spec = spec or ""
        self.pause = spec.startswith("pause:")
        self.spec = spec.removeprefix("pause:")
        self.row = int(self.spec[4:]) if self.spec.startswith("row:") else None
        self._fired = False

    @classmethod
    def from_env(cls) -> Failpoint:
        return cls(os.environ.get(FAILPOINT_ENV))

    @property
    def per_row(self) -> bool:
        return self.row is not None

    def rows_written(self, total: int) -> None:
        if self.row is not None and total >= self.row:
            self._trigger(f"row {total}")

    def at(self, moment: str) -> None:
        if self.spec == moment:
            self._trigger(moment)

    def _trigger(self, where: str) -> None:
        if self._fired:
            return  # a resumed pause: the apply goes on
        self._fired = True
        if not self.pause:
            os.kill(os.getpid(), signal.SIGKILL)
        # Blocked first, so that a signal sent as soon as the line is read is not lost.
        waited = {signal.SIGUSR1, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, waited)
        try:
            print(f"failpoint: paused at {where}", file=sys.stderr, flush=True)
            received = signal.sigwait(waited)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, waited)
        if received == signal.SIGINT:
            signal.raise_signal(signal.SIGINT)  # handled as any Ctrl-C is (KeyboardInterrupt)


@dataclass(frozen=True, slots=True)
class _Step:
    """One statement of a plan's writing, with its rows (parameter sets)."""

    statement: Any  # a Table for ``bulk`` inserts, else a statement run once per row
    rows: list[dict[str, Any]]
    bulk: bool = False  # plain values inserted through the driver's bulk path (no dates)
    guarded_delete: bool = False  # a delete the database refuses when an appointment uses the row


class _Rows:
    """Executes the steps in bulk, counting rows (one by one under a row failpoint)."""

    def __init__(
        self, db: Database, conn: Connection, failpoint: Failpoint, progress: Callable[[int], None] | None
    ) -> None:
        self.db = db
        self.conn = conn
        self.failpoint = failpoint
        self.progress = progress
        self.count = 0

    def do(self, step: _Step) -> None:
        if not step.rows:
            return
        if not step.guarded_delete:
            self._do(step)
            return
        try:
            self._do(step)
        except IntegrityError:
            # An appointment was booked after the plan was checked: the database refused the delete.
            raise RefusedError(
                "the store refused a delete: an appointment uses it (booked after the plan was checked); "
                "nothing was written",
                "run `sessconf diff` to see the blocked change, and archive instead of deleting",
            ) from None

    def _do(self, step: _Step) -> None:
        if step.bulk:
            columns = list(step.rows[0])
            values = [tuple(row[c] for c in columns) for row in step.rows]
            size = 1 if self.failpoint.per_row else len(values)
            for start in range(0, len(values), size):
                batch = values[start : start + size]
                self.db.insert_many(self.conn, step.statement.name, columns, batch)
                self._done(len(batch))
        elif self.failpoint.per_row:
            for row in step.rows:
                self.conn.execute(step.statement, [row])
                self._done(1)
        else:
            self.conn.execute(step.statement, step.rows)
            self._done(len(step.rows))

    def _done(self, n: int) -> None:
        self.count += n
        self.failpoint.rows_written(self.count)
        if self.progress is not None:
            self.progress(n)


def write_plan(
    db: Database,
    conn: Connection,
    snap: Snapshot,
    desired: ConfigState,
    plan: Plan,
    history: HistoryEntry,
    *,
    failpoint: Failpoint | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``plan`` (computed from ``snap`` and ``desired``); returns the number of rows written."""
    rows = _Rows(db, conn, failpoint or Failpoint(None), progress)
    ids = {kind: dict(names) for kind, names in snap.ids.items()}
    history_row: dict[str, Any] = {}
    for step in _steps(ids, desired, plan, history):
        rows.do(step)
        history_row = step.rows[0] if step.rows else history_row  # the history's comes last
    _record_applied(conn, desired, history, history_row["applied_at"])
    return rows.count


def _record_applied(conn: Connection, desired: ConfigState, history: HistoryEntry, now: datetime) -> None:
    """What this apply leaves: the counter as its own writes left it, and the digest it asked for."""
    state = tables.config_state
    if not inspect(conn).has_table(state.name):
        return  # a schema from before the counter (as an older sessconf leaves it)
    conn.execute(
        update(state).values(
            applied_version=state.c.config_version,
            applied_digest=desired.digest(),
            applied_at=now,
            applied_by=history.actor[: limits.ACTOR_MAX],
        )
    )


def rows_to_write(desired: ConfigState, plan: Plan) -> int:
    """How many rows :func:`write_plan` writes for ``plan`` (what a progress bar counts to).

    The same steps, not executed: row ids do not change how many rows there are.
    """
    ids: dict[str, dict[str, int]] = {
        kind: defaultdict(int) for kind in ("session", "location", "billing_item")
    }
    return sum(len(step.rows) for step in _steps(ids, desired, plan, None))


def _deleted_ids(by_kind: dict[str, list[Change]], ids: dict[str, dict[str, int]], kind: str) -> list[int]:
    return [ids[kind][c.name] for c in by_kind[kind] if c.action == "delete"]


def _steps(
    ids: dict[str, dict[str, int]], desired: ConfigState, plan: Plan, history: HistoryEntry | None
) -> Iterator[_Step]:
    """The statements that write ``plan``, in order; ``ids`` (the store's row ids by entity kind
    and name) gains the ids of created and renamed entities. ``history`` None: count only."""
    next_id = {kind: max(names.values(), default=0) + 1 for kind, names in ids.items()}
    by_kind: dict[str, list[Change]] = {"session": [], "location": [], "billing_item": []}
    for change in plan.changes:
        by_kind[change.entity].append(change)

    for kind in ("billing_item", "location", "session"):
        for change in by_kind[kind]:
            if change.action == "create":
                ids[kind][change.name] = next_id[kind]
                next_id[kind] += 1
            elif change.old_name is not None and change.old_name != change.name:
                ids[kind][change.name] = ids[kind][change.old_name]

    prev_tables = {
        EntityKind.SESSION: tables.session_previous_names,
        EntityKind.LOCATION: tables.location_previous_names,
        EntityKind.BILLING_ITEM: tables.billing_item_previous_names,
    }
    # Previous names of every changed entity go first: a name may move from one entity to another.
    for kind, table in prev_tables.items():
        owners = [
            ids[kind][c.old_name or c.name]
            for c in by_kind[kind]
            if c.action != "create" and ("previous_names" in c.fields or c.action == "delete")
        ]
        yield _Step(
            delete(table).where(table.c.owner_id == bindparam("_owner")), [{"_owner": i} for i in owners]
        )

    yield from _upsert_billing_items(by_kind["billing_item"], desired, ids["billing_item"])
    yield from _upsert_locations(by_kind["location"], desired, ids["location"])
    yield _delete(
        tables.sessions, [ids["session"][c.name] for c in by_kind["session"] if c.action == "delete"]
    )
    yield from _upsert_sessions(by_kind["session"], desired, ids)
    yield _delete(
        tables.locations, [ids["location"][c.name] for c in by_kind["location"] if c.action == "delete"]
    )
    yield _delete(
        tables.billing_items,
        [ids["billing_item"][c.name] for c in by_kind["billing_item"] if c.action == "delete"],
    )

    for kind, table in prev_tables.items():
        entities: dict[str, Any] = desired.of(kind)
        new_rows = [
            {"owner_id": ids[kind][c.name], "position": i, "name": old}
            for c in by_kind[kind]
            if c.action == "create" or "previous_names" in c.fields
            if c.action != "delete"
            for i, old in enumerate(entities[c.name].previous_names)
        ]
        yield _Step(table, new_rows, bulk=True)

    if history is None:
        yield _Step(insert(tables.apply_history), [{}])
        return
    yield _Step(
        insert(tables.apply_history),
        [
            {
                # when its writes are done: a booking made later finds them
                "applied_at": _now(),
                # a name from the environment that the column cannot hold is cut (--actor is checked)
                "actor": history.actor[: limits.ACTOR_MAX],
                "run_url": history.run_url,
                "git_commit": history.git_commit,
                "plan_digest": plan.digest(),
                "config_digest": desired.digest(),
                "summary": json.dumps(plan.summary, sort_keys=True),
            }
        ],
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _delete(table: Table, ids: list[int]) -> _Step:
    return _Step(
        delete(table).where(table.c.id == bindparam("_id")), [{"_id": i} for i in ids], guarded_delete=True
    )


def _upsert(
    table: Table,
    changes: list[Change],
    ids: dict[str, int],
    row_of: Callable[[str], dict[str, Any]],
    out: list[_Step],
) -> tuple[list[Change], list[Change]]:
    """The steps inserting the created entities' rows and updating the changed ones' (appended to
    ``out``); returns (created, changed)."""
    created = [c for c in changes if c.action == "create"]
    changed = [c for c in changes if c.action not in ("create", "delete")]
    out.append(_Step(table, [{"id": ids[c.name], **row_of(c.name)} for c in created], bulk=True))
    updates = [{"_id": ids[c.name], **row_of(c.name)} for c in changed]
    if updates:
        columns = [key for key in updates[0] if key != "_id"]
        statement = (
            update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
        )
        out.append(_Step(statement, updates))
    return created, changed


def _billing_row(item: BillingItemState) -> dict[str, Any]:
    return {
        "code": item.name,
        "name": item.display_name,
        "kind": item.kind,
        "price_cents": int(item.price * 100),
        "currency": item.currency,
        "archived": item.archived,
    }


def _upsert_billing_items(changes: list[Change], desired: ConfigState, ids: dict[str, int]) -> list[_Step]:
    out: list[_Step] = []
    _upsert(tables.billing_items, changes, ids, lambda name: _billing_row(desired.billing_items[name]), out)
    return out


def _location_row(loc: LocationState) -> dict[str, Any]:
    return {
        "name": loc.name,
        "display_name": loc.display_name,
        "timezone": loc.timezone,
        "address": loc.address,
        "archived": loc.archived,
    }


def _upsert_locations(changes: list[Change], desired: ConfigState, ids: dict[str, int]) -> list[_Step]:
    out: list[_Step] = []
    created, changed = _upsert(
        tables.locations, changes, ids, lambda name: _location_row(desired.locations[name]), out
    )
    relink = [c for c in changed if "disciplines" in c.fields]
    table = tables.location_disciplines
    out.append(
        _Step(
            delete(table).where(table.c.location_id == bindparam("_id")),
            [{"_id": ids[c.name]} for c in relink],
        )
    )
    out.append(
        _Step(
            table,
            [
                {"location_id": ids[c.name], "position": i, "discipline": d}
                for c in (*created, *relink)
                for i, d in enumerate(desired.locations[c.name].disciplines)
            ],
            bulk=True,
        )
    )
    return out


def _session_row(s: SessionState) -> dict[str, Any]:
    return {
        "name": s.name,
        "description": s.description,
        "discipline": s.discipline,
        "color": s.color,
        "duration": s.duration,
        "archived": s.archived,
        "max_attendees": s.max_attendees,
        "online_booking": s.online_booking,
        "buffer_before": s.buffer_before,
        "buffer_after": s.buffer_after,
        "telehealth": s.telehealth,
    }


def _upsert_sessions(
    changes: list[Change], desired: ConfigState, ids: dict[str, dict[str, int]]
) -> list[_Step]:
    out: list[_Step] = []
    session_ids = ids["session"]
    created, changed = _upsert(
        tables.sessions, changes, session_ids, lambda name: _session_row(desired.sessions[name]), out
    )
    for field, table, make in (
        (
            "locations",
            tables.session_locations,
            lambda s: [{"location_id": ids["location"][name]} for name in s.locations],
        ),
        (
            "billing_items",
            tables.session_billing_items,
            lambda s: [
                {"billing_item_id": ids["billing_item"][line.item], "quantity": line.quantity}
                for line in s.billing_items
            ],
        ),
    ):
        relink = [c for c in changed if field in c.fields]
        out.append(
            _Step(
                delete(table).where(table.c.session_id == bindparam("_id")),
                [{"_id": session_ids[c.name]} for c in relink],
            )
        )
        out.append(
            _Step(
                table,
                [
                    {"session_id": session_ids[c.name], "position": i, **link}
                    for c in (*created, *relink)
                    for i, link in enumerate(make(desired.sessions[c.name]))
                ],
                bulk=True,
            )
        )
    return out
