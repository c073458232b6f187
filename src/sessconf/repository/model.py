"""The loaded repository as values: entities with the file and positions they came from."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from sessconf.codes import Code
from sessconf.diagnostics import Diagnostic
from sessconf.limits import SESSION_FILE_MAX
from sessconf.repository.files import ReadError, read_file
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, PRESETS_FILE, SESSIONS_DIR
from sessconf.settings import Settings
from sessconf.values import BillingItem, Location, Session
from sessconf.yaml.comments import Comment
from sessconf.yaml.positions import KeyPath, Pos, SourceMap

if TYPE_CHECKING:
    from sessconf.repository.presets import Inherits, Presets

M = TypeVar("M")  # the value of an entity: a ``sessconf.values`` tuple (a model while validating)


_NO_FIELDS: frozenset[str] = frozenset()


# field -> for each item a partial model's list kept, its index in the file
Indexes = dict[str, tuple[int, ...]]
_NO_INDEXES: Indexes = {}


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

    A session that extends a preset is resolved: its model holds the inherited fields too, and
    ``inherits`` says which they are. Report a problem in one of its values with :meth:`at` (or
    find it with :meth:`where`): an inherited value is written in ``presets.yaml``, and the
    diagnostic names the session. :meth:`pos` alone gives, for an inherited value, the position
    of the session's ``extends:`` (a position in its own file, where the value comes in).
    """

    __slots__ = (
        "_path",
        "_positions_of",
        "indexes",
        "inherits",
        "model",
        "name",
        "prefix",
        "source_map",
        "unknown",
    )

    def __init__(
        self,
        name: str,
        model: M,
        path: Path | str,
        prefix: KeyPath = (),
        source_map: SourceMap | None = None,
        unknown: frozenset[str] = _NO_FIELDS,
        inherits: Inherits | None = None,
        indexes: Indexes | None = None,
        positions: Callable[[], SourceMap] | None = None,
    ) -> None:
        self.inherits = inherits
        self.name = name
        self.model = model
        self._path = path
        self.prefix = prefix
        self.source_map = source_map
        self.unknown = unknown
        # A partial model's list that kept only its valid items: field -> the file's index of
        # each kept item, so that positions point at the item as written.
        self.indexes = indexes or _NO_INDEXES
        self._positions_of = positions  # where to find the positions (default: parse the file)

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
        """Position of the value at ``sub`` inside this entity (the entity itself with no ``sub``)
        in its own file (for an inherited value: its ``extends:``)."""
        if self.inherits is not None and sub and sub[0] in self.inherits.fields:
            return self._positions().value(("extends",))
        return self._positions().value((*self.prefix, *self._written(sub)))

    def key_pos(self, *sub: str | int) -> tuple[int, int]:
        if self.inherits is not None and sub and sub[0] in self.inherits.fields:
            return self._positions().key(("extends",))
        return self._positions().key((*self.prefix, *self._written(sub)))

    def _written(self, sub: tuple[str | int, ...]) -> tuple[str | int, ...]:
        if self.indexes and len(sub) > 1 and isinstance(sub[1], int) and sub[0] in self.indexes:
            kept = self.indexes[str(sub[0])]
            if 0 <= sub[1] < len(kept):
                return (sub[0], kept[sub[1]], *sub[2:])
        return sub

    def where(self, *sub: str | int) -> tuple[Path, Pos]:
        """The file and position where the value at ``sub`` is written (``presets.yaml`` when it
        is inherited)."""
        inherits = self.inherits
        if inherits is not None and sub and sub[0] in inherits.fields:
            return inherits.preset.where(sub)
        return self.path, self._positions().value((*self.prefix, *self._written(tuple(sub))))

    def at(self, code: Code, sub: KeyPath, message: str, hint: str | None = None) -> Diagnostic:
        """A diagnostic of ``code`` at the value ``sub``, where it is written: in ``presets.yaml``
        for an inherited value, naming this session (see ``presets.merge_inherited``)."""
        inherits = self.inherits
        if inherits is not None and sub and sub[0] in inherits.fields:
            return replace(code.at(*inherits.preset.where(sub), message, hint), inherited_by=(self.name,))
        return code.at(
            self.path, self._positions().value((*self.prefix, *self._written(tuple(sub)))), message, hint
        )

    def source_map_or_read(self) -> SourceMap:
        """The positions of this entity's file (read again when they were not kept)."""
        return self._positions()

    def _positions(self) -> SourceMap:
        if self.source_map is None:
            found = self._positions_of
            self.source_map = source_map_of(self.path) if found is None else found()
        return self.source_map


def source_map_of(path: Path) -> SourceMap:
    """Positions of every value in a session file (re-read; an unreadable file gives an empty map)."""
    from sessconf.yaml.read import parse_yaml  # PyYAML: only when a position is asked for

    try:
        raw = read_file(path, SESSION_FILE_MAX)
    except ReadError:
        return SourceMap()
    return parse_yaml(path, raw).source_map


class Memo(Protocol):
    """Results of whole-repository checks, remembered by a cache for a repository whose every
    input is the same (``repository.cache``): the domain sees only this."""

    def recall(self, name: str) -> list[Diagnostic] | None: ...

    def remember(self, name: str, found: list[Diagnostic]) -> None: ...


@dataclass(slots=True)
class Repository:
    """Everything loaded from a config repository."""

    root: Path
    settings: Settings
    sessions: dict[str, Entry[Session]] = field(default_factory=dict)
    locations: dict[str, Entry[Location]] = field(default_factory=dict)
    billing_items: dict[str, Entry[BillingItem]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # The comments that mention ``sessconf:`` (lint reads its directives there), by file.
    comments: dict[Path, list[Comment]] = field(default_factory=dict)
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
    # presets.yaml, read and resolved (None when the repository has none: it is optional)
    presets: Presets | None = None
    # Every file read, in order; session files as the text of their path until asked for.
    _files: list[Path | str] = field(default_factory=list, repr=False)
    _file_paths: list[Path] | None = field(default=None, repr=False, compare=False)
    # What cross-file checks found last time the repository was the same (a cache), if any.
    memo: Memo | None = field(default=None, repr=False, compare=False)

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
    def presets_path(self) -> Path:
        return self.root / PRESETS_FILE

    @property
    def sessions_dir(self) -> Path:
        return self.root / SESSIONS_DIR
