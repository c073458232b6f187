"""Loads a config repository into a :class:`Repository`: models, positions and diagnostics.

The repository is authoritative (SPEC §2), so anything missing or unexpected is a diagnostic,
never silently skipped. Every file is read; one broken file never hides the problems of others,
and one broken field none of its entity's other checks (an entity that fails validation keeps
the fields that validated: see :func:`partial_model`). Files are read through
``sessconf.files.read_file``: regular files only, never more than their size limit.
Session files are independent, so on a multi-core machine they are parsed and validated by a
forked worker alongside the main process.
"""

from __future__ import annotations

import errno
import functools
import gc
import os
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any, Generic, NamedTuple, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from sessconf import yamlio
from sessconf.diagnostics import Diagnostic, Severity, did_you_mean
from sessconf.files import BILLING_FILE as BILLING_FILE
from sessconf.files import LOCATIONS_FILE as LOCATIONS_FILE
from sessconf.files import SESSIONS_DIR as SESSIONS_DIR
from sessconf.files import TEMPLATES_DIR as TEMPLATES_DIR
from sessconf.files import Failure, ReadError, check_entry, read_file, unreadable
from sessconf.model import RANGES, BillingItem, Location, Session, name_problem
from sessconf.reminders.builtin import template_files
from sessconf.rules import REGISTRY, Rule
from sessconf.rules import advice as A
from sessconf.rules import loading as R
from sessconf.rules import schema as S
from sessconf.settings import SESSION_FILE_MAX, Settings, load_settings
from sessconf.yamlio import KeyPath, SourceMap, Suppressions

M = TypeVar("M", bound=BaseModel)


_NO_FIELDS: frozenset[str] = frozenset()


class Entry(Generic[M]):
    """An entity, with the file and the source positions it came from.

    Session files are parsed without recording positions (most are never needed); the first
    call to :meth:`pos` re-parses the file to find them. A session's path is kept as the text the
    folder listing gave until something asks for :attr:`path` (10,000 ``Path`` objects cost tens
    of milliseconds, and a clean repository needs none).

    The entries of ``Repository.sessions``, ``locations`` and ``billing_items`` hold valid models.
    Those of ``Repository.partial_*`` failed validation and hold a *partial* model (see
    :func:`partial_model`): the fields that validated, and a neutral value (``""``, ``0``, an
    empty list, the default) in each of the ``unknown`` ones. Only the lint rules see them.
    """

    __slots__ = ("_path", "model", "name", "prefix", "source_map", "unknown")

    def __init__(
        self,
        name: str,
        model: M,
        path: Path | str,
        prefix: KeyPath = (),
        source_map: SourceMap | None = None,
        unknown: frozenset[str] = _NO_FIELDS,
    ) -> None:
        self.name = name
        self.model = model
        self._path = path
        self.prefix = prefix
        self.source_map = source_map
        self.unknown = unknown

    @property
    def path(self) -> Path:
        path = self._path
        if isinstance(path, str):
            path = self._path = Path(path)
        return path

    def __repr__(self) -> str:
        where = str(self._path)
        return f"Entry(name={self.name!r}, model={self.model!r}, path={where!r}, prefix={self.prefix!r})"

    def pos(self, *sub: str | int) -> tuple[int, int]:
        """Position of the value at ``sub`` inside this entity (the entity itself with no ``sub``)."""
        return self._positions().value((*self.prefix, *sub))

    def key_pos(self, *sub: str | int) -> tuple[int, int]:
        return self._positions().key((*self.prefix, *sub))

    def _positions(self) -> SourceMap:
        if self.source_map is None:
            self.source_map = source_map_of(self.path)
        return self.source_map


def source_map_of(path: Path) -> SourceMap:
    """Positions of every value in a session file (re-read; an unreadable file gives an empty map)."""
    try:
        raw = read_file(path, SESSION_FILE_MAX)
    except ReadError:
        return SourceMap()
    return yamlio.parse_yaml(path, raw).source_map


@dataclass(slots=True)
class Repository:
    """Everything loaded from a config repository."""

    root: Path
    settings: Settings
    sessions: dict[str, Entry[Session]] = field(default_factory=dict)
    locations: dict[str, Entry[Location]] = field(default_factory=dict)
    billing_items: dict[str, Entry[BillingItem]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressions: dict[Path, Suppressions] = field(default_factory=dict)
    # Names that files failing validation refer to, so they are not reported as unused.
    referenced_by_invalid: set[str] = field(default_factory=set)
    # Catalogues that could not be read at all: cross-references into them are not checked.
    unreadable: set[str] = field(default_factory=set)
    # Ids of catalogue entries that failed validation: they exist, but have no valid model.
    invalid_ids: set[tuple[str, str]] = field(default_factory=set)  # (file name, id)
    # Entities that failed validation, with the fields that did validate (see ``Entry``): the lint
    # rules check them as far as those fields allow; the plan and the store never see them.
    partial_sessions: list[Entry[Session]] = field(default_factory=list)
    partial_locations: dict[str, Entry[Location]] = field(default_factory=dict)
    partial_billing_items: dict[str, Entry[BillingItem]] = field(default_factory=dict)
    # What the rules compute once and share (see ``sessconf.rules.index``), by name.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # Every file read, in order; session files as the text of their path until asked for.
    _files: list[Path | str] = field(default_factory=list, repr=False)
    _file_paths: list[Path] | None = field(default=None, repr=False, compare=False)

    @property
    def files(self) -> list[Path]:
        """Every file of the repository that was read (``pyproject.toml``, catalogues, sessions,
        templates)."""
        if self._file_paths is None or len(self._file_paths) != len(self._files):
            self._file_paths = [p if isinstance(p, Path) else Path(p) for p in self._files]
        return self._file_paths

    @property
    def file_count(self) -> int:
        return len(self._files)

    def checked_sessions(self) -> Collection[Entry[Session]]:
        """The sessions that lint rules check: the valid ones, then the partial ones."""
        if not self.partial_sessions:
            return self.sessions.values()
        return [*self.sessions.values(), *self.partial_sessions]

    def checked_locations(self) -> Mapping[str, Entry[Location]]:
        """The locations that lint rules check, by id: the valid ones and the partial ones."""
        return {**self.locations, **self.partial_locations} if self.partial_locations else self.locations

    def checked_billing_items(self) -> Mapping[str, Entry[BillingItem]]:
        """The billing items that lint rules check, by code: the valid ones and the partial ones."""
        if not self.partial_billing_items:
            return self.billing_items
        return {**self.billing_items, **self.partial_billing_items}

    @property
    def locations_path(self) -> Path:
        return self.root / LOCATIONS_FILE

    @property
    def billing_items_path(self) -> Path:
        return self.root / BILLING_FILE

    @property
    def sessions_dir(self) -> Path:
        return self.root / SESSIONS_DIR


@dataclass(slots=True)
class _FileResult(Generic[M]):
    entries: list[Entry[M]]
    problems: list[Diagnostic]
    suppressions: Suppressions
    referenced: set[str]
    invalid: set[str] = field(default_factory=set)
    partial: list[Entry[M]] = field(default_factory=list)


def load_repository(
    root: Path,
    *,
    jobs: int | None = None,
    overlay: Mapping[Path, bytes] | None = None,
    meanwhile: Callable[[Repository], None] | None = None,
) -> Repository:
    """Load and validate every file of the repository at ``root``.

    ``overlay`` maps session files (``sessions/NAME.yaml``, that need not exist) to the bytes read
    instead of the disk: ``sessconf new`` lints a session this way before writing it.

    ``meanwhile`` is called with the repository as it is once its settings and catalogues are
    loaded (no session yet), while forked workers are still loading session files: work done then
    shares the machine with theirs. It is not called when no worker was forked.
    """
    resolved = {p.resolve(): raw for p, raw in (overlay or {}).items()}
    with _no_gc():
        return _load(root.resolve(), jobs, resolved, meanwhile)


@contextmanager
def _no_gc() -> Iterator[None]:
    # Loading allocates hundreds of thousands of long-lived objects and no cycles; the cyclic
    # collector would traverse them again and again (it tripled the load time at 10,000 files),
    # and once more when re-enabled, unless they are first moved out of its sight (freeze).
    # (The command line keeps it off from its start: see ``sessconf.cli.main``.)
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load(
    root: Path,
    jobs: int | None,
    overlay: Mapping[Path, bytes],
    meanwhile: Callable[[Repository], None] | None,
) -> Repository:
    settings, settings_problems = load_settings(root)
    repo = Repository(root, settings)
    repo.diagnostics.extend(settings_problems)
    files = repo._files
    pyproject = root / "pyproject.toml"
    if os.path.lexists(pyproject) and not pyproject.is_dir():
        files.append(pyproject)

    # Session files are independent: workers start on them before the catalogues are read.
    sessions_dir = root / SESSIONS_DIR
    listed = _session_paths(sessions_dir, repo.diagnostics)
    paths = listed or []
    if overlay and listed is not None:
        extra = [str(p) for p in overlay if p.parent == sessions_dir and p.name.endswith(".yaml")]
        paths = sorted({*paths, *extra})  # one folder: by name
    by_text = {str(p): raw for p, raw in overlay.items()}
    load = functools.partial(_load_session, overlay=by_text) if overlay else _load_session
    loading = _ParallelMap(load, paths, jobs)

    _load_catalogue_into(repo, LOCATIONS_FILE, Location, repo.locations, repo.partial_locations)
    _load_catalogue_into(repo, BILLING_FILE, BillingItem, repo.billing_items, repo.partial_billing_items)
    if listed is None:  # no session to tell which entries are in use: none is unused
        repo.referenced_by_invalid |= repo.checked_locations().keys() | repo.checked_billing_items().keys()
    if meanwhile is not None and loading.workers:
        meanwhile(repo)

    files.extend(paths)
    sessions = repo.sessions
    for path, loaded in zip(paths, loading.results(), strict=True):
        if type(loaded) is Session:  # a clean session file, the usual case
            sessions[loaded.name] = Entry(loaded.name, loaded, path)
            continue
        assert isinstance(loaded, _Loaded)
        model, problems, suppressions, referenced, partial = loaded
        if model is not None:
            sessions[model.name] = Entry(model.name, model, path)
        if partial is not None:
            model, unknown, smap = partial
            repo.partial_sessions.append(Entry(model.name, model, path, (), smap, unknown))
        if problems:
            repo.diagnostics.extend(problems)
        if suppressions:
            repo.suppressions[Path(path)] = suppressions
        if referenced:
            repo.referenced_by_invalid |= referenced
    for key, raw in by_text.items():  # positions from the overlay, not from the disk
        entry = sessions.get(Path(key).stem)
        if entry is not None and entry._path == key:
            entry.source_map = yamlio.parse_yaml(entry.path, raw).source_map

    files.extend(template_files(root))  # never raises: SC401 reports what cannot be read
    return repo


def _load_catalogue_into(
    repo: Repository,
    filename: str,
    model: type[M],
    into: dict[str, Entry[M]],
    partial_into: dict[str, Entry[M]],
) -> None:
    path = repo.root / filename
    limit = repo.settings.max_file_size
    problems: list[Diagnostic] = []
    try:
        raw = read_file(path, limit)
    except ReadError as exc:
        if exc.failure in (Failure.MISSING, Failure.FOLDER):
            what = "missing" if exc.failure is Failure.MISSING else "a folder"
            problems.append(
                R.MISSING_FILE.at(
                    path,
                    (1, 1),
                    f"{filename} is {what}; the repository must have it",
                    "write {} in it for an empty catalogue" if what == "missing" else None,
                )
            )
        else:
            repo._files.append(path)
            problems.append(read_problem(path, exc, limit))
        repo.diagnostics.extend(problems)
        repo.unreadable.add(filename)
        return
    repo._files.append(path)
    result = _load_catalogue(path, raw, model)
    repo.diagnostics.extend(result.problems)
    if result.suppressions:
        repo.suppressions[path] = result.suppressions
    repo.referenced_by_invalid |= result.referenced
    repo.invalid_ids |= {(path.name, key) for key in result.invalid}
    for entry in result.entries:
        into[entry.name] = entry
    for entry in result.partial:
        partial_into[entry.name] = entry
    if (
        not result.entries
        and not result.partial
        and any(p.severity is Severity.ERROR for p in result.problems)
    ):
        repo.unreadable.add(filename)


def _session_paths(folder: Path, problems: list[Diagnostic]) -> list[str] | None:
    """The session files of ``folder``, sorted by name, as text (see :class:`Entry`); None when
    the folder cannot be listed."""
    paths = []
    try:
        with os.scandir(folder) as it:
            items = sorted(it, key=_by_name)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            what = "missing" if exc.errno == errno.ENOENT else "not a folder"
            problems.append(
                R.MISSING_FILE.at(
                    folder,
                    (1, 1),
                    f"the {SESSIONS_DIR}/ folder is {what}; the repository must have it",
                    "create it, even if it holds no session yet",
                )
            )
        else:
            problems.append(read_problem(folder, ReadError(Failure.UNREADABLE, _listing_reason(exc)), 0))
        return None
    for item in items:
        name = item.name
        if name.startswith("."):
            continue
        if name.endswith(".yaml") and not item.is_dir(follow_symlinks=False):
            # A regular file as the listing tells (no system call), the usual case; anything
            # else (a link, a FIFO, a device) is looked at, and only a regular file is read.
            error = None if item.is_file(follow_symlinks=False) else check_entry(item.path)
            if error is None:
                paths.append(item.path)
                continue
            if error.failure is not Failure.FOLDER:
                problems.append(read_problem(item.path, error, SESSION_FILE_MAX))
                continue
        if _is_dir(item):
            message, hint = f"'{name}/' is a folder", "sessions are files directly in sessions/"
        elif name.endswith(".yml"):
            message, hint = f"'{name}' has the .yml extension", f"rename it to {name[:-4]}.yaml"
        else:
            message, hint = f"'{name}' is not a session file", "session files are named NAME.yaml"
        problems.append(R.STRAY_FILE.at(Path(item.path), (1, 1), message + " and would be ignored", hint))
    return paths


def _is_dir(item: os.DirEntry[str]) -> bool:
    try:
        return item.is_dir()
    except OSError:  # a link that loops, say: not a folder
        return False


def _listing_reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be listed: permission denied"
    text = exc.strerror or str(exc)
    return f"cannot be listed: {text[:1].lower()}{text[1:]}"


_by_name = attrgetter("name")

T = TypeVar("T")
U = TypeVar("U")


class _ParallelMap(Generic[T, U]):
    """``map(fn, items)`` that forks workers as soon as it is made, for a large list.

    The caller can do other work before collecting :meth:`results` (in order). The list is cut
    into chunks, large ones first and smaller ones towards the end, and every process takes the
    next chunk as soon as it is free: whoever has less else to do (the main process reads the
    catalogues meanwhile, and unpickles what the workers send) takes more, and all finish
    together. The chunks are handed out through a pipe filled before the fork: each read of a
    pipe is atomic, so no two processes get the same chunk, and no lock is needed. Workers are
    plain ``os.fork`` children (``multiprocessing`` would cost more to import than it saves).
    """

    def __init__(self, fn: Callable[[T], U], items: list[T], jobs: int | None) -> None:
        self.fn, self.items = fn, items
        if jobs is None:
            jobs = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)
        self.chunks: list[tuple[int, int]] = []
        self.tokens = -1  # the read end of the pipe that hands out chunk numbers
        self.workers: list[tuple[int, Any]] = []  # (pid, the thread draining its pipe)
        self.received: deque[bytes] = deque()
        if jobs > 1 and len(items) >= 2000 and hasattr(os, "fork"):
            self._start(jobs)

    def _start(self, jobs: int) -> None:
        import sys
        import threading

        self.chunks = chunks = _chunks(len(self.items), jobs)
        self.tokens, fill = os.pipe()
        _widen(fill)
        _write_all(fill, b"".join(index.to_bytes(_TOKEN, "little") for index in range(len(chunks))))
        os.close(fill)  # once the chunks are all handed out, reading gives end-of-file
        sys.stdout.flush()  # not to be written twice by a child
        sys.stderr.flush()
        readers = []
        for _ in range(jobs - 1):
            reader, writer = os.pipe()
            _widen(writer)
            pid = os.fork()
            if pid == 0:  # the worker: it never returns
                os.close(reader)
                _worker_main(self.fn, self.items, chunks, self.tokens, writer)
            os.close(writer)
            readers.append((pid, reader))
        # Threads drain the pipes meanwhile (started after the forks: a child is best forked from a
        # single thread), so a worker never waits on a full pipe (reading releases the GIL); the
        # main process unpickles between its own chunks.
        for pid, reader in readers:
            drain = threading.Thread(target=_drain, args=(reader, self.received), daemon=True)
            drain.start()
            self.workers.append((pid, drain))

    def results(self) -> list[U]:
        fn, items = self.fn, self.items
        if not self.workers:
            return [fn(item) for item in items]
        results: list[Any] = [_MISSING] * len(items)
        filled = 0
        try:
            while (claim := _claim(self.tokens, self.chunks)) is not None:
                start, stop = claim
                results[start:stop] = [fn(item) for item in items[start:stop]]
                filled += (stop - start) + self._unpickle(results)
        except BaseException:
            import signal

            for pid, _ in self.workers:  # what they would do is of no use now
                os.kill(pid, signal.SIGKILL)
            raise
        finally:
            os.close(self.tokens)
            for pid, drain in self.workers:
                drain.join()
                os.waitpid(pid, 0)
        filled += self._unpickle(results)
        if filled != len(items):
            raise RuntimeError("a loader worker stopped before handing back all its results")
        return results

    def _unpickle(self, results: list[Any]) -> int:
        """Put what the workers sent so far in its place; how many results that was."""
        import pickle

        received, count = self.received, 0
        while received:
            start, batch = pickle.loads(received.popleft())
            if start < 0:
                raise RuntimeError(f"a loader worker failed:\n{batch}")
            results[start : start + len(batch)] = batch
            count += len(batch)
        return count


_MISSING: Any = object()
_TOKEN = 4  # bytes of a chunk number in the pipe
_CHUNK_MIN, _CHUNK_MAX = 32, 256


def _chunks(size: int, jobs: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each chunk: a quarter of a fair share of what is left, between
    ``_CHUNK_MIN`` and ``_CHUNK_MAX`` items (and few enough for the pipe to hold them all)."""
    least = max(_CHUNK_MIN, -(-size // 8192))
    out, start = [], 0
    while start < size:
        stop = min(size, start + max(least, min(_CHUNK_MAX, (size - start) // (4 * jobs))))
        out.append((start, stop))
        start = stop
    return out


def _claim(tokens: int, chunks: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The next chunk nobody has taken, or None when they are all taken."""
    token = os.read(tokens, _TOKEN)
    return chunks[int.from_bytes(token, "little")] if token else None


def _widen(fd: int) -> None:
    """Give a pipe 1 MiB of buffer (Linux), so that a writer seldom waits for the reader."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _send(fd: int, payload: bytes) -> None:
    _write_all(fd, len(payload).to_bytes(8, "little") + payload)


def _read_exactly(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _drain(reader: int, into: deque[bytes]) -> None:
    try:
        while True:
            header = os.read(reader, 8)
            if not header:
                break
            if len(header) < 8:
                header += _read_exactly(reader, 8 - len(header))
            into.append(_read_exactly(reader, int.from_bytes(header, "little")))
    except EOFError:  # the worker stopped mid-way: results() finds some missing
        pass
    finally:
        os.close(reader)


def _worker_main(
    fn: Callable[[Any], Any], items: list[Any], chunks: list[tuple[int, int]], tokens: int, writer: int
) -> NoReturn:
    """A forked worker: take chunks until none is left, send their results, and leave."""
    import pickle

    status = 0
    try:
        while (claim := _claim(tokens, chunks)) is not None:
            start, stop = claim
            batch = [fn(item) for item in items[start:stop]]
            _send(writer, pickle.dumps((start, batch), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # a bug: hand the traceback to the parent, which reports it
        import traceback

        status = 1
        with suppress(BaseException):  # the parent may have gone
            _send(writer, pickle.dumps((-1, traceback.format_exc())))
    finally:
        os._exit(status)  # no cleanup: the parent's buffers and exit handlers are not the child's


def _read(
    path: Path | str, limit: int, problems: list[Diagnostic], *, listed_regular: bool = False
) -> bytes | None:
    """The file's bytes, or None with the reason among ``problems`` (see ``sessconf.files``)."""
    try:
        return read_file(path, limit, listed_regular=listed_regular)
    except ReadError as exc:
        problems.append(read_problem(path, exc, limit))
        return None


def read_problem(path: Path | str, exc: ReadError, limit: int) -> Diagnostic:
    """A file that could not be read, as a diagnostic at the file."""
    hint = (
        "session files hold one session each"
        if limit == SESSION_FILE_MAX
        else "raise max_file_size in [tool.sessconf] if this is intended"
    )
    return unreadable(path, exc, too_large_hint=hint)


class _Loaded(NamedTuple):
    """One session file with a problem, as a worker hands it back (small: no paths; positions
    only for a file that failed validation). A clean session file is handed back as its model
    alone."""

    model: Session | None
    problems: list[Diagnostic] | None = None
    suppressions: Suppressions | None = None
    referenced: set[str] | None = None
    # A session that failed validation: its partial model, its unknown fields, its positions.
    partial: tuple[Session, frozenset[str], SourceMap] | None = None


def _load_session(path: str, overlay: Mapping[str, bytes] | None = None) -> Session | _Loaded:
    problems: list[Diagnostic] = []
    raw = overlay.get(path) if overlay else None
    if raw is None:
        raw = _read(path, SESSION_FILE_MAX, problems, listed_regular=True)
    if raw is None:
        return _Loaded(None, problems)
    doc = yamlio.parse_yaml(path, raw, positions=False)
    problems.extend(doc.problems)
    suppressions = doc.suppressions or None
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:  # None without a problem: `~` or a bare `---`
            problems.append(_not_mapping(path, data, "a session file holds a mapping of fields"))
        return _Loaded(None, problems, suppressions)
    lazy = _LazyPositions(path, raw, doc.source_map)
    entry = _validate(Session, data, path, lazy, (), problems)
    if entry is not None and doc.problems:
        entry = None  # a value YAML misread (1:30, #colour): check nothing that derives from it
    stem = os.path.basename(path)[: -len(".yaml")]
    name = data.get("name")
    if isinstance(name, str) and name != stem and not doc.source_map.is_tainted(("name",)):
        problems.append(
            S.NAME_MISMATCH.at(
                path,
                lazy().value(("name",)),
                f"the name '{name}' differs from the file name '{stem}'",
                f"rename the file to {name}.yaml, or write name: {stem}"
                if _valid_name(name)
                else f"write name: {stem}",
            )
        )
        entry = None
    if entry is None:
        tainted = _tainted_fields(doc.source_map, ())
        if name != stem:
            tainted.add("name")
        model, unknown = partial_model(Session, data, tainted)
        partial = (model, unknown, lazy())
        return _Loaded(None, problems, suppressions, _references(data), partial)
    if problems or suppressions:
        return _Loaded(entry.model, problems or None, suppressions)
    return entry.model


def _load_catalogue(path: Path, raw: bytes, model: type[M]) -> _FileResult[M]:
    problems: list[Diagnostic] = []
    doc = yamlio.parse_yaml(path, raw)
    problems.extend(doc.problems)
    result: _FileResult[M] = _FileResult([], problems, doc.suppressions, set())
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:  # None without a problem: `~` or a bare `---`
            problems.append(_not_mapping(path, data, f"{path.name} maps ids to entries ({{}} when empty)"))
        elif problems[-1].code == R.NOT_A_MAPPING.code:  # an empty file
            problems[-1] = replace(problems[-1], hint="write {} in it for an empty catalogue")
        return result
    smap = doc.source_map
    for key, value in data.items():
        if not _valid_name(key):
            problems.append(_bad_name(path, smap.key((key,)), key))
            result.invalid.add(key)
            continue
        if not isinstance(value, dict):
            what = "a location" if model is Location else "a billing item"
            problems.append(
                S.WRONG_TYPE.at(
                    path,
                    smap.value((key,)),
                    f"'{key}' must be a mapping describing {what}, not {describe(value)}",
                )
            )
            result.invalid.add(key)
            continue
        entry = _validate(model, value, path, lambda: smap, (key,), problems)
        if entry is None:
            result.invalid.add(key)
            partial, unknown = partial_model(model, value, _tainted_fields(smap, (key,)))
            result.partial.append(Entry(key, partial, path, (key,), smap, unknown))
        else:
            result.entries.append(entry)
    return result


def _tainted_fields(smap: SourceMap, prefix: KeyPath) -> set[str]:
    """The fields of the entity at ``prefix`` whose value YAML misread (reported already)."""
    depth = len(prefix)
    return {
        str(path[depth])
        for path in smap.tainted
        if len(path) > depth and path[:depth] == prefix and isinstance(path[depth], str)
    }


def partial_model(
    model: type[M], data: Mapping[str, object], skip: Collection[str]
) -> tuple[M, frozenset[str]]:
    """What validates of an entity that failed validation, field by field, and its unknown fields.

    Each field of ``data`` (but those of ``skip``, misread by YAML) is validated on its own: the
    models' fields do not depend on each other. A field that does not validate, or is missing, is
    unknown and holds a neutral value: its default when it has one, else ``""``, ``0`` or ``[]``,
    which no rule mistakes for a value (no valid name or colour is empty, no list item is listed
    in an empty list). The result is not a valid model: only lint rules may see it.
    """
    instance = model.model_construct()  # the defaults, and nothing else
    validator = model.__pydantic_validator__
    unknown = set()
    for name, info in model.model_fields.items():
        if name in data and name not in skip:
            try:
                validator.validate_assignment(instance, name, data[name])
                continue
            except ValidationError:
                pass
        elif name not in data and not info.is_required():
            continue  # absent: its default is its value
        unknown.add(name)
        if info.is_required():
            instance.__dict__[name] = _neutral(info.annotation)
        else:
            instance.__dict__[name] = info.get_default(call_default_factory=True)
    return instance, frozenset(unknown)


def _neutral(annotation: object) -> object:
    origin = getattr(annotation, "__origin__", annotation)
    if origin is list:
        return []
    if origin is int:
        return 0
    if origin is Decimal:
        return Decimal(0)
    return ""


def _not_mapping(path: Path | str, data: object, hint: str) -> Diagnostic:
    return R.NOT_A_MAPPING.at(path, (1, 1), f"the file holds {describe(data)}, not a mapping", hint)


def _valid_name(name: str) -> bool:
    return name_problem(name) is None


def _bad_name(path: Path, pos: tuple[int, int], name: str) -> Diagnostic:
    return S.INVALID_NAME.at(path, pos, name_problem(name) or f"'{name}' is not a valid name")


def _references(data: dict[str, object]) -> set[str]:
    """Location ids and billing codes a session file names, read leniently (it failed validation)."""
    found: set[str] = set()
    for item in _as_list(data.get("locations")):
        if isinstance(item, str):
            found.add(item)
    for item in _as_list(data.get("billing_items")):
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict) and isinstance(item.get("item"), str):
            found.add(item["item"])
    return found


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


class _LazyPositions:
    """A session file's source map, parsed again only when a problem needs a position."""

    __slots__ = ("notes", "path", "raw", "smap")

    def __init__(self, path: Path | str, raw: bytes, partial: SourceMap) -> None:
        self.path, self.raw, self.notes = path, raw, partial.notes
        self.smap: SourceMap | None = None

    def __call__(self) -> SourceMap:
        if self.smap is None:
            self.smap = yamlio.parse_yaml(self.path, self.raw).source_map
        return self.smap


def _validate(
    model: type[M],
    data: dict[str, object],
    path: Path | str,
    positions: Callable[[], SourceMap],
    prefix: KeyPath,
    problems: list[Diagnostic],
) -> Entry[M] | None:
    notes = positions.notes if isinstance(positions, _LazyPositions) else positions().notes
    if notes:
        problems.extend(_yaml11_booleans(model, path, notes, positions, prefix))
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        problems.extend(schema_diagnostics(exc, model, path, positions(), prefix))
        return None
    name = str(prefix[0]) if prefix else str(data["name"])
    if isinstance(positions, _LazyPositions):
        return Entry(name, instance, path, prefix)
    return Entry(name, instance, path, prefix, positions())


def _yaml11_booleans(
    model: type[BaseModel],
    path: Path | str,
    notes: dict[KeyPath, str],
    positions: Callable[[], SourceMap],
    prefix: KeyPath,
) -> Iterator[Diagnostic]:
    """``archived: yes`` where a boolean is expected (elsewhere it is a wrong-type error)."""
    for note_path, text in list(notes.items()):
        if note_path[: len(prefix)] != prefix or len(note_path) != len(prefix) + 1:
            continue
        field = model.model_fields.get(str(note_path[-1]))
        if field is not None and field.annotation is bool and not text.startswith("#"):
            value = "true" if text.lower() in ("yes", "on") else "false"
            yield A.YAML11_BOOLEAN.at(
                path,
                positions().value(note_path),
                f"'{text}' is read as {value} (a YAML 1.1 rule; YAML 1.2 tools read it as text)",
                f"write {value}",
            )


_EXPECTED = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "decimal_type": "a number",
    "float_type": "a number",
}


def describe(value: object) -> str:
    """A value as a phrase for messages: ``the number 5``, ``text ('60')``, ``an empty value``."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | Decimal | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text ('{shown}')"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - YAML gives no other types


def _label(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "value"


def schema_diagnostics(
    exc: ValidationError, model: type[BaseModel], path: Path | str, smap: SourceMap, prefix: KeyPath
) -> list[Diagnostic]:
    """Turn pydantic's errors into diagnostics with stable codes, positions and human sentences."""
    out = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        loc: tuple[str | int, ...] = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        if "index" in ctx:
            loc = (*loc, ctx["index"])
        full = (*prefix, *loc)
        if smap.is_tainted(full):
            continue  # YAML misread this value (reported already): the schema error would repeat it
        label = _label(full)
        rule: Rule
        hint = None
        if kind == "missing":
            rule, pos = S.MISSING_KEY, smap.value(full[:-1])
            owner = _label(full[:-1]) if len(full) > 1 else "the session"
            message = f"{owner} is missing the required key '{loc[-1]}'"
        elif kind == "extra_forbidden":
            rule, pos = S.UNKNOWN_KEY, smap.key(full)
            fields = _fields_at(model, loc[:-1])
            message = f"unknown key '{loc[-1]}'"
            hint = did_you_mean(str(loc[-1]), fields)
            if hint is None and fields:
                hint = "known keys: " + ", ".join(fields)
        elif kind in ("string_pattern_mismatch", "string_too_long"):
            rule, pos = S.INVALID_NAME, smap.value(full)
            message = f"{label}: {name_problem(str(err['input']))}"
        elif kind in ("greater_than_equal", "less_than_equal"):
            rule, pos = S.OUT_OF_RANGE, smap.value(full)
            low, high, unit = RANGES[str(loc[-1])]
            bounds = f"{low}–{high}" if high is not None else f"at least {low}"
            message = f"{label} {err['input']} is out of range ({bounds}{unit})"
        elif kind == "too_short":
            rule, pos = S.INVALID_VALUE, smap.value(full)
            message = f"{label} is empty; list at least one"
        elif kind in _RULES_BY_NAME and kind != S.WRONG_TYPE.name:
            rule, pos = _RULES_BY_NAME[kind], smap.value(full)
            message = f"{label}: {err['msg']}"
            hint = _hint(kind, loc, err["input"])
        elif kind == "literal_error":
            rule, pos = S.INVALID_VALUE, smap.value(full)
            message = f"{label}: {describe(err['input'])} is not allowed; use {ctx.get('expected')}"
        elif err["input"] is None and str(smap.notes.get(full, "")).startswith("#"):
            continue  # an unquoted '#colour', reported by the loader as unquoted-hash
        else:
            rule, pos = S.WRONG_TYPE, smap.value(full)
            expected = _EXPECTED.get(kind, err["msg"][:1].lower() + err["msg"][1:]).removeprefix("expected ")
            if loc[:1] == ("billing_items",) and len(loc) == 2:
                expected = "a billing item code, or a mapping with 'item' and 'quantity'"
            message = f"{label} must be {expected}, not {describe(err['input'])}"
            note = smap.notes.get(full)
            if note is not None and isinstance(err["input"], bool):
                hint = (
                    f"YAML 1.1 reads the unquoted '{note}' as {str(err['input']).lower()}; quote it: '{note}'"
                )
        out.append(rule.at(path, pos, message, hint))
    return out


def _hint(kind: str, loc: tuple[str | int, ...], value: object) -> str | None:
    if kind == S.REPEATED_ENTRY.name and loc[:1] == ("billing_items",):
        return "list it once, with a quantity"
    if kind == S.INVALID_TEXT.name and isinstance(value, str):
        text = value.strip()
        if any(char in text for char in "\n\r\x85\u2028\u2029"):
            return "write it on one line: a folded block, marked >, joins its lines with spaces"
        if "\t" in text:
            return "write spaces instead of the tab"
        return None
    if kind == S.UNKNOWN_TIMEZONE.name:
        return did_you_mean(str(value), _timezones()) or "use an IANA time zone name such as America/Toronto"
    return None


def _timezones() -> set[str]:
    import zoneinfo

    return zoneinfo.available_timezones()


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return []
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        current = next(
            (a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        if current is None:
            return []
    return list(current.model_fields)


_RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in REGISTRY.values()}
