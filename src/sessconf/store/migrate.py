"""Creating and upgrading a store's schema: the migrations it lacks, each recorded once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from sessconf.store import tables
from sessconf.store.read import check_readable, schema_status


def ensure_schema(conn: Connection, display: str) -> list[str]:
    """Run the migrations the store lacks (creating it when new); returns their names."""
    status = schema_status(conn)
    if status.version > tables.SCHEMA_VERSION:
        check_readable(status, display)
    applied = []
    now = datetime.now(UTC).replace(tzinfo=None)
    for migration in tables.MIGRATIONS:
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
    version = str(tables.SCHEMA_VERSION)
    if status.exists and status.version:
        conn.execute(update(tables.meta).where(tables.meta.c.key == "schema_version").values(value=version))
    else:
        conn.execute(insert(tables.meta).values(key="schema_version", value=version))
    return applied
