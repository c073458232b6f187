"""Connections and transactions: the one place that knows SQLite from PostgreSQL.

- Reads never write: a SQLite store that does not exist is not created (callers see an empty
  store), and existing ones are opened read-only (after rolling back a journal left by a writer
  that was killed, which SQLite does only on a writable connection); PostgreSQL reads run in READ
  ONLY transactions.
- Writes are serialised: SQLite takes the write lock up front (``BEGIN IMMEDIATE``) with a busy
  timeout; PostgreSQL takes a transaction-level advisory lock under a ``lock_timeout``.
- Every database error leaves a transaction as one sentence without the URL's password
  (:mod:`sessconf.store.errors`); Ctrl-C rolls a write back, except during its COMMIT.
"""

from __future__ import annotations

import math
import signal
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from sessconf.errors import StoreError
from sessconf.store import DEFAULT_LOCK_TIMEOUT
from sessconf.store.errors import translate
from sessconf.store.url import StoreUrl

# pg_advisory_xact_lock key for "one apply at a time" (any constant shared by all sessconf versions)
APPLY_LOCK_KEY = 0x5E55C0F


def _recover_hot_journal(path: Path, timeout: float) -> None:
    """Roll back what a writer killed mid-commit left behind, so that read-only opens can read.

    Such a writer leaves a "hot" rollback journal (the file may hold part of the transaction).
    SQLite rolls it back on the next read, but only on a connection that may write: a read-only
    one fails with "attempt to write a readonly database". The rollback restores the last
    committed state; a journal of a live writer is not hot and is left alone.
    """
    journal = path.with_name(path.name + "-journal")
    try:
        if not journal.exists() or journal.stat().st_size == 0:
            return
        conn = sqlite3.connect(path, timeout=timeout)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        pass  # no write access, or busy: the read-only open reports it


@dataclass(slots=True)
class _Attempt:
    connected: bool = False  # whether the transaction began: an error later is not "cannot connect"


class _CommitWindow:
    """Ctrl-C waits from :meth:`open` (the transaction's work is done) until the commit is over.

    An interrupt before :meth:`open` rolls the transaction back; one during COMMIT would leave its
    outcome unknown (PostgreSQL may commit what the client gave up waiting for), so it is held
    back, and once the commit is over the work is done: the command goes on to report it. Only the
    main thread can handle signals; elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self._previous: Any = None
        self.interrupted = False

    def open(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        self._previous = signal.signal(signal.SIGINT, self._hold)

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.interrupted = True

    def close(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


@contextmanager
def _commit_window() -> Iterator[_CommitWindow]:
    window = _CommitWindow()
    try:
        yield window
    finally:
        window.close()


class Database:
    """Engines for one store URL; use :meth:`read` and :meth:`write` transactions."""

    def __init__(self, url: StoreUrl, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.url = url
        self.lock_timeout = lock_timeout
        self._engines: dict[bool, Engine] = {}

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.is_sqlite else "postgresql"

    def _engine(self, readonly: bool) -> Engine:
        engine = self._engines.get(readonly)
        if engine is None:
            engine = self._sqlite_engine(readonly) if self.url.is_sqlite else self._pg_engine()
            self._engines[readonly] = engine
        return engine

    def prepare(self) -> None:
        """Build the write engine (loading the driver) before the first write needs it."""
        self._engine(False)

    def _sqlite_engine(self, readonly: bool) -> Engine:
        path = self.url.sqlite_path
        timeout = self.lock_timeout

        def connect() -> sqlite3.Connection:
            if readonly:
                _recover_hot_journal(path, timeout)
                conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=timeout)
            else:
                conn = sqlite3.connect(path, timeout=timeout)
            # SQLAlchemy emits BEGIN itself (below), so that writes can take the lock up front.
            conn.isolation_level = None
            conn.execute("PRAGMA foreign_keys = ON")
            # A row that REPLACE deletes fires the delete triggers (the store's guards) only so;
            # the schema also refuses REPLACE for writers that do not ask (sessconf.store.rules).
            conn.execute("PRAGMA recursive_triggers = ON")
            return conn

        engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)

        @event.listens_for(engine, "begin")
        def begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine

    def _pg_engine(self) -> Engine:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise missing_driver(self.url.display) from None
        return create_engine(
            self.url.sqlalchemy_url, poolclass=NullPool, connect_args={"connect_timeout": 10}
        )

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction."""
        with self._translate_errors(writing=False) as attempt, self._engine(True).begin() as conn:
            attempt.connected = True
            if self.dialect == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
            yield conn

    @contextmanager
    def write(self, *, exclusive: bool = True) -> Iterator[Connection]:
        """A write transaction, committed when the block ends without an exception.

        ``exclusive`` serialises it with every other exclusive writer (``apply``, ``migrate``).
        Ctrl-C waits while the transaction commits (see :func:`_commit_window`).
        """
        with (
            self._translate_errors(writing=True) as attempt,
            _commit_window() as window,
            self._engine(False).begin() as conn,
        ):
            attempt.connected = True
            if self.dialect == "postgresql":
                # at least 1 ms: PostgreSQL reads 0 as "wait forever" (SQLite as "do not wait")
                wait_ms = max(1, math.ceil(self.lock_timeout * 1000))
                conn.execute(text(f"SET LOCAL lock_timeout = '{wait_ms}ms'"))
                if exclusive:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPLY_LOCK_KEY})
            yield conn
            window.open()

    @contextmanager
    def _translate_errors(self, *, writing: bool) -> Iterator[_Attempt]:
        """Every database error leaves as a :class:`StoreError` (see :mod:`sessconf.store.errors`)."""
        attempt = _Attempt()
        try:
            yield attempt
        except Exception as exc:
            error = translate(
                exc, self.url, writing=writing, lock_timeout=self.lock_timeout, connected=attempt.connected
            )
            if error is None:
                raise
            raise error from None

    def insert_many(
        self, conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert plain rows at driver speed: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

        The statement is fixed by the caller's own table and column names (never user input).
        """
        names = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == "postgresql":
            raw: Any = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


def plain_rows(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """All the rows of ``query`` as the driver's own tuples: SQLAlchemy's row objects cost more
    than the query itself at 60,000 rows, and a snapshot needs nothing they add."""
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def missing_driver(display: str) -> StoreError:
    """A PostgreSQL store without psycopg: the light install (no ``postgresql`` extra) lints and
    uses SQLite stores only."""
    from sessconf import __version__, project_url

    source = f"git+{project_url('Source')}@v{__version__}"
    return StoreError(
        f"the store {display} is a PostgreSQL database, and PostgreSQL support is not installed",
        "install sessconf with its extra sessconf[postgresql]: "
        f"pip install 'sessconf[postgresql] @ {source}' (with pipx: pipx inject sessconf 'psycopg[binary]')",
    )
