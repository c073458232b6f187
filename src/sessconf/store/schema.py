"""The store's tables (SQLAlchemy Core) and its named, recorded migrations.

One code path for SQLite and PostgreSQL. Configuration rows get explicit ids assigned by
``apply`` (under its lock); appointments and charges get database-generated ids. Foreign keys to
sessions and locations from appointments are ``ON DELETE RESTRICT``: the database itself refuses to
delete what an appointment uses, also when the appointment was booked after a plan was made.
Money is integer cents (exact on both databases); times are UTC.
"""

from __future__ import annotations

from collections.abc import Callable
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
from sqlalchemy.engine import Connection

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
    Column("name", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("address", Text),
    Column("archived", Boolean, nullable=False, default=False),
)

location_disciplines = Table(
    "location_disciplines",
    metadata,
    Column("location_id", Id, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("discipline", String(64), nullable=False),
)

billing_items = Table(
    "billing_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("code", String(64), nullable=False, unique=True),
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
    Column("name", String(64), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("discipline", String(64), nullable=False),
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
        Column("name", String(64), nullable=False),
        UniqueConstraint("name", name=f"{owner}_previous_names_unique"),
    )


session_previous_names = _previous_names("session")
location_previous_names = _previous_names("location")
billing_item_previous_names = _previous_names("billing_item")

appointments = Table(
    "appointments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("session_id", Id, ForeignKey("sessions.id", ondelete="RESTRICT"), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id", ondelete="RESTRICT"), nullable=False),
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

# Charges are values copied at arrival: no reference that could block a billing item's removal.
charges = Table(
    "charges",
    metadata,
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

apply_history = Table(
    "apply_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("applied_at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("run_url", Text),
    Column("git_commit", String(64)),
    Column("plan_digest", String(80), nullable=False),
    Column("config_digest", String(80), nullable=False),
    Column("summary", Text, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    metadata.create_all(conn)


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial schema", _initial),)
SCHEMA_VERSION = MIGRATIONS[-1].version
