"""The store's rules hold for every writer (SPEC §7), and a damaged schema is named, not obeyed.

- SQLite's REPLACE conflict resolution deletes the conflicting row without firing delete
  triggers (unless the writer's connection turned on ``recursive_triggers``): ``INSERT OR REPLACE``
  and ``UPDATE OR REPLACE`` from a plain ``sqlite3`` connection deleted a session that
  appointments use, or a charge. The schema now refuses such a write before SQLite resolves it.
- The bounds that lint checks (durations, prices, quantities, text lengths: ``sessconf.limits``)
  are CHECK constraints on PostgreSQL and triggers on SQLite, for writers other than sessconf.
- A table, trigger or constraint dropped by hand is reported naming it; ``migrate`` reinstalls
  the rules (a dropped table cannot come back: restore from a backup).

The migration that adds them is found in ``migrate.MIGRATIONS`` by what it does, never by its
number (migrations may be renumbered when branches merge).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from click.testing import Result

from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store, migrate, tables
from sessconf.store.url import resolve

Run = Callable[..., Result]
WHO = HistoryEntry("tester", None, None)
LATER = datetime.now(UTC).astimezone(ZoneInfo("America/Toronto")).replace(
    minute=0, second=0, microsecond=0
) + timedelta(days=30)
BOUNDS_AT = next(
    i for i, m in enumerate(migrate.MIGRATIONS) if m.upgrade is migrate._bounds_and_replace_guards
)


def _store(url: str, root: Path) -> Store:
    return Store(resolve(url, None, root))


def _applied(url: str, clinic: Path) -> int:
    """The example clinic applied to ``url``, with one booked appointment of acupinitial; its id."""
    with _store(url, clinic) as store:
        apply_repository(store, load_repository(clinic), history=WHO)
        return store.booking().book("acupinitial", "c-1", "westside", LATER).id


@contextmanager
def _raw(url: str) -> Iterator[Any]:
    """A plain connection of another writer: no PRAGMA asked for on SQLite, autocommit."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()
    else:
        with psycopg.connect(url, autocommit=True) as pg:
            yield pg


def _refused(url: str, statement: str, params: tuple[object, ...] = ()) -> str:
    with _raw(url) as conn:
        refusal: type[Exception] = sqlite3.Error if url.startswith("sqlite") else psycopg.Error
        try:
            conn.execute(statement.replace("?", "%s") if not url.startswith("sqlite") else statement, params)
        except refusal as exc:
            return str(exc)
    pytest.fail(f"{statement!r} was not refused")


def _session_columns(url: str, name: str) -> tuple[int, ...]:
    with _raw(url) as conn:
        row = conn.execute(
            "SELECT id, duration, max_attendees, buffer_before, buffer_after FROM sessions WHERE name = "
            + ("?" if url.startswith("sqlite") else "%s"),
            (name,),
        ).fetchone()
    return tuple(row)


# -- REPLACE never deletes past the guards (SQLite) ------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def test_insert_or_replace_cannot_delete_a_used_session(sqlite_url: str, clinic: Path) -> None:
    _applied(sqlite_url, clinic)
    session_id = _session_columns(sqlite_url, "acupinitial")[0]
    message = _refused(
        sqlite_url,
        "INSERT OR REPLACE INTO sessions (id, name, description, discipline, color, duration, archived,"
        " max_attendees, online_booking, buffer_before, buffer_after, telehealth)"
        " VALUES (?, 'other', 'Other', 'massage', '#000000', 30, 0, 1, 1, 0, 0, 0)",
        (session_id,),
    )
    assert "update that row" in message
    assert "sessions already holds a row with this id" in message


def test_update_or_replace_cannot_delete_a_used_session(sqlite_url: str, clinic: Path) -> None:
    _applied(sqlite_url, clinic)
    message = _refused(sqlite_url, "UPDATE OR REPLACE sessions SET name = 'acupinitial' WHERE name = 'rmt60'")
    assert "sessions already holds a row with this name" in message
    with _raw(sqlite_url) as conn:
        used = conn.execute(
            "SELECT count(*) FROM appointments AS a JOIN sessions AS s ON s.id = a.session_id"
        ).fetchone()
    assert used == (1,)


def test_replace_cannot_delete_a_charge(sqlite_url: str, clinic: Path) -> None:
    appointment = _applied(sqlite_url, clinic)
    with _store(sqlite_url, clinic) as store:
        store.booking().arrive(appointment)
    with _raw(sqlite_url) as conn:
        (charge,) = conn.execute("SELECT min(id) FROM charges").fetchone()
    message = _refused(
        sqlite_url,
        "INSERT OR REPLACE INTO charges (id, appointment_id, client, billing_item, name, quantity,"
        " unit_price_cents, amount_cents, currency, charged_at)"
        " SELECT id, appointment_id, client, billing_item, name, quantity, 0, 0, currency, charged_at"
        " FROM charges WHERE id = ?",
        (charge,),
    )
    assert "already" in message  # charged already, or a row with this id: refused either way


def test_a_plain_insert_still_works_for_other_writers(sqlite_url: str, clinic: Path) -> None:
    _applied(sqlite_url, clinic)
    with _raw(sqlite_url) as conn:
        conn.execute(
            "INSERT INTO locations (id, name, display_name, timezone, address, archived)"
            " VALUES (900, 'annex', 'Annex', 'America/Toronto', NULL, 0)"
        )
        conn.execute("UPDATE sessions SET duration = 45 WHERE name = 'rmt60'")
        assert conn.execute("SELECT count(*) FROM locations WHERE name = 'annex'").fetchone() == (1,)


def test_sessconf_connections_fire_delete_triggers_on_replace(sqlite_url: str, clinic: Path) -> None:
    _applied(sqlite_url, clinic)
    with _store(sqlite_url, clinic) as store, store.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar_one() == 1


# -- bounds for every writer (both backends) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "bound"),
    [
        ("UPDATE sessions SET duration = 1000 WHERE name = 'rmt60'", "sessions_duration_range"),
        ("UPDATE sessions SET duration = 0 WHERE name = 'rmt60'", "sessions_duration_range"),
        ("UPDATE sessions SET max_attendees = 101 WHERE name = 'rmt60'", "sessions_max_attendees_range"),
        ("UPDATE sessions SET buffer_after = -1 WHERE name = 'rmt60'", "sessions_buffer_after_range"),
        ("UPDATE sessions SET description = '' WHERE name = 'rmt60'", "sessions_description_length"),
        (
            f"UPDATE sessions SET description = '{'x' * 201}' WHERE name = 'rmt60'",
            "sessions_description_length",
        ),
        ("UPDATE sessions SET color = 'teal' WHERE name = 'rmt60'", "sessions_color_format"),
        ("UPDATE billing_items SET price_cents = 10000000000", "billing_items_price_cents_range"),
        ("UPDATE billing_items SET price_cents = -1", "billing_items_price_cents_range"),
        ("UPDATE billing_items SET kind = 'gift'", "billing_items_kind"),
        ("UPDATE session_billing_items SET quantity = 0", "session_billing_items_quantity_range"),
        ("UPDATE session_billing_items SET quantity = 10001", "session_billing_items_quantity_range"),
        (f"UPDATE locations SET display_name = '{'x' * 201}'", "locations_display_name_length"),
        ("UPDATE locations SET address = ''", "locations_address_length"),
        ("UPDATE appointments SET duration = 1441", "appointments_duration_range"),
    ],
)
def test_bounds_hold_for_other_writers(store_url: str, clinic: Path, statement: str, bound: str) -> None:
    _applied(store_url, clinic)
    assert bound in _refused(store_url, statement)


def test_bounds_are_those_that_lint_checks() -> None:
    from sessconf import limits
    from sessconf.model import RANGES

    conditions = {bound.name: bound.sql() for bound in tables.BOUNDS}
    assert conditions["sessions_duration_range"] == "duration BETWEEN {} AND {}".format(
        *RANGES["duration"][:2]
    )
    assert (
        conditions["billing_items_price_cents_range"] == f"price_cents BETWEEN 0 AND {limits.MAX_PRICE_CENTS}"
    )
    assert (
        conditions["session_billing_items_quantity_range"] == f"quantity BETWEEN 1 AND {limits.MAX_QUANTITY}"
    )
    assert conditions["sessions_description_length"] == f"length(description) BETWEEN 1 AND {limits.TEXT_MAX}"


# -- stores made before the bounds -----------------------------------------------------------------


def _before_bounds(url: str, clinic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example clinic applied by a sessconf whose last migration came before the bounds."""
    with monkeypatch.context() as patch:
        patch.setattr(migrate, "MIGRATIONS", migrate.MIGRATIONS[:BOUNDS_AT])
        patch.setattr(migrate, "SCHEMA_VERSION", migrate.MIGRATIONS[BOUNDS_AT - 1].version)
        _applied(url, clinic)
    if url.startswith("sqlite"):  # the rules of today's code, less what the earlier one had not
        with _raw(url) as conn:
            names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
            for (name,) in names:
                if "_bounds_" in name or "_no_replace_" in name:
                    conn.execute(f"DROP TRIGGER {name}")


def test_an_older_store_is_upgraded_and_then_holds_the_bounds(
    run: Run, store_url: str, clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _before_bounds(store_url, clinic, monkeypatch)
    with _raw(store_url) as conn:  # before the bounds, another writer could write this
        conn.execute("UPDATE sessions SET duration = 30 WHERE name = 'rmt60'")
    result = run("migrate", "--dir", clinic, "--store", store_url)
    assert result.exit_code == 0, result.output
    with _store(store_url, clinic) as store:
        assert store.status().version == migrate.SCHEMA_VERSION
    assert "sessions_duration_range" in _refused(store_url, "UPDATE sessions SET duration = 1000")
    if store_url.startswith("sqlite"):
        assert "already holds a row" in _refused(
            store_url, "UPDATE OR REPLACE sessions SET name = 'acupinitial' WHERE name = 'rmt60'"
        )


def test_an_older_store_with_rows_out_of_bounds_is_named(
    run: Run, store_url: str, clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _before_bounds(store_url, clinic, monkeypatch)
    with _raw(store_url) as conn:
        conn.execute("UPDATE sessions SET duration = 1000 WHERE name = 'rmt60'")
    result = run("migrate", "--dir", clinic, "--store", store_url)
    assert result.exit_code == 1, result.output
    assert "holds 1 row of sessions out of bounds (sessions_duration_range" in result.output
    assert "Traceback" not in result.output
    with _store(store_url, clinic) as store:  # nothing changed
        assert store.status().version == migrate.MIGRATIONS[BOUNDS_AT - 1].version


# -- a damaged schema ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["list"], ["diff"], ["apply", "--yes"], ["appointments", "list"]])
def test_a_dropped_table_is_named(run: Run, store_url: str, clinic: Path, command: list[str]) -> None:
    _applied(store_url, clinic)
    with _raw(store_url) as conn:
        conn.execute("DROP TABLE apply_history")
    result = run(*command, "--dir", clinic, "--store", store_url)
    assert result.exit_code == 1, result.output
    assert "is damaged: its schema lacks table apply_history" in result.output
    assert "restore the store from a backup" in result.output
    assert "Traceback" not in result.output
    assert run("migrate", "--dir", clinic, "--store", store_url).exit_code == 1  # cannot be repaired


def test_a_dropped_trigger_is_named_and_migrate_reinstalls_it(run: Run, store_url: str, clinic: Path) -> None:
    appointment = _applied(store_url, clinic)
    sqlite = store_url.startswith("sqlite")
    trigger = "sessconf_appointments_arrive" if sqlite else "sessconf_appointments_arrival"
    with _raw(store_url) as conn:
        conn.execute(f"DROP TRIGGER {trigger}" + ("" if sqlite else " ON appointments"))
    # an arrival would silently charge nothing: it is refused, naming what is missing
    result = run("appointments", "arrive", str(appointment), "--dir", clinic, "--store", store_url)
    assert result.exit_code == 1, result.output
    assert f"is damaged: its schema lacks trigger {trigger}" in result.output
    assert "run `sessconf migrate`" in result.output
    repaired = run("migrate", "--dir", clinic, "--store", store_url)
    assert repaired.exit_code == 0, repaired.output
    result = run("appointments", "arrive", str(appointment), "--dir", clinic, "--store", store_url)
    assert result.exit_code == 0, result.output
    with _store(store_url, clinic) as store:
        assert store.booking().charges("c-1")


def test_a_dropped_constraint_is_named_and_reinstalled(run: Run, store_url: str, clinic: Path) -> None:
    if store_url.startswith("sqlite"):
        pytest.skip("SQLite holds the bounds as triggers (tested above)")
    _applied(store_url, clinic)
    with _raw(store_url) as conn:
        conn.execute("ALTER TABLE sessions DROP CONSTRAINT sessions_duration_range")
    result = run("list", "--dir", clinic, "--store", store_url)
    assert result.exit_code == 1, result.output
    assert "lacks constraint sessions_duration_range" in result.output
    assert run("migrate", "--dir", clinic, "--store", store_url).exit_code == 0
    assert "sessions_duration_range" in _refused(store_url, "UPDATE sessions SET duration = 1000")
