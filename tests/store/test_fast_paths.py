"""Every fast path of the store gives what the slow path gives (issue 11 item 4).

``apply`` keeps the plan made before its lock while the store's change counter has not moved;
``diff`` (``as_applied``) trusts the digest the last apply left while it has not moved, without
reading the rows. Two stores go through the
same random sequence of applies and of edits made outside sessconf (by SQL, or bookings), one
applying through the fast path, the other planning afresh every time: their outcomes and their
stores stay the same, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from sessconf.errors import SessconfError
from sessconf.plan.compute import compute_plan
from sessconf.plan.desired import from_repository
from sessconf.plan.snapshot import as_applied
from sessconf.plan.state import ConfigState
from sessconf.repository.load import load_repository
from sessconf.store import ApplyResult, HistoryEntry, Planned, PlanStamp, Store, migrate, tables
from tests.conftest import ROOT, _pg_schema, pg_admin_url

WHO = HistoryEntry("fast-path tester", None, None)
LATER = (datetime.now(UTC) + timedelta(days=40)).replace(hour=15, minute=0, second=0, microsecond=0)
CLINIC = from_repository(load_repository(ROOT))
SETTINGS = load_repository(ROOT).settings
SESSIONS = sorted(CLINIC.sessions)


# -- what the repository asks for: the example clinic, edited -----------------------------------


@dataclass(frozen=True)
class Edit:
    """One change of the repository: ``kind`` on the session ``index`` (modulo their number)."""

    kind: str
    index: int

    def to(self, state: ConfigState) -> None:
        names = sorted(state.sessions)
        name = names[self.index % len(names)]
        s = state.sessions[name]
        if self.kind == "duration":
            state.sessions[name] = s._replace(duration=s.duration + 5)
        elif self.kind == "delete":
            del state.sessions[name]
        elif self.kind == "archive":
            state.sessions[name] = s._replace(archived=not s.archived)
        elif self.kind == "create":
            new = f"{name}x"
            state.sessions.setdefault(new, s._replace(name=new, previous_names=()))
        elif self.kind == "rename":
            new = f"{name}r"
            if new not in state.sessions and not s.previous_names:
                del state.sessions[name]
                state.sessions[new] = s._replace(name=new, previous_names=(name,))
        elif self.kind == "price":
            code = sorted(state.billing_items)[self.index % len(state.billing_items)]
            item = state.billing_items[code]
            state.billing_items[code] = item._replace(price=item.price + Decimal("1.00"))


def desired_after(edits: list[Edit]) -> ConfigState:
    state = ConfigState(dict(CLINIC.sessions), dict(CLINIC.locations), dict(CLINIC.billing_items))
    for edit in edits:
        edit.to(state)
    return state


# -- what other writers do ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outside:
    """A write made outside sessconf, on the session ``index`` of those the store holds."""

    kind: str
    index: int

    def do(self, store: Store) -> None:
        if not store.status().exists:
            return
        with store.db.read() as conn:
            names = list(
                conn.execute(select(tables.sessions.c.name).order_by(tables.sessions.c.name)).scalars()
            )
        if not names:
            return
        name = names[self.index % len(names)]
        params: dict[str, Any] = {"name": name}
        if self.kind == "book":
            start = LATER + timedelta(hours=self.index)
            with suppress(SessconfError):  # archived, or full: nothing is written
                store.booking().book(name, f"client-{self.index}", _first_location(store, name), start)
            return
        statement = {
            "duration": "UPDATE sessions SET duration = duration + 10 WHERE name = :name",
            "same": "UPDATE sessions SET duration = duration WHERE name = :name",
            "color": "UPDATE sessions SET color = '#123456' WHERE name = :name",
            "unlink": "DELETE FROM session_billing_items WHERE session_id = "
            "(SELECT id FROM sessions WHERE name = :name)",
        }[self.kind]
        with store.db.write(exclusive=False) as conn:
            conn.execute(text(statement), params)


def _first_location(store: Store, session: str) -> str:
    with store.db.read() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT l.name FROM session_locations AS sl JOIN locations AS l ON l.id = sl.location_id"
                    " JOIN sessions AS s ON s.id = sl.session_id WHERE s.name = :name ORDER BY sl.position"
                ),
                {"name": session},
            )
            .scalars()
            .first()
        )


# -- the two stores -----------------------------------------------------------------------------


@contextmanager
def fresh_store(backend: str) -> Iterator[Store]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{Path(tmp) / 'store.db'}") as store:
            yield store
        return
    base = pg_admin_url()
    if base is None:
        pytest.skip("SESSCONF_TEST_PG_URL is not set: PostgreSQL store tests skipped")
    schemas = _pg_schema(base)
    url = next(schemas)
    try:
        with Store(url) as store:
            yield store
    finally:
        next(schemas, None)


def configuration_rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every configuration table, and what the last apply left (not when)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.db.read() as conn:
        for table in tables.CONFIG_TABLES:
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]
        s = tables.config_state.c
        out["applied"] = [tuple(r) for r in conn.execute(select(s.applied_digest, s.applied_by))]
    return out


def outcome(call: Callable[[], ApplyResult]) -> tuple[str, Any]:
    try:
        result = call()
    except SessconfError as exc:
        return "refused", (type(exc).__name__, exc.message)
    return "applied", (result.plan.summary, result.rows, result.plan.digest())


Step = tuple[list[Edit], list[Outside], list[Outside], bool, bool]

edits = st.lists(
    st.builds(
        Edit,
        st.sampled_from(["duration", "delete", "archive", "create", "rename", "price"]),
        st.integers(0, 40),
    ),
    max_size=3,
)
outside = st.lists(
    st.builds(Outside, st.sampled_from(["duration", "same", "color", "unlink", "book"]), st.integers(0, 40)),
    max_size=2,
)
steps = st.lists(st.tuples(edits, outside, outside, st.booleans(), st.booleans()), min_size=1, max_size=5)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=steps)
def test_apply_through_the_fast_path_leaves_what_planning_afresh_leaves(
    backend: str, steps: list[Step]
) -> None:
    with ExitStack() as stack:
        fast = stack.enter_context(fresh_store(backend))
        slow = stack.enter_context(fresh_store(backend))
        history: list[Edit] = []
        for changes, between, after, stamped, force in steps:
            history += changes
            desired = desired_after(history)
            # The fast store plans first (as `sessconf apply` does before its lock), then both are
            # written to by others, then both apply: one with the plan made, one planning afresh.
            snap = fast.snapshot(older=True)
            plan, conflicts = compute_plan(desired, snap, SETTINGS, fast.display)
            if conflicts:
                continue
            for write in between:
                write.do(fast)
                write.do(slow)
            stamp = PlanStamp.of(plan) if stamped else None
            slow_stamp = (
                replace(stamp, store_id=slow.status().store_id) if stamp and stamp.store_id else stamp
            )
            got = outcome(
                partial(
                    fast.apply,
                    desired,
                    SETTINGS,
                    stamp,
                    force=force,
                    history=WHO,
                    planned=Planned(snap, plan),
                )
            )
            want = outcome(partial(slow.apply, desired, SETTINGS, slow_stamp, force=force, history=WHO))
            assert got == want
            assert configuration_rows(fast) == configuration_rows(slow)
            if got[0] == "applied":  # diff's shortcut holds right after an apply
                assert as_applied(fast.probe(), desired) is not None
            for write in after:
                write.do(fast)
                write.do(slow)
            shortcut = as_applied(fast.probe(), desired)
            if shortcut is not None:  # diff trusts it instead of reading the rows: they say the same
                full = fast.snapshot()
                assert shortcut.config == full.config
                assert compute_plan(desired, full, SETTINGS, fast.display)[0].empty
                assert not full.changed_outside
            f, s = fast.snapshot(), slow.snapshot()
            assert f.config.digest() == s.config.digest()
            assert f.changed_outside == s.changed_outside
            assert f.changed_outside == (
                f.last_apply is not None and f.last_apply.config_digest != f.config.digest()
            )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_plan_made_before_the_lock_is_kept_while_nothing_moved(backend: str) -> None:
    with fresh_store(backend) as store:
        for edits_so_far in ([], [Edit("duration", 3)], [Edit("duration", 3), Edit("delete", 5)]):
            desired = desired_after(edits_so_far)
            snap = store.snapshot()
            plan, _ = compute_plan(desired, snap, SETTINGS, store.display)
            done = store.apply(
                desired, SETTINGS, PlanStamp.of(plan), history=WHO, planned=Planned(snap, plan)
            )
            assert not done.replanned
            assert store.snapshot().config.digest() == desired.digest()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    "meanwhile",
    [
        pytest.param(Outside("same", 0), id="a-write-that-changes-nothing"),
        pytest.param(Outside("book", 1), id="a-booking-of-the-deleted-session"),
    ],
)
def test_a_write_meanwhile_sends_apply_back_to_planning(backend: str, meanwhile: Outside) -> None:
    with fresh_store(backend) as store:
        store.apply(CLINIC, SETTINGS, history=WHO)
        deleted = SESSIONS[1]
        desired = desired_after([])
        del desired.sessions[deleted]
        snap = store.snapshot()
        plan, _ = compute_plan(desired, snap, SETTINGS, store.display)
        meanwhile.do(store)
        if meanwhile.kind == "book":
            with pytest.raises(SessconfError, match="blocked change"):
                store.apply(desired, SETTINGS, history=WHO, planned=Planned(snap, plan))
            assert store.snapshot().config.digest() == CLINIC.digest()
            return
        done = store.apply(desired, SETTINGS, history=WHO, planned=Planned(snap, plan))
        assert done.replanned
        assert store.snapshot().config.digest() == desired.digest()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_counter_whose_triggers_were_removed_is_not_trusted(backend: str) -> None:
    with fresh_store(backend) as store:
        desired = desired_after([])
        store.apply(desired, SETTINGS, history=WHO)
        assert as_applied(store.probe(), desired) is not None
        snap = store.snapshot()
        plan, _ = compute_plan(desired_after([Edit("duration", 2)]), snap, SETTINGS, store.display)
        with store.db.write(exclusive=False) as conn:
            if backend == "sqlite":
                conn.execute(text("DROP TRIGGER sessconf_sessions_counted_update"))
            else:
                conn.execute(text("ALTER TABLE sessions DISABLE TRIGGER sessconf_sessions_counted"))
            conn.execute(text("UPDATE sessions SET color = '#123456' WHERE name = :n"), {"n": SESSIONS[0]})
        if backend == "sqlite":  # a dropped trigger is a damaged store, until migrate reinstalls it
            with pytest.raises(SessconfError, match="lacks trigger sessconf_sessions_counted_update"):
                store.probe()
            assert store.migrate() == [migrate.REPAIRED]
        assert as_applied(store.probe(), desired) is None
        assert store.snapshot().changed_outside
        done = store.apply(
            desired_after([Edit("duration", 2)]), SETTINGS, history=WHO, planned=Planned(snap, plan)
        )
        assert done.replanned
