"""Which store to use (SPEC §4), parsed by the database library and shown without its secrets.

A store URL is parsed once, by SQLAlchemy's ``make_url``, into what the engine needs and a display
form with every secret hidden. The text as given is never printed: a URL that does not parse, or
that parsers could read in more than one way, is refused with a sentence that names where it came
from (``--store``, ``$SESSCONF_STORE`` or pyproject.toml) but not its text.

Parsers disagree about an unencoded ``@`` in a password: for ``u:S3cr3t@P4ss@host`` SQLAlchemy (and
libpq) read the password ``S3cr3t`` and the host ``P4ss@host``, Python's ``urlsplit`` the password
``S3cr3t@P4ss``. So everything between ``://`` and the *last* ``@`` is treated as secret, and a URL
that SQLAlchemy does not read that way is refused rather than guessed at.

SQLAlchemy is imported by the functions that parse (never by importing this module): ``lint``
never loads it.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from sessconf.errors import SessconfError, StoreError, UsageError
from sessconf.filekinds import kind_of

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

ENV_VAR = "SESSCONF_STORE"
DEFAULT_FILE = "sessconf.db"
HIDDEN = "***"
PIECE = 4  # characters: a shorter piece of a split secret parameter is not scrubbed on its own
PG_DRIVER = "postgresql+psycopg"
EXAMPLES = "write sqlite:///path/to/file.db or postgresql://user:password@host:port/dbname"
ENCODE_HINT = (
    "percent-encode the special characters of the user name and password ('@' as %40, ':' as %3A, '/' as %2F)"
)


class Source(StrEnum):
    """Where a store URL came from (SPEC §4: ``--store`` > environment > settings > default)."""

    FLAG = "--store"
    ENV = "SESSCONF_STORE"
    SETTINGS = "pyproject.toml"
    DEFAULT = "default"
    API = "Store()"  # given to the Python API as text

    @property
    def where(self) -> str:
        return {
            Source.FLAG: "--store",
            Source.ENV: f"${ENV_VAR}",
            Source.SETTINGS: "[tool.sessconf] store in pyproject.toml",
            Source.DEFAULT: "the default store",
            Source.API: "the URL given to Store()",
        }[self]


class Backend(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


# drivername -> backend; PostgreSQL is reached through psycopg 3 only
_SCHEMES = {
    "sqlite": Backend.SQLITE,
    "sqlite+pysqlite": Backend.SQLITE,
    "postgresql": Backend.POSTGRESQL,
    "postgres": Backend.POSTGRESQL,
    PG_DRIVER: Backend.POSTGRESQL,
}

# Every store URL made in this process, so that a message that escapes the usual paths (an
# unexpected error's traceback) can still be scrubbed of their secrets: see :func:`scrub_secrets`.
_URLS: list[StoreUrl] = []


@dataclass(frozen=True, slots=True)
class _Parsed:
    backend: Backend
    display: str
    secrets: frozenset[str]
    sqlite_path: Path | None = None
    sqlalchemy_url: URL | None = None  # PostgreSQL: the URL the engine connects with


@dataclass(frozen=True, slots=True)
class StoreUrl:
    """A store URL; a bad one raises a :class:`SessconfError` naming ``source`` when first used.

    ``url`` is the text as given: it may hold a password and is never shown (nor in ``repr``); use
    :attr:`display`. A relative SQLite path resolves against ``base`` (default: the working
    directory when made). A bad URL from ``--store`` is a usage error (exit 2); one from the
    environment or the settings is a store error (exit 1).

    It is parsed on first use, not when made: ``diff`` hands the store to a forked child that reads
    it while the repository loads, and the database library is then imported there only.
    """

    url: str = field(repr=False)
    source: str = Source.FLAG  # a Source
    base: Path | None = field(default=None, repr=False, compare=False)
    _parsed: _Parsed | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", Source(self.source))
        object.__setattr__(self, "base", self.base or Path.cwd())
        _URLS.append(self)

    @property
    def _target(self) -> _Parsed:
        parsed = self._parsed
        if parsed is None:
            parsed = _parse(self.url, Source(self.source), self.base or Path.cwd())
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    def check(self) -> StoreUrl:
        """Parse now (a bad URL raises here); returns itself."""
        self._target  # noqa: B018
        return self

    @property
    def backend(self) -> Backend:
        return self._target.backend

    @property
    def is_sqlite(self) -> bool:
        return self._target.backend is Backend.SQLITE

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file (absolute); one that cannot be a database file (a FIFO, a folder, a loop
        of links, a name too long) raises a :class:`StoreError` (see :func:`check_sqlite_file`)."""
        path = self._target.sqlite_path
        if path is None:
            raise ValueError("not a SQLite store")
        check_sqlite_file(path)
        return path

    @property
    def sqlalchemy_url(self) -> URL:
        """What a PostgreSQL engine connects with (holds the password: never render it)."""
        url = self._target.sqlalchemy_url
        if url is None:
            raise ValueError("not a PostgreSQL store")
        return url

    @property
    def display(self) -> str:
        """The URL as it may be shown: no password, no secret parameter."""
        return self._target.display

    @property
    def secrets(self) -> frozenset[str]:
        """Every form (as written, decoded, encoded) of the URL's password and secret parameters."""
        return self._target.secrets

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this URL replaced by ``***``."""
        return _scrub(text, self._target.secrets)


def resolve(flag: str | None, configured: str | None, root: Path) -> StoreUrl:
    """``--store`` > ``$SESSCONF_STORE`` > ``[tool.sessconf].store`` > ``sqlite:///<dir>/sessconf.db``.

    A relative SQLite path from the settings resolves against the repository; one from the flag or
    the environment against the working directory.
    """
    env = os.environ.get(ENV_VAR) or None
    if flag is not None:
        return StoreUrl(flag, Source.FLAG)
    if env:
        return StoreUrl(env, Source.ENV)
    if configured is not None:
        return StoreUrl(configured, Source.SETTINGS, root)
    path = (root / DEFAULT_FILE).resolve()
    return StoreUrl(f"sqlite:///{quote(str(path))}", Source.DEFAULT)


def forget_urls() -> None:
    """Start a new command: :func:`scrub_secrets` forgets the store URLs made so far."""
    _URLS.clear()


def scrub_secrets(text: str) -> str:
    """``text`` with the secrets of every store URL made in this process replaced by ``***``."""
    secrets: set[str] = set()
    for url in _URLS:
        with suppress(SessconfError):  # a URL that does not parse was never used, nor shown
            secrets |= url.secrets
    return _scrub(text, secrets) if secrets else text


# -- parsing ------------------------------------------------------------------------------------


def _refuse(source: Source, message: str, hint: str = EXAMPLES) -> SessconfError:
    # A bad flag value is a usage error; a bad setting or environment value a store error.
    kind = UsageError if source is Source.FLAG else StoreError
    return kind(f"the store URL from {source.where} {message}", hint)


def _parse(text: str, source: Source, base: Path) -> _Parsed:
    text = text.strip()
    if not text:
        raise _refuse(source, "is empty")
    scheme, sep, rest = text.partition("://")
    if not sep:
        if "=" in text:
            raise _refuse(
                source,
                "is not a URL (a keyword connection string such as `host=... password=...` is not accepted)",
            )
        raise _refuse(source, "does not parse")
    readings, bad_port = _readings(scheme, rest)
    if not readings:
        raise _refuse(source, "does not parse: its port is not a number" if bad_port else "does not parse")
    if len(readings) > 1:
        raise _refuse(source, "can be read in more than one way (an unencoded '@'?)", ENCODE_HINT)
    reading = readings[0]
    if "@" in rest and not reading.to_last_at:
        # Everything up to the last '@' may be a password: a reading that shows some of it (as a
        # host, path or parameter, the user info's own reading not parsing: a port ':x') is refused.
        raise _refuse(source, "has an '@' that does not end a user name and password", ENCODE_HINT)
    url = reading.url
    backend = _SCHEMES.get(url.drivername)
    if backend is None:
        raise _refuse(source, *_unknown_scheme(url.drivername))
    if backend is Backend.SQLITE:
        return _sqlite(url, source, base)
    query = _Query.split(reading.remainder.partition("?")[2])
    if not _ports_are_numbers(url):
        raise _refuse(source, "has a port parameter that is not a number")
    secrets = query.secrets()
    secrets.update(s for s in (reading.password, url.password) if s)
    forms = _forms(secrets)
    return _Parsed(
        backend,
        _scrub(query.display(url), forms),
        forms,
        sqlalchemy_url=url.set(drivername=PG_DRIVER),
    )


@dataclass(frozen=True, slots=True)
class _Reading:
    url: URL
    to_last_at: bool  # its user info ends at the last '@'
    password: str | None  # the user info's password as written
    remainder: str  # what follows the user info, as written


def _readings(scheme: str, rest: str) -> tuple[list[_Reading], bool]:
    """Every sound way to read ``rest`` (what follows ``scheme://``), and whether a port did not parse.

    Parsers disagree about an unencoded '@': the user info may end at any of them (SQLAlchemy and
    libpq take the first that follows a password, ``urlsplit`` the last), or there may be none,
    the '@' being part of a path or parameter. Each candidate is parsed with every other '@'
    percent-encoded; it is sound when that parses and leaves no '@' in the host (so that a user info
    holding '/', '?' or '#' still counts: what a reading puts in a path may be a password). One
    sound reading is taken; more than one is refused, never guessed; and so is a lone one whose user
    info does not end at the last '@' (see :func:`_parse`).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    found: list[_Reading] = []
    bad_port = False
    ends: list[int | None] = [None, *(i for i, char in enumerate(rest) if char == "@")]
    last = ends[-1]
    for end in ends:
        userinfo, remainder = (None, rest) if end is None else (rest[:end], rest[end + 1 :])
        try:
            url = make_url(f"{scheme}://{remainder.replace('@', '%40')}")
        except ValueError:  # int(port)
            bad_port = True
            continue
        except ArgumentError:
            continue
        if "@" in (url.host or "") or "%40" in (url.host or ""):
            continue
        if userinfo is None:
            found.append(_Reading(url, last is None, None, remainder))
            continue
        user, colon, password = userinfo.partition(":")
        named = url.set(username=unquote(user), password=unquote(password) if colon else None)
        found.append(_Reading(named, end == last, password if colon else None, remainder))
    return found, bad_port


def _unknown_scheme(drivername: str) -> tuple[str, str]:
    # the scheme is what comes before '://' ([A-Za-z0-9_+]): it holds no secret
    if drivername.lower() in _SCHEMES:
        return f"has the scheme '{drivername}': write it in lower case", EXAMPLES
    if drivername.lower().startswith(("postgresql+", "postgres+")):
        return (
            f"names the driver '{drivername}': sessconf reaches PostgreSQL through psycopg 3",
            "write postgresql://user:password@host:port/dbname",
        )
    if drivername.lower().startswith("sqlite+"):
        return f"names the driver '{drivername}': sessconf uses Python's sqlite3", EXAMPLES
    return f"names an unsupported database '{drivername}'", EXAMPLES


def _sqlite(url: URL, source: Source, base: Path) -> _Parsed:
    if url.username or url.password or url.host or url.port:
        raise _refuse(
            source, "is a SQLite URL with a user, password or host", "write sqlite:///path/to/file.db"
        )
    if url.query:
        raise _refuse(source, "is a SQLite URL with parameters", "write sqlite:///path/to/file.db")
    if not url.database or url.database == ":memory:":
        raise _refuse(source, "must name a SQLite file", "write sqlite:///path/to/file.db")
    path = Path(url.database)
    path = path if path.is_absolute() else base / path
    try:
        path = path.resolve()
    except (RuntimeError, OSError):  # a loop of links (RuntimeError before 3.13), a name too long
        path = Path(os.path.abspath(path))  # check_sqlite_file says which, when the store is opened
    return _Parsed(Backend.SQLITE, f"sqlite:///{path}", frozenset(), sqlite_path=path)


def _ports_are_numbers(url: URL) -> bool:
    """Whether every ``?port=`` parameter is a number (the psycopg dialect raises on one that is not,
    when the engine is made: after parsing, where it would be a bug report)."""
    ports = url.query.get("port", ())
    return all(p.strip().isdigit() for p in ((ports,) if isinstance(ports, str) else ports))


SHOWN_PATH = 80  # characters of a SQLite path kept in a message about the path itself


def check_sqlite_file(path: Path) -> None:
    """Refuse a SQLite store path that cannot be a database file, before SQLite opens it.

    A FIFO would block the open forever (SQLite waits for a writer at the other end), a device or
    folder fails with a vague "disk I/O error", and a loop of links or a name longer than the system
    allows raise ``OSError`` from the first ``exists()``. A path that does not exist is fine (the
    store reads as empty, or is created by a write).
    """
    import errno
    import stat

    shown = str(path) if len(str(path)) <= SHOWN_PATH else str(path)[: SHOWN_PATH - 1] + "…"
    hint = "write sqlite:///path/to/file.db with the path of a regular file"
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise StoreError(
            f"the SQLite store path {shown} goes through a file as if it were a folder", hint
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(f"the SQLite store path {shown} is a loop of symbolic links", hint) from None
        if exc.errno == errno.ENAMETOOLONG:
            raise StoreError(
                f"the SQLite store path {shown} ({len(str(path))} characters) is longer than the "
                "system allows",
                hint,
            ) from None
        if exc.errno == errno.EACCES:
            return  # SQLite's own open reports it, with the store's name
        raise StoreError(f"cannot use the SQLite store path {shown}: {exc.strerror}", hint) from None
    if not stat.S_ISREG(info.st_mode):
        kind = kind_of(info.st_mode)
        raise StoreError(f"the SQLite store path {shown} is {kind}, not a database file", hint)
    if not os.access(path, os.R_OK):  # SQLite would only say "unable to open database file"
        raise StoreError(
            f"cannot read the SQLite store {shown}: permission denied",
            "make the file readable (and writable, to apply) by the user that runs sessconf",
        )


def _is_secret_key(key: str) -> bool:
    return "password" in key.lower()  # password, sslpassword


@dataclass(frozen=True, slots=True)
class _Query:
    """A PostgreSQL URL's parameters, as written. Everything after the first secret parameter's
    ``=`` may be part of it (a password written with ``&`` or ``=`` is split into parameters
    that are not), so all of that is secret: hidden in the display, scrubbed from messages."""

    before: list[tuple[str, str]]  # the parameters before the first secret one, decoded
    secret_key: str | None  # its name
    secret_text: str  # what follows its '=', to the end, as written

    @classmethod
    def split(cls, raw: str) -> _Query:
        from urllib.parse import parse_qsl

        pairs = raw.split("&") if raw else []
        for i, pair in enumerate(pairs):
            key, _, _ = pair.partition("=")
            if _is_secret_key(unquote_plus(key)):
                tail = "&".join(pairs[i:]).partition("=")[2]
                return cls(parse_qsl("&".join(pairs[:i]), keep_blank_values=True), unquote_plus(key), tail)
        return cls(parse_qsl(raw, keep_blank_values=True), None, "")

    def secrets(self) -> set[str]:
        if self.secret_key is None:
            return set()
        # the pieces a driver may echo ('invalid connection option "..."', 'missing "=" after
        # "..."'): libpq splits what it is given at '&', '=' and, decoded, at white space ('0000+'
        # is echoed as "0000"); when long enough to be told apart from ordinary words
        raw = self.secret_text
        pieces = {*re.split(r"[&=]", raw), *re.split(r"[&=\s]+", unquote_plus(raw))}
        return {raw, *(piece for piece in pieces if len(piece) >= PIECE)}

    def display(self, url: URL) -> str:
        shown = url.set(query={}).update_query_pairs(self.before).render_as_string(hide_password=True)
        if self.secret_key is None:
            return shown
        return f"{shown}{'&' if self.before else '?'}{quote_plus(self.secret_key)}={HIDDEN}"


def _forms(secrets: set[str]) -> frozenset[str]:
    out: set[str] = set()
    for secret in secrets:
        out.update(
            (secret, unquote(secret), unquote_plus(secret), quote(secret, safe=""), quote_plus(secret))
        )
    out.discard("")
    return frozenset(out)


def _scrub(text: str, secrets: frozenset[str] | set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: no half-hidden forms
        text = text.replace(secret, HIDDEN)
    return text
