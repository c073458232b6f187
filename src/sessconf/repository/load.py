"""Loading a config repository into a :class:`Repository`: models, positions and diagnostics.

The repository is authoritative (SPEC §2), so anything missing or unexpected is a diagnostic,
never silently skipped. Every file is read; one broken file never hides the problems of others,
and one broken field none of its entity's other checks (an entity that fails validation keeps
the fields that validated: see :func:`partial_model`). Files are read through
``repository.files.read_file``: regular files only, never more than their size limit.
Session files are independent, so on a multi-core machine they are parsed and validated by a
forked worker alongside the main process.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessconf.codes.files import MISSING_FILE, NOT_A_MAPPING, STRAY_FILE
from sessconf.codes.values import INVALID_NAME, NAME_MISMATCH, WRONG_TYPE
from sessconf.diagnostics import Diagnostic, Severity
from sessconf.limits import SESSION_FILE_MAX, SETTINGS_FILE_MAX
from sessconf.repository.cache import Catalogue, Inherited, Loaded, RepositoryCache, SessionResult
from sessconf.repository.files import Failure, ReadError, check_entry, read_file, unreadable
from sessconf.repository.layout import (
    BILLING_FILE,
    LOCATIONS_FILE,
    PRESETS_FILE,
    SESSIONS_DIR,
    template_files,
)
from sessconf.repository.model import Entry, Indexes, Repository
from sessconf.repository.pyproject import load_settings
from sessconf.speed import gc
from sessconf.speed.pool import ParallelMap
from sessconf.values import Session
from sessconf.yaml.positions import SourceMap

if TYPE_CHECKING:
    from sessconf.repository.presets import Presets


def load_repository(
    root: Path,
    *,
    jobs: int | None = None,
    overlay: Mapping[Path, bytes] | None = None,
    cache: bool = False,
) -> Repository:
    """Load and validate every file of the repository at ``root``.

    ``overlay`` maps session files (``sessions/NAME.yaml``, that need not exist) and catalogues to
    the bytes read instead of the disk: ``sessconf new`` lints a session this way before writing
    it, ``lint --stdin-filename`` an editor's buffer. ``jobs``: how many processes load session
    files (default: as many as there are cores, up to 4).
    ``cache``: use and update the repository's cache (``repository.cache``).
    """
    with Loading.start(root, jobs=jobs, overlay=overlay, cache=cache) as loading:
        repo = loading.finish()
        loading.save()
        return repo


class Loading:
    """A repository being loaded: its settings and catalogues are in :attr:`repository` as soon as
    it starts, while its session files load, in other processes when there are many
    (:attr:`in_parallel`); :meth:`finish` adds them. Use it as a context manager, which ends the
    workers however the block ends.

    With a cache (:class:`RepositoryCache`), each file's result is looked up before the file is
    parsed, and :meth:`save` stores what was not found; the rest of sessconf cannot tell."""

    def __init__(
        self, root: Path, jobs: int | None, overlay: Mapping[Path, bytes], cache: RepositoryCache | None
    ) -> None:
        self._gc: AbstractContextManager[None] | None = gc.paused()
        self._gc.__enter__()
        self.cache = cache
        settings_bytes = _read_or_failure(root / "pyproject.toml", SETTINGS_FILE_MAX)
        known = cache.settings(settings_bytes) if cache is not None else None
        if known is None:
            known = load_settings(root, settings_bytes)
            if cache is not None:
                cache.remember_settings(*known)
        settings, settings_problems = known
        self.repository = repo = Repository(root, settings)
        repo.diagnostics.extend(settings_problems)
        pyproject = root / "pyproject.toml"
        if os.path.lexists(pyproject) and not pyproject.is_dir():
            repo._files.append(pyproject)
        by_text = {str(p): raw for p, raw in overlay.items()}
        catalogues: dict[str, bytes | ReadError] = {}
        for name in CATALOGUES:  # an editor's unsaved buffer first (lint --stdin-filename)
            buffer = by_text.get(str(root / name))
            catalogues[name] = (
                buffer if buffer is not None else _read_or_failure(root / name, settings.max_file_size)
            )
        if cache is not None:
            cache.open_pack(settings_bytes, catalogues)
        # Session files are independent: workers start on them before the catalogues are parsed.
        sessions_dir = root / SESSIONS_DIR
        listed = _session_paths(sessions_dir, repo.diagnostics)
        paths = listed or []
        if overlay and listed is not None:
            extra = [str(p) for p in overlay if p.parent == sessions_dir and p.name.endswith(".yaml")]
            paths = sorted({*paths, *extra})  # one folder: by name
        self._paths = paths
        self._overlay = by_text
        # Before the workers start: they inherit them. From the cache, without their values: then
        # a session file to resolve reads them in full (_PresetsLater).
        presets, cached = _load_presets_into(repo, by_text, cache)
        resolving = _PresetsLater(root, settings.max_file_size) if cached else presets
        self._known: list[SessionResult | None] = []
        load: Callable[[str], Any]
        if cache is not None:  # what the cache knows by its stat is not read again
            self._known = known_results = cache.by_stat(paths)
            paths = [path for path, found in zip(paths, known_results, strict=True) if found is None]
            parse = functools.partial(_session_of, presets=resolving) if presets is not None else _session_of
            load = cache.loader(_read_session, parse)
        elif overlay or presets is not None:
            load = functools.partial(_load_session, overlay=by_text or None, presets=presets)
        else:
            load = _load_session
        if cache is None or not cache.knows_files():
            _parsing()  # every file is parsed: imported once here, not by each forked worker
        self._sessions: ParallelMap[str, Any] = ParallelMap(load, paths, jobs)
        _load_catalogue_into(repo, LOCATIONS_FILE, catalogues[LOCATIONS_FILE], cache)
        _load_catalogue_into(repo, BILLING_FILE, catalogues[BILLING_FILE], cache)
        if presets is not None and not cached:  # their values' own problems, while the workers work
            from sessconf.repository.presets import check_presets

            check_presets(presets)
            if cache is not None:
                cache.remember_presets(presets)
        if listed is None:  # no session to tell which entries are in use: none is unused
            repo.referenced_by_invalid |= (
                repo.checked_locations().keys() | repo.checked_billing_items().keys()
            )

    @classmethod
    def start(
        cls,
        root: Path,
        *,
        jobs: int | None = None,
        overlay: Mapping[Path, bytes] | None = None,
        cache: bool = False,
    ) -> Loading:
        """``cache``: look each file up in the repository's cache (never with an ``overlay``)."""
        root = root.resolve()
        store = RepositoryCache(root) if cache and not overlay else None
        return cls(root, jobs, {p.resolve(): raw for p, raw in (overlay or {}).items()}, store)

    @property
    def in_parallel(self) -> bool:
        """Whether other processes are loading the session files (the caller may work meanwhile)."""
        return bool(self._sessions.workers)

    def finish(self) -> Repository:
        """The whole repository: the session files' results added, in the folder's order."""
        repo = self.repository
        paths = self._paths
        repo._files.extend(paths)
        sessions = repo.sessions
        presets = repo.presets
        loaded_results: list[Any] = self._sessions.results()
        results: list[SessionResult]
        if self.cache is None:
            results = loaded_results
        else:
            cache, results, fresh = self.cache, [], iter(loaded_results)
            for path, known in zip(paths, self._known, strict=True):
                if known is None:
                    found, stat_key, known = next(fresh)
                    cache.learn(path, found, stat_key, known)
                results.append(known)
        for path, loaded in zip(paths, results, strict=True):
            if type(loaded) is Session:  # a clean session file, the usual case
                sessions[loaded.name] = Entry(loaded.name, loaded, path)
                continue
            if type(loaded) is Inherited:  # a clean session file that extends a preset
                resolved, preset, mask = loaded
                inherits = presets.inheritance(preset, mask) if presets is not None else None
                sessions[resolved.name] = Entry(resolved.name, resolved, path, inherits=inherits)
                continue
            assert isinstance(loaded, Loaded)
            model, problems, comments, referenced, partial, extended = loaded
            inherits = None
            if extended is not None and presets is not None:
                inherits = presets.inheritance(*extended)
            if model is not None:
                sessions[model.name] = Entry(model.name, model, path, inherits=inherits)
            if partial is not None:
                model, unknown, smap, indexes = partial
                repo.partial_sessions.append(
                    Entry(model.name, model, path, (), smap, unknown, inherits, indexes=indexes or None)
                )
            if problems:
                repo.diagnostics.extend(problems)
            if comments:
                repo.comments[Path(path)] = comments
            if referenced:
                repo.referenced_by_invalid |= referenced
        for key, raw in self._overlay.items():  # positions from the overlay, not from the disk
            from sessconf.yaml.read import parse_yaml

            entry = sessions.get(Path(key).stem)
            if entry is not None and entry._path == key:
                entry.source_map = parse_yaml(entry.path, raw).source_map
        if presets is not None:  # the presets' problems, naming the sessions they reach
            from sessconf.repository.presets import field_problems

            repo.diagnostics.extend(field_problems(presets, repo.checked_sessions()))
        repo._files.extend(template_files(repo.root))  # never raises: lint reports what cannot be read
        repo.memo = self.cache
        self._end()
        return repo

    def save(self) -> None:
        """Store in the cache what this load (and the checks that ran on it) found."""
        if self.cache is not None:
            self.cache.save()

    def _end(self) -> None:
        self._sessions.cancel()
        if self._gc is not None:
            gc_pause, self._gc = self._gc, None
            gc_pause.__exit__(None, None, None)

    def __enter__(self) -> Loading:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end()


CATALOGUES = (LOCATIONS_FILE, BILLING_FILE)


def _load_presets_into(
    repo: Repository, overlay: Mapping[str, bytes], cache: RepositoryCache | None
) -> tuple[Presets | None, bool]:
    """Read presets.yaml (optional) into ``repo``: its problems, comments and resolved presets;
    and whether they came from the cache (which keeps what lint needs of them, not their values)."""
    path = repo.root / PRESETS_FILE
    if str(path) not in overlay and not os.path.lexists(path):
        return None, False
    presets = None
    if cache is not None:
        raw = _read_or_failure(path, repo.settings.max_file_size)
        if isinstance(raw, bytes):
            presets = cache.presets(path, raw)
    cached = presets is not None
    if presets is None:
        from sessconf.repository.presets import load_presets

        presets = load_presets(repo.root, repo.settings.max_file_size, overlay)
    repo.presets = presets
    if presets is not None:
        repo._files.append(presets.path)
        repo.diagnostics.extend(presets.problems)
        if presets.comments:
            repo.comments[presets.path] = presets.comments
    return presets, cached


class _PresetsLater:
    """presets.yaml read in full when a session file first needs resolving against it, in the
    process that resolves it (the cache gave the loader the presets without their values)."""

    __slots__ = ("limit", "loaded", "root")

    def __init__(self, root: Path, limit: int) -> None:
        self.root, self.limit = root, limit
        self.loaded: tuple[Presets | None] | None = None

    def __call__(self) -> Presets | None:
        if self.loaded is None:
            from sessconf.repository.presets import load_presets

            self.loaded = (load_presets(self.root, self.limit),)
        return self.loaded[0]


def _read_or_failure(path: Path, limit: int) -> bytes | ReadError:
    try:
        return read_file(path, limit)
    except ReadError as exc:
        return exc


def _load_catalogue_into(
    repo: Repository, filename: str, raw: bytes | ReadError, cache: RepositoryCache | None
) -> None:
    path = repo.root / filename
    limit = repo.settings.max_file_size
    problems: list[Diagnostic] = []
    if isinstance(raw, ReadError):
        exc = raw
        if exc.failure in (Failure.MISSING, Failure.FOLDER):
            what = "missing" if exc.failure is Failure.MISSING else "a folder"
            problems.append(
                MISSING_FILE.at(
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
    result = cache.catalogue(filename, raw) if cache is not None else None
    if result is None:
        result = _load_catalogue(path, raw, filename)
        if cache is not None:
            cache.remember_catalogue(filename, raw, result)
    repo.diagnostics.extend(result.problems)
    if result.comments:
        repo.comments[path] = result.comments
    repo.referenced_by_invalid |= result.referenced
    repo.invalid_ids |= {(path.name, key) for key in result.invalid}
    positions = _Positions(path, raw)
    into: dict[str, Entry[Any]] = repo.locations if filename == LOCATIONS_FILE else repo.billing_items
    for key, value in result.entries:
        into[key] = Entry(key, value, path, (key,), positions=positions)
    partial_into: dict[str, Entry[Any]] = (
        repo.partial_locations if filename == LOCATIONS_FILE else repo.partial_billing_items
    )
    for key, value, unknown, indexes in result.partial:
        partial_into[key] = Entry(
            key, value, path, (key,), unknown=unknown, indexes=indexes or None, positions=positions
        )
    if (
        not result.entries
        and not result.partial
        and any(p.severity is Severity.ERROR for p in result.problems)
    ):
        repo.unreadable.add(filename)


class _Positions:
    """A catalogue's positions, parsed once, when the first of its entries needs one."""

    __slots__ = ("path", "raw", "smap")

    def __init__(self, path: Path, raw: bytes) -> None:
        self.path, self.raw = path, raw
        self.smap: SourceMap | None = None

    def __call__(self) -> SourceMap:
        if self.smap is None:
            from sessconf.yaml.read import parse_yaml

            self.smap = parse_yaml(self.path, self.raw).source_map
        return self.smap


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
                MISSING_FILE.at(
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
        problems.append(STRAY_FILE.at(Path(item.path), (1, 1), message + " and would be ignored", hint))
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


def _read(
    path: Path | str, limit: int, problems: list[Diagnostic], *, listed_regular: bool = False
) -> bytes | None:
    """The file's bytes, or None with the reason among ``problems`` (see ``sessconf.repository.files``)."""
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


def _read_session(path: str) -> bytes | Loaded:
    """A session file's bytes, or why it could not be read."""
    problems: list[Diagnostic] = []
    raw = _read(path, SESSION_FILE_MAX, problems, listed_regular=True)
    return Loaded(None, problems) if raw is None else raw


def _load_session(
    path: str, overlay: Mapping[str, bytes] | None = None, presets: Presets | _PresetsLater | None = None
) -> SessionResult:
    raw = overlay.get(path) if overlay else None
    if raw is None:
        read = _read_session(path)
        if not isinstance(read, bytes):
            return read
        raw = read
    return _session_of(path, raw, keep_positions=bool(overlay), presets=presets)


_PARSING: tuple[Any, Any, Any] | None = None


def _parsing() -> tuple[Any, Any, Any]:
    """What parses and validates a file (PyYAML, pydantic), imported on its first use: a file found
    in the cache needs none of it. Once per process, not once per file."""
    global _PARSING
    from sessconf import model
    from sessconf.repository import validate
    from sessconf.yaml.read import parse_yaml

    _PARSING = (model, validate, parse_yaml)
    return _PARSING


def _session_of(
    path: str,
    raw: bytes,
    *,
    keep_positions: bool = False,
    presets: Presets | _PresetsLater | None = None,
) -> SessionResult:
    """What a session file's bytes give: its value, an :class:`Inherited` (a clean file that
    extends a preset), or a :class:`Loaded` with its problems.

    ``keep_positions``: keep the positions of a file that failed validation (by default they are
    parsed again when asked for, from the file). ``presets``: what ``extends`` resolves against
    (the cache keys every result by presets.yaml's bytes too).
    """
    model_of, validation, parse_yaml = _PARSING or _parsing()
    SessionModel, session_values = model_of.Session, model_of.session_values
    LazyPositions, validate = validation.LazyPositions, validation.validate
    partial_model, tainted_fields = validation.partial_model, validation.tainted_fields
    problems: list[Diagnostic] = []
    doc = parse_yaml(path, raw, positions=False)
    problems.extend(doc.problems)
    comments = doc.comments or None
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:  # None without a problem: `~` or a bare `---`
            problems.append(_not_mapping(path, data, "a session file holds a mapping of fields"))
        return Loaded(None, problems, comments)
    lazy = LazyPositions(path, raw, doc.source_map)
    inherited: frozenset[str] = frozenset()
    unresolved = False
    extended = None
    if "extends" in data:  # resolution: the session as if written out in full (presets.EXTENDS)
        from sessconf.repository.presets import resolve_session

        if isinstance(presets, _PresetsLater):
            presets = presets()
        resolution = resolve_session(data, presets, path, lazy, problems)
        data, inherited, unresolved = resolution.data, resolution.inherited, resolution.unresolved
        if resolution.preset is not None:
            extended = (resolution.preset, resolution.mask)
    entry = validate(SessionModel, data, path, lazy, (), problems, inherited, unresolved=unresolved)
    if entry is not None and doc.problems:
        entry = None  # a value YAML misread (1:30, #colour): check nothing that derives from it
    stem = os.path.basename(path)[: -len(".yaml")]
    name = data.get("name")
    if isinstance(name, str) and name != stem and not doc.source_map.is_tainted(("name",)):
        problems.append(
            NAME_MISMATCH.at(
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
        tainted = tainted_fields(doc.source_map, ())
        if name != stem:
            tainted.add("name")
        indexes: Indexes = {}
        model, unknown = partial_model(SessionModel, data, tainted, indexes)
        partial = (session_values(model), unknown, lazy() if keep_positions else None, indexes)
        return Loaded(None, problems, comments, _references(data), partial, extended)
    value: Session = session_values(entry.model)
    if problems or comments:
        return Loaded(value, problems or None, comments, None, None, extended)
    if extended is not None:
        return Inherited(value, *extended)
    return value


def _load_catalogue(path: Path, raw: bytes, filename: str) -> Catalogue:
    from sessconf.model import BillingItem, Location, as_values  # pydantic: not for a cached file
    from sessconf.repository.validate import LazyPositions, describe, partial_model, tainted_fields, validate
    from sessconf.yaml.read import parse_yaml

    model: type[Location] | type[BillingItem] = Location if filename == LOCATIONS_FILE else BillingItem
    problems: list[Diagnostic] = []
    # Positions only if a problem needs one: a catalogue of thousands of entries costs tens of MB
    # more with them (parsed again then; its entries' own are parsed on demand, by _Positions).
    doc = parse_yaml(path, raw, positions=False)
    problems.extend(doc.problems)
    result = Catalogue([], problems, doc.comments, set(), set(), [])
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:  # None without a problem: `~` or a bare `---`
            problems.append(_not_mapping(path, data, f"{path.name} maps ids to entries ({{}} when empty)"))
        elif problems[-1].code == NOT_A_MAPPING.code:  # an empty file
            problems[-1] = replace(problems[-1], hint="write {} in it for an empty catalogue")
        return result
    smap = doc.source_map  # what YAML misread (tainted values, notes), without positions
    positions = LazyPositions(path, raw, smap)
    for key, value in data.items():
        if not _valid_name(key):
            problems.append(_bad_name(path, positions().key((key,)), key))
            result.invalid.add(key)
            continue
        if not isinstance(value, dict):
            what = "a location" if model is Location else "a billing item"
            problems.append(
                WRONG_TYPE.at(
                    path,
                    positions().value((key,)),
                    f"'{key}' must be a mapping describing {what}, not {describe(value)}",
                )
            )
            result.invalid.add(key)
            continue
        entry = validate(model, value, path, positions, (key,), problems)
        if entry is None:
            result.invalid.add(key)
            indexes: Indexes = {}
            partial, unknown = partial_model(model, value, tainted_fields(smap, (key,)), indexes)
            result.partial.append((key, as_values(partial), unknown, indexes))
        else:
            result.entries.append((key, as_values(entry.model)))
    return result


def _not_mapping(path: Path | str, data: object, hint: str) -> Diagnostic:
    from sessconf.repository.validate import describe

    return NOT_A_MAPPING.at(path, (1, 1), f"the file holds {describe(data)}, not a mapping", hint)


def _valid_name(name: str) -> bool:
    from sessconf.model import name_problem

    return name_problem(name) is None


def _bad_name(path: Path, pos: tuple[int, int], name: str) -> Diagnostic:
    from sessconf.model import name_problem

    return INVALID_NAME.at(path, pos, name_problem(name) or f"'{name}' is not a valid name")


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
