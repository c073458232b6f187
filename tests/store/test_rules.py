"""The store's rules hold for every writer (SPEC §7): a plain ``sqlite3`` connection (no
``PRAGMA foreign_keys``) and a plain psycopg connection, as the scheduling system or a person at a
SQL prompt would write, on a store that sessconf applied the example clinic to.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.booking import Status
from sessconf.store.url import resolve
from tests.store_tools import wait_until

WHO = HistoryEntry("tester", None, None)
START = "2031-03-04 14:30:00.000000"  # as sessconf writes UTC times on SQLite


class Raw:
    """A plain connection to the store, as another writer has one: autocommit, nothing asked for."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        self.conn: Any = (
            sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            if self.sqlite
            else psycopg.connect(url, autocommit=True)
        )

    def sql(self, statement: str, *params: object) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            statement = statement.replace("?", "%s")
        cursor = self.conn.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []

    def one(self, statement: str, *params: object) -> Any:
        (row,) = self.sql(statement, *params)
        return row[0]

    def refused(self, statement: str, *params: object) -> str:
        """The database's message refusing ``statement``."""
        errors = (sqlite3.IntegrityError,) if self.sqlite else (psycopg.errors.IntegrityError,)
        with pytest.raises(errors) as caught:
            self.sql(statement, *params)
        return str(caught.value)

    def id_of(self, table: str, name: str) -> int:
        column = "code" if table == "billing_items" else "name"
        return int(self.one(f"SELECT id FROM {table} WHERE {column} = ?", name))

    def book(self, session: str, location: str, client: str = "c-raw", start: str = START) -> int:
        return int(
            self.one(
                "INSERT INTO appointments (session_id, location_id, client, start_utc, duration, status,"
                " booked_at) VALUES (?, ?, ?, ?, 60, 'booked', ?) RETURNING id",
                self.id_of("sessions", session),
                self.id_of("locations", location),
                client,
                start,
                START,
            )
        )

    def count(self, table: str, where: str = "1 = 1", *params: object) -> int:
        return int(self.one(f"SELECT count(*) FROM {table} WHERE {where}", *params))


@pytest.fixture
def raw(clinic: Path, store_url: str) -> Iterator[Raw]:
    """The example clinic applied by sessconf, and a plain connection to its store."""
    with Store(resolve(store_url, None, clinic)) as store:
        apply_repository(store, load_repository(clinic), history=WHO)
    connection = Raw(store_url)
    with closing(connection.conn):
        yield connection


# -- a session or location that an appointment uses cannot be deleted --------------------------


@pytest.mark.parametrize("status", ["booked", "cancelled"])
def test_a_used_session_or_location_cannot_be_deleted(raw: Raw, status: str) -> None:
    appointment = raw.book("rmt30", "westside")
    if status == "cancelled":
        raw.sql("UPDATE appointments SET status = 'cancelled' WHERE id = ?", appointment)
    message = raw.refused("DELETE FROM sessions WHERE name = 'rmt30'")
    assert "a session that appointments use cannot be deleted" in message or "foreign key" in message
    message = raw.refused("DELETE FROM locations WHERE name = 'westside'")
    assert "cannot be deleted" in message or "foreign key" in message
    assert raw.count("sessions", "name = 'rmt30'") == 1
    assert raw.count("appointments", "id = ?", appointment) == 1


def test_an_unused_session_is_deleted_with_its_links_even_without_foreign_keys(raw: Raw) -> None:
    session = raw.id_of("sessions", "rmt90")
    assert raw.count("session_locations", "session_id = ?", session) > 0
    raw.sql("DELETE FROM sessions WHERE id = ?", session)
    for table in ("session_locations", "session_billing_items"):
        assert raw.count(table, "session_id = ?", session) == 0  # no row points at nothing
    assert raw.count("session_previous_names", "owner_id = ?", session) == 0


def test_a_location_a_session_lists_cannot_be_deleted(raw: Raw) -> None:
    message = raw.refused("DELETE FROM locations WHERE name = 'kitsilano'")
    assert "a location that a session lists cannot be deleted" in message or "foreign key" in message


def test_rows_that_point_at_nothing_are_refused(raw: Raw) -> None:
    message = raw.refused(
        "INSERT INTO appointments (session_id, location_id, client, start_utc, duration, status, booked_at)"
        " VALUES (9999, ?, 'c', ?, 60, 'booked', ?)",
        raw.id_of("locations", "downtown"),
        START,
        START,
    )
    assert "refers to no row of sessions" in message or "foreign key" in message
    appointment = raw.book("rmt60", "downtown")
    message = raw.refused("UPDATE appointments SET location_id = 9999 WHERE id = ?", appointment)
    assert "refers to no row of locations" in message or "foreign key" in message


# -- bookings -----------------------------------------------------------------------------------


def test_an_archived_session_or_location_cannot_be_booked(raw: Raw) -> None:
    assert "the session is archived and cannot be booked" in raw.refused(
        "INSERT INTO appointments (session_id, location_id, client, start_utc, duration, status, booked_at)"
        " VALUES (?, ?, 'c', ?, 60, 'booked', ?)",
        raw.id_of("sessions", "acupcupping"),  # archived in the example clinic
        raw.id_of("locations", "downtown"),
        START,
        START,
    )
    raw.sql("UPDATE locations SET archived = ? WHERE name = 'downtown'", True)
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError), match="location is archived"):
        raw.book("rmt60", "downtown")
    raw.sql("UPDATE locations SET archived = ? WHERE name = 'downtown'", False)
    raw.book("rmt60", "downtown")  # unarchived: bookable again


def test_a_slot_holds_max_attendees_not_counting_cancelled_ones(raw: Raw) -> None:
    first = raw.book("rmt90", "kitsilano")  # max_attendees 1
    assert "the slot is full" in raw.refused(
        "INSERT INTO appointments (session_id, location_id, client, start_utc, duration, status, booked_at)"
        " VALUES (?, ?, 'c2', ?, 90, 'booked', ?)",
        raw.id_of("sessions", "rmt90"),
        raw.id_of("locations", "kitsilano"),
        START,
        START,
    )
    raw.sql("UPDATE appointments SET status = 'no_show' WHERE id = ?", first)
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError), match="slot is full"):
        raw.book("rmt90", "kitsilano", "c2")  # a no-show keeps its place
    other = raw.book("rmt90", "kitsilano", "c3", START.replace("14:30", "16:30"))
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError), match="slot is full"):
        raw.sql("UPDATE appointments SET start_utc = ? WHERE id = ?", START, other)  # moving into it


def test_a_group_slot_fills_to_max_attendees(raw: Raw) -> None:
    for i in range(6):
        raw.book("pilatesclass", "westside", f"c-{i}")
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError), match="slot is full"):
        raw.book("pilatesclass", "westside", "c-6")


def test_a_new_appointment_is_booked(raw: Raw) -> None:
    assert "a new appointment is booked" in raw.refused(
        "INSERT INTO appointments (session_id, location_id, client, start_utc, duration, status, booked_at)"
        " VALUES (?, ?, 'c', ?, 60, 'arrived', ?)",
        raw.id_of("sessions", "rmt60"),
        raw.id_of("locations", "downtown"),
        START,
        START,
    )


def test_sqlite_start_times_are_written_the_one_way_that_compares(raw: Raw) -> None:
    if not raw.sqlite:
        pytest.skip("a PostgreSQL timestamp has one form")
    raw.book("rmt90", "kitsilano")
    for other_form in ("2031-03-04 14:30:00", "2031-03-04T14:30:00.000000", "2031-13-04 14:30:00.000000"):
        with pytest.raises(sqlite3.IntegrityError, match="start_utc must be a UTC time"):
            raw.book("rmt90", "kitsilano", "c2", other_form)


# -- arrivals and charges -----------------------------------------------------------------------


def charges_of(raw: Raw, appointment: int) -> list[tuple[Any, ...]]:
    return raw.sql(
        "SELECT billing_item, quantity, unit_price_cents, amount_cents, reverses FROM charges"
        " WHERE appointment_id = ? ORDER BY id",
        appointment,
    )


def test_marking_arrived_adds_the_charges_once_whoever_writes_it(raw: Raw) -> None:
    appointment = raw.book("acupinitial", "westside")
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
    assert charges_of(raw, appointment) == [
        ("acup-initial", 1, 9500, 9500, None),
        ("needles", 2, 450, 900, None),
    ]
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)  # again: nothing
    assert len(charges_of(raw, appointment)) == 2
    assert raw.one("SELECT client FROM charges WHERE appointment_id = ? LIMIT 1", appointment) == "c-raw"


def test_undoing_an_arrival_adds_reversing_charges_and_it_may_arrive_again(raw: Raw) -> None:
    appointment = raw.book("acupinitial", "westside")
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
    first = [
        row[0] for row in raw.sql("SELECT id FROM charges WHERE appointment_id = ? ORDER BY id", appointment)
    ]
    raw.sql("UPDATE appointments SET status = 'booked' WHERE id = ?", appointment)
    reversals = charges_of(raw, appointment)[2:]
    assert reversals == [("acup-initial", 1, 9500, -9500, first[0]), ("needles", 2, 450, -900, first[1])]
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
    assert [row[3] for row in charges_of(raw, appointment)] == [9500, 900, -9500, -900, 9500, 900]
    assert raw.one("SELECT sum(amount_cents) FROM charges WHERE appointment_id = ?", appointment) == 10400


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        pytest.param(
            "cancelled", "arrived", "a cancelled or no-show appointment cannot arrive", id="cancelled"
        ),
        pytest.param("no_show", "arrived", "a cancelled or no-show appointment cannot arrive", id="no-show"),
        pytest.param("cancelled", "booked", "status only changes", id="uncancel"),
        pytest.param("arrived", "cancelled", "status only changes", id="cancel-arrived"),
        pytest.param("arrived", "no_show", "status only changes", id="no-show-arrived"),
    ],
)
def test_status_changes_follow_the_lifecycle(raw: Raw, before: str, after: str, message: str) -> None:
    appointment = raw.book("acupinitial", "westside")
    raw.sql("UPDATE appointments SET status = ? WHERE id = ?", before, appointment)
    charged = raw.count("charges")
    assert message in raw.refused("UPDATE appointments SET status = ? WHERE id = ?", after, appointment)
    assert raw.one("SELECT status FROM appointments WHERE id = ?", appointment) == before
    assert raw.count("charges") == charged


def test_charges_are_never_edited_or_deleted(raw: Raw) -> None:
    appointment = raw.book("acupinitial", "westside")
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
    for statement in ("UPDATE charges SET amount_cents = 0", "DELETE FROM charges"):
        assert "charges are never edited or deleted" in raw.refused(statement), statement
    message = raw.refused("DELETE FROM appointments")
    assert "an appointment with charges cannot be deleted" in message or "foreign key" in message
    if not raw.sqlite:
        assert "charges are never edited or deleted" in raw.refused("TRUNCATE charges")
    assert raw.count("charges") == 2


def test_charges_are_added_by_arrivals_and_reversed_once(raw: Raw) -> None:
    appointment = raw.book("acupinitial", "westside")
    columns = (
        "INSERT INTO charges (appointment_id, client, billing_item, name, quantity, unit_price_cents,"
        " amount_cents, currency, charged_at, reverses) VALUES (?, ?, ?, 'x', 1, 100, ?, 'CAD', ?, ?)"
    )
    assert "the appointment has not arrived" in raw.refused(
        columns, appointment, "c-raw", "extra", 100, START, None
    )
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
    assert "charged that billing item already" in raw.refused(
        columns, appointment, "c-raw", "needles", 100, START, None
    )
    assert "case file of its appointment's client" in raw.refused(
        columns, appointment, "someone-else", "extra", 100, START, None
    )
    assert "charges_amount" in raw.refused(columns, appointment, "c-raw", "extra", 5, START, None)
    original = int(raw.one("SELECT min(id) FROM charges WHERE appointment_id = ?", appointment))
    assert "setting the appointment back to booked" in raw.refused(
        columns, appointment, "c-raw", "acup-initial", -100, START, original
    )
    raw.sql("UPDATE appointments SET status = 'booked' WHERE id = ?", appointment)
    reversal = int(raw.one("SELECT id FROM charges WHERE reverses = ?", original))
    assert "cannot be reversed" in raw.refused(columns, appointment, "c-raw", "x", -100, START, reversal)
    second = original + 1  # needles, reversed too: a reversing charge that does not repeat it
    assert "repeats the charge it reverses" in raw.refused(
        columns, appointment, "c-raw", "needles", -100, START, second
    )
    again = (
        "INSERT INTO charges (appointment_id, client, billing_item, name, quantity, unit_price_cents,"
        " amount_cents, currency, charged_at, reverses) SELECT appointment_id, client, billing_item, name,"
        " quantity, unit_price_cents, amount_cents, currency, charged_at, reverses FROM charges"
        " WHERE id = ?"
    )
    assert "reverses" in raw.refused(again, reversal)  # the same reversal twice: reversed once only


# -- concurrent bookings from other writers (PostgreSQL: SQLite serialises its writers) ----------


def test_concurrent_bookings_from_plain_connections_are_counted_exactly(raw: Raw, store_url: str) -> None:
    if raw.sqlite:
        pytest.skip("SQLite serialises writers: there is no concurrent booking to count")
    first = psycopg.connect(store_url)
    second = psycopg.connect(store_url)
    insert = (
        "INSERT INTO appointments (session_id, location_id, client, start_utc, duration, status, booked_at)"
        " VALUES (%s, %s, %s, %s, 90, 'booked', now())"
    )
    args = (raw.id_of("sessions", "rmt90"), raw.id_of("locations", "kitsilano"))
    outcome: dict[str, BaseException | None] = {}

    def book_second() -> None:
        try:
            second.execute(insert, (*args, "second", START))
            second.commit()
            outcome["second"] = None
        except psycopg.Error as exc:
            second.rollback()
            outcome["second"] = exc

    with closing(first), closing(second):
        first.execute(insert, (*args, "first", START))  # holds the session's row, not committed
        pid = second.info.backend_pid
        thread = threading.Thread(target=book_second)
        thread.start()

        def waiting() -> bool:
            return int(raw.one("SELECT count(*) FROM pg_locks WHERE pid = ? AND NOT granted", pid)) > 0

        wait_until(waiting, 30, "the second booking to wait for the first")
        first.commit()
        thread.join(30)
        assert not thread.is_alive()
    assert isinstance(outcome["second"], psycopg.errors.IntegrityError), outcome
    assert "the slot is full" in str(outcome["second"])
    assert raw.count("appointments", "client IN ('first', 'second')") == 1


def test_sessconf_reads_what_other_writers_wrote(raw: Raw, store_url: str, clinic: Path) -> None:
    appointment = raw.book("acupinitial", "westside")
    raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
    with Store(resolve(store_url, None, clinic)) as store:
        booking = store.booking()
        (found,) = booking.appointments(client="c-raw")
        assert found.status is Status.ARRIVED
        assert booking.arrive(appointment).already
        undone = booking.unarrive(appointment)
        assert [c.amount for c in undone.reversals] == [-95, -9]
        assert sum(c.amount for c in booking.charges("c-raw")) == 0


def test_a_writer_that_may_only_book_and_mark_arrivals_gets_every_rule(raw: Raw) -> None:
    """The rules run with the store owner's rights: the scheduling system's role needs no right
    on sessions or charges beyond reading them for the store to lock, count and charge."""
    if raw.sqlite:
        pytest.skip("roles are a PostgreSQL matter")
    role = f"scheduler_{uuid.uuid4().hex[:8]}"
    schema = raw.one("SELECT current_schema()")
    raw.sql(f"CREATE ROLE {role}")
    try:
        raw.sql(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        raw.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        raw.sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
        raw.sql(f"GRANT INSERT, UPDATE (status, arrived_at) ON appointments TO {role}")
        raw.sql(f"SET ROLE {role}")
        appointment = raw.book("acupinitial", "westside")
        raw.sql("UPDATE appointments SET status = 'arrived' WHERE id = ?", appointment)
        assert [row[3] for row in charges_of(raw, appointment)] == [9500, 900]
        with pytest.raises(psycopg.errors.IntegrityError, match="slot is full"):
            raw.book("acupinitial", "westside", "c-2")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.sql("DELETE FROM charges")
    finally:
        raw.sql("RESET ROLE")
        raw.sql(f"DROP OWNED BY {role}")
        raw.sql(f"DROP ROLE {role}")
