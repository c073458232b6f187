"""The store's schema versions: its migrations, each recorded once, and which versions this
sessconf reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import MetaData, PrimaryKeyConstraint, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.schema import AddConstraint, CreateTable

from sessconf import __version__
from sessconf.errors import StoreError
from sessconf.plan.snapshot import SchemaStatus
from sessconf.store import rules, tables
from sessconf.store.errors import DamagedStoreError
from sessconf.store.read import schema_status

REPAIRED = "the store's rules, reinstalled"


def ensure_schema(conn: Connection, display: str, *, repair: bool = False) -> list[str]:
    """Run the migrations the store lacks (creating it when new); returns their names.

    A current store whose schema lacks a part is refused, naming it (:func:`check_schema`); with
    ``repair`` (``sessconf migrate``), missing rules (triggers, functions, constraints) are
    installed again instead. A missing table cannot be repaired: its rows are gone.
    """
    status = schema_status(conn)
    if status.version > SCHEMA_VERSION:
        check_readable(status, display)
    if status.exists and _checkable(status.version):
        missing = missing_parts(conn)
        if repair and missing and not any(part.startswith("table ") for part in missing):
            _reinstall_rules(conn)
            missing = missing_parts(conn)
            if not missing:
                return [REPAIRED]
        if missing:
            raise _damaged(missing)
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


def check_readable(
    status: SchemaStatus, display: str, *, older: bool = False, conn: Connection | None = None
) -> None:
    """Refuse a store whose schema this version of sessconf cannot read; with ``older``, an
    older schema passes (its configuration reads the same; ``apply`` upgrades it first). With
    ``conn``, a current schema is also checked whole (:func:`check_schema`)."""
    if not status.exists:
        return
    if conn is not None and _checkable(status.version):
        check_schema(conn)
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


def _bounds_and_replace_guards(conn: Connection) -> None:
    """The bounds of SPEC §2 held by the database for every writer (CHECK constraints on
    PostgreSQL, triggers on SQLite, which cannot add a CHECK to a table), and on SQLite triggers
    that keep INSERT/UPDATE OR REPLACE from deleting rows past the delete guards. Rows that break a
    bound (written by another writer) stop the migration, named, before anything changes."""
    for bound in tables.BOUNDS:
        broken = conn.exec_driver_sql(
            f"SELECT count(*) FROM {bound.table} WHERE NOT ({bound.sql()})"
        ).scalar_one()
        if broken:
            raise DamagedStoreError(
                f"holds {broken} row{'s' if broken != 1 else ''} of {bound.table} out of bounds "
                f"({bound.name}: {bound.sql()}), written by another writer",
                "correct or remove those rows, then run `sessconf migrate` again",
            )
    if conn.dialect.name == "sqlite":
        rules.install(conn)
        return
    for bound in tables.BOUNDS:
        conn.exec_driver_sql(f"ALTER TABLE {bound.table} ADD CONSTRAINT {bound.name} CHECK ({bound.sql()})")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial),
    Migration(2, "no-shows, reversing charges and the store's rules as triggers", _lifecycle_and_rules),
    Migration(3, "the counts-only usage views of the read-only role", _usage_views),
    Migration(4, "a change counter of the configuration, and what the last apply left", _config_counter),
    Migration(5, "bounds for every writer; no REPLACE past the delete guards", _bounds_and_replace_guards),
)


def has_usage_views(status: SchemaStatus) -> bool:
    """Whether a store at this schema has the usage views (older ones are read from the tables)."""
    added = next((m.version for m in MIGRATIONS if m.upgrade is _usage_views), None)
    return added is not None and status.version >= added


SCHEMA_VERSION = MIGRATIONS[-1].version


# -- a schema damaged by hand ---------------------------------------------------------------------


def _checkable(version: int) -> bool:
    """Whether a store at ``version`` is checked whole: it is current, and at least as new as the
    migration that made every rule a named part of the schema (:func:`missing_parts` knows the
    current schema's parts only)."""
    current = MIGRATIONS[-1].version
    since = next((m.version for m in MIGRATIONS if m.upgrade is _bounds_and_replace_guards), None)
    return since is not None and version == current


def check_schema(conn: Connection) -> None:
    """Refuse a current store that lacks a table, trigger or constraint of its schema (dropped by
    hand): without them its rules silently stop holding (an arrival that charges nothing, a delete
    that leaves appointments pointing at nothing)."""
    missing = missing_parts(conn)
    if missing:
        raise _damaged(missing)


def _damaged(missing: list[str]) -> DamagedStoreError:
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    tables_gone = any(part.startswith("table ") for part in missing)
    return DamagedStoreError(
        f"is damaged: its schema lacks {shown}",
        "restore the store from a backup" if tables_gone else "run `sessconf migrate` to reinstall its rules",
    )


def missing_parts(conn: Connection) -> list[str]:
    """What the current schema should hold and the database lacks: ``table X``, ``trigger Y``,
    ``constraint Z`` (named parts; what a missing table held is not listed besides it), read
    from the database's catalogue in one query."""
    expected = {("table", name): name for name in tables.metadata.tables}
    expected |= {("trigger", name): table for name, table in rules.triggers(conn.dialect.name).items()}
    if conn.dialect.name == "sqlite":
        query = "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')"
    else:
        expected |= {("constraint", name): table for name, table in _pg_constraints().items()}
        namespace = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        query = (
            f"SELECT 'table', relname FROM pg_class WHERE relnamespace = {namespace}"
            " AND relkind IN ('r', 'p')"
            " UNION ALL SELECT 'trigger', t.tgname FROM pg_trigger AS t"
            " JOIN pg_class AS c ON c.oid = t.tgrelid"
            f" WHERE c.relnamespace = {namespace} AND NOT t.tgisinternal"
            f" UNION ALL SELECT 'constraint', conname FROM pg_constraint WHERE connamespace = {namespace}"
        )
    found = {(kind, name) for kind, name in conn.exec_driver_sql(query).all()}
    missing = {part: table for part, table in expected.items() if part not in found}
    gone = {table for (kind, _), table in missing.items() if kind == "table"}
    order = {"table": 0, "trigger": 1, "constraint": 2}
    return [
        f"{kind} {name}"
        for kind, name in sorted(missing, key=lambda part: (order[part[0]], part[1]))
        if kind == "table" or missing[(kind, name)] not in gone
    ]


def _pg_constraints() -> dict[str, str]:
    """The named constraints of the current schema on PostgreSQL: name -> its table."""
    named = {
        c.name: table.name
        for table in tables.metadata.sorted_tables
        for c in table.constraints
        if isinstance(c.name, str) and not isinstance(c, PrimaryKeyConstraint)
    }
    return named | {bound.name: bound.table for bound in tables.BOUNDS}


def _reinstall_rules(conn: Connection) -> None:
    rules.install(conn)
    # Writes made while the change counter's triggers were gone did not move it: move it now, so
    # that no plan or apply made before takes the store for unchanged (they read the rows again).
    state = tables.config_state
    conn.execute(update(state).values(config_version=state.c.config_version + 1))
    if conn.dialect.name == "sqlite":
        return
    present = {
        name
        for (name,) in conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint"
            " WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        ).all()
    }
    for bound in tables.BOUNDS:
        if bound.name not in present:
            conn.exec_driver_sql(
                f"ALTER TABLE {bound.table} ADD CONSTRAINT {bound.name} CHECK ({bound.sql()})"
            )
    named = {c.name: c for table in tables.metadata.sorted_tables for c in table.constraints if c.name}
    for name in sorted(_pg_constraints().keys() - present - {bound.name for bound in tables.BOUNDS}):
        conn.execute(AddConstraint(named[name]))
