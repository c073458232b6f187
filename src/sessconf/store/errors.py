"""Database errors as sentences (SPEC §4): the one place that maps what the database library and
its drivers raise to a :class:`StoreError`.

A database error is never a bug report: a credential that cannot write, a file that is not a
database, a store whose metadata was tampered with, a value out of range, a dropped connection —
each becomes one sentence that names the store by its display form (never its password), with the
driver's own first line scrubbed of the URL's secrets, and exit status 1. Errors are classified by
SQLSTATE on PostgreSQL and by SQLite's result code name, not by the wording of messages.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from enum import Enum, auto
from typing import TYPE_CHECKING, Any

from sessconf.errors import StoreError

if TYPE_CHECKING:
    from sessconf.store.url import StoreUrl

MESSAGE_LIMIT = 300  # characters of the driver's message kept in the sentence


class DamagedStoreError(StoreError):
    """The store's own metadata is missing or malformed (raised where the store is unknown: the
    message is completed with the store's name when it leaves the transaction)."""


class Problem(Enum):
    BUSY = auto()
    CANCELLED = auto()
    PERMISSION = auto()
    READ_ONLY = auto()
    CREDENTIALS = auto()
    NO_DATABASE = auto()
    NOT_A_DATABASE = auto()
    CORRUPT = auto()
    CANNOT_OPEN = auto()
    CONNECT = auto()
    DISCONNECTED = auto()
    VALUE = auto()
    CONSTRAINT = auto()
    SCHEMA = auto()
    CONFLICT = auto()
    FULL = auto()
    OTHER = auto()


# PostgreSQL SQLSTATE -> problem; classes (the first two characters) after exact codes
_SQLSTATES = {
    "55P03": Problem.BUSY,  # lock_not_available (lock_timeout)
    "57014": Problem.CANCELLED,  # query_canceled
    "42501": Problem.PERMISSION,  # insufficient_privilege
    "25006": Problem.READ_ONLY,  # read_only_sql_transaction (a standby, default_transaction_read_only)
    "3D000": Problem.NO_DATABASE,  # invalid_catalog_name
    "42P01": Problem.SCHEMA,  # undefined_table
    "42703": Problem.SCHEMA,  # undefined_column
    "3F000": Problem.SCHEMA,  # invalid_schema_name
    "53100": Problem.FULL,  # disk_full
    "57P01": Problem.DISCONNECTED,  # admin_shutdown (pg_terminate_backend)
    "57P02": Problem.DISCONNECTED,  # crash_shutdown
    "57P03": Problem.CONNECT,  # cannot_connect_now
}
_SQLSTATE_CLASSES = {
    "08": Problem.DISCONNECTED,
    "22": Problem.VALUE,
    "23": Problem.CONSTRAINT,
    "28": Problem.CREDENTIALS,
    "40": Problem.CONFLICT,
    "53": Problem.FULL,
}
# SQLite primary result code name -> problem (extended names such as SQLITE_BUSY_SNAPSHOT start with them)
_SQLITE_CODES = {
    "SQLITE_BUSY": Problem.BUSY,
    "SQLITE_LOCKED": Problem.BUSY,
    "SQLITE_READONLY": Problem.READ_ONLY,
    "SQLITE_PERM": Problem.PERMISSION,
    "SQLITE_AUTH": Problem.PERMISSION,
    "SQLITE_NOTADB": Problem.NOT_A_DATABASE,
    "SQLITE_CORRUPT": Problem.CORRUPT,
    "SQLITE_CANTOPEN": Problem.CANNOT_OPEN,
    "SQLITE_FULL": Problem.FULL,
    "SQLITE_TOOBIG": Problem.VALUE,
    "SQLITE_RANGE": Problem.VALUE,
    "SQLITE_MISMATCH": Problem.VALUE,
    "SQLITE_CONSTRAINT": Problem.CONSTRAINT,
    "SQLITE_INTERRUPT": Problem.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class _Found:
    problem: Problem
    message: str  # the driver's first line, scrubbed
    connecting: bool  # raised while connecting (no statement ran)


def translate(
    exc: BaseException,
    url: StoreUrl | None,
    *,
    writing: bool,
    lock_timeout: float | None = None,
    connected: bool | None = None,
) -> StoreError | None:
    """The :class:`StoreError` for a database error raised while using the store at ``url`` (None:
    a store not known where the error was caught), or None when ``exc`` is not a database error (a
    bug, to be reported as one). ``connected`` tells whether a connection had been made (None: not
    known)."""
    store = "the store" if url is None else f"the store {url.display}"
    if isinstance(exc, DamagedStoreError):
        return StoreError(f"{store} {exc.message}", exc.hint)
    found = _classify(_first_cause(exc), url, connected)
    if found is None:
        return None
    return _sentence(found, store, writing=writing, lock_timeout=lock_timeout)


def _is_database_error(exc: BaseException) -> bool:
    sa = sys.modules.get("sqlalchemy.exc")
    return (
        (sa is not None and isinstance(exc, sa.SQLAlchemyError))
        or _is_driver_error(exc)
        or _is_sqlite_overflow(exc)
    )


def _first_cause(exc: BaseException) -> BaseException:
    """The database error that started it: a rollback that fails on a lost connection raises its
    own error ("the connection is lost") while the one that tells why is being handled."""
    seen = {id(exc)}
    while (
        exc.__context__ is not None
        and id(exc.__context__) not in seen
        and _is_database_error(exc)
        and _is_database_error(exc.__context__)
    ):
        exc = exc.__context__
        seen.add(id(exc))
    return exc


def _classify(exc: BaseException, url: StoreUrl | None, connected: bool | None) -> _Found | None:
    if "sqlalchemy" not in sys.modules:  # nothing of it can have been raised
        return _Found(_problem(exc), _first_line(exc, url), False) if _is_driver_error(exc) else None
    from sqlalchemy import exc as sa

    invalidated = False
    if isinstance(exc, sa.DBAPIError):
        original: BaseException = exc.orig if exc.orig is not None else exc
        invalidated = exc.connection_invalidated
        statement = exc.statement
    elif isinstance(exc, (sa.DisconnectionError, sa.PendingRollbackError)):
        original, invalidated, statement = exc, True, None
    elif isinstance(exc, sa.TimeoutError):  # the pool's
        original, statement = exc, None
        connected = False if connected is None else connected
    elif _is_driver_error(exc) or _is_sqlite_overflow(exc):
        original, statement = exc, None
        connected = True if connected is None else connected
    else:
        return None
    connecting = not connected if connected is not None else statement is None
    problem = _problem(original)
    if invalidated and problem in (Problem.OTHER, Problem.CONNECT):
        problem = Problem.DISCONNECTED
    if problem is Problem.OTHER and _is_connection_error(original):
        problem = Problem.CONNECT if connecting else Problem.DISCONNECTED
    if problem is Problem.DISCONNECTED and connecting:
        problem = Problem.CONNECT
    return _Found(problem, _first_line(original, url), connecting)


def _is_driver_error(exc: BaseException) -> bool:
    """An error raised by a driver used directly (``COPY`` through psycopg, sqlite3's own calls)."""
    psycopg = _psycopg()
    return isinstance(exc, sqlite3.Error) or (psycopg is not None and isinstance(exc, psycopg.Error))


def _is_sqlite_overflow(exc: BaseException) -> bool:
    # sqlite3 refuses an integer beyond 64 bits with a plain OverflowError while binding it
    return isinstance(exc, OverflowError) and "SQLite" in str(exc)


def _is_connection_error(original: BaseException) -> bool:
    psycopg = _psycopg()
    return (
        psycopg is not None
        and isinstance(original, psycopg.OperationalError)
        and getattr(original, "sqlstate", None) is None
    )


def _psycopg() -> Any:
    """The psycopg module if it was loaded (if not, none of its errors can have been raised)."""
    return sys.modules.get("psycopg")


def _problem(original: BaseException) -> Problem:
    if isinstance(original, OverflowError):
        return Problem.VALUE
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return _SQLSTATES.get(sqlstate) or _SQLSTATE_CLASSES.get(sqlstate[:2], Problem.OTHER)
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, problem in _SQLITE_CODES.items():
            if name == prefix or name.startswith(prefix + "_"):
                return problem
        if "no such table" in str(original) or "no such column" in str(original):
            return Problem.SCHEMA  # SQLITE_ERROR is generic; its message is the only sign
    return Problem.OTHER


def _first_line(original: BaseException, url: StoreUrl | None) -> str:
    from sessconf.store.url import scrub_secrets

    text = str(original).strip()
    line = text.splitlines()[0].strip() if text else type(original).__name__
    if len(line) > MESSAGE_LIMIT:
        line = line[: MESSAGE_LIMIT - 1] + "…"
    return scrub_secrets(line if url is None else url.scrub(line))


def _sentence(found: _Found, store: str, *, writing: bool, lock_timeout: float | None) -> StoreError:
    why = found.message
    match found.problem:
        case Problem.BUSY:
            waited = "" if lock_timeout is None else f" (waited {lock_timeout:g} s)"
            return StoreError(
                f"{store} is busy: another apply holds its lock{waited}; try again when it has finished"
            )
        case Problem.CANCELLED:
            return StoreError(f"{store} cancelled the statement: {why}")
        case Problem.PERMISSION if writing:
            return StoreError(
                f"{store} refused to write: {why} (the credential may only read)",
                "use a credential that can write; a read-only one is enough for `sessconf diff`",
            )
        case Problem.PERMISSION:
            return StoreError(
                f"{store} refused to be read: {why}",
                "grant the role read access to the store's tables (see the README's read-only set-up)",
            )
        case Problem.READ_ONLY:
            return StoreError(f"{store} is read-only: {why}", "use a store that can be written")
        case Problem.CREDENTIALS:
            return StoreError(f"{store} refused the credentials: {why}")
        case Problem.NO_DATABASE:
            return StoreError(f"{store} does not exist: {why}", "create the database first")
        case Problem.NOT_A_DATABASE:
            return StoreError(
                f"{store} is not a SQLite database: the file holds something else",
                "check the path; a store is created by `sessconf apply` or `sessconf migrate`",
            )
        case Problem.CORRUPT:
            return StoreError(f"{store} is damaged: {why}", "restore it from a backup")
        case Problem.CANNOT_OPEN:
            return StoreError(f"cannot open {store}: {why}")
        case Problem.CONNECT:
            return StoreError(f"cannot connect to {store}: {why}")
        case Problem.DISCONNECTED:
            return StoreError(
                f"lost the connection to {store}: {why}",
                "an apply writes all of its plan or none of it: `sessconf diff` shows which"
                if writing
                else None,
            )
        case Problem.VALUE:
            return StoreError(f"{store} cannot hold a value: {why}")
        case Problem.CONSTRAINT:
            return StoreError(f"{store} refused the change by one of its rules: {why}")
        case Problem.SCHEMA:
            return StoreError(
                f"{store} lacks part of its schema: {why}",
                "run `sessconf migrate`, or restore the store from a backup",
            )
        case Problem.CONFLICT:
            return StoreError(f"{store} ran into another transaction: {why}", "try again")
        case Problem.FULL:
            return StoreError(f"{store} is full: {why}")
    return StoreError(f"{store} failed: {why}")
