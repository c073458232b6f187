"""Concurrent applies and bookings (SPEC §7) — every scenario on SQLite and on PostgreSQL.

- Two applies at once never interleave: the second waits for the first (or, with a short
  ``--lock-timeout``, fails with a clear "busy" message and writes nothing).
- A slot is booked at most ``max_attendees`` times, also when many processes book it at once.
- A booking racing an apply that archives (or deletes) its session leaves a consistent store.

Applies and bookers run as separate processes (``sessconf`` or ``tests/store_worker.py``); the
apply lock is held from the test process when a test needs an apply to wait.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sessconf.errors import RefusedError
from sessconf.store import tables
from tests.store_tools import (
    BACKENDS,
    SESSCONF,
    WORKER,
    ApplyLock,
    PgDatabases,
    Proc,
    apply_repo,
    config_digest,
    count_rows,
    edit,
    history_digests,
    open_store,
    pg_admin_url,
    pg_apply_lock,
    repo_digest,
    sessconf,
    wait_until,
)

TORONTO = ZoneInfo("America/Toronto")
LATER = datetime.now(UTC).astimezone(TORONTO).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(
    days=30
)


@pytest.fixture(scope="module")
def pg_databases() -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_admin_url())
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, clinic: Path, tmp_path: Path) -> Iterator[str]:
    """The example clinic applied to a fresh store (PostgreSQL: a database of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        apply_repo(url, clinic)
        yield url
        return
    databases: PgDatabases = request.getfixturevalue("pg_databases")
    with databases.store() as url:
        apply_repo(url, clinic)
        yield url


def variant(clinic: Path, dest: Path, session: str, old: str, new: str) -> Path:
    root = Path(shutil.copytree(clinic, dest))
    edit(root / "sessions" / f"{session}.yaml", old, new)
    return root


def two_variants(clinic: Path, tmp_path: Path) -> dict[str, Path]:
    """Two repositories, each one edit away from the clinic (a different session each)."""
    return {
        "a": variant(clinic, tmp_path / "a", "rmt60", "duration: 60", "duration: 75"),
        "b": variant(clinic, tmp_path / "b", "rmt30", "duration: 30", "duration: 45"),
    }


def wait_for_lock_waiters(url: str, count: int) -> None:
    """Until ``count`` processes wait for the apply lock, where the database shows its waiters
    (PostgreSQL). SQLite does not; there the tests' outcomes do not depend on it: the lock is held
    until the test releases it, so one apply commits first whenever the other reaches the lock,
    and the other refuses its stale plan (or re-plans on the committed state), never interleaves."""
    if url.startswith("postgresql"):
        wait_until(lambda: pg_apply_lock(url, granted=False) >= count, 60, f"{count} waiting applies")


# -- (a) two applies at once --------------------------------------------------------------------


def test_two_applies_at_once_wait_for_the_lock_and_never_interleave(
    store: str, clinic: Path, tmp_path: Path
) -> None:
    """Both plan, then both wait for the lock; once it is free the first applies and the second,
    whose plan (the one it showed) is now stale, refuses and writes nothing."""
    repos = two_variants(clinic, tmp_path)
    history = count_rows(store, "apply_history")
    with ExitStack() as stack:
        lock = stack.enter_context(ApplyLock(store))
        procs = {
            tag: stack.enter_context(Proc(*SESSCONF, "apply", "--dir", root, "--store", store, "--yes"))
            for tag, root in repos.items()
        }
        for proc in procs.values():
            proc.wait_for("Plan: ")
        wait_for_lock_waiters(store, 2)
        assert all(p.running for p in procs.values()), "an apply did not wait for the lock"
        lock.release()
        results = {tag: proc.finish(60) for tag, proc in procs.items()}
    winners = [tag for tag, (code, _) in results.items() if code == 0]
    assert len(winners) == 1, results
    (winner,) = winners
    (loser,) = set(results) - {winner}
    assert "Applied to" in results[winner][1]
    code, output = results[loser]
    assert code == 1, output
    assert "stale" in output
    assert "nothing was written" in output
    assert config_digest(store) == repo_digest(repos[winner])
    assert count_rows(store, "apply_history") == history + 1


def test_two_api_applies_at_once_run_one_after_the_other(store: str, clinic: Path, tmp_path: Path) -> None:
    """Without a plan to stick to, both apply: the second re-plans inside its transaction, after
    the first committed (it undoes the first one's edit: two updates), never on a stale read."""
    repos = two_variants(clinic, tmp_path)
    history = count_rows(store, "apply_history")
    with ExitStack() as stack:
        lock = stack.enter_context(ApplyLock(store))
        procs = {
            tag: stack.enter_context(Proc(sys.executable, WORKER, "apply", store, root))
            for tag, root in repos.items()
        }
        for proc in procs.values():
            proc.wait_for("ready")
        wait_for_lock_waiters(store, 2)
        assert all(p.running for p in procs.values()), "an apply did not wait for the lock"
        lock.release()
        results = {tag: proc.finish(60) for tag, proc in procs.items()}
    updates = {}
    for tag, (code, output) in results.items():
        assert code == 0, output
        updates[tag] = json.loads(output.splitlines()[-1])["summary"]["update"]
    assert sorted(updates.values()) == [1, 2], updates
    first, second = sorted(updates, key=updates.__getitem__)
    assert history_digests(store)[history:] == [repo_digest(repos[first]), repo_digest(repos[second])]
    assert config_digest(store) == repo_digest(repos[second])


@pytest.mark.parametrize("timeout", ["0", "0.2"])
def test_an_apply_that_cannot_get_the_lock_in_time_fails_clearly_and_writes_nothing(
    store: str, clinic: Path, tmp_path: Path, timeout: str
) -> None:
    root = two_variants(clinic, tmp_path)["a"]
    before = config_digest(store)
    history = count_rows(store, "apply_history")
    with ApplyLock(store):
        # Bounded well below the default --lock-timeout (30 s): an apply that ignored the option
        # would still be waiting, and fail the run.
        code, output = sessconf(
            "apply", "--dir", root, "--store", store, "--yes", "--lock-timeout", timeout, timeout=20
        )
    assert code == 1, output
    assert "is busy: another apply holds its lock" in output
    assert f"waited {float(timeout):g} s" in output
    assert "Traceback" not in output
    assert config_digest(store) == before
    assert count_rows(store, "apply_history") == history
    # Once the lock is free, the same apply goes through.
    code, output = sessconf("apply", "--dir", root, "--store", store, "--yes", "--lock-timeout", timeout)
    assert code == 0, output
    assert config_digest(store) == repo_digest(root)


# -- (b) the last place of a group session ------------------------------------------------------

GROUP, LOCATION, PLACES = "pilatesclass", "westside", 6
BOOKERS = 8
# (hours after LATER, places booked beforehand): the last place, and a whole class at once, ...
ROUNDS = [(0, PLACES - 1), (1, 0), (2, PLACES - 1), (3, PLACES - 3)]


def booked_in_slot(url: str, start: datetime) -> int:
    with open_store(url) as s:
        return sum(
            1
            for a in s.booking().appointments(session=GROUP)
            if a.location == LOCATION and a.start == start and a.status != "cancelled"
        )


def test_parallel_bookings_fill_a_group_slot_exactly(store: str) -> None:
    with open_store(store) as s:
        booking = s.booking()
        for offset, before in ROUNDS:
            for i in range(before):
                booking.book(GROUP, f"early-{offset}-{i}", LOCATION, LATER + timedelta(hours=offset))
        booking.cancel(booking.book(GROUP, "changed-mind", LOCATION, LATER).id)  # frees its place
    with ExitStack() as stack:
        bookers = [
            stack.enter_context(
                Proc(sys.executable, WORKER, "book", store, GROUP, LOCATION, f"client-{i}", stdin=True)
            )
            for i in range(BOOKERS)
        ]
        for booker in bookers:
            booker.wait_for("ready")
        for n, (offset, before) in enumerate(ROUNDS, start=1):
            start = LATER + timedelta(hours=offset)
            for booker in bookers:  # all at once: each one is waiting on its stdin
                booker.send(start.isoformat())
            results: list[dict[str, Any]] = [json.loads(b.next_line(n, timeout=60)) for b in bookers]
            won = [r["id"] for r in results if r["ok"]]
            refused = [r for r in results if not r["ok"]]
            assert len(won) == PLACES - before, results
            assert len(set(won)) == len(won)
            for r in refused:
                assert r["kind"] == "RefusedError", r
                assert f"the slot is full: {PLACES} of {PLACES} place(s) booked" in r["error"], r
            assert booked_in_slot(store, start) == PLACES
        for booker in bookers:
            booker.end_input()
        for booker in bookers:
            assert booker.finish(30)[0] == 0, booker.output


# -- (c) a booking racing an apply that archives (or deletes) its session ------------------------


def book_until_done(url: str, proc: Proc, session: str, location: str) -> list[tuple[datetime, int | str]]:
    """Book ``session`` in new slots, one after the other, while ``proc`` runs, and once more
    after it ended; each attempt's start and appointment id (or refusal message)."""
    attempts: list[tuple[datetime, int | str]] = []
    with open_store(url) as s:
        booking = s.booking()
        while True:
            done = not proc.running
            start = LATER + timedelta(minutes=15 * len(attempts))
            try:
                attempts.append((start, booking.book(session, f"racer-{len(attempts)}", location, start).id))
            except RefusedError as exc:
                attempts.append((start, exc.message))
            if done:
                return attempts


def test_a_booking_racing_an_archiving_apply_is_before_it_or_refused(store: str, clinic: Path) -> None:
    edit(clinic / "sessions" / "rmt60.yaml", "duration: 60", "duration: 60\narchived: true")
    with Proc(*SESSCONF, "apply", "--dir", clinic, "--store", store, "--yes") as proc:
        attempts = book_until_done(store, proc, "rmt60", "downtown")
        code, output = proc.finish(60)
    assert code == 0, output
    booked = [(start, result) for start, result in attempts if isinstance(result, int)]
    refused = [result for _, result in attempts if isinstance(result, str)]
    # Every booking before the archive went through; every one after it was refused.
    assert attempts[: len(booked)] == booked, attempts
    assert refused, "the booking after the apply went through"
    assert all("is archived and cannot be booked" in r for r in refused), refused
    assert config_digest(store) == repo_digest(clinic)
    with open_store(store) as s:
        kept = s.booking().appointments(session="rmt60")
        assert [(a.start, a.id, a.status) for a in kept] == [(start, i, "booked") for start, i in booked]
        with s.db.read() as conn:
            archived_at = conn.execute(select(func.max(tables.apply_history.c.applied_at))).scalar_one()
            latest_booking = conn.execute(
                select(func.max(tables.appointments.c.booked_at)).where(
                    tables.appointments.c.client.like("racer-%")
                )
            ).scalar_one()
    if latest_booking is not None:
        assert latest_booking <= archived_at, "a booking went through after the archive"
    print(f"\n{len(booked)} booking(s) before the archive, {len(refused)} refused")


def test_a_booking_racing_an_apply_that_deletes_its_session(store: str, clinic: Path) -> None:
    """The plan is made before any appointment uses rmt90; bookings then race its delete. Either
    the delete is applied and no booking went through, or the apply refuses and writes nothing
    (blocked when re-planned, or refused by the database itself)."""
    before = config_digest(store)
    (clinic / "sessions" / "rmt90.yaml").unlink()
    with Proc(*SESSCONF, "apply", "--dir", clinic, "--store", store, "--yes") as proc:
        assert "1 to delete" in proc.wait_for("Plan: ")
        attempts = book_until_done(store, proc, "rmt90", "kitsilano")
        code, output = proc.finish(60)
    booked = [result for _, result in attempts if isinstance(result, int)]
    refused = [result for _, result in attempts if isinstance(result, str)]
    if code == 0:
        assert not booked, "a booking went through, yet its session was deleted"
        assert all("unknown session 'rmt90'" in r for r in refused), refused
        assert config_digest(store) == repo_digest(clinic)
        outcome = "deleted, every booking refused"
    else:
        assert code == 1, output
        assert "blocked" in output or "the store refused a delete" in output, output
        assert "nothing was written" in output
        assert booked
        assert not refused, refused
        assert config_digest(store) == before
        with open_store(store) as s:
            assert [a.id for a in s.booking().appointments(session="rmt90")] == booked
        outcome = f"refused ({len(booked)} booking(s) first)"
    print(f"\nrace outcome: {outcome}")


# -- (d) arrive, unarrive and no-show racing on one appointment -------------------------------------

# Each round, the operation that each of four processes sends at once.
LIFECYCLE_ROUNDS = [
    ["arrive"] * 4,  # one arrival, three that find it arrived
    ["unarrive"] * 4,
    ["arrive", "unarrive", "arrive", "unarrive"],
    ["unarrive", "arrive", "unarrive", "arrive"],
    ["arrive", "arrive", "unarrive", "unarrive"],
    ["unarrive", "unarrive", "arrive", "arrive"],
    ["unarrive"] * 4,  # booked again whatever happened before
    ["no-show", "arrive", "no-show", "arrive"],  # from booked: exactly one of them changes it
    ["arrive", "unarrive", "no-show", "unarrive"],
]
REFUSALS = {
    "arrive": "was marked no-show; it cannot arrive",
    "no-show": "has arrived; it cannot be marked no-show",
    "unarrive": "was marked no-show; it has no arrival to undo",
}


def lifecycle_state(url: str, appointment: int) -> tuple[str, int, int, int]:
    """The appointment's status and its charges: (status, charges, reversing charges, open charges),
    after checking that each reversing charge repeats the one it reverses, negated."""
    with open_store(url) as s, s.db.read() as conn:
        status = conn.execute(
            select(tables.appointments.c.status).where(tables.appointments.c.id == appointment)
        ).scalar_one()
        c = tables.charges.c
        rows = conn.execute(
            select(tables.charges).where(c.appointment_id == appointment).order_by(c.id)
        ).all()
    by_id = {r.id: r for r in rows}
    reversals = [r for r in rows if r.reverses is not None]
    for r in reversals:
        original = by_id[r.reverses]
        assert original.reverses is None
        assert (
            original.billing_item,
            original.quantity,
            original.unit_price_cents,
            -original.amount_cents,
        ) == (
            r.billing_item,
            r.quantity,
            r.unit_price_cents,
            r.amount_cents,
        )
    reversed_ids = {r.reverses for r in reversals}
    assert len(reversed_ids) == len(reversals)  # each charge reversed at most once
    open_ = [r for r in rows if r.reverses is None and r.id not in reversed_ids]
    total = sum(r.amount_cents for r in rows)
    assert total == sum(r.amount_cents for r in open_)
    if status == "arrived":
        assert sorted((r.billing_item, r.amount_cents) for r in open_) == [
            ("acup-initial", 9500),
            ("needles", 900),
        ]
    else:
        assert open_ == [], status
    return status, len(rows) - len(reversals), len(reversals), len(open_)


def test_arrive_unarrive_and_no_show_racing_on_one_appointment_end_consistent(store: str) -> None:
    with open_store(store) as s:
        appointment = s.booking().book("acupinitial", "racer", "westside", LATER).id
    arrivals = unarrivals = no_shows = 0
    with ExitStack() as stack:
        workers = [
            stack.enter_context(
                Proc(sys.executable, WORKER, "lifecycle", store, str(appointment), stdin=True)
            )
            for _ in LIFECYCLE_ROUNDS[0]
        ]
        for worker in workers:
            worker.wait_for("ready")
        for n, ops in enumerate(LIFECYCLE_ROUNDS, start=1):
            before = lifecycle_state(store, appointment)[0]
            for worker, op in zip(workers, ops, strict=True):  # all at once: each one waits on stdin
                worker.send(op)
            results: list[dict[str, Any]] = [json.loads(w.next_line(n, timeout=60)) for w in workers]
            for result in results:
                assert result["ok"] or REFUSALS[result["op"]] in result["error"], result
            changed = [r for r in results if r["ok"] and r["changed"]]
            arrivals += sum(1 for r in changed if r["op"] == "arrive")
            unarrivals += sum(1 for r in changed if r["op"] == "unarrive")
            no_shows += sum(1 for r in changed if r["op"] == "no-show")
            for r in changed:
                expected = {"arrive": ["95.00", "9.00"], "unarrive": ["-95.00", "-9.00"], "no-show": []}
                assert r["charges"] == expected[r["op"]], r
            status, charges, reversals, _ = lifecycle_state(store, appointment)
            assert (charges, reversals) == (2 * arrivals, 2 * unarrivals), results
            assert arrivals - unarrivals == (1 if status == "arrived" else 0), results
            if before == "booked" and set(ops) == {"no-show", "arrive"}:
                assert len(changed) == 1, results  # one of them won the booked appointment
            if no_shows:
                assert status == "no_show", results
        for worker in workers:
            worker.end_input()
        for worker in workers:
            assert worker.finish(30)[0] == 0, worker.output
    assert no_shows <= 1
    print(f"\n{arrivals} arrival(s), {unarrivals} undone, {'a no-show' if no_shows else 'no no-show'}")
