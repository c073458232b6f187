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
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import Generic, NamedTuple

from sessconf.codes.files import MISSING_FILE, NOT_A_MAPPING, STRAY_FILE
from sessconf.codes.values import INVALID_NAME, NAME_MISMATCH, WRONG_TYPE
from sessconf.diagnostics import Diagnostic, Severity
from sessconf.limits import SESSION_FILE_MAX
from sessconf.model import BillingItem, Location, Session, name_problem
from sessconf.repository.files import Failure, ReadError, check_entry, read_file, unreadable
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, SESSIONS_DIR, template_files
from sessconf.repository.model import Entry, Indexes, M, Repository
from sessconf.repository.presets import (
    EXTENDS,
    Presets,
    check_presets,
    field_problems,
    load_presets,
    resolve_session,
)
from sessconf.repository.pyproject import load_settings
from sessconf.repository.validate import (
    LazyPositions,
    describe,
    partial_model,
    tainted_fields,
    validate,
)
from sessconf.speed import gc
from sessconf.speed.pool import ParallelMap
from sessconf.yaml.comments import Comment
from sessconf.yaml.read import SourceMap, parse_yaml


@dataclass(slots=True)
class _FileResult(Generic[M]):
    entries: list[Entry[M]]
    problems: list[Diagnostic]
    comments: list[Comment]
    referenced: set[str]
    invalid: set[str] = field(default_factory=set)
    partial: list[Entry[M]] = field(default_factory=list)


def load_repository(
    root: Path, *, jobs: int | None = None, overlay: Mapping[Path, bytes] | None = None
) -> Repository:
    """Load and validate every file of the repository at ``root``.

    ``overlay`` maps session files (``sessions/NAME.yaml``, that need not exist) and catalogues to
    the bytes read instead of the disk: ``sessconf new`` lints a session this way before writing
    it, ``lint --stdin-filename`` an editor's buffer. ``jobs``:
    how many processes load session files (default: as many as there are cores, up to 4).
    """
    with Loading.start(root, jobs=jobs, overlay=overlay) as loading:
        return loading.finish()


class Loading:
    """A repository being loaded: its settings and catalogues are in :attr:`repository` as soon as
    it starts, while its session files load, in other processes when there are many
    (:attr:`in_parallel`); :meth:`finish` adds them. Use it as a context manager, which ends the
    workers however the block ends."""

    def __init__(self, root: Path, jobs: int | None, overlay: Mapping[Path, bytes]) -> None:
        self._gc: AbstractContextManager[None] | None = gc.paused()
        self._gc.__enter__()
        settings, settings_problems = load_settings(root)
        self.repository = repo = Repository(root, settings)
        repo.diagnostics.extend(settings_problems)
        pyproject = root / "pyproject.toml"
        if os.path.lexists(pyproject) and not pyproject.is_dir():
            repo._files.append(pyproject)
        # Session files are independent: workers start on them before the catalogues are read.
        sessions_dir = root / SESSIONS_DIR
        listed = _session_paths(sessions_dir, repo.diagnostics)
        paths = listed or []
        if overlay and listed is not None:
            extra = [str(p) for p in overlay if p.parent == sessions_dir and p.name.endswith(".yaml")]
            paths = sorted({*paths, *extra})  # one folder: by name
        self._paths = paths
        self._overlay = by_text = {str(p): raw for p, raw in overlay.items()}
        presets = _load_presets_into(repo, by_text)  # before the workers start: they inherit them
        load: Callable[[str], Session | _Loaded | _Inherited] = _load_session
        if overlay or presets is not None:
            load = functools.partial(_load_session, overlay=by_text or None, presets=presets)
        self._sessions = ParallelMap(load, paths, jobs)
        _load_catalogue_into(repo, LOCATIONS_FILE, Location, repo.locations, repo.partial_locations, by_text)
        _load_catalogue_into(
            repo, BILLING_FILE, BillingItem, repo.billing_items, repo.partial_billing_items, by_text
        )
        if presets is not None:  # their values' own problems, while the workers resolve sessions
            check_presets(presets)
        if listed is None:  # no session to tell which entries are in use: none is unused
            repo.referenced_by_invalid |= (
                repo.checked_locations().keys() | repo.checked_billing_items().keys()
            )

    @classmethod
    def start(
        cls, root: Path, *, jobs: int | None = None, overlay: Mapping[Path, bytes] | None = None
    ) -> Loading:
        return cls(root.resolve(), jobs, {p.resolve(): raw for p, raw in (overlay or {}).items()})

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
        for path, loaded in zip(paths, self._sessions.results(), strict=True):
            if type(loaded) is Session:  # a clean session file, the usual case
                sessions[loaded.name] = Entry(loaded.name, loaded, path)
                continue
            if type(loaded) is _Inherited:  # a clean session file that extends a preset
                resolved, preset, mask = loaded
                inherits = presets.inheritance(preset, mask) if presets is not None else None
                sessions[resolved.name] = Entry(resolved.name, resolved, path, inherits=inherits)
                continue
            assert isinstance(loaded, _Loaded)
            model, problems, comments, referenced, partial, extended = loaded
            inherits = None
            if extended is not None and presets is not None:
                inherits = presets.inheritance(*extended)
            if model is not None:
                sessions[model.name] = Entry(model.name, model, path, inherits=inherits)
            if partial is not None:
                model, unknown, smap, indexes = partial
                repo.partial_sessions.append(
                    Entry(model.name, model, path, (), smap, unknown, inherits, indexes=indexes)
                )
            if problems:
                repo.diagnostics.extend(problems)
            if comments:
                repo.comments[Path(path)] = comments
            if referenced:
                repo.referenced_by_invalid |= referenced
        for key, raw in self._overlay.items():  # positions from the overlay, not from the disk
            entry = sessions.get(Path(key).stem)
            if entry is not None and entry._path == key:
                entry.source_map = parse_yaml(entry.path, raw).source_map
        if presets is not None:  # the presets' problems, naming the sessions they reach
            repo.diagnostics.extend(field_problems(presets, repo.checked_sessions()))
        repo._files.extend(template_files(repo.root))  # never raises: lint reports what cannot be read
        self._end()
        return repo

    def _end(self) -> None:
        self._sessions.cancel()
        if self._gc is not None:
            gc_pause, self._gc = self._gc, None
            gc_pause.__exit__(None, None, None)

    def __enter__(self) -> Loading:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end()


def _load_presets_into(repo: Repository, overlay: Mapping[str, bytes]) -> Presets | None:
    """Read presets.yaml (optional) into ``repo``: its problems, comments and resolved presets."""
    presets = repo.presets = load_presets(repo.root, repo.settings.max_file_size, overlay)
    if presets is not None:
        repo._files.append(presets.path)
        repo.diagnostics.extend(presets.problems)
        if presets.comments:
            repo.comments[presets.path] = presets.comments
    return presets


def _load_catalogue_into(
    repo: Repository,
    filename: str,
    model: type[M],
    into: dict[str, Entry[M]],
    partial_into: dict[str, Entry[M]],
    overlay: Mapping[str, bytes],
) -> None:
    path = repo.root / filename
    limit = repo.settings.max_file_size
    problems: list[Diagnostic] = []
    try:
        raw = overlay.get(str(path))  # an editor's unsaved buffer (lint --stdin-filename)
        if raw is None:
            raw = read_file(path, limit)
    except ReadError as exc:
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
    result = _load_catalogue(path, raw, model)
    repo.diagnostics.extend(result.problems)
    if result.comments:
        repo.comments[path] = result.comments
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


class _Loaded(NamedTuple):
    """One session file with a problem, as a worker hands it back (small: no paths; positions
    only for a file that failed validation). A clean session file is handed back as its model
    alone."""

    model: Session | None
    problems: list[Diagnostic] | None = None
    comments: list[Comment] | None = None
    referenced: set[str] | None = None
    # A session that failed validation: its partial model, its unknown fields, its positions.
    partial: tuple[Session, frozenset[str], SourceMap, Indexes] | None = None
    # The preset it extends and the fields it inherited (see ``_Inherited``).
    extended: tuple[str, int] | None = None


class _Inherited(NamedTuple):
    """A clean session file that extends a preset: its resolved model, the preset it extends
    and the fields it inherited (bits over ``presets.FIELDS``: small to hand back)."""

    model: Session
    preset: str
    mask: int


def _load_session(
    path: str, overlay: Mapping[str, bytes] | None = None, presets: Presets | None = None
) -> Session | _Loaded | _Inherited:
    problems: list[Diagnostic] = []
    raw = overlay.get(path) if overlay else None
    if raw is None:
        raw = _read(path, SESSION_FILE_MAX, problems, listed_regular=True)
    if raw is None:
        return _Loaded(None, problems)
    doc = parse_yaml(path, raw, positions=False)
    problems.extend(doc.problems)
    comments = doc.comments or None
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:  # None without a problem: `~` or a bare `---`
            problems.append(_not_mapping(path, data, "a session file holds a mapping of fields"))
        return _Loaded(None, problems, comments)
    lazy = LazyPositions(path, raw, doc.source_map)
    inherited: frozenset[str] = frozenset()
    unresolved = False
    extended = None
    if EXTENDS in data:  # resolution: the session as if written out in full
        resolution = resolve_session(data, presets, path, lazy, problems)
        data, inherited, unresolved = resolution.data, resolution.inherited, resolution.unresolved
        if resolution.preset is not None:
            extended = (resolution.preset, resolution.mask)
    entry = validate(Session, data, path, lazy, (), problems, inherited, unresolved=unresolved)
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
        model, unknown = partial_model(Session, data, tainted, indexes)
        partial = (model, unknown, lazy(), indexes)
        return _Loaded(None, problems, comments, _references(data), partial, extended)
    if problems or comments:
        return _Loaded(entry.model, problems or None, comments, None, None, extended)
    if extended is not None:
        return _Inherited(entry.model, *extended)
    return entry.model


def _load_catalogue(path: Path, raw: bytes, model: type[M]) -> _FileResult[M]:
    problems: list[Diagnostic] = []
    doc = parse_yaml(path, raw)
    problems.extend(doc.problems)
    result: _FileResult[M] = _FileResult([], problems, doc.comments, set())
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:  # None without a problem: `~` or a bare `---`
            problems.append(_not_mapping(path, data, f"{path.name} maps ids to entries ({{}} when empty)"))
        elif problems[-1].code == NOT_A_MAPPING.code:  # an empty file
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
                WRONG_TYPE.at(
                    path,
                    smap.value((key,)),
                    f"'{key}' must be a mapping describing {what}, not {describe(value)}",
                )
            )
            result.invalid.add(key)
            continue
        entry = validate(model, value, path, lambda: smap, (key,), problems)
        if entry is None:
            result.invalid.add(key)
            indexes: Indexes = {}
            partial, unknown = partial_model(model, value, tainted_fields(smap, (key,)), indexes)
            result.partial.append(Entry(key, partial, path, (key,), smap, unknown, indexes=indexes))
        else:
            result.entries.append(entry)
    return result


def _not_mapping(path: Path | str, data: object, hint: str) -> Diagnostic:
    return NOT_A_MAPPING.at(path, (1, 1), f"the file holds {describe(data)}, not a mapping", hint)


def _valid_name(name: str) -> bool:
    return name_problem(name) is None


def _bad_name(path: Path, pos: tuple[int, int], name: str) -> Diagnostic:
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
