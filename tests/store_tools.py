"""Helpers for the crash and concurrency tests (``tests/store/test_write_crash.py`` and ``…_concurrency.py``).

Throw-away stores (a SQLite file, or a PostgreSQL *database* of their own: the apply lock is a
per-database advisory lock, so stores in schemas of one database would share it), the apply lock
held from the test process, and ``sessconf`` subprocesses whose output can be awaited line by line.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from sqlalchemy import func, select

from sessconf.operations.apply import apply_repository
from sessconf.plan.desired import from_repository
from sessconf.repository.load import load_repository
from sessconf.store import HistoryEntry, Store, StoreUrl, tables
from sessconf.store.engine import APPLY_LOCK_KEY

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().with_name("store_worker.py")
SESSCONF = (sys.executable, "-m", "sessconf")
PG_ENV = "SESSCONF_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")
WHO = HistoryEntry("tester", None, None)
KILLED = -signal.SIGKILL


# -- repositories -----------------------------------------------------------------------------


def copy_clinic(dest: Path) -> Path:
    """A copy of the example clinic at the repository root (as the ``clinic`` fixture makes)."""
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "sessions", dest / "sessions")
    for name in ("locations.yaml", "billing_items.yaml", "presets.yaml"):
        shutil.copy(ROOT / name, dest / name)
    settings = (ROOT / "pyproject.toml").read_text().split("[tool.sessconf]", 1)[1].split("\n[", 1)[0]
    (dest / "pyproject.toml").write_text("[tool.sessconf]" + settings)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def repo_digest(root: Path) -> str:
    """The configuration digest the repository asks for (what a complete apply leaves)."""
    return from_repository(load_repository(root)).digest()


# -- stores -----------------------------------------------------------------------------------


def open_store(url: str, lock_timeout: float | None = None) -> Store:
    store_url = StoreUrl(url, "--store")
    return Store(store_url) if lock_timeout is None else Store(store_url, lock_timeout=lock_timeout)


def config_digest(url: str) -> str:
    with open_store(url) as store:
        return store.snapshot().config.digest()


def is_empty(url: str) -> bool:
    """True when the store holds no configuration at all (its schema may be absent)."""
    with open_store(url) as store:
        config = store.snapshot().config
    return not (config.sessions or config.locations or config.billing_items)


def count_rows(url: str, table: str) -> int:
    """Rows of one of the store's tables; 0 when the store (or its schema) does not exist yet."""
    with open_store(url) as store:
        if not store.status().exists:
            return 0
        with store.db.read() as conn:
            return int(
                conn.execute(select(func.count()).select_from(tables.metadata.tables[table])).scalar_one()
            )


def history_digests(url: str) -> list[str]:
    """The configuration digest recorded by each apply, oldest first."""
    with open_store(url) as store, store.db.read() as conn:
        h = tables.apply_history
        return list(conn.execute(select(h.c.config_digest).order_by(h.c.id)).scalars())


def apply_repo(url: str, root: Path, *, force: bool = False) -> int:
    """Apply ``root`` in-process; returns the rows written."""
    with open_store(url) as store:
        return apply_repository(store, load_repository(root), force=force, history=WHO).rows


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL store tests skipped")
    return url


class PgDatabases:
    """Throw-away PostgreSQL databases, created through the admin URL and dropped in the background.

    ``DROP DATABASE`` waits for a checkpoint (most of a second); dropping on a worker thread keeps
    that off the tests' critical path. :meth:`close` waits for every drop.
    """

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-drop")
        self._drops: list[Future[None]] = []

    def url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.admin)._replace(path="/" + name))

    def create(self, template: str | None = None) -> str:
        name = f"sessconf_t_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{clause}")
        return name

    def drop(self, name: str) -> None:
        self._drops.append(self._dropper.submit(self._drop, name))

    def _drop(self, name: str) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self._dropper.shutdown(wait=True)
        for done in self._drops:
            done.result()

    @contextmanager
    def store(self, template: str | None = None) -> Iterator[str]:
        """A store URL on a new database (a copy of ``template`` when given), dropped afterwards."""
        name = self.create(template)
        try:
            yield self.url(name)
        finally:
            self.drop(name)


@contextmanager
def pg_databases() -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_admin_url())
    try:
        yield databases
    finally:
        databases.close()


@contextmanager
def fresh_store(backend: str, tmp: Path) -> Iterator[str]:
    """An empty store: a SQLite file not created yet, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'store-{uuid.uuid4().hex[:8]}.db'}"
        return
    with pg_databases() as databases, databases.store() as url:
        yield url


class ApplyLock:
    """The store's apply lock, held from the test process as a long apply would hold it.

    SQLite: ``BEGIN IMMEDIATE`` on a raw connection; PostgreSQL: ``pg_advisory_xact_lock`` with
    sessconf's key. :meth:`release` (or leaving the ``with`` block) ends the transaction.
    """

    def __init__(self, url: str) -> None:
        self._sqlite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[tuple[object, ...]] | None = None
        if url.startswith("sqlite"):
            self._sqlite = sqlite3.connect(sqlite_path(url), isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._pg = psycopg.connect(url)
            self._pg.execute("SELECT pg_advisory_xact_lock(%s)", (APPLY_LOCK_KEY,))

    def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()  # rolls back
            self._sqlite = None
        if self._pg is not None:
            self._pg.rollback()
            self._pg.close()
            self._pg = None

    def __enter__(self) -> ApplyLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def pg_apply_lock(target: str | psycopg.Connection[Any], *, granted: bool) -> int:
    """How many sessions of the database (a URL, or an autocommit connection to it) hold (or wait
    for) the apply lock."""
    with ExitStack() as stack:
        conn = (
            stack.enter_context(psycopg.connect(target, autocommit=True))
            if isinstance(target, str)
            else target
        )
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = %s"
            " AND classid::bigint = %s AND objid::bigint = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (granted, APPLY_LOCK_KEY >> 32, APPLY_LOCK_KEY & 0xFFFFFFFF),
        ).fetchone()
    assert row is not None
    return int(row[0])


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# -- subprocesses -----------------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SESSCONF_FAILPOINT", "SESSCONF_STORE")}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


class Proc:
    """A child process whose combined output is collected line by line on a thread.

    Use it as a context manager: a child still running when the block ends (a failed test) is
    killed, so no test leaves processes behind.
    """

    def __init__(self, *args: str | Path, env: dict[str, str] | None = None, stdin: bool = False) -> None:
        self.popen = subprocess.Popen(
            [str(a) for a in args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env if env is not None else child_env(),
            cwd=ROOT,
        )
        self.started = time.monotonic()
        self.lines: list[str] = []
        self._closed = False
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        """The first output line containing ``text`` (waiting for it)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise AssertionError(f"no line with {text!r} in the output:\n{''.join(self.lines)}")
                self._cond.wait(left)

    def next_line(self, after: int, timeout: float = 60.0) -> str:
        """Output line number ``after`` (0-based), waiting for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.lines) <= after:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise AssertionError(f"expected line {after + 1} of output:\n{''.join(self.lines)}")
                self._cond.wait(left)
            return self.lines[after]

    def send(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def end_input(self) -> None:
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            self.popen.stdin.close()

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.running:
            self.popen.send_signal(signal.SIGKILL)

    def finish(self, timeout: float = 120.0) -> tuple[int, str]:
        """Wait for the child to end; its return code and whole output."""
        self.end_input()
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.popen.wait()
            raise AssertionError(f"still running after {timeout:g} s:\n{self.output}") from None
        self._reader.join(10)
        return code, self.output

    def __enter__(self) -> Proc:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.running:
            self.kill()
        self.popen.wait()
        self._reader.join(10)  # the pipe ends with the child; then the streams can close
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None and not self._reader.is_alive():
                stream.close()


def sessconf(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 120.0) -> tuple[int, str]:
    """Run ``sessconf ARGS`` to the end; its return code and combined output."""
    with Proc(*SESSCONF, *args, env=env) as proc:
        return proc.finish(timeout)
