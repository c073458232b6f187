"""The store's tables (SQLAlchemy Core), and those of schema version 1 that migrations start from.

One code path for SQLite and PostgreSQL. Configuration rows get explicit ids assigned by
``apply`` (under its lock); appointments and charges get database-generated ids. Foreign keys to
sessions and locations from appointments are ``ON DELETE RESTRICT``: the database itself refuses to
delete what an appointment uses, also when the appointment was booked after a plan was made. The
rest of the store's rules (SPEC §7) are triggers, installed by :mod:`sessconf.store.rules`.
Money is integer cents (exact on both databases); times are UTC; sizes come from
:mod:`sessconf.limits`.

Migrations run in order, also for a new store. Each builds what it adds from the tables below;
a migration that changes a table freezes the definition the earlier ones created (as
``V1_APPOINTMENTS`` does for migration 2), so that every path leads to the same schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql import column, table

from sessconf import limits

metadata = MetaData()

# Integers that may grow large use BigInteger, which SQLite only autoincrements as INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "sessconf_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

migrations = Table(
    "sessconf_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(limits.NAME_COLUMN), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("timezone", String(limits.TIMEZONE_COLUMN), nullable=False),
    Column("address", Text),
    Column("archived", Boolean, nullable=False, default=False),
)

location_disciplines = Table(
    "location_disciplines",
    metadata,
    Column("location_id", Id, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("discipline", String(limits.NAME_COLUMN), nullable=False),
)

billing_items = Table(
    "billing_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("code", String(limits.NAME_COLUMN), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("archived", Boolean, nullable=False, default=False),
    CheckConstraint("price_cents >= 0", name="billing_items_price_not_negative"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("name", String(limits.NAME_COLUMN), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("discipline", String(limits.NAME_COLUMN), nullable=False),
    Column("color", String(7), nullable=False),
    Column("duration", Integer, nullable=False),
    Column("archived", Boolean, nullable=False, default=False),
    Column("max_attendees", Integer, nullable=False, default=1),
    Column("online_booking", Boolean, nullable=False, default=True),
    Column("buffer_before", Integer, nullable=False, default=0),
    Column("buffer_after", Integer, nullable=False, default=0),
    Column("telehealth", Boolean, nullable=False, default=False),
)

session_locations = Table(
    "session_locations",
    metadata,
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("location_id", Id, ForeignKey("locations.id", ondelete="RESTRICT"), nullable=False),
    Index("session_locations_location", "location_id"),
)

session_billing_items = Table(
    "session_billing_items",
    metadata,
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("billing_item_id", Id, ForeignKey("billing_items.id", ondelete="RESTRICT"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Index("session_billing_items_item", "billing_item_id"),
)


def _previous_names(owner: str) -> Table:
    return Table(
        f"{owner}_previous_names",
        metadata,
        Column("owner_id", Id, ForeignKey(f"{owner}s.id", ondelete="CASCADE"), primary_key=True),
        Column("position", Integer, primary_key=True),
        Column("name", String(limits.NAME_COLUMN), nullable=False),
        UniqueConstraint("name", name=f"{owner}_previous_names_unique"),
    )


session_previous_names = _previous_names("session")
location_previous_names = _previous_names("location")
billing_item_previous_names = _previous_names("billing_item")

APPOINTMENT_STATUSES = ("booked", "arrived", "cancelled", "no_show")


def appointments_table(md: MetaData, name: str = "appointments") -> Table:
    statuses = ", ".join(f"'{s}'" for s in APPOINTMENT_STATUSES)
    return Table(
        name,
        md,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("session_id", Id, ForeignKey("sessions.id", ondelete="RESTRICT"), nullable=False),
        Column("location_id", Id, ForeignKey("locations.id", ondelete="RESTRICT"), nullable=False),
        Column("client", String(limits.CLIENT_MAX), nullable=False),
        Column("start_utc", DateTime, nullable=False),
        Column("duration", Integer, nullable=False),
        Column("status", String(16), nullable=False, default="booked"),
        Column("booked_at", DateTime, nullable=False),
        Column("arrived_at", DateTime),
        Column("cancelled_at", DateTime),
        Column("no_show_at", DateTime),
        CheckConstraint(f"status IN ({statuses})", name="appointments_status"),
        CheckConstraint(
            f"length(client) BETWEEN 1 AND {limits.CLIENT_MAX}", name="appointments_client_length"
        ),
    )


def charges_table(md: MetaData, name: str = "charges", appointments: str = "appointments") -> Table:
    """Charges are values copied at arrival: no reference that could block a billing item's removal.

    A reversing charge (``reverses``: the charge it undoes) repeats its charge with the opposite
    amount; a charge is reversed at most once.
    """
    return Table(
        name,
        md,
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("appointment_id", Id, ForeignKey(f"{appointments}.id", ondelete="RESTRICT"), nullable=False),
        Column("client", String(limits.CLIENT_MAX), nullable=False),
        Column("billing_item", String(limits.NAME_COLUMN), nullable=False),
        Column("name", Text, nullable=False),
        Column("quantity", Integer, nullable=False),
        Column("unit_price_cents", BigInteger, nullable=False),
        Column("amount_cents", BigInteger, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("charged_at", DateTime, nullable=False),
        Column("reverses", Id, ForeignKey(f"{name}.id", ondelete="RESTRICT", name="charges_reverses_fkey")),
        UniqueConstraint("reverses", name="charges_reversed_once"),
        CheckConstraint(f"quantity BETWEEN 1 AND {limits.MAX_QUANTITY}", name="charges_quantity"),
        CheckConstraint(
            f"unit_price_cents BETWEEN 0 AND {limits.MAX_PRICE_CENTS}", name="charges_unit_price"
        ),
        CheckConstraint(
            "amount_cents = unit_price_cents * quantity * (CASE WHEN reverses IS NULL THEN 1 ELSE -1 END)",
            name="charges_amount",
        ),
        CheckConstraint(f"length(client) BETWEEN 1 AND {limits.CLIENT_MAX}", name="charges_client_length"),
    )


appointments = appointments_table(metadata)
Index("appointments_slot", appointments.c.session_id, appointments.c.location_id, appointments.c.start_utc)
Index("appointments_location", appointments.c.location_id)
Index("appointments_client", appointments.c.client)

charges = charges_table(metadata)
Index("charges_client", charges.c.client)
Index("charges_appointment", charges.c.appointment_id)

apply_history = Table(
    "apply_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("applied_at", DateTime, nullable=False),
    Column("actor", String(limits.ACTOR_MAX), nullable=False),
    Column("run_url", Text),
    Column("git_commit", String(64)),
    Column("plan_digest", String(80), nullable=False),
    Column("config_digest", String(80), nullable=False),
    Column("summary", Text, nullable=False),
)

# The configuration (SPEC §4's digest covers these): a write to any of them is a change of it.
CONFIG_TABLES = (
    locations,
    location_disciplines,
    billing_items,
    sessions,
    session_locations,
    session_billing_items,
    session_previous_names,
    location_previous_names,
    billing_item_previous_names,
)

# One row: a counter of configuration changes and what the last apply left (SPEC §4 "Changes made
# outside sessconf"). Triggers (:mod:`sessconf.store.rules`) bump ``config_version`` on every write
# to a configuration table, by any writer; ``apply`` records the version and the configuration
# digest it left. Equal versions mean the configuration is what that apply wrote: ``apply`` need
# not read and plan it again, nor ``diff`` read it when the repository asks for that digest. It
# holds no client data: the read-only role that plans pull requests reads it (unlike the history).
config_state = Table(
    "sessconf_config_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("config_version", BigInteger, nullable=False),
    Column("applied_version", BigInteger),  # None: no apply recorded it (or one before the counter)
    Column("applied_digest", String(80)),
    Column("applied_at", DateTime),
    Column("applied_by", String(limits.ACTOR_MAX)),
    CheckConstraint("id = 1", name="sessconf_config_state_one_row"),
)


# The two tables as migration 1 created them (migration 2 rebuilds or alters them).
V1 = MetaData()
V1_APPOINTMENTS = Table(
    "appointments",
    V1,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("session_id", Id, ForeignKey(sessions.c.id, ondelete="RESTRICT"), nullable=False),
    Column("location_id", Id, ForeignKey(locations.c.id, ondelete="RESTRICT"), nullable=False),
    Column("client", String(200), nullable=False),
    Column("start_utc", DateTime, nullable=False),
    Column("duration", Integer, nullable=False),
    Column("status", String(16), nullable=False, default="booked"),
    Column("booked_at", DateTime, nullable=False),
    Column("arrived_at", DateTime),
    Column("cancelled_at", DateTime),
    CheckConstraint("status IN ('booked', 'arrived', 'cancelled')", name="appointments_status"),
    Index("appointments_slot", "session_id", "location_id", "start_utc"),
    Index("appointments_location", "location_id"),
    Index("appointments_client", "client"),
)
V1_CHARGES = Table(
    "charges",
    V1,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("appointment_id", Id, ForeignKey("appointments.id", ondelete="RESTRICT"), nullable=False),
    Column("client", String(200), nullable=False),
    Column("billing_item", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("charged_at", DateTime, nullable=False),
    Index("charges_client", "client"),
    Index("charges_appointment", "appointment_id"),
)


# -- the usage views (SPEC §7) ------------------------------------------------------------------
# What the read-only role that plans pull requests reads instead of appointments: counts (and the
# first and last day used), never clients or appointment ids. Views run with their owner's
# rights, so a role granted SELECT on them reads nothing of the tables beneath. Created by the
# migration "the counts-only usage views"; declared here as plain table clauses (not in
# `metadata`: create_all must not make them tables). "Future" is the database's clock.

appointment_usage = table(
    "appointment_usage",
    column("session_id", Id),
    column("location_id", Id),
    column("appointments", BigInteger),  # any status, any date
    column("future_booked", BigInteger),  # booked, starting after now
    column("first_start", DateTime),
    column("last_start", DateTime),
)

# Future slots (one session, location and start) and how many appointments hold each (cancelled
# ones not counted): `slots` slots hold `attendees` each. Only slots of more than one attendee
# matter (a lowered max_attendees is at least 1).
appointment_slot_usage = table(
    "appointment_slot_usage",
    column("session_id", Id),
    column("location_id", Id),
    column("attendees", BigInteger),
    column("slots", BigInteger),
)

USAGE_VIEWS = (appointment_usage.name, appointment_slot_usage.name)


# -- bounds that every writer meets (a migration of their own) -----------------------------------


@dataclass(frozen=True, slots=True)
class Bound:
    """A CHECK on one table: what lint and the command line accept (SPEC §2), held by the database
    for every writer. ``condition`` is SQL that both databases read, with ``{row}`` before each
    column (empty in a CHECK constraint, ``NEW.`` in a SQLite trigger)."""

    table: str
    name: str
    condition: str

    def sql(self, row: str = "") -> str:
        return self.condition.format(row=row)


def _between(table: str, column: str, low: int, high: int) -> Bound:
    return Bound(table, f"{table}_{column}_range", f"{{row}}{column} BETWEEN {low} AND {high}")


def _length(table: str, column: str, high: int, *, nullable: bool = False) -> Bound:
    condition = f"length({{row}}{column}) BETWEEN 1 AND {high}"
    if nullable:
        condition = f"{{row}}{column} IS NULL OR {condition}"
    return Bound(table, f"{table}_{column}_length", condition)


def _bounds() -> tuple[Bound, ...]:
    from sessconf.model import RANGES

    def ranged(table: str, column: str, field: str | None = None) -> Bound:
        low, high, _ = RANGES[field or column]
        assert high is not None
        return _between(table, column, low, high)

    names = limits.NAME_MAX
    return (
        _length("locations", "name", names),
        _length("locations", "display_name", limits.TEXT_MAX),
        _length("locations", "timezone", limits.TIMEZONE_COLUMN),
        _length("locations", "address", limits.TEXT_MAX, nullable=True),
        _length("location_disciplines", "discipline", names),
        _length("billing_items", "code", names),
        _length("billing_items", "name", limits.TEXT_MAX),
        Bound("billing_items", "billing_items_kind", "{row}kind IN ('service', 'product')"),
        _between("billing_items", "price_cents", 0, limits.MAX_PRICE_CENTS),
        Bound("billing_items", "billing_items_currency_length", "length({row}currency) = 3"),
        _length("sessions", "name", names),
        _length("sessions", "description", limits.TEXT_MAX),
        _length("sessions", "discipline", names),
        Bound(
            "sessions",
            "sessions_color_format",
            "length({row}color) = 7 AND substr({row}color, 1, 1) = '#'",
        ),
        ranged("sessions", "duration"),
        ranged("sessions", "max_attendees"),
        ranged("sessions", "buffer_before"),
        ranged("sessions", "buffer_after"),
        ranged("session_billing_items", "quantity"),
        *(
            _length(f"{owner}_previous_names", "name", names)
            for owner in ("session", "location", "billing_item")
        ),
        _between("appointments", "duration", *limits.APPOINTMENT_MINUTES),
        Bound("apply_history", "apply_history_actor_length", f"length({{row}}actor) <= {limits.ACTOR_MAX}"),
    )


BOUNDS = _bounds()
"""Every bound the database holds beyond the columns' own types (installed by the migration
"bounds for every writer")."""
