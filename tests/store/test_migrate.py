"""Stores made by an earlier sessconf are upgraded by ``sessconf migrate`` (and ``apply``), keeping
their data, on SQLite and PostgreSQL; whatever path a store took, its schema is the current one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from click.testing import Result
from sqlalchemy import inspect, text

from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store, migrate, tables
from sessconf.store.booking import Status
from sessconf.store.url import resolve

Run = Callable[..., Result]
WHO = HistoryEntry("tester", None, None)
LATER = datetime.now(UTC).astimezone(ZoneInfo("America/Toronto")).replace(
    minute=0, second=0, microsecond=0
) + timedelta(days=30)


def version_1_store(url: str, clinic: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """The example clinic applied by a sessconf that knew only migration 1, with an appointment
    that arrived (charged as that version charged) and one booked; their ids."""
    with monkeypatch.context() as patch:
        patch.setattr(migrate, "MIGRATIONS", migrate.MIGRATIONS[:1])
        patch.setattr(migrate, "SCHEMA_VERSION", 1)
        with Store(resolve(url, None, clinic)) as store:
            apply_repository(store, load_repository(clinic), history=WHO)
            booking = store.booking()
            arrived = booking.book("acupinitial", "c-1", "westside", LATER).id
            booked = booking.book("rmt60", "c-2", "downtown", LATER).id
            with store.db.write() as conn:  # what version 1's arrive wrote
                conn.execute(
                    text("UPDATE appointments SET status = 'arrived' WHERE id = :id"), {"id": arrived}
                )
                conn.execute(
                    text(
                        "INSERT INTO charges (appointment_id, client, billing_item, name, quantity,"
                        " unit_price_cents, amount_cents, currency, charged_at)"
                        " VALUES (:id, 'c-1', 'acup-initial', 'Acupuncture initial assessment', 1, 9500,"
                        " 9500, 'CAD', :now),"
                        " (:id, 'c-1', 'needles', 'Sterile needle pack', 2, 450, 900, 'CAD', :now)"
                    ),
                    {"id": arrived, "now": datetime(2026, 1, 1)},
                )
            assert store.status().version == 1
    return arrived, booked


@pytest.mark.parametrize("command", ["migrate", "apply", "apply-a-change"])
def test_a_version_1_store_is_upgraded_with_its_data(
    run: Run, clinic: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    arrived, booked = version_1_store(store_url, clinic, monkeypatch)
    refused = run("diff", "--dir", clinic, "--store", store_url)
    assert refused.exit_code == 1
    assert "run `sessconf migrate`" in refused.output
    if command == "apply-a-change":
        path = clinic / "sessions/rmt90.yaml"
        path.write_text(path.read_text().replace("duration: 90", "duration: 95"))
    args = ("migrate",) if command == "migrate" else ("apply", "--yes")
    result = run(*args, "--dir", clinic, "--store", store_url)
    assert result.exit_code == 0, result.output
    assert ("1 updated" in result.output) == (command == "apply-a-change")
    with Store(resolve(store_url, None, clinic)) as store:
        assert store.status().version == migrate.SCHEMA_VERSION
        booking = store.booking()
        assert [(a.id, a.status) for a in booking.appointments()] == [
            (arrived, Status.ARRIVED),
            (booked, Status.BOOKED),
        ]
        assert [(c.billing_item, str(c.amount), c.reverses) for c in booking.charges("c-1")] == [
            ("acup-initial", "95.00", None),
            ("needles", "9.00", None),
        ]
        # The lifecycle works on what version 1 wrote: its arrival is undone, its charges kept.
        undone = booking.unarrive(arrived)
        assert [str(c.amount) for c in undone.reversals] == ["-95.00", "-9.00"]
        assert booking.no_show(booked)[0].status is Status.NO_SHOW
    # The rules hold for other writers on the migrated store.
    if store_url.startswith("sqlite"):
        conn = sqlite3.connect(store_url.removeprefix("sqlite:///"))
        with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
            conn.execute("DELETE FROM sessions WHERE name = 'acupinitial'")
        with pytest.raises(sqlite3.IntegrityError, match="never edited or deleted"):
            conn.execute("DELETE FROM charges")
        conn.close()
    else:
        with psycopg.connect(store_url, autocommit=True) as pg:
            with pytest.raises(psycopg.errors.IntegrityError):
                pg.execute("DELETE FROM sessions WHERE name = 'acupinitial'")
            with pytest.raises(psycopg.errors.IntegrityError, match="never edited or deleted"):
                pg.execute("DELETE FROM charges")


def test_migrating_twice_does_nothing_the_second_time(run: Run, clinic: Path, store_url: str) -> None:
    first = run("migrate", "--dir", clinic, "--store", store_url)
    assert first.exit_code == 0, first.output
    again = run("migrate", "--dir", clinic, "--store", store_url)
    assert again.exit_code == 0, again.output
    with Store(resolve(store_url, None, clinic)) as store, store.db.read() as conn:
        recorded = conn.execute(text("SELECT version FROM sessconf_migrations ORDER BY version")).scalars()
        assert list(recorded) == [m.version for m in migrate.MIGRATIONS]


def test_the_migrated_schema_is_the_one_sessconf_queries(
    clinic: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table, column, index and named constraint of the current tables, on a store
    upgraded from version 1 (a new store takes the same path)."""
    version_1_store(store_url, clinic, monkeypatch)
    with Store(resolve(store_url, None, clinic)) as store:
        store.migrate()
        with store.db.read() as conn:
            found = inspect(conn)
            assert set(found.get_table_names()) == set(tables.metadata.tables)
            for table in tables.metadata.sorted_tables:
                columns = {c["name"]: c["nullable"] for c in found.get_columns(table.name)}
                assert columns == {c.name: c.nullable for c in table.columns}, table.name
                indexes = {i["name"] for i in found.get_indexes(table.name)}
                assert {i.name for i in table.indexes} <= indexes, table.name
                checks = {c["name"] for c in found.get_check_constraints(table.name)}
                wanted = {
                    c.name for c in table.constraints if c.name and "CheckConstraint" in type(c).__name__
                }
                assert wanted <= checks, table.name
                keys = {
                    (tuple(k["constrained_columns"]), k["referred_table"])
                    for k in found.get_foreign_keys(table.name)
                }
                assert keys == {
                    (tuple(c.name for c in fk.columns), fk.referred_table.name)
                    for fk in table.foreign_key_constraints
                }, table.name
