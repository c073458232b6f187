"""The lint cache of a repository (SPEC §6): each file's results, as plain data, by its content.

What reading, parsing and validating a file gives (its value, its problems, its ``sessconf:``
comments) depends on the file's bytes and on the inputs listed in :data:`KEY_INPUTS`, and on
nothing else; each file's record is stored with the digest of its bytes, in a pack named after
the digest of those inputs. A record is used only when both match, so the cache never changes a
result: a changed input makes a new pack, a changed file a new record.

A file's bytes are not read again when its ``stat`` (inode, size, modification and change times,
of the file a link leads to) is the one recorded with its digest and its change time was already
in the past when it was recorded (as git trusts its index: a file written within the same clock
tick as it was read could have changed unseen, so its record is checked by content next time).

The storage (atomic writes, checksums, JSON) is ``sessconf.speed.cache``; the loader
(``repository.load``) only asks :class:`RepositoryCache` before reading a file and tells it what
it found. With nothing changed, the values come back without importing pydantic.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import sessconf
from sessconf.diagnostics import Diagnostic, Severity
from sessconf.repository.files import ReadError, read_file
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, PRESETS_FILE, TEMPLATES_DIR
from sessconf.repository.model import Indexes
from sessconf.repository.presets import Preset, Presets
from sessconf.settings import Settings
from sessconf.speed.cache import CacheFolder, digest
from sessconf.values import BillingItem, BillingLine, Location, Session
from sessconf.yaml.comments import Comment
from sessconf.yaml.positions import SourceMap

FOLDER = ".sessconf_cache"  # in the repository, unless SESSCONF_CACHE_DIR says where
ENVIRONMENT = "SESSCONF_CACHE_DIR"
_FORMAT = b"2"  # the layout of the records below: bump it when they change

# Everything besides a file's own bytes that can change what reading it gives, or what lint's
# cross-file checks that are cached (the reminders' rendering pass) find. Each is hashed by its
# bytes (or by why it could not be read). Anything added to what a result depends on goes here.
KEY_INPUTS = (
    "sessconf",  # the version and the code itself (a development checkout changes without a release)
    "pyproject.toml",  # the settings
    LOCATIONS_FILE,
    BILLING_FILE,
    PRESETS_FILE,  # sessions extend presets: a session's result is the session resolved
    TEMPLATES_DIR,  # the reminder templates: every entry, by name and bytes
)

_INPUT_MAX = 64 * 1024 * 1024  # presets and templates past this are keyed by what they are
_RACY_NS = 2_000_000_000  # a change time this close to the recording is not trusted

clock = time.time_ns  # when a record is made (tests move it)

StatKey = list[int]  # inode, size, modification and change times (ns)


class Loaded(NamedTuple):
    """One session file with a problem: what ``repository.load`` hands back for it (a clean file
    is its :class:`Session` alone). Plain values: cheap to send from a worker and to cache."""

    model: Session | None
    problems: list[Diagnostic] | None = None
    comments: list[Comment] | None = None
    referenced: set[str] | None = None
    # A session that failed validation: its partial value, its unknown fields, its positions
    # (None: parsed again from the file when asked for), and the file's index of each item kept
    # of a list that kept only its valid items (``Entry.indexes``).
    partial: tuple[Session, frozenset[str], SourceMap | None, Indexes] | None = None
    # The preset it extends and the fields it inherited (see :class:`Inherited`).
    extended: tuple[str, int] | None = None


class Inherited(NamedTuple):
    """A clean session file that extends a preset: its resolved value, the preset it extends
    and the fields it inherited (bits over ``presets.FIELDS``: small to hand back and to cache;
    ``Presets.inheritance`` turns them back into what the entry needs)."""

    model: Session
    preset: str
    mask: int


SessionResult = Session | Loaded | Inherited


class Catalogue(NamedTuple):
    """What reading ``locations.yaml`` or ``billing_items.yaml`` gave, as plain values."""

    entries: list[tuple[str, Any]]  # (id, value)
    problems: list[Diagnostic]
    comments: list[Comment]
    referenced: set[str]
    invalid: set[str]
    partial: list[tuple[str, Any, frozenset[str], Indexes]]  # (id, partial value, unknown fields, indexes)


def folder_of(root: Path) -> Path:
    """Where the cache of the repository at ``root`` is kept."""
    moved = os.environ.get(ENVIRONMENT)
    return Path(moved).expanduser().absolute() if moved else root / FOLDER


class RepositoryCache:
    """The cache of one repository for one load: ask, then :meth:`save` what was learnt."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = str(root) + os.sep
        self.store = CacheFolder(folder_of(root))
        self._code = _code_fingerprint()
        self._settings_name: str | None = None
        self._pack_name: str | None = None
        self._context = ""
        self._records: dict[str, list[Any]] = {}  # relative path -> [stat, digest, record]
        self._decoded: dict[str, SessionResult] = {}
        self._catalogues: dict[str, tuple[str, Catalogue]] = {}  # name -> (digest, result)
        self._presets: list[Any] | None = None  # what lint needs of presets.yaml (its values aside)
        self._memo: dict[str, Any] = {}
        self._seen: dict[str, list[Any]] = {}  # what this load found, to be saved
        self._digests: dict[str, str] = {}  # of the session files: the repository's content
        self._dirty = False
        self._now = clock()

    # -- settings ---------------------------------------------------------------------------

    def settings(self, raw: bytes | ReadError) -> tuple[Settings, list[Diagnostic]] | None:
        """The settings read from ``pyproject.toml`` the last time it held ``raw``."""
        self._settings_name = f"settings-{digest(_FORMAT, self._code, _bytes(raw))}.json"
        document = self.store.read(self._settings_name)
        if document is None:
            return None
        try:
            values, problems = document
            settings = Settings(**values)
            return settings, [self._diagnostic(p) for p in problems]
        except (TypeError, ValueError):
            return None

    def remember_settings(self, settings: Settings, problems: list[Diagnostic]) -> None:
        if self._settings_name is None:
            return
        values = {f.name: getattr(settings, f.name) for f in fields(Settings)}
        if self.store.write(self._settings_name, [values, [self._encode_diagnostic(p) for p in problems]]):
            self.store.prune("settings-")

    # -- the pack of one set of inputs --------------------------------------------------------

    def open_pack(self, settings: bytes | ReadError, catalogues: dict[str, bytes | ReadError]) -> None:
        """Find the records made with the same inputs (:data:`KEY_INPUTS`) as now: ``settings``
        and ``catalogues`` are the bytes the loader read; the others are read here."""
        root, read = self.root, {"pyproject.toml": settings, **catalogues}
        parts = [_FORMAT, self._code]
        for name in KEY_INPUTS[1:]:
            parts.append(name.encode())
            if name == TEMPLATES_DIR:
                parts.extend(_folder_bytes(root / name))
            elif name in read:
                parts.append(_bytes(read[name]))
            else:
                parts.append(_bytes(_read(root / name)))
        self._context = digest(*parts)
        self._pack_name = f"lint-{self._context}.json"
        document = self.store.read(self._pack_name)
        if not isinstance(document, dict):
            return
        try:
            self._records = document["files"]
            self._memo = document["memo"]
            self._presets = document.get("presets")
            for name, (found, record) in document["catalogues"].items():
                self._catalogues[name] = (found, self._decode_catalogue(record))
            for rel, (_, _, record) in self._records.items():
                self._decoded[rel] = self._decode_session(record)
        except (KeyError, TypeError, ValueError, AttributeError):  # not what this code writes: unused
            self._records, self._memo, self._catalogues, self._decoded = {}, {}, {}, {}
            self._presets = None

    def knows_files(self) -> bool:
        """Whether the pack holds any session file's record (else every file is to be parsed)."""
        return bool(self._records)

    def catalogue(self, filename: str, raw: bytes) -> Catalogue | None:
        """What reading the catalogue gave, the last time it held ``raw``."""
        found = self._catalogues.get(filename)
        return found[1] if found is not None and found[0] == digest(raw) else None

    def remember_catalogue(self, filename: str, raw: bytes, catalogue: Catalogue) -> None:
        self._catalogues[filename] = (digest(raw), catalogue)
        self._dirty = True

    def presets(self, path: Path, raw: bytes) -> Presets | None:
        """``presets.yaml`` as the pack's inputs (its bytes among them) read it last time: its
        problems, comments and chains, without the presets' values (a session file to resolve
        reads the file itself: ``repository.load``)."""
        record = self._presets
        if record is None:
            return None
        try:
            problems, field_problems, comments, readable, invalid, found, by_name = record
            presets = Presets(path, raw=raw, readable=bool(readable), digest=str(found))
            presets.problems = [self._diagnostic(p) for p in problems]
            presets.field_problems = [(str(n), str(f), self._diagnostic(p)) for n, f, p in field_problems]
            presets.comments = [Comment(*c) for c in comments]
            presets.invalid = set(invalid)
            for name, extends, origin, broken, keys, mask in by_name:
                presets.by_name[name] = Preset(
                    name, extends, {}, presets, {}, dict(origin), bool(broken), frozenset(keys), int(mask)
                )
        except (TypeError, ValueError):
            return None
        return presets

    def remember_presets(self, presets: Presets) -> None:
        """What :meth:`presets` gives back (once ``check_presets`` has run on ``presets``)."""
        self._presets = [
            [self._encode_diagnostic(p) for p in presets.problems],
            [[name, field, self._encode_diagnostic(p)] for name, field, p in presets.field_problems],
            [_encode_comment(c) for c in presets.comments],
            presets.readable,
            sorted(presets.invalid),
            presets.digest,
            [
                [p.name, p.extends, p.origin, p.broken, sorted(p.keys), p.mask]
                for p in presets.by_name.values()
            ],
        ]
        self._dirty = True

    def by_stat(self, paths: list[str]) -> list[SessionResult | None]:
        """Each session file's result when its ``stat`` says it has not changed, else None."""
        records, decoded, seen, digests = self._records, self._decoded, self._seen, self._digests
        cut = len(str(self.root)) + 1
        stat = os.stat  # through a link: a linked session file changes with its target
        found: list[SessionResult | None] = []
        for path in paths:
            rel = path[cut:] if path.startswith(self._prefix) else path
            record = records.get(rel)
            if record is None or record[0] is None:
                found.append(None)
                continue
            try:
                st = stat(path)
            except OSError:
                found.append(None)
                continue
            if [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns] != record[0]:
                found.append(None)
                continue
            seen[rel] = record
            digests[rel] = record[1]
            found.append(decoded[rel])
        return found

    def loader(
        self, read: Callable[[str], bytes | SessionResult], parse: Callable[[str, bytes], SessionResult]
    ) -> Callable[[str], tuple[str, StatKey | None, SessionResult]]:
        """A function of a session file's path, for the processes that load the files: its
        digest, its ``stat`` key, and its result, from the cache when its bytes are the same."""
        records, decoded = self._records, self._decoded

        def load(path: str) -> tuple[str, StatKey | None, SessionResult]:
            stat_key = self._stat_key(path)
            raw = read(path)
            if not isinstance(raw, bytes):  # could not be read: never cached
                return "", None, raw
            rel = self._relative(path)
            found = digest(raw)
            record = records.get(rel)
            if record is not None and record[1] == found:
                return found, stat_key, decoded[rel]
            return found, stat_key, parse(path, raw)

        return load

    def learn(self, path: str, found: str, stat_key: StatKey | None, result: SessionResult) -> None:
        """What loading a session file gave (through :meth:`loader`)."""
        rel = self._relative(path)
        if not found:
            self._digests[rel] = "!"
            self._dirty = True
            return
        self._digests[rel] = found
        old = self._records.get(rel)
        if old is not None and old[1] == found and old[0] == stat_key:
            self._seen[rel] = old
            return
        self._seen[rel] = [stat_key, found, self._encode_session(result)]
        self._dirty = True

    # -- what cross-file checks remember --------------------------------------------------------

    def recall(self, name: str) -> list[Diagnostic] | None:
        """What the cached check ``name`` found last time the repository was the same."""
        entry = self._memo.get(name)
        if not isinstance(entry, list) or len(entry) != 2 or entry[0] != self._content():
            return None
        try:
            return [self._diagnostic(p) for p in entry[1]]
        except (TypeError, ValueError):
            return None

    def remember(self, name: str, found: list[Diagnostic]) -> None:
        self._memo[name] = [self._content(), [self._encode_diagnostic(d) for d in found]]
        self._dirty = True

    def _content(self) -> str:
        listed = "\n".join(f"{rel}:{found}" for rel, found in sorted(self._digests.items()))
        return digest(self._context.encode(), listed.encode())

    def save(self) -> None:
        """Store what this load learnt (nothing when it found everything in the cache)."""
        if self._pack_name is None or (not self._dirty and self._seen.keys() == self._records.keys()):
            return
        document = {
            "files": self._seen,
            "memo": self._memo,
            "presets": self._presets,
            "catalogues": {
                name: [found, self._encode_catalogue(c)] for name, (found, c) in self._catalogues.items()
            },
        }
        if self.store.write(self._pack_name, document):
            self.store.prune("lint-")
        self._dirty = False

    # -- encoding -------------------------------------------------------------------------------

    def _relative(self, path: str | Path) -> str:
        text = str(path)
        root = str(self.root) + os.sep
        return text[len(root) :] if text.startswith(root) else text

    def _stat_key(self, path: str) -> StatKey | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if st.st_ctime_ns > self._now - _RACY_NS or st.st_mtime_ns > self._now - _RACY_NS:
            return None  # changed too recently to tell a later change by its stat
        return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]

    def _encode_diagnostic(self, d: Diagnostic) -> list[Any]:
        found = [self._relative(d.path), d.line, d.column, d.severity.value, d.code, d.message, d.hint]
        return [*found, list(d.inherited_by)] if d.inherited_by else found

    def _diagnostic(self, item: list[Any]) -> Diagnostic:
        path, line, column, severity, code, message, hint, *inherited = item
        if not all(isinstance(v, str) for v in (path, code, message)) or not isinstance(line + column, int):
            raise ValueError("not a diagnostic")
        by = tuple(str(name) for name in inherited[0]) if inherited else ()
        return Diagnostic(self.root / path, line, column, Severity(severity), code, message, hint, by)

    def _encode_session(self, result: SessionResult) -> list[Any]:
        if isinstance(result, Session):
            return [0, result]
        if isinstance(result, Inherited):
            return [2, result.model, result.preset, result.mask]
        partial = None
        if result.partial is not None:
            model, unknown, _, indexes = result.partial
            partial = [model, sorted(unknown), _encode_indexes(indexes)]
        return [
            1,
            result.model,
            [self._encode_diagnostic(d) for d in result.problems or ()],
            [_encode_comment(c) for c in result.comments or ()],
            sorted(result.referenced or ()),
            partial,
            None if result.extended is None else list(result.extended),
        ]

    def _decode_session(self, record: list[Any]) -> SessionResult:
        if record[0] == 0:
            return _session(record[1])
        if record[0] == 2:
            _, model, preset, mask = record
            if not isinstance(preset, str) or not isinstance(mask, int):
                raise ValueError("not an inherited session")
            return Inherited(_session(model), preset, mask)
        _, model, problems, comments, referenced, partial, extended = record
        return Loaded(
            None if model is None else _session(model),
            [self._diagnostic(p) for p in problems] or None,
            [Comment(*c) for c in comments] or None,
            set(referenced) or None,
            None
            if partial is None
            else (_session(partial[0]), frozenset(partial[1]), None, _indexes(partial[2])),
            None if extended is None else (str(extended[0]), int(extended[1])),
        )

    def _encode_catalogue(self, c: Catalogue) -> list[Any]:
        return [
            [[key, _encode_entity(value)] for key, value in c.entries],
            [self._encode_diagnostic(d) for d in c.problems],
            [_encode_comment(comment) for comment in c.comments],
            sorted(c.referenced),
            sorted(c.invalid),
            [
                [key, _encode_entity(value), sorted(unknown), _encode_indexes(indexes)]
                for key, value, unknown, indexes in c.partial
            ],
        ]

    def _decode_catalogue(self, record: list[Any]) -> Catalogue:
        entries, problems, comments, referenced, invalid, partial = record
        return Catalogue(
            [(key, _entity(value)) for key, value in entries],
            [self._diagnostic(p) for p in problems],
            [Comment(*c) for c in comments],
            set(referenced),
            set(invalid),
            [
                (key, _entity(value), frozenset(unknown), _indexes(indexes))
                for key, value, unknown, indexes in partial
            ],
        )


def _encode_comment(c: Comment) -> list[Any]:
    return [c.line, c.column, c.text, c.own_line, c.header, c.next_line]


def _encode_entity(value: Location | BillingItem) -> list[Any]:
    if isinstance(value, BillingItem):
        return [*value[:2], str(value.price), *value[3:]]
    return list(value)


def _encode_indexes(indexes: Indexes) -> dict[str, list[int]]:
    return {name: list(kept) for name, kept in indexes.items()}


def _indexes(record: dict[str, list[int]]) -> Indexes:
    return {str(name): tuple(int(i) for i in kept) for name, kept in record.items()}


_tuple = tuple.__new__  # a named tuple from a list, without its Python-level constructor


def _session(row: list[Any]) -> Session:
    """A session from its record (as this module wrote it: the pack's checksum says so)."""
    if len(row) != len(Session._fields):
        raise ValueError("not a session")
    row[6] = [_tuple(BillingLine, line) for line in row[6]]
    session: Session = _tuple(Session, row)
    return session


def _entity(row: list[Any]) -> Location | BillingItem:
    if len(row) == len(Location._fields):
        return Location(*row)
    if len(row) == len(BillingItem._fields):
        name, kind, price, archived, previous = row
        return BillingItem(name, kind, Decimal(price), archived, previous)
    raise ValueError("not a catalogue entry")


def _bytes(read: bytes | ReadError) -> bytes:
    return read if isinstance(read, bytes) else b"!" + read.failure.value.encode()


def _read(path: Path) -> bytes | ReadError:
    try:
        return read_file(path, _INPUT_MAX)
    except ReadError as exc:
        return exc


def _folder_bytes(folder: Path) -> Iterator[bytes]:
    """Every entry of ``folder``, by name, with its bytes or what it is (never opening one that is
    not a regular file: ``read_file``)."""
    try:
        with os.scandir(folder) as it:
            names = sorted(entry.name for entry in it)
    except OSError as exc:
        yield b"!" + str(exc.errno).encode()
        return
    for name in names:
        yield name.encode()
        yield _bytes(_read(folder / name))


def _code_fingerprint() -> bytes:
    """sessconf's version, and the names, sizes and times of its modules (an editable install
    changes without a new version)."""
    parts = [sessconf.__version__]
    package = os.path.dirname(sessconf.__file__)
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                parts.append(f"{folder[len(package) :]}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts).encode()
