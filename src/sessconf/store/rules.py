"""The store's rules as triggers, so that they hold for every writer (SPEC §7).

sessconf is not the only writer of a store: the scheduling system books and marks arrivals, and a
person may write at a SQL prompt. So the rules live in the database itself, the same on both
backends:

- A session or location that an appointment uses cannot be deleted. PostgreSQL enforces the
  foreign keys always; SQLite only on connections that ask (``PRAGMA foreign_keys``), so on SQLite
  every foreign key of the schema is also a set of triggers (check on insert and update, restrict
  or cascade on delete), which fire whatever the connection asked for.
- A new appointment is ``booked``; an archived session or location cannot be booked; a slot
  (session, location, start instant) holds at most ``max_attendees`` appointments that are not
  cancelled. On PostgreSQL the session's row is locked while counting, so concurrent bookings
  from any writer are counted exactly; SQLite serialises writers anyway.
- An appointment's status only moves ``booked`` → ``arrived`` | ``cancelled`` | ``no_show`` and
  ``arrived`` → ``booked`` (an arrival undone): a cancelled or no-show appointment cannot arrive.
- Arriving adds the charges: the change of status to ``arrived`` inserts one charge per (not
  archived) billing item of the session, copying name, quantity, price and currency, whoever made
  the change. Undoing it (back to ``booked``) adds one reversing charge per charge of the arrival.
  A charge is added only for an arrived appointment, once per billing item and arrival; a
  reversing charge repeats the charge it reverses with the opposite amount, at most once.
- Charges are never edited or deleted (nor truncated, on PostgreSQL).
- Every write to a configuration table counts as a change of the configuration
  (``sessconf_config_state.config_version``, which only grows and whose row stays): ``apply`` and
  ``diff`` trust what they read earlier only while it has not moved.

Trigger and function names start with ``sessconf_``; :func:`install` replaces them all.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint, inspect
from sqlalchemy.engine import Connection

from sessconf.store import tables

PREFIX = "sessconf_"

# The sentences a refused write reads, on both backends (SQLite's RAISE takes no expressions).
ARCHIVED_SESSION = "the session is archived and cannot be booked"
ARCHIVED_LOCATION = "the location is archived and takes no bookings"
SLOT_FULL = "the slot is full: every place of the session at this location and time is booked"
NEW_IS_BOOKED = "a new appointment is booked: insert it with status 'booked'"
CANNOT_ARRIVE = "a cancelled or no-show appointment cannot arrive"
STATUS_CHANGE = (
    "an appointment's status only changes from booked to arrived, cancelled or no_show, "
    "and from arrived back to booked (an arrival undone)"
)
NOT_ARRIVED = "charges are added by an arrival: the appointment has not arrived"
CHARGED_ALREADY = "this arrival has charged that billing item already"
WRONG_CLIENT = "a charge is on the case file of its appointment's client"
REVERSE_BY_UNARRIVING = (
    "an arrival is undone by setting the appointment back to booked, which adds the reversing charges"
)
REVERSAL_OF_REVERSAL = "a reversing charge cannot be reversed"
REVERSAL_MISMATCH = "a reversing charge repeats the charge it reverses, with the opposite amount"
CHARGES_IMMUTABLE = "charges are never edited or deleted; an arrival undone adds reversing charges instead"
VERSION_REWOUND = "the configuration's change counter only grows, and its row stays"
START_FORMAT = "start_utc must be a UTC time written as YYYY-MM-DD HH:MM:SS.ffffff"

# Foreign keys whose refusal deserves a sentence of its own (SQLite triggers).
_IN_USE = {
    ("appointments", "session_id"): "a session that appointments use cannot be deleted; archive it instead",
    ("appointments", "location_id"): "a location that appointments use cannot be deleted; archive it instead",
    ("session_locations", "location_id"): "a location that a session lists cannot be deleted",
    ("session_billing_items", "billing_item_id"): "a billing item that a session lists cannot be deleted",
    ("charges", "appointment_id"): "an appointment with charges cannot be deleted",
}


def install(conn: Connection) -> None:
    """(Re)create every rule of the store for the connection's database."""
    # The change counter's table comes with a later migration than the first rules.
    counted = inspect(conn).has_table(tables.config_state.name)
    if conn.dialect.name == "sqlite":
        names = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, ?) = ?",
            (len(PREFIX), PREFIX),
        ).scalars()
        for name in list(names):
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        statements = _sqlite_statements(counted)
    else:
        statements = list(_postgresql_rules())
        if counted:
            statements += _postgresql_config_counter()
    for statement in statements:
        conn.exec_driver_sql(statement)


def _sqlite_statements(counted: bool = True) -> list[str]:
    # SQLite fires the triggers of one event latest created first: the guards against REPLACE
    # and the bounds come first, so that a write that breaks a rule too reads the rule's sentence.
    statements = [*_sqlite_replace_guards(), *_sqlite_bounds(), *_sqlite_foreign_keys(), *_sqlite_rules()]
    if counted:  # the change counter's table comes with a later migration than the first rules
        statements += _sqlite_config_counter()
    return statements


def _quote(message: str) -> str:
    return "'" + message.replace("'", "''") + "'"


def _raise(message: str, condition: str) -> str:
    return f"  SELECT RAISE(ABORT, {_quote(message)}) WHERE {condition};\n"


def _trigger(name: str, event: str, body: str, when: str | None = None) -> str:
    clause = f"\nWHEN {when}" if when else ""
    return f"CREATE TRIGGER {PREFIX}{name} {event}{clause}\nBEGIN\n{body}END"


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_foreign_keys() -> Iterator[str]:
    """Every foreign key of the schema as triggers: what ``PRAGMA foreign_keys = ON`` enforces."""
    for table in tables.metadata.sorted_tables:
        for fk in sorted(table.foreign_key_constraints, key=lambda c: list(c.column_keys)):
            yield from _sqlite_foreign_key(fk)


def _sqlite_foreign_key(fk: ForeignKeyConstraint) -> Iterator[str]:
    (column,) = fk.columns
    (element,) = fk.elements
    child, col = fk.table.name, column.name
    parent, key = element.column.table.name, element.column.name
    name = f"{child}_{col}"
    missing = f"NEW.{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} WHERE {key} = NEW.{col})"
    dangling = f"{child}.{col} refers to no row of {parent}"
    yield _trigger(f"{name}_insert", f"BEFORE INSERT ON {child}", _raise(dangling, missing))
    yield _trigger(f"{name}_update", f"BEFORE UPDATE OF {col} ON {child}", _raise(dangling, missing))
    used = f"EXISTS (SELECT 1 FROM {child} WHERE {col} = OLD.{key})"
    in_use = _IN_USE.get((child, col), f"a row of {parent} that {child} uses cannot be deleted")
    if fk.ondelete == "CASCADE":
        cascade = f"  DELETE FROM {child} WHERE {col} = OLD.{key};\n"
        yield _trigger(f"{name}_cascade", f"AFTER DELETE ON {parent}", cascade)
    else:
        yield _trigger(f"{name}_restrict", f"BEFORE DELETE ON {parent}", _raise(in_use, used))
    yield _trigger(
        f"{name}_rekey",
        f"BEFORE UPDATE OF {key} ON {parent}",
        _raise(f"a row of {parent} that {child} uses cannot change its {key}", used),
        when=f"NEW.{key} IS NOT OLD.{key}",
    )


_CANONICAL_START = (
    "NEW.start_utc GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]."
    "[0-9][0-9][0-9][0-9][0-9][0-9]'"
    " AND strftime('%Y-%m-%d %H:%M:%S', NEW.start_utc) IS substr(NEW.start_utc, 1, 19)"
)


def _sqlite_booking_checks(other: str) -> str:
    """A booking (or a move to another slot): canonical start time, bookable session and
    location, a free place. ``other`` excludes the appointment itself from the count."""
    taken = (
        "(SELECT count(*) FROM appointments WHERE session_id = NEW.session_id"
        " AND location_id = NEW.location_id AND start_utc = NEW.start_utc"
        f" AND status <> 'cancelled'{other})"
    )
    return (
        _raise(START_FORMAT, f"NOT ({_CANONICAL_START})")
        + _raise(ARCHIVED_SESSION, "(SELECT archived FROM sessions WHERE id = NEW.session_id)")
        + _raise(ARCHIVED_LOCATION, "(SELECT archived FROM locations WHERE id = NEW.location_id)")
        + _raise(
            SLOT_FULL,
            f"NEW.status <> 'cancelled' AND {taken} >= "
            "(SELECT max_attendees FROM sessions WHERE id = NEW.session_id)",
        )
    )


_TRANSITIONS = (
    "(OLD.status = 'booked' AND NEW.status IN ('arrived', 'cancelled', 'no_show'))"
    " OR (OLD.status = 'arrived' AND NEW.status = 'booked')"
)
_COPIED = "appointment_id, client, billing_item, name, quantity, unit_price_cents, amount_cents, currency"
_OPEN = "c.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM charges AS r WHERE r.reverses = c.id)"
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"  # SQLAlchemy's format: microseconds


def _arrival_charges(new: str, now: str) -> str:
    return (
        f"INSERT INTO charges ({_COPIED}, charged_at)"
        f" SELECT {new}.id, {new}.client, b.code, b.name, sb.quantity, b.price_cents,"
        f" b.price_cents * sb.quantity, b.currency, coalesce({new}.arrived_at, {now})"
        " FROM session_billing_items AS sb JOIN billing_items AS b ON b.id = sb.billing_item_id"
        f" WHERE sb.session_id = {new}.session_id AND NOT b.archived ORDER BY sb.position"
    )


def _reversing_charges(new: str, now: str) -> str:
    return (
        f"INSERT INTO charges ({_COPIED}, charged_at, reverses)"
        " SELECT c.appointment_id, c.client, c.billing_item, c.name, c.quantity, c.unit_price_cents,"
        f" -c.amount_cents, c.currency, {now}, c.id"
        f" FROM charges AS c WHERE c.appointment_id = {new}.id AND {_OPEN} ORDER BY c.id"
    )


def _sqlite_rules() -> Iterator[str]:
    yield _trigger(
        "appointments_book",
        "BEFORE INSERT ON appointments",
        _raise(NEW_IS_BOOKED, "NEW.status IS NOT 'booked'") + _sqlite_booking_checks(""),
    )
    yield _trigger(
        "appointments_move",
        "BEFORE UPDATE OF session_id, location_id, start_utc ON appointments",
        _sqlite_booking_checks(" AND id <> NEW.id"),
        when="NEW.session_id IS NOT OLD.session_id OR NEW.location_id IS NOT OLD.location_id"
        " OR NEW.start_utc IS NOT OLD.start_utc",
    )
    yield _trigger(
        "appointments_status",
        "BEFORE UPDATE OF status ON appointments",
        _raise(CANNOT_ARRIVE, "NEW.status = 'arrived' AND OLD.status IN ('cancelled', 'no_show')")
        + _raise(STATUS_CHANGE, f"NOT ({_TRANSITIONS})"),
        when="NEW.status IS NOT OLD.status",
    )
    yield _trigger(
        "appointments_arrive",
        "AFTER UPDATE OF status ON appointments",
        f"  {_arrival_charges('NEW', _SQLITE_NOW)};\n",
        when="NEW.status = 'arrived' AND OLD.status IS NOT 'arrived'",
    )
    yield _trigger(
        "appointments_unarrive",
        "AFTER UPDATE OF status ON appointments",
        f"  {_reversing_charges('NEW', _SQLITE_NOW)};\n",
        when="OLD.status = 'arrived' AND NEW.status IS NOT 'arrived'",
    )
    status = "(SELECT status FROM appointments WHERE id = NEW.appointment_id)"
    original = "(SELECT * FROM charges AS o WHERE o.id = NEW.reverses"
    yield _trigger(
        "charges_insert",
        "BEFORE INSERT ON charges",
        _raise(
            WRONG_CLIENT,
            "NEW.client IS NOT (SELECT client FROM appointments WHERE id = NEW.appointment_id)"
            " AND EXISTS (SELECT 1 FROM appointments WHERE id = NEW.appointment_id)",
        )
        + _raise(NOT_ARRIVED, f"NEW.reverses IS NULL AND {status} IS NOT 'arrived'")
        + _raise(
            CHARGED_ALREADY,
            "NEW.reverses IS NULL AND EXISTS (SELECT 1 FROM charges AS c"
            " WHERE c.appointment_id = NEW.appointment_id AND c.billing_item = NEW.billing_item"
            f" AND {_OPEN})",
        )
        + _raise(REVERSE_BY_UNARRIVING, f"NEW.reverses IS NOT NULL AND {status} IS 'arrived'")
        + _raise(REVERSAL_OF_REVERSAL, f"EXISTS {original} AND o.reverses IS NOT NULL)")
        + _raise(
            REVERSAL_MISMATCH,
            f"EXISTS {original}) AND NOT EXISTS {original}"
            " AND o.appointment_id = NEW.appointment_id AND o.client = NEW.client"
            " AND o.billing_item = NEW.billing_item AND o.name = NEW.name AND o.quantity = NEW.quantity"
            " AND o.unit_price_cents = NEW.unit_price_cents AND o.currency = NEW.currency"
            " AND o.amount_cents = -NEW.amount_cents)",
        ),
    )
    yield _trigger("charges_update", "BEFORE UPDATE ON charges", _raise(CHARGES_IMMUTABLE, "1"))
    yield _trigger("charges_delete", "BEFORE DELETE ON charges", _raise(CHARGES_IMMUTABLE, "1"))


def bound_message(bound: tables.Bound) -> str:
    """The sentence a write that breaks ``bound`` reads (on SQLite, where it is a trigger)."""
    return f"{bound.table} refuses a value out of bounds ({bound.name}: {bound.sql()})"


def _sqlite_bounds() -> Iterator[str]:
    """The CHECKs of :data:`tables.BOUNDS` as triggers: SQLite cannot add a CHECK to a table."""
    by_table: dict[str, list[tables.Bound]] = {}
    for bound in tables.BOUNDS:
        by_table.setdefault(bound.table, []).append(bound)
    for table, bounds in by_table.items():
        body = "".join(_raise(bound_message(b), f"NOT ({b.sql('NEW.')})") for b in bounds)
        yield _trigger(f"{table}_bounds_insert", f"BEFORE INSERT ON {table}", body)
        yield _trigger(f"{table}_bounds_update", f"BEFORE UPDATE ON {table}", body)


def replace_guarded() -> list[str]:
    """The tables whose rows other rows refer to, and the charges: a row of them deleted by SQLite's
    REPLACE conflict resolution fires no delete trigger (unless the writer's connection turned on
    ``PRAGMA recursive_triggers``), so the delete guards and the cascades would be skipped."""
    parents = {
        element.column.table.name
        for table in tables.metadata.sorted_tables
        for fk in table.foreign_key_constraints
        for element in fk.elements
    }
    return sorted(parents | {tables.charges.name})


REPLACED = (
    "{table} already holds a row with this {key}: update that row (INSERT OR REPLACE and UPDATE OR "
    "REPLACE would delete it without the store's rules)"
)


def _unique_keys(table: str) -> list[list[str]]:
    t = tables.metadata.tables[table]
    keys = [[c.name for c in t.primary_key.columns]]
    keys += [[c.name] for c in t.columns if c.unique]
    keys += [
        [c.name for c in constraint.columns]
        for constraint in t.constraints
        if isinstance(constraint, UniqueConstraint) and not isinstance(constraint, PrimaryKeyConstraint)
    ]
    return keys


def _sqlite_replace_guards() -> Iterator[str]:
    """Refuse, before SQLite resolves it, a write that conflicts with another row on a unique key:
    a plain INSERT or UPDATE would fail anyway; with OR REPLACE it would delete that row unseen."""
    for table in replace_guarded():
        inserting, updating = [], []
        for key in _unique_keys(table):
            match = " AND ".join(f"o.{col} = NEW.{col}" for col in key)
            message = REPLACED.format(table=table, key=", ".join(key))
            inserting.append(_raise(message, f"EXISTS (SELECT 1 FROM {table} AS o WHERE {match})"))
            updating.append(
                _raise(message, f"EXISTS (SELECT 1 FROM {table} AS o WHERE o.rowid <> OLD.rowid AND {match})")
            )
        yield _trigger(f"{table}_no_replace_insert", f"BEFORE INSERT ON {table}", "".join(inserting))
        yield _trigger(f"{table}_no_replace_update", f"BEFORE UPDATE ON {table}", "".join(updating))


def triggers(dialect: str) -> dict[str, str]:
    """The triggers that :func:`install` creates on ``dialect`` for the current schema: name -> its
    table."""
    if dialect == "sqlite":
        statements = _sqlite_statements()
    else:
        statements = [*_postgresql_rules(), *_postgresql_config_counter()]
    heads = (s.splitlines()[0].split() for s in statements if s.startswith("CREATE TRIGGER "))
    return {head[2]: head[head.index("ON") + 1] for head in heads}


# -- PostgreSQL --------------------------------------------------------------------------------


def _refuse(message: str, code: str = "check_violation") -> str:
    return f"RAISE EXCEPTION USING ERRCODE = '{code}', MESSAGE = {_quote(message)};"


def _function(name: str, body: str, declare: str = "") -> str:
    # The rules run with the store owner's rights (SECURITY DEFINER): a writer that may book needs
    # no right to lock sessions or to insert charges for the rules to do so. search_path is
    # pinned, as such functions need (and the writer's connection may have another one).
    return (
        f"CREATE OR REPLACE FUNCTION {PREFIX}{name}() RETURNS trigger LANGUAGE plpgsql"
        f" SECURITY DEFINER SET search_path FROM CURRENT AS $rule$\n{declare}BEGIN\n{body}\nEND\n$rule$"
    )


_PG_APPOINTMENTS = f"""
  IF TG_OP = 'INSERT' AND NEW.status <> 'booked' THEN
    {_refuse(NEW_IS_BOOKED)}
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status = 'arrived' AND OLD.status IN ('cancelled', 'no_show') THEN
      {_refuse(CANNOT_ARRIVE)}
    ELSIF NOT ({_TRANSITIONS}) THEN
      {_refuse(STATUS_CHANGE)}
    END IF;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.session_id IS DISTINCT FROM OLD.session_id
     OR NEW.location_id IS DISTINCT FROM OLD.location_id OR NEW.start_utc IS DISTINCT FROM OLD.start_utc THEN
    -- One booking of a session at a time: the lock makes the count below exact.
    SELECT s.archived, s.max_attendees INTO session_row FROM sessions AS s
      WHERE s.id = NEW.session_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
      RETURN NEW;  -- the foreign key refuses it
    END IF;
    IF session_row.archived THEN
      {_refuse(ARCHIVED_SESSION)}
    END IF;
    IF (SELECT l.archived FROM locations AS l WHERE l.id = NEW.location_id) THEN
      {_refuse(ARCHIVED_LOCATION)}
    END IF;
    IF NEW.status <> 'cancelled' AND (
      SELECT count(*) FROM appointments AS a
      WHERE a.session_id = NEW.session_id AND a.location_id = NEW.location_id
        AND a.start_utc = NEW.start_utc AND a.status <> 'cancelled' AND a.id <> NEW.id
    ) >= session_row.max_attendees THEN
      {_refuse(SLOT_FULL)}
    END IF;
  END IF;
  RETURN NEW;"""

_PG_NOW = "(now() AT TIME ZONE 'UTC')"

_PG_ARRIVAL = f"""
  IF NEW.status = 'arrived' THEN
    {_arrival_charges("NEW", _PG_NOW)};
  ELSIF OLD.status = 'arrived' THEN
    {_reversing_charges("NEW", _PG_NOW)};
  END IF;
  RETURN NULL;"""

_PG_CHARGES = f"""
  -- Charges of one appointment are added one writer at a time (an arrival holds this lock too).
  SELECT a.status, a.client INTO appointment_row FROM appointments AS a
    WHERE a.id = NEW.appointment_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN NEW;  -- the foreign key refuses it
  END IF;
  IF NEW.client IS DISTINCT FROM appointment_row.client THEN
    {_refuse(WRONG_CLIENT)}
  END IF;
  IF NEW.reverses IS NULL THEN
    IF appointment_row.status <> 'arrived' THEN
      {_refuse(NOT_ARRIVED)}
    END IF;
    IF EXISTS (SELECT 1 FROM charges AS c WHERE c.appointment_id = NEW.appointment_id
               AND c.billing_item = NEW.billing_item AND {_OPEN}) THEN
      {_refuse(CHARGED_ALREADY)}
    END IF;
    RETURN NEW;
  END IF;
  IF appointment_row.status = 'arrived' THEN
    {_refuse(REVERSE_BY_UNARRIVING)}
  END IF;
  SELECT * INTO original FROM charges AS o WHERE o.id = NEW.reverses;
  IF NOT FOUND THEN
    RETURN NEW;  -- the foreign key refuses it
  END IF;
  IF original.reverses IS NOT NULL THEN
    {_refuse(REVERSAL_OF_REVERSAL)}
  END IF;
  IF (original.appointment_id, original.client, original.billing_item, original.name, original.quantity,
      original.unit_price_cents, original.currency, -original.amount_cents)
     IS DISTINCT FROM (NEW.appointment_id, NEW.client, NEW.billing_item, NEW.name, NEW.quantity,
      NEW.unit_price_cents, NEW.currency, NEW.amount_cents) THEN
    {_refuse(REVERSAL_MISMATCH)}
  END IF;
  RETURN NEW;"""


def _postgresql_rules() -> Iterator[str]:
    yield _function("appointments_rules", _PG_APPOINTMENTS, "DECLARE\n  session_row record;\n")
    yield _function("appointments_arrival", _PG_ARRIVAL)
    yield _function("charges_rules", _PG_CHARGES, "DECLARE\n  appointment_row record;\n  original record;\n")
    yield _function("charges_immutable", f"  {_refuse(CHARGES_IMMUTABLE, 'restrict_violation')}")
    for name, event, function in _PG_TRIGGERS:
        table = event.split(" ON ", 1)[1].split()[0]
        yield f"DROP TRIGGER IF EXISTS {PREFIX}{name} ON {table}"
        yield f"CREATE TRIGGER {PREFIX}{name} {event} EXECUTE FUNCTION {PREFIX}{function}()"


_PG_TRIGGERS = (
    ("appointments_rules", "BEFORE INSERT OR UPDATE ON appointments FOR EACH ROW", "appointments_rules"),
    (
        "appointments_arrival",
        "AFTER UPDATE OF status ON appointments FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)",
        "appointments_arrival",
    ),
    ("charges_rules", "BEFORE INSERT ON charges FOR EACH ROW", "charges_rules"),
    ("charges_immutable", "BEFORE UPDATE OR DELETE ON charges FOR EACH ROW", "charges_immutable"),
    ("charges_truncate", "BEFORE TRUNCATE ON charges FOR EACH STATEMENT", "charges_immutable"),
)


def counter_triggers(dialect: str) -> tuple[str, ...]:
    """The names of the triggers that keep the change counter: a store missing one (dropped or
    disabled by another writer) has a counter that cannot be trusted."""
    if dialect == "sqlite":
        counted = [
            f"{PREFIX}{t.name}_counted_{event}"
            for t in tables.CONFIG_TABLES
            for event in ("insert", "update", "delete")
        ]
        return (*counted, f"{PREFIX}config_state_grows", f"{PREFIX}config_state_stays")
    counted = [f"{PREFIX}{t.name}_counted" for t in tables.CONFIG_TABLES]
    return (*counted, f"{PREFIX}config_state_guard", f"{PREFIX}config_state_truncate")


def counter_intact(conn: Connection) -> bool:
    """Whether every trigger of the change counter is there and enabled."""
    names = counter_triggers(conn.dialect.name)
    marks = ", ".join("?" if conn.dialect.name == "sqlite" else "%s" for _ in names)
    if conn.dialect.name == "sqlite":
        query = f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})"
    else:
        # 'D': disabled (ALTER TABLE ... DISABLE TRIGGER); visible: this store's schema
        query = (
            "SELECT count(*) FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid"
            f" WHERE t.tgname IN ({marks}) AND t.tgenabled <> 'D' AND pg_table_is_visible(c.oid)"
        )
    found = conn.exec_driver_sql(query, tuple(names)).scalar()
    return found == len(names)


def _sqlite_config_counter() -> Iterator[str]:
    """SQLite has row triggers only: each row written bumps the counter (a few µs a row)."""
    bump = f"  UPDATE {tables.config_state.name} SET config_version = config_version + 1;\n"
    for table in tables.CONFIG_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            yield _trigger(f"{table.name}_counted_{event.lower()}", f"AFTER {event} ON {table.name}", bump)
    state = tables.config_state.name
    yield _trigger(
        "config_state_grows",
        f"BEFORE UPDATE OF config_version ON {state}",
        _raise(VERSION_REWOUND, "1"),
        when="NEW.config_version < OLD.config_version OR NEW.config_version IS NULL",
    )
    yield _trigger("config_state_stays", f"BEFORE DELETE ON {state}", _raise(VERSION_REWOUND, "1"))


def _postgresql_config_counter() -> Iterator[str]:
    """One bump per statement (also COPY and TRUNCATE), whoever writes."""
    state = tables.config_state.name
    yield _function(
        "config_changed", f"  UPDATE {state} SET config_version = config_version + 1;\n  RETURN NULL;"
    )
    yield _function(
        "config_state_guard",
        "  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN\n"
        f"    {_refuse(VERSION_REWOUND, 'restrict_violation')}\n"
        "  END IF;\n"
        "  IF NEW.config_version IS NULL OR NEW.config_version < OLD.config_version THEN\n"
        f"    {_refuse(VERSION_REWOUND, 'restrict_violation')}\n"
        "  END IF;\n  RETURN NEW;",
    )
    for table in tables.CONFIG_TABLES:
        yield f"DROP TRIGGER IF EXISTS {PREFIX}{table.name}_counted ON {table.name}"
        yield (
            f"CREATE TRIGGER {PREFIX}{table.name}_counted AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table.name} FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}config_changed()"
        )
    for name, event in (
        ("config_state_guard", f"BEFORE UPDATE OR DELETE ON {state} FOR EACH ROW"),
        ("config_state_truncate", f"BEFORE TRUNCATE ON {state} FOR EACH STATEMENT"),
    ):
        yield f"DROP TRIGGER IF EXISTS {PREFIX}{name} ON {state}"
        yield f"CREATE TRIGGER {PREFIX}{name} {event} EXECUTE FUNCTION {PREFIX}config_state_guard()"
