"""``sessconf show NAME --resolved``: a session of the repository as its presets resolve it, and
where each of its fields comes from (SPEC §2 "Presets")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sessconf.errors import SessconfError
from sessconf.repository.load import load_repository
from sessconf.repository.presets import FIELDS, sources
from sessconf.yaml.positions import Pos


@dataclass(frozen=True, slots=True)
class FieldSource:
    """One field of a resolved session: its value (as JSON would hold it) and where it is written
    (None: the field's default)."""

    name: str
    value: object
    path: Path | None
    pos: Pos | None
    preset: str | None  # the preset it is inherited from


@dataclass(frozen=True, slots=True)
class ResolvedSession:
    name: str
    path: Path
    extends: str | None
    chain: tuple[str, ...]  # the presets it inherits from, nearest first
    fields: tuple[FieldSource, ...]


def resolved_session(root: Path, name: str) -> ResolvedSession:
    """The session ``name`` of the repository at ``root``, resolved (refused when it does not lint)."""
    repo = load_repository(root, jobs=1)
    entry = repo.sessions.get(name)
    if entry is None:
        if any(partial.name == name for partial in repo.partial_sessions):
            raise SessconfError(f"the session '{name}' has errors", "run `sessconf lint` to see them")
        raise SessconfError(
            f"no session '{name}' in the repository", f"sessions are the files of {repo.sessions_dir}"
        )
    values = {name: _plain(value) for name, value in entry.model._asdict().items()}
    inherits = entry.inherits
    chain: list[str] = []
    if inherits is not None:
        preset = inherits.preset
        by_name = preset.file.by_name
        current = by_name.get(preset.name)
        while current is not None and current.name not in chain:
            chain.append(current.name)
            current = by_name.get(current.extends) if current.extends is not None else None
    where = sources(entry, entry.path)
    fields = []
    for field in FIELDS:
        found = where[field]
        origin = None
        if inherits is not None and field in inherits.fields:
            origin = inherits.preset.origin[field]
        path, pos = found if found is not None else (None, None)
        fields.append(FieldSource(field, values[field], path, pos, origin))
    return ResolvedSession(name, entry.path, chain[0] if chain else None, tuple(chain), tuple(fields))


def _plain(value: object) -> object:
    """A value as JSON would hold it: a named tuple (a billing line) as a mapping."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
