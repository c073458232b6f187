"""The counts-only usage views, and the README's read-only role that reads only them (SPEC §7).

The plan reads how appointments use sessions and locations from the views when the schema has
them: it must find the same as from the appointments table. The README's SQL block is run as
written on a database of its own; a plan made with that role still blocks the delete of a
session in use, and the role reads nothing of appointments, charges or the apply history.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.read import read_snapshot, schema_status
from sessconf.store.url import resolve
from tests.conftest import ROOT, pg_admin_url

WHO = HistoryEntry("tester", None, None)
SOON = datetime.now(UTC) + timedelta(days=30)
PAST = datetime.now(UTC) - timedelta(days=30)


def applied(url: str, clinic: Path) -> Store:
    store = Store(resolve(url, None, clinic))
    apply_repository(store, load_repository(clinic), history=WHO)
    return store


def test_the_views_count_what_the_table_counts(store_url: str, clinic: Path) -> None:
    with applied(store_url, clinic) as store:
        booking = store.booking()
        pilates = [booking.book("pilatesclass", f"c-{i}", "westside", SOON).id for i in range(3)]
        booking.cancel(pilates[0])
        booking.book("pilatesclass", "c-9", "westside", SOON + timedelta(days=1))
        booking.book("rmt60", "c-4", "downtown", PAST)  # counted, not in the future
        missed = booking.book("rmt60", "c-5", "downtown", SOON).id
        booking.no_show(missed)
        booking.arrive(booking.book("acupinitial", "c-6", "westside", SOON).id)
        with store.db.read() as conn:
            status = schema_status(conn)
            views = read_snapshot(conn, status, usage_views=True)
            table = read_snapshot(conn, status, usage_views=False)
    assert views.session_usage == table.session_usage
    assert views.location_usage == table.location_usage
    assert views.future_at == table.future_at
    assert {k: sorted(v) for k, v in views.future_slots.items()} == {
        k: sorted(v) for k, v in table.future_slots.items()
    }
    assert views.session_usage["pilatesclass"].appointments == 4  # cancelled ones are uses too
    assert views.session_usage["pilatesclass"].future_booked == 3
    assert views.future_slots == {"pilatesclass": [2]}  # one slot of two (the cancelled one frees)
    assert views.session_usage["rmt60"].future_booked == 0  # past, and a no-show


# -- the README's read-only role -------------------------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")
ROLE = "sessconf_plan"


def readme_sql() -> str:
    (block,) = re.findall(r"```sql\n(.*?)```", README, flags=re.DOTALL)
    return "\n".join(line.strip() for line in block.splitlines())  # the block is indented in a list


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own (the README grants on its `public` schema); the README's role names
    are fixed, so runs that share the server take turns (an advisory lock)."""
    base = pg_admin_url()
    if base is None:
        pytest.skip("SESSCONF_TEST_PG_URL is not set: PostgreSQL store tests skipped")
    name = f"t_readme_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(hashtext('sessconf readme role'))")
        _drop_role(admin)  # left by a run that was killed
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            _drop_role(admin)
            admin.execute("SELECT pg_advisory_unlock(hashtext('sessconf readme role'))")


def _drop_role(admin: psycopg.Connection[tuple[object, ...]]) -> None:
    if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone() is None:
        return
    leftovers = admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE 't\\_readme\\_%'"
    ).fetchall()
    for row in leftovers:
        admin.execute(f"DROP DATABASE IF EXISTS {row[0]} WITH (FORCE)")
    admin.execute(f"DROP ROLE {ROLE}")


def sessconf(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sessconf", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )


def test_the_readme_role_plans_blocked_deletes_and_reads_no_appointment(database: str, clinic: Path) -> None:
    with applied(database, clinic) as store:  # the owner (the apply credential) makes the schema
        store.booking().book("acupinitial", "c-1", "downtown", SOON)
    with psycopg.connect(database, autocommit=True) as owner:
        owner.execute(readme_sql().encode())  # as written
    readonly = make_url(database).set(username=ROLE, password="choose-one")
    url = readonly.render_as_string(hide_password=False)

    (clinic / "sessions" / "acupinitial.yaml").unlink()
    planned = sessconf("diff", "--dir", clinic, "--store", url, cwd=clinic)
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "blocked" in planned.stdout
    assert "used by 1 appointment" in planned.stdout
    assert "Traceback" not in planned.stderr
    shown = sessconf("show", "rmt60", "--dir", clinic, "--store", url, cwd=clinic)
    assert shown.returncode == 0, shown.stderr

    with psycopg.connect(url, autocommit=True) as role:
        assert role.execute("SELECT SUM(appointments) FROM appointment_usage").fetchone() == (1,)
        for table in ("appointments", "charges", "apply_history"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                role.execute(f"SELECT 1 FROM {table}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            role.execute("DELETE FROM sessions")

    refused = sessconf("apply", "--yes", "--dir", clinic, "--store", url, cwd=clinic)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr


def test_the_readme_grants_every_configuration_table_and_nothing_else() -> None:
    """A new table is either configuration (a plan reads it: grant it in the README) or not."""
    from sessconf.store import tables

    grant = re.search(r"GRANT SELECT ON (.*?)\s+TO sessconf_plan", readme_sql(), flags=re.DOTALL)
    assert grant is not None
    granted = {name.strip() for name in grant[1].split(",")}
    private = {tables.appointments.name, tables.charges.name, tables.apply_history.name}
    assert granted == (set(tables.metadata.tables) - private) | set(tables.USAGE_VIEWS)
