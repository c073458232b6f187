"""Validation: an entity's values against its model, pydantic's errors as positioned diagnostics.

An entity that fails keeps what validates of it, field by field (:func:`partial_model`), so that
lint checks its other fields anyway: one broken field hides none of the others' problems.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sessconf.codes import Code, all_codes
from sessconf.codes.advice import YAML11_BOOLEAN
from sessconf.codes.values import (
    INVALID_NAME,
    INVALID_TEXT,
    INVALID_VALUE,
    MISSING_KEY,
    OUT_OF_RANGE,
    REPEATED_ENTRY,
    UNKNOWN_KEY,
    UNKNOWN_TIMEZONE,
    WRONG_TYPE,
)
from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.model import RANGES, TIMEZONE_MAX, name_problem
from sessconf.repository.model import Entry
from sessconf.yaml.positions import KeyPath, SourceMap
from sessconf.yaml.read import parse_yaml

M = TypeVar("M", bound=BaseModel)


def tainted_fields(smap: SourceMap, prefix: KeyPath) -> set[str]:
    """The fields of the entity at ``prefix`` whose value YAML misread (reported already)."""
    depth = len(prefix)
    return {
        str(path[depth])
        for path in smap.tainted
        if len(path) > depth and path[:depth] == prefix and isinstance(path[depth], str)
    }


def partial_model(
    model: type[M],
    data: Mapping[str, object],
    skip: Collection[str],
    indexes: dict[str, tuple[int, ...]] | None = None,
) -> tuple[M, frozenset[str]]:
    """What validates of an entity that failed validation, field by field, and its unknown fields.

    Each field of ``data`` (but those of ``skip``, misread by YAML) is validated on its own: the
    models' fields do not depend on each other. A field that does not validate, or is missing, is
    unknown and holds a neutral value: its default when it has one, else ``""``, ``0`` or ``[]``,
    which no rule mistakes for a value (no valid name or colour is empty, no list item is listed
    in an empty list). The result is not a valid model: only lint rules may see it.

    A list that fails for some of its items keeps the others (each validated on its own, the
    first of a repeated item kept), so that one bad entry of ``locations`` or ``billing_items``
    does not take the rest out of the checks; ``indexes`` receives, per such list, the file's
    index of each kept item (see ``Entry.indexes``).
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
            kept = _valid_items(model, instance, name, data[name])
            if kept is not None:
                if indexes is not None:
                    indexes[name] = kept
                continue
        elif name not in data and not info.is_required():
            continue  # absent: its default is its value
        unknown.add(name)
        if info.is_required():
            instance.__dict__[name] = _neutral(info.annotation)
        else:
            instance.__dict__[name] = info.get_default(call_default_factory=True)
    return instance, frozenset(unknown)


def _valid_items(model: type[M], instance: M, name: str, value: object) -> tuple[int, ...] | None:
    """Assign to ``instance.name`` the items of the list ``value`` that validate on their own (the
    first of a repeated one); the file's index of each, or None when no item is kept."""
    if not isinstance(value, list) or len(value) > _ITEMS_CHECKED:
        return None
    validator = model.__pydantic_validator__
    kept: list[int] = []
    for index, item in enumerate(value):
        try:
            validator.validate_assignment(instance, name, [value[i] for i in kept] + [item])
        except ValidationError:
            continue
        kept.append(index)
    if not kept:
        return None
    validator.validate_assignment(instance, name, [value[i] for i in kept])
    return tuple(kept)


_ITEMS_CHECKED = 200  # a longer list that fails is left unknown (each item costs a validation)


def _neutral(annotation: object) -> object:
    origin = getattr(annotation, "__origin__", annotation)
    if origin is list:
        return []
    if origin is int:
        return 0
    if origin is Decimal:
        return Decimal(0)
    return ""


class LazyPositions:
    """A session file's source map, parsed again only when a problem needs a position."""

    __slots__ = ("notes", "path", "raw", "smap")

    def __init__(self, path: Path | str, raw: bytes, partial: SourceMap) -> None:
        self.path, self.raw, self.notes = path, raw, partial.notes
        self.smap: SourceMap | None = None

    def __call__(self) -> SourceMap:
        if self.smap is None:
            self.smap = parse_yaml(self.path, self.raw).source_map
        return self.smap


def validate(
    model: type[M],
    data: dict[str, object],
    path: Path | str,
    positions: Callable[[], SourceMap],
    prefix: KeyPath,
    problems: list[Diagnostic],
    inherited: Collection[str] = (),
    *,
    unresolved: bool = False,
) -> Entry[M] | None:
    """``data`` as a valid model, or None with its problems among ``problems``.

    ``inherited``: the fields a session took from its presets, whose errors are reported at the
    preset (once, not once per session). ``unresolved``: the session's presets could not be
    resolved (reported already), so a missing key may be one they would have given.
    """
    notes = positions.notes if isinstance(positions, LazyPositions) else positions().notes
    if notes:
        problems.extend(yaml11_booleans(model, path, notes, positions, prefix))
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        found = schema_diagnostics(exc, model, path, positions(), prefix, inherited)
        if unresolved:
            found = [d for d in found if d.code != MISSING_KEY.code]
        problems.extend(found)
        problems.extend(_hidden_repeats(exc, model, data, path, positions(), prefix))
        return None
    name = str(prefix[0]) if prefix else str(data["name"])
    if isinstance(positions, LazyPositions):
        return Entry(name, instance, path, prefix)
    return Entry(name, instance, path, prefix, positions())


def _hidden_repeats(
    exc: ValidationError,
    model: type[BaseModel],
    data: Mapping[str, object],
    path: Path | str,
    smap: SourceMap,
    prefix: KeyPath,
) -> Iterator[Diagnostic]:
    """A repeated item of a list that also holds a bad item: pydantic checks repeats only once every
    item validates, so the repeat would show only after the bad item is fixed."""
    errors = exc.errors(include_url=False)
    repeated = {err["loc"][0] for err in errors if err["type"] == REPEATED_ENTRY.name and err["loc"]}
    fields = {
        str(err["loc"][0])
        for err in errors
        if len(err["loc"]) > 1 and isinstance(err["loc"][1], int) and err["loc"][0] not in repeated
    }
    validator = model.__pydantic_validator__
    for name in sorted(fields):
        items = data.get(name)
        if not isinstance(items, list) or len(items) > _ITEMS_CHECKED:
            continue
        seen: set[object] = set()
        instance = model.model_construct()
        for index, item in enumerate(items):
            try:
                validator.validate_assignment(instance, name, [item])
            except ValidationError:
                continue
            (valid,) = getattr(instance, name)
            key = getattr(valid, "item", valid)
            if key in seen:
                full = (*prefix, name, index)
                yield REPEATED_ENTRY.at(
                    path,
                    smap.value(full),
                    f"{_label(full)}: '{key}' is listed twice",
                    _hint(REPEATED_ENTRY.name, (name, index), key),
                )
                break  # as pydantic does: the first repeat
            seen.add(key)


def yaml11_booleans(
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
            yield YAML11_BOOLEAN.at(
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
    exc: ValidationError,
    model: type[BaseModel],
    path: Path | str,
    smap: SourceMap,
    prefix: KeyPath,
    skip: Collection[str] = (),
) -> list[Diagnostic]:
    """Turn pydantic's errors into diagnostics with stable codes, positions and human sentences
    (but those of the fields of ``skip``, reported elsewhere)."""
    out = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        loc: tuple[str | int, ...] = tuple(err["loc"])
        if skip and loc and loc[0] in skip:
            continue
        ctx = err.get("ctx") or {}
        if "index" in ctx:
            loc = (*loc, ctx["index"])
        full = (*prefix, *loc)
        if smap.is_tainted(full):
            continue  # YAML misread this value (reported already): the schema error would repeat it
        label = _label(full)
        rule: Code
        hint = None
        if kind == "missing":
            rule, pos = MISSING_KEY, smap.value(full[:-1])
            owner = _label(full[:-1]) if len(full) > 1 else "the session"
            message = f"{owner} is missing the required key '{loc[-1]}'"
        elif kind == "extra_forbidden":
            rule, pos = UNKNOWN_KEY, smap.key(full)
            fields = _fields_at(model, loc[:-1])
            message = f"unknown key '{loc[-1]}'"
            hint = did_you_mean(str(loc[-1]), fields)
            if hint is None and fields:
                hint = "known keys: " + ", ".join(fields)
        elif kind in ("string_pattern_mismatch", "string_too_long"):
            rule, pos = INVALID_NAME, smap.value(full)
            message = f"{label}: {name_problem(str(err['input']))}"
        elif kind in ("greater_than_equal", "less_than_equal"):
            rule, pos = OUT_OF_RANGE, smap.value(full)
            low, high, unit = RANGES[str(loc[-1])]
            bounds = f"{low}–{high}" if high is not None else f"at least {low}"
            message = f"{label} {err['input']} is out of range ({bounds}{unit})"
        elif kind == "too_short":
            rule, pos = INVALID_VALUE, smap.value(full)
            message = f"{label} is empty; list at least one"
        elif kind in _CODES_BY_NAME and kind != WRONG_TYPE.name:
            rule, pos = _CODES_BY_NAME[kind], smap.value(full)
            message = f"{label}: {err['msg']}"
            hint = _hint(kind, loc, err["input"])
        elif kind == "literal_error":
            rule, pos = INVALID_VALUE, smap.value(full)
            message = f"{label}: {describe(err['input'])} is not allowed; use {ctx.get('expected')}"
        elif err["input"] is None and str(smap.notes.get(full, "")).startswith("#"):
            continue  # an unquoted '#colour', reported by the loader as unquoted-hash
        else:
            rule, pos = WRONG_TYPE, smap.value(full)
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
    if kind == REPEATED_ENTRY.name and loc[:1] == ("billing_items",):
        return "list it once, with a quantity"
    if kind == INVALID_TEXT.name and isinstance(value, str):
        text = value.strip()
        if any(char in text for char in "\n\r\x85\u2028\u2029"):
            return "write it on one line: a folded block, marked >, joins its lines with spaces"
        if "\t" in text:
            return "write spaces instead of the tab"
        return None
    if kind == UNKNOWN_TIMEZONE.name:
        text = str(value)[:TIMEZONE_MAX]
        if text in _LEGACY_ZONES:
            return f"did you mean '{_LEGACY_ZONES[text]}'?"
        return did_you_mean(text, _timezones()) or "use an IANA time zone name such as America/Toronto"
    return None


# what the legacy names of North American and common zones stand for
_LEGACY_ZONES = {
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "EST": "America/Panama",
    "MST": "America/Phoenix",
    "HST": "Pacific/Honolulu",
    "GMT": "UTC",
    "GMT0": "UTC",
}


def _timezones() -> set[str]:
    import zoneinfo

    return {zone for zone in zoneinfo.available_timezones() if "/" in zone or zone in ("UTC",)}


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


_CODES_BY_NAME: dict[str, Code] = {c.name: c for c in all_codes()}
