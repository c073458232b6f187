"""The store's schema versions: its migrations, each recorded once, and which versions this
sessconf reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import MetaData, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.schema import AddConstraint, CreateTable

from sessconf import __version__
from sessconf.errors import StoreError
from sessconf.plan.snapshot import SchemaStatus
from sessconf.store import rules, tables
from sessconf.store.read import schema_status


def ensure_schema(conn: Connection, display: str) -> list[str]:
    """Run the migrations the store lacks (creating it when new); returns their names."""
    status = schema_status(conn)
    if status.version > SCHEMA_VERSION:
        check_readable(status, display)
    applied = []
    now = datetime.now(UTC).replace(tzinfo=None)
    for migration in MIGRATIONS:
        if migration.version <= status.version:
            continue
        migration.upgrade(conn)
        conn.execute(
            insert(tables.migrations).values(version=migration.version, name=migration.name, applied_at=now)
        )
        applied.append(migration.name)
    if not applied:
        return []
    if status.store_id is None:
        conn.execute(insert(tables.meta).values(key="store_id", value=str(uuid.uuid4())))
    version = str(SCHEMA_VERSION)
    if status.exists and status.version:
        conn.execute(update(tables.meta).where(tables.meta.c.key == "schema_version").values(value=version))
    else:
        conn.execute(insert(tables.meta).values(key="schema_version", value=version))
    return applied


def check_readable(status: SchemaStatus, display: str, *, older: bool = False) -> None:
    """Refuse a store whose schema this version of sessconf cannot read; with ``older``, an
    older schema passes (its configuration reads the same; ``apply`` upgrades it first)."""
    if not status.exists:
        return
    if status.version > SCHEMA_VERSION:
        raise StoreError(
            f"the store {display} was written by a newer sessconf (schema version {status.version}; "
            f"sessconf {__version__} knows up to {SCHEMA_VERSION})",
            "upgrade sessconf",
        )
    if status.version < SCHEMA_VERSION and not older:
        raise StoreError(
            f"the store {display} has an older schema (version {status.version}, current {SCHEMA_VERSION})",
            "run `sessconf migrate`",
        )


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


_CHANGED_BY_2 = {"appointments", "charges"}
_ADDED_LATER = {tables.config_state.name}


def _initial(conn: Connection) -> None:
    tables.metadata.create_all(
        conn,
        tables=[t for t in tables.metadata.sorted_tables if t.name not in _CHANGED_BY_2 | _ADDED_LATER],
    )
    tables.V1.create_all(conn)


def _lifecycle_and_rules(conn: Connection) -> None:
    """No-shows and reversing charges; every rule of the store in the schema itself."""
    if conn.dialect.name == "sqlite":
        _rebuild_sqlite_appointments_and_charges(conn)
    else:
        _alter_postgresql_appointments_and_charges(conn)
    rules.install(conn)


def _rebuild_sqlite_appointments_and_charges(conn: Connection) -> None:
    """SQLite cannot alter a CHECK constraint: both tables are rebuilt, within the transaction.

    ``PRAGMA foreign_keys`` cannot be turned off inside a transaction, and the old charges refer
    to the old appointments (``ON DELETE RESTRICT``), so the new tables are made under new names,
    the new charges referring to the new appointments; the old ones are dropped, charges first,
    and the renames (SQLite >= 3.26 rewrites references on rename) give them their names back.
    """
    scratch = MetaData()
    for table in (tables.sessions, tables.locations):
        table.to_metadata(scratch)
    new_appointments = tables.appointments_table(scratch, "appointments_new")
    new_charges = tables.charges_table(scratch, "charges_new", "appointments_new")
    for table in (new_appointments, new_charges):
        conn.execute(CreateTable(table))
    kept = [c.name for c in tables.V1_APPOINTMENTS.columns]
    columns = ", ".join(kept)
    conn.exec_driver_sql(f"INSERT INTO appointments_new ({columns}) SELECT {columns} FROM appointments")
    kept = [c.name for c in tables.V1_CHARGES.columns]
    columns = ", ".join(kept)
    conn.exec_driver_sql(f"INSERT INTO charges_new ({columns}) SELECT {columns} FROM charges")
    conn.exec_driver_sql("DROP TABLE charges")
    conn.exec_driver_sql("DROP TABLE appointments")
    conn.exec_driver_sql("ALTER TABLE appointments_new RENAME TO appointments")
    conn.exec_driver_sql("ALTER TABLE charges_new RENAME TO charges")
    for index in (*tables.appointments.indexes, *tables.charges.indexes):
        index.create(conn)


# What migration 2 adds to the two tables on PostgreSQL, by constraint name.
_ADDED_BY_2 = (
    "appointments_status",
    "appointments_client_length",
    "charges_reverses_fkey",
    "charges_reversed_once",
    "charges_quantity",
    "charges_unit_price",
    "charges_amount",
    "charges_client_length",
)


def _alter_postgresql_appointments_and_charges(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE appointments DROP CONSTRAINT appointments_status")
    conn.exec_driver_sql("ALTER TABLE appointments ADD COLUMN no_show_at TIMESTAMP WITHOUT TIME ZONE")
    conn.exec_driver_sql("ALTER TABLE charges ADD COLUMN reverses BIGINT")
    named = {
        c.name: c for table in (tables.appointments, tables.charges) for c in table.constraints if c.name
    }
    for name in _ADDED_BY_2:
        conn.execute(AddConstraint(named[name]))


def _usage_views(conn: Connection) -> None:
    """The counts-only views that the read-only role of pull-request plans reads (SPEC §7).

    On SQLite a view that names a dropped table breaks ``ALTER TABLE ... RENAME`` of any table: a
    later migration that rebuilds appointments (as migration 2 does) drops these views first and
    creates them again after.
    """
    if conn.dialect.name == "sqlite":
        now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"  # start_utc is written 'YYYY-MM-DD HH:MM:SS.ffffff'
    else:
        now = "(now() AT TIME ZONE 'UTC')"
    usage, slots = tables.USAGE_VIEWS
    conn.exec_driver_sql(
        f"CREATE VIEW {usage} AS SELECT session_id, location_id, COUNT(*) AS appointments, "
        f"SUM(CASE WHEN status = 'booked' AND start_utc > {now} THEN 1 ELSE 0 END) AS future_booked, "
        "MIN(start_utc) AS first_start, MAX(start_utc) AS last_start "
        "FROM appointments GROUP BY session_id, location_id"
    )
    conn.exec_driver_sql(
        f"CREATE VIEW {slots} AS SELECT session_id, location_id, attendees, COUNT(*) AS slots FROM ("
        "SELECT session_id, location_id, COUNT(*) AS attendees FROM appointments "
        f"WHERE status <> 'cancelled' AND start_utc > {now} GROUP BY session_id, location_id, start_utc"
        ") AS filled WHERE attendees > 1 GROUP BY session_id, location_id, attendees"
    )


def _config_counter(conn: Connection) -> None:
    """The configuration's change counter, and what the last apply left (from the history: its
    digest, when and by whom; not the counter, which did not exist, so the first ``diff`` after
    the upgrade compares digests)."""
    tables.config_state.create(conn)
    h = tables.apply_history.c
    last = conn.execute(select(h.config_digest, h.applied_at, h.actor).order_by(h.id.desc()).limit(1)).first()
    conn.execute(
        insert(tables.config_state).values(
            id=1,
            config_version=0,
            applied_version=None,
            applied_digest=last.config_digest if last else None,
            applied_at=last.applied_at if last else None,
            applied_by=last.actor if last else None,
        )
    )
    rules.install(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial),
    Migration(2, "no-shows, reversing charges and the store's rules as triggers", _lifecycle_and_rules),
    Migration(3, "the counts-only usage views of the read-only role", _usage_views),
    Migration(4, "a change counter of the configuration, and what the last apply left", _config_counter),
)


def has_usage_views(status: SchemaStatus) -> bool:
    """Whether a store at this schema has the usage views (older ones are read from the tables)."""
    added = next((m.version for m in MIGRATIONS if m.upgrade is _usage_views), None)
    return added is not None and status.version >= added


SCHEMA_VERSION = MIGRATIONS[-1].version
