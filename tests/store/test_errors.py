"""A database error is never a bug report (SPEC §4): a credential that cannot write, a file that
is not a database, tampered metadata, an unreachable server, a value out of range — each is one
clear sentence (no password, no traceback) and exit 1, on every command that touches the store.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import Result
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sessconf.cli.main import run as run_group
from sessconf.errors import SessconfError
from sessconf.operations.apply import apply_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store
from sessconf.store.engine import _commit_window
from sessconf.store.url import Source, StoreUrl
from tests.conftest import pg_admin_url

Run = Callable[..., Result]
WHO = HistoryEntry("tester", None, None)
LATER = "2031-03-04T09:30"
PASSWORD = "Rd/Pw+x=1@k"


def reading_commands(tmp: Path) -> list[tuple[str, ...]]:
    return [
        ("diff",),
        ("list",),
        ("show", "rmt60"),
        ("export", "--out", str(tmp / "exported")),
        ("appointments", "list"),
        ("charges", "--client", "c-1"),
    ]


WRITING_COMMANDS: list[tuple[str, ...]] = [
    ("apply", "--yes"),
    ("migrate",),
    ("appointments", "book", "rmt60", "--client", "c-1", "--location", "downtown", "--start", LATER),
    ("appointments", "arrive", "1"),
    ("appointments", "cancel", "1"),
]


def assert_sentence(result: Result, *expected: str, status: int = 1) -> None:
    """One clear error: the status, the words, no traceback, no bug report, no password."""
    assert result.exit_code == status, result.output
    for words in expected:
        assert words in result.output, result.output
    assert "Traceback" not in result.output
    assert "unexpected error" not in result.output
    assert "Rd/Pw" not in result.output
    assert "Rd%2FPw" not in result.output


def apply_clinic(url: str, root: Path) -> None:
    with Store(StoreUrl(url, Source.FLAG)) as store:
        apply_repository(store, load_repository(root), history=WHO)


def execute(url: str, statement: str) -> None:
    with Store(StoreUrl(url, Source.FLAG)) as store, store.db.write() as conn:
        conn.execute(text(statement))


# -- a file that is not a database ----------------------------------------------------------------


def test_a_store_file_that_is_not_a_database(run: Run, clinic: Path, tmp_path: Path) -> None:
    junk = tmp_path / "store.db"
    junk.write_bytes(b"these bytes are no SQLite database " * 200)
    url = f"sqlite:///{junk}"
    for command in [*reading_commands(tmp_path), *WRITING_COMMANDS]:
        result = run(*command, "--dir", clinic, "--store", url)
        assert_sentence(result, f"the store {url} is not a SQLite database")
    assert junk.read_bytes() == b"these bytes are no SQLite database " * 200


# -- tampered metadata -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        pytest.param(
            "UPDATE sessconf_meta SET value = 'two' WHERE key = 'schema_version'",
            "its schema_version in sessconf_meta is not a number",
            id="schema-version-not-a-number",
        ),
        pytest.param(
            "DELETE FROM sessconf_meta WHERE key = 'schema_version'",
            "its sessconf_meta table has no schema_version",
            id="schema-version-missing",
        ),
        pytest.param(
            "DELETE FROM sessconf_meta WHERE key = 'store_id'",
            "its sessconf_meta table has no store_id",
            id="store-id-missing",
        ),
    ],
)
def test_tampered_metadata_is_a_damaged_store(
    run: Run, clinic: Path, store_url: str, tmp_path: Path, tamper: str, expected: str
) -> None:
    apply_clinic(store_url, clinic)
    execute(store_url, tamper)
    for command in [*reading_commands(tmp_path), *WRITING_COMMANDS]:
        result = run(*command, "--dir", clinic, "--store", store_url)
        assert_sentence(result, "is damaged", expected, "restore the store from a backup")


def test_rows_that_refer_to_nothing_are_a_damaged_store(run: Run, clinic: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    apply_clinic(url, clinic)
    raw = sqlite3.connect(tmp_path / "store.db")  # another writer, foreign keys not asked for
    with raw:  # ... and the store's guards removed first, if it has any
        triggers = raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (name,) in triggers:
            raw.execute(f'DROP TRIGGER "{name}"')
        raw.execute("DELETE FROM locations WHERE name = 'westside'")
    raw.close()
    # the guards' absence is a damage of its own, named; `migrate` reinstalls them
    result = run("diff", "--dir", clinic, "--store", url)
    assert_sentence(result, "is damaged: its schema lacks trigger sessconf_", "run `sessconf migrate`")
    assert run("migrate", "--dir", clinic, "--store", url).exit_code == 0
    for command in (("diff",), ("list",), ("apply", "--yes")):
        result = run(*command, "--dir", clinic, "--store", url)
        assert_sentence(result, "is damaged: a row refers to", "restore the store from a backup")


# -- a credential that can only read ---------------------------------------------------------------


@pytest.fixture
def reader(store_url: str) -> Iterator[Callable[[], str]]:
    """``reader()``: the store's URL for a role that may only read it (a password with '/', '+',
    '=' and '@' in it). SELECT is granted on the tables that exist when it is called."""
    if not store_url.startswith("postgresql"):
        pytest.skip("roles are a PostgreSQL matter")
    import psycopg

    admin = pg_admin_url()
    assert admin is not None
    role = f"sessconf_reader_{uuid.uuid4().hex[:8]}"
    schema = store_url.rsplit("search_path%3D", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")

    def url() -> str:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        return make_url(store_url).set(username=role, password=PASSWORD).render_as_string(hide_password=False)

    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_a_read_only_credential_reads_but_cannot_write(
    run: Run, clinic: Path, store_url: str, reader: Callable[[], str]
) -> None:
    url = reader()
    result = run("migrate", "--dir", clinic, "--store", url)  # the schema cannot be created
    assert_sentence(result, "refused to write", "permission denied", "use a credential that can write")

    apply_clinic(store_url, clinic)
    url = reader()
    (clinic / "sessions" / "rmt60.yaml").write_text(
        (clinic / "sessions" / "rmt60.yaml").read_text().replace("duration: 60", "duration: 75")
    )
    result = run("diff", "--dir", clinic, "--store", url)
    assert result.exit_code == 0, result.output
    assert ":***@" in result.output
    for command in [cmd for cmd in WRITING_COMMANDS if cmd[0] != "migrate"]:
        result = run(*command, "--dir", clinic, "--store", url)
        assert_sentence(result, "refused to write", "permission denied", "(the credential may only read)")
    assert "duration: 60 → 75" in run("diff", "--dir", clinic, "--store", store_url).output  # unchanged


# -- an unreachable server -------------------------------------------------------------------------


def test_an_unreachable_server_on_every_command(run: Run, clinic: Path, tmp_path: Path) -> None:
    url = f"postgresql://sessconf:{PASSWORD.replace('/', '%2F').replace('@', '%40')}@127.0.0.1:1/db"
    for command in [*reading_commands(tmp_path), *WRITING_COMMANDS]:
        result = run(*command, "--dir", clinic, "--store", url)
        assert_sentence(result, "cannot connect to the store postgresql://sessconf:***@127.0.0.1:1/db")


# -- values out of range, files that cannot be written -------------------------------------------


@pytest.mark.parametrize("command", ["arrive", "cancel"])
def test_an_appointment_id_beyond_the_store_is_a_sentence(run: Run, clinic: Path, command: str) -> None:
    # SPEC §4: a value out of range is one clear sentence and exit 1, not a usage error
    assert run("apply", "--yes", "--dir", clinic).exit_code == 0
    result = run("appointments", command, "99999999999999999999", "--dir", clinic)
    assert_sentence(result, "no appointment 99999999999999999999", status=1)


def test_the_api_reports_an_id_beyond_the_store_as_an_error(clinic: Path, store_url: str) -> None:
    apply_clinic(store_url, clinic)
    with Store(StoreUrl(store_url, Source.FLAG)) as store, pytest.raises(SessconfError):
        store.booking().arrive(10**20)


def test_diff_out_into_a_missing_folder(run: Run, clinic: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "plan.json"
    result = run("diff", "--dir", clinic, "--out", target)
    assert_sentence(result, f"--out: the folder {target.parent} does not exist", status=2)
    result = run("diff", "--dir", clinic, "--out", target, "--detailed-exitcode")
    assert result.exit_code == 1, result.output  # usage errors exit 1 there
    assert not target.parent.exists()


# -- the last line of defence in the CLI ---------------------------------------------------------


def failing_group(error: Exception) -> click.Group:
    """A command that opens a store with a password, then fails with ``error``."""

    @click.group()
    def group() -> None:
        pass

    @group.command()
    def fail() -> None:
        StoreUrl(f"postgresql://u:{PASSWORD.replace('/', '%2F').replace('@', '%40')}@h/db", Source.FLAG)
        raise error

    return group


def test_a_database_error_that_escapes_a_command_is_still_a_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = sqlite3.OperationalError(f"disk I/O error near {PASSWORD}")
    assert run_group(failing_group(error), ["fail"], "sessconf") == 1
    err = capsys.readouterr().err
    assert err.startswith("sessconf: error: the store failed: disk I/O error near ***")
    assert PASSWORD not in err


def test_anything_else_is_still_a_bug_and_its_traceback_is_scrubbed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_group(failing_group(ValueError(f"oops {PASSWORD}")), ["fail"], "sessconf") == 3
    err = capsys.readouterr().err
    assert "unexpected error" in err
    assert "ValueError: oops ***" in err
    assert PASSWORD not in err


# -- Ctrl-C while a transaction commits ------------------------------------------------------------


def test_ctrl_c_waits_while_a_commit_runs_and_not_before() -> None:
    with _commit_window() as window:
        window.open()
        os.kill(os.getpid(), signal.SIGINT)  # handled at once, by the window's handler
        assert window.interrupted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt), _commit_window():
        os.kill(os.getpid(), signal.SIGINT)  # the window is not open: Ctrl-C interrupts


# -- the light install (no sessconf[postgresql]) -----------------------------------------------------


def test_a_postgresql_store_without_the_extra_names_it(
    run: Callable[..., Result], clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` raises ImportError
    for args in (["diff"], ["list"], ["migrate"], ["apply", "--yes"]):
        result = run(*args, "--dir", clinic, "--store", "postgresql://u:S3cret@127.0.0.1/db")
        assert result.exit_code == 1, (args, result.output)
        assert "PostgreSQL support is not installed" in result.output
        assert "sessconf[postgresql]" in result.output
        assert "Traceback" not in result.output
        assert "S3cret" not in result.output
