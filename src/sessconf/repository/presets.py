"""Presets: ``presets.yaml`` read and resolved, and sessions resolved against it (SPEC §2).

A preset is a named set of session fields; a session (or another preset) names one with
``extends:``. The resolved session is the chain of presets, furthest first, then the session's own
keys: a key set closer wins whole (lists are replaced, never merged).

Positions survive inheritance. Each preset field is validated once, on its own (the model's
fields do not depend on each other), and its problems are reported at its line in
``presets.yaml``, naming the sessions that inherit it; a session's validation skips the fields it
inherits. An :class:`Entry` of a resolved session knows which of its fields it inherited
(:class:`Inherits`), so the lint rules report a problem in an inherited value where it is written
(``Entry.where``), and :func:`merge_inherited` turns the same problem found in many sessions into
one diagnostic: "used by 40 sessions: a, b, c, …".

Resolution is cheap and happens where each session file is validated (in the loader's workers):
presets are read first, in the main process, and the workers inherit them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sessconf.codes.files import NOT_A_MAPPING
from sessconf.codes.presets import PRESET_CYCLE, PRESET_KEY, UNKNOWN_PRESET
from sessconf.codes.values import INVALID_NAME, WRONG_TYPE
from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.repository.files import Failure, ReadError, read_file, unreadable
from sessconf.repository.layout import PRESETS_FILE
from sessconf.values import Session as SessionValue
from sessconf.yaml.comments import Comment
from sessconf.yaml.positions import KeyPath, Pos, SourceMap

if TYPE_CHECKING:
    from sessconf.model import Session
    from sessconf.repository.model import Entry
    from sessconf.repository.validate import M

# pydantic, the model and the YAML parser are imported where they are used: a cached lint
# needs only the presets' plain parts (``repository.cache``), and none of them.

EXTENDS = "extends"
# Fields that identify a session: a preset cannot set them.
IDENTITY = frozenset({"name", "previous_names"})
FIELDS: tuple[str, ...] = SessionValue._fields  # the model's fields (tests/test_values.py)
_BIT = {name: 1 << index for index, name in enumerate(FIELDS)}
_SHOWN = 5  # sessions named in a note before "…"


@dataclass(slots=True, eq=False)
class Preset:
    """One preset of ``presets.yaml``: its own fields as written, and its chain resolved."""

    name: str
    extends: str | None  # the preset it extends, when that is written as text
    fields: dict[str, object]  # its own session fields, as written
    file: Presets = field(repr=False)
    # The chain resolved: every field, furthest preset first, and the preset each value comes from.
    values: dict[str, object] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    broken: bool = False  # the chain names an unknown preset, or loops
    # What a session that sets none of the chain's fields inherits (the usual case, made once).
    keys: frozenset[str] = frozenset()
    mask: int = 0

    def where(self, sub: KeyPath) -> tuple[Path, Pos]:
        """Where the inherited value at ``sub`` (a field, and inside it) is written."""
        owner = self.origin.get(str(sub[0]), self.name)
        return self.file.path, self.file.source_map.value((owner, *sub))


@dataclass(slots=True, eq=False)
class Presets:
    """``presets.yaml``, read and resolved."""

    path: Path
    # The file read without positions (fast; it knows the misread values), and with them, read
    # again when a position is first needed (a problem, ``show --resolved``).
    light: SourceMap = field(default_factory=SourceMap)
    raw: bytes = field(default=b"", repr=False)
    _full: SourceMap | None = field(default=None, repr=False)
    by_name: dict[str, Preset] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    # Problems of a preset's own field, by (preset, field): reported naming who inherits it.
    field_problems: list[tuple[str, str, Diagnostic]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    readable: bool = True  # False: the file could not be read; extends are then not checked
    invalid: set[str] = field(default_factory=set)  # ids written, but not as a preset (reported)
    digest: str = ""  # of the file's bytes: the presets' part of a cache key
    _inheritances: dict[tuple[str, int], Inherits] = field(default_factory=dict, repr=False)

    @property
    def source_map(self) -> SourceMap:
        """Where each value of presets.yaml is written."""
        if self._full is None:
            from sessconf.yaml.read import parse_yaml

            self._full = parse_yaml(self.path, self.raw).source_map if self.raw else self.light
        return self._full

    def inheritance(self, preset: str, mask: int) -> Inherits | None:
        """What a session that extends ``preset`` inherited, from the worker's mask of fields
        (one value shared by the sessions that inherit the same fields of the same preset)."""
        known = self._inheritances.get((preset, mask))
        if known is not None:
            return known
        found = self.by_name.get(preset)
        if found is None:
            return None
        fields = frozenset(name for name in FIELDS if mask & _BIT[name])
        made = self._inheritances[preset, mask] = Inherits(found, fields)
        return made


class Inherits(NamedTuple):
    """What a resolved session took from its presets: the preset it extends and the fields."""

    preset: Preset
    fields: frozenset[str]


def load_presets(root: Path, limit: int, overlay: Mapping[str, bytes] | None = None) -> Presets | None:
    """``presets.yaml`` at ``root``, read and resolved, or None when there is none (it is optional).

    ``overlay`` maps paths (as text) to bytes read instead of the disk's (an editor's buffer)."""
    path = root / PRESETS_FILE
    presets = Presets(path)
    try:
        raw = overlay.get(str(path)) if overlay else None
        if raw is None:
            raw = read_file(path, limit)
    except ReadError as exc:
        if exc.failure is Failure.MISSING:
            return None
        presets.readable = False
        presets.problems.append(
            unreadable(path, exc, too_large_hint="raise max_file_size in [tool.sessconf] if this is intended")
        )
        return presets
    presets.digest = hashlib.sha256(raw).hexdigest()
    from sessconf.repository.validate import describe
    from sessconf.yaml.read import parse_yaml

    doc = parse_yaml(path, raw, positions=False)  # before the workers start: keep it short
    presets.light, presets.raw, presets.comments = doc.source_map, raw, doc.comments
    problems = presets.problems
    problems.extend(doc.problems)
    data = doc.data
    if not isinstance(data, dict):
        if data is not None or not doc.problems:
            problems.append(
                NOT_A_MAPPING.at(
                    path,
                    (1, 1),
                    f"the file holds {describe(data)}, not a mapping",
                    "presets.yaml maps preset ids to session fields ({} when empty)",
                )
            )
        elif problems[-1].code == NOT_A_MAPPING.code:  # an empty file
            problems[-1] = replace(problems[-1], hint="write {} in it, or remove it")
        presets.readable = not any(p.code != NOT_A_MAPPING.code for p in doc.problems)
        return presets
    for key, value in data.items():
        preset = _read_preset(presets, key, value)
        if preset is not None:
            presets.by_name[key] = preset
        else:
            presets.invalid.add(key)
    _resolve_chains(presets)
    return presets


def check_presets(presets: Presets) -> None:
    """Validate each preset's own fields, each on its own, at its line in presets.yaml (the
    problems go to ``field_problems``). Sessions do not wait for it: the loader runs it while
    its workers resolve the session files."""
    from sessconf.model import Session

    instance = _blank(Session)  # one for all: only the errors of validate_assignment are used
    for preset in presets.by_name.values():
        _check_fields(presets, preset, instance)


def _read_preset(presets: Presets, key: str, value: object) -> Preset | None:
    from sessconf.model import name_problem
    from sessconf.repository.validate import describe

    path, problems = presets.path, presets.problems
    problem = name_problem(key)
    if problem is not None:
        problems.append(INVALID_NAME.at(path, presets.source_map.key((key,)), problem))
        return None
    if not isinstance(value, dict):
        problems.append(
            WRONG_TYPE.at(
                path,
                presets.source_map.value((key,)),
                f"preset '{key}' must be a mapping of session fields, not {describe(value)}",
            )
        )
        return None
    preset = Preset(key, None, {}, presets)
    for name, item in value.items():
        if name == EXTENDS:
            if isinstance(item, str):
                preset.extends = item
            else:
                problems.append(
                    WRONG_TYPE.at(
                        path,
                        presets.source_map.value((key, name)),
                        f"{key}.extends must be a preset id, not {describe(item)}",
                    )
                )
                preset.broken = True
        elif name in IDENTITY:
            problems.append(
                PRESET_KEY.at(
                    path,
                    presets.source_map.key((key, name)),
                    f"a preset cannot set '{name}': it is each session's own",
                    f"write {name} in the session files",
                )
            )
        elif name not in _BIT:
            settable = [f for f in FIELDS if f not in IDENTITY]
            problems.append(
                PRESET_KEY.at(
                    path,
                    presets.source_map.key((key, name)),
                    f"unknown key '{name}': not a session field",
                    did_you_mean(name, [*settable, EXTENDS])
                    or "a preset sets session fields: " + ", ".join(settable),
                )
            )
        else:
            preset.fields[name] = item
    return preset


def _check_fields(presets: Presets, preset: Preset, instance: Session) -> None:
    from pydantic import ValidationError

    from sessconf.model import Session
    from sessconf.repository.validate import schema_diagnostics, yaml11_booleans

    path, light, prefix = presets.path, presets.light, (preset.name,)
    validator = Session.__pydantic_validator__
    out = presets.field_problems
    if light.notes:
        smap = presets.source_map
        at = {smap.value((*prefix, name)): name for name in preset.fields}
        for problem in yaml11_booleans(Session, path, light.notes, lambda: smap, prefix):
            out.append((preset.name, at.get((problem.line, problem.column), ""), problem))
    for name, value in preset.fields.items():
        if light.is_tainted((*prefix, name)):
            continue  # YAML misread it: reported already
        try:
            validator.validate_assignment(instance, name, value)
        except ValidationError as exc:
            found = schema_diagnostics(exc, Session, path, presets.source_map, prefix)
            out.extend((preset.name, name, p) for p in found)


def _blank(model: type[M]) -> M:
    return model.model_construct()  # the defaults, and nothing else


def _resolve_chains(presets: Presets) -> None:
    """Resolve every preset's chain; report unknown presets and cycles (each cycle once)."""
    by_name, path = presets.by_name, presets.path
    reported_cycles: set[frozenset[str]] = set()
    for preset in by_name.values():
        if preset.extends is not None and preset.extends not in by_name.keys() | presets.invalid:
            presets.problems.append(
                UNKNOWN_PRESET.at(
                    path,
                    presets.source_map.value((preset.name, EXTENDS)),
                    f"preset '{preset.name}' extends an unknown preset '{preset.extends}'",
                    did_you_mean(preset.extends, by_name),
                )
            )
    order = list(by_name)
    for preset in by_name.values():
        chain = [preset]
        seen = {preset.name}
        current = preset
        while current.extends is not None and not current.broken:
            parent = by_name.get(current.extends)
            if parent is None:
                preset.broken = True
                break
            if parent.name in seen:
                cycle = chain[[p.name for p in chain].index(parent.name) :]
                members = frozenset(p.name for p in cycle)
                if members not in reported_cycles:
                    reported_cycles.add(members)
                    first = min(cycle, key=lambda p: order.index(p.name))
                    start = cycle.index(first)
                    names = [p.name for p in cycle[start:] + cycle[:start]]
                    presets.problems.append(
                        PRESET_CYCLE.at(
                            path,
                            presets.source_map.value((first.name, EXTENDS)),
                            "presets extend each other in a cycle: " + " → ".join([*names, names[0]]),
                            "remove one of these extends",
                        )
                    )
                preset.broken = True
                break
            chain.append(parent)
            seen.add(parent.name)
            current = parent
        if current.broken:
            preset.broken = True
        if preset.broken:
            continue
        for link in reversed(chain):  # furthest first: a key set closer wins whole
            for name, value in link.fields.items():
                preset.values[name] = value
                preset.origin[name] = link.name
        preset.keys = frozenset(preset.values)
        for name in preset.values:
            preset.mask |= _BIT[name]


class Resolution(NamedTuple):
    """A session file's data resolved against its presets (in a loader's worker)."""

    data: dict[str, object]  # the session as if written out in full (without ``extends``)
    preset: str | None  # the preset it extends, when known
    mask: int  # the fields it inherited, as bits over FIELDS
    inherited: frozenset[str]
    unresolved: bool  # its presets could not be resolved: a missing key may be theirs


_NOTHING: frozenset[str] = frozenset()


def resolve_session(
    data: dict[str, object],
    presets: Presets | None,
    path: Path | str,
    positions: Callable[[], SourceMap],
    problems: list[Diagnostic],
) -> Resolution:
    """The session of ``data`` (which has an ``extends`` key) resolved against ``presets``."""
    from sessconf.repository.validate import describe

    own = dict(data)
    wanted = own.pop(EXTENDS)
    if not isinstance(wanted, str):
        problems.append(
            WRONG_TYPE.at(
                path, positions().value((EXTENDS,)), f"extends must be a preset id, not {describe(wanted)}"
            )
        )
        return Resolution(own, None, 0, _NOTHING, True)
    preset = presets.by_name.get(wanted) if presets is not None else None
    if preset is None:
        if presets is None or (presets.readable and wanted not in presets.invalid):
            hint = (
                did_you_mean(wanted, presets.by_name) if presets is not None and presets.by_name else None
            ) or f"define it in {PRESETS_FILE}"
            where = "" if presets is not None else f" (there is no {PRESETS_FILE})"
            problems.append(
                UNKNOWN_PRESET.at(
                    path, positions().value((EXTENDS,)), f"unknown preset '{wanted}'{where}", hint
                )
            )
        return Resolution(own, None, 0, _NOTHING, True)
    if preset.broken:
        return Resolution(own, wanted, 0, _NOTHING, True)  # reported at the preset
    values = preset.values
    overridden = preset.keys.intersection(own)
    if not overridden:  # the usual case: what the chain gives, and the session's other keys
        return Resolution({**values, **own}, wanted, preset.mask, preset.keys, False)
    mask = preset.mask
    for key in overridden:
        mask &= ~_BIT[key]
    return Resolution({**values, **own}, wanted, mask, preset.keys - overridden, False)


# -- after loading ------------------------------------------------------------------------------


def inheritors(entries: Iterable[Entry[SessionValue]]) -> dict[tuple[str, str], list[str]]:
    """(preset, field) -> the sessions that inherit that preset's value of that field."""
    found: dict[tuple[str, str], list[str]] = {}
    for entry in entries:
        inherits = entry.inherits
        if inherits is None:
            continue
        origin = inherits.preset.origin
        for name in inherits.fields:
            found.setdefault((origin[name], name), []).append(entry.name)
    return found


def field_problems(presets: Presets, entries: Iterable[Entry[SessionValue]]) -> list[Diagnostic]:
    """The problems of the presets' own fields, each naming the sessions that inherit it."""
    if not presets.field_problems:
        return []
    users = inheritors(entries)
    return [
        replace(problem, inherited_by=tuple(sorted(users.get((preset, name), ()))))
        for preset, name, problem in presets.field_problems
    ]


def used_presets(presets: Presets, extended: Iterable[str]) -> set[str]:
    """The presets that ``extended`` (the presets sessions extend) use, through their chains."""
    used: set[str] = set()
    by_name = presets.by_name
    for name in extended:
        current = by_name.get(name)
        while current is not None and current.name not in used:
            used.add(current.name)
            current = by_name.get(current.extends) if current.extends is not None else None
    return used


def merge_inherited(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per problem in an inherited value, however many sessions inherit it.

    The sessions' diagnostics at the same value of ``presets.yaml`` with the same code, message
    and hint become one, whose message names the sessions (``used by 3 sessions: a, b, c``).
    """
    out: list[Diagnostic] = []
    merged: dict[tuple[object, ...], int] = {}
    users: dict[int, set[str]] = {}
    for d in diagnostics:
        if not d.inherited_by:
            out.append(d)
            continue
        key = (d.path, d.line, d.column, d.code, d.message, d.hint, d.severity)
        index = merged.get(key)
        if index is None:
            merged[key] = index = len(out)
            users[index] = set()
            out.append(d)
        users[index].update(d.inherited_by)
    for index, names in users.items():
        d = out[index]
        ordered = tuple(sorted(names))
        out[index] = replace(d, message=f"{d.message} ({used_by(ordered)})", inherited_by=ordered)
    return out


def used_by(names: tuple[str, ...]) -> str:
    """``used by session a``, ``used by 3 sessions: a, b, c``, ``used by 40 sessions: a, …``."""
    if len(names) == 1:
        return f"used by session {names[0]}"
    shown = ", ".join(names[:_SHOWN]) + (", …" if len(names) > _SHOWN else "")
    return f"used by {len(names)} sessions: {shown}"


def sources(entry: Entry[SessionValue], session_path: Path) -> Mapping[str, tuple[Path, Pos] | None]:
    """Where each field of a resolved session is written (the position of its key), or None for
    a default (``sessconf show NAME --resolved``)."""
    inherits = entry.inherits
    out: dict[str, tuple[Path, Pos] | None] = {}
    smap = entry.source_map_or_read()
    for name in FIELDS:
        if inherits is not None and name in inherits.fields:
            preset = inherits.preset
            file = preset.file
            out[name] = (file.path, file.source_map.key((preset.origin[name], name)))
        elif (name,) in smap.values:
            out[name] = (session_path, smap.key((name,)))
        else:
            out[name] = None
    return out
