"""Renders shared by many targets: placeholders for spliced fields, each target's text rebuilt.

A field that a template only copies to the output (see :mod:`sessconf.reminders.dependence`) is
rendered as a placeholder: a marker made of private-use characters, whose truth is the value's.
The output is then read back as literal text and slot indexes, and a target's text is the
literal text with its own values in the slots, which is exact: nothing in the template can tell
the placeholder from the value. A template that holds private-use characters itself, or whose
output cannot be read back unambiguously, is rendered for each target alone.

For the SMS, a render is added up once (see :func:`sessconf.reminders.sms.profile`): its literal
text and fixed fields, and the fields it slots by :class:`~.keys.Scope`, so that the length of
each target's SMS is the sum of a few profiles.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from sessconf.limits import NAME_MAX, TEXT_MAX
from sessconf.reminders import sandbox
from sessconf.reminders.check.keys import Scope, scope
from sessconf.reminders.dependence import Dependence, FieldPath, Key
from sessconf.reminders.sms import basic_length, profile
from sessconf.reminders.templates import Channel, CompiledTemplate, ReminderError
from sessconf.reminders.variables import FIELDS, VARIABLES, ReminderVars
from sessconf.values import Session

_MISSING = object()
_PROFILES_KEPT = 50_000
_PLACEHOLDER = re.compile("\ue000([\ue100-\ue1ff])\ue000")
_PRIVATE = re.compile("[\ue000-\ue1ff]")
# Longest text a field can hold, for the output cap (the model bounds them).
_FIELD_MAX = {"description": TEXT_MAX, "name": TEXT_MAX, "address": TEXT_MAX, "discipline": NAME_MAX}

Pieces = list[str | int]  # literal text, or the index of a spliced field
Fields = tuple[tuple[str, str, int], ...]  # (variable, field, occurrences)


class _Slot:
    """A placeholder for a spliced field: its text is a marker; its truth is the value's."""

    __slots__ = ("text", "truthy")

    def __init__(self, index: int, truthy: bool) -> None:
        self.text = f"\ue000{chr(0xE100 + index)}\ue000"
        self.truthy = truthy

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return self.truthy


class SmsCounts(NamedTuple):
    """What an SMS render adds up to (see :func:`sms.profile`): its literal text and fixed fields,
    and the fields it slots by scope."""

    fixed: int
    session_fields: Fields
    place_fields: Fields
    pair_fields: Fields


class Render:
    """One render shared by the targets with the same key: its parts (part -> pieces, None when
    they could not be spliced), the fields in its slots, or its error; ``overflow`` when some
    target's text might pass the output cap; ``sms``, what its SMS adds up to."""

    __slots__ = ("error", "overflow", "parts", "slots", "sms")

    def __init__(
        self, parts: dict[str, Pieces] | None, slots: list[FieldPath], error: ReminderError | None = None
    ) -> None:
        self.parts, self.slots, self.error = parts, slots, error
        self.overflow = False
        self.sms: SmsCounts | None = None


class Splicer:
    """Renders one channel's template with placeholders, and rebuilds or adds up each target's
    text from such a render."""

    def __init__(self, channel: Channel, compiled: CompiledTemplate, locale: str, clinic_name: str) -> None:
        self.compiled, self.locale, self.clinic_name = compiled, locale, clinic_name
        self.parts: list[tuple[str, str | None]] = [("sms", None)]
        if channel == "email":
            self.parts = [("subject", "subject"), ("body", "body")]
            if compiled.html:
                self.parts.append(("html", "html"))
        dependence = compiled.dependence
        if _PRIVATE.search(compiled.source.text):  # our markers could not be told apart
            keys = {**dependence.keys, **dict.fromkeys(dependence.spliced, Key.VALUE)}
            dependence = Dependence(keys, frozenset())
        self.dependence = dependence
        self.spliced = sorted(dependence.spliced)
        self.profiles: dict[str, int] = {}

    def render(self, variables: ReminderVars) -> Render:
        """Render every part once, with placeholders for the spliced fields."""
        slots: list[FieldPath] = []
        objects = {name: getattr(variables, name) for name in VARIABLES}
        for path in self.spliced:
            value = getattr(objects[path[0]], path[1]) if path[1] in FIELDS[path[0]] else _MISSING
            if value is _MISSING or (self.dependence.keys.get(path) is Key.TRUTH and not value):
                continue  # falsy values are part of the key: the same for every target sharing it
            objects[path[0]] = objects[path[0]]._replace(**{path[1]: _Slot(len(slots), True)})
            slots.append(path)
        parts: dict[str, Pieces] | None = {}
        try:
            for part, block in self.parts:
                pieces = _split(self.compiled.render(objects, self.locale, block), len(slots))
                if pieces is None or parts is None:
                    parts = None
                else:
                    parts[part] = pieces
        except ReminderError as exc:
            return Render(None, slots, exc)
        rendered = Render(parts, slots)
        if parts is not None:
            rendered.overflow = self._may_overflow(rendered)
            if "sms" in parts and not rendered.overflow:
                self._profile_sms(rendered, parts["sms"], variables)
        return rendered

    def render_exactly(self, variables: ReminderVars) -> Render:
        """The slow path: a full render for this target alone."""
        parts: dict[str, Pieces] = {}
        try:
            for part, block in self.parts:
                parts[part] = [self.compiled.render(variables.as_dict(), self.locale, block)]
        except ReminderError as exc:
            return Render(None, [], exc)
        return Render(parts, [])

    def text(self, rendered: Render, part: str, variables: ReminderVars) -> str:
        """A target's text of ``part``, from the render it shares."""
        assert rendered.parts is not None
        pieces = rendered.parts[part]
        if len(pieces) == 1 and isinstance(pieces[0], str):
            return pieces[0]
        values = [str(getattr(getattr(variables, var), name)) for var, name in rendered.slots]
        return "".join(p if isinstance(p, str) else values[p] for p in pieces)

    def fields(self, fields: Fields, holder: Any) -> int:
        """The profile of ``fields`` read from ``holder``: a session's model, or a mapping of
        variable names to their objects."""
        total = 0
        for variable, name, count in fields:
            owner = holder[variable] if isinstance(holder, dict) else holder
            total += count * self._profile(str(getattr(owner, name)))
        return total

    def _profile_sms(self, rendered: Render, pieces: Pieces, variables: ReminderVars) -> None:
        counts: dict[int, int] = {}
        fixed = 0
        for piece in pieces:
            if isinstance(piece, str):
                fixed += self._profile(piece)
            else:
                counts[piece] = counts.get(piece, 0) + 1
        scoped: dict[Scope, list[tuple[str, str, int]]] = {Scope.SESSION: [], Scope.PLACE: [], Scope.PAIR: []}
        for index, count in counts.items():
            variable, name = path = rendered.slots[index]
            where = scope(path)
            if where is Scope.FIXED:
                fixed += count * self._profile(str(getattr(getattr(variables, variable), name)))
            else:
                scoped[where].append((variable, name, count))
        rendered.sms = SmsCounts(
            fixed, tuple(scoped[Scope.SESSION]), tuple(scoped[Scope.PLACE]), tuple(scoped[Scope.PAIR])
        )

    def _profile(self, text: str) -> int:
        found = self.profiles.get(text)
        if found is None:
            if len(self.profiles) >= _PROFILES_KEPT:
                self.profiles.clear()  # texts of renders of one session each: not seen again
            found = self.profiles[text] = profile(text)
        return found

    def _may_overflow(self, rendered: Render) -> bool:
        assert rendered.parts is not None
        for pieces in rendered.parts.values():
            fixed = sum(len(p) for p in pieces if isinstance(p, str))
            slotted = sum(self._field_max(rendered.slots[p]) for p in pieces if isinstance(p, int))
            if fixed + 6 * slotted > sandbox.OUTPUT_CAP:  # 6: escaping can turn '&' into '&amp;'
                return True
        return False

    def _field_max(self, path: FieldPath) -> int:
        if path == ("clinic", "name"):
            return len(self.clinic_name)
        return _FIELD_MAX.get(path[1], 64)


def plain_length(fields: Fields, model: Session) -> int:
    """How many characters ``fields`` add to an SMS, when they are all basic GSM-7 text (one
    septet per character); else a number larger than any room."""
    total = 0
    for _, name, count in fields:
        length = basic_length(str(getattr(model, name)))
        if length < 0:
            return NOT_PLAIN
        total += count * length
    return total


NOT_PLAIN = 1 << 62


def _split(output: str, slots: int) -> Pieces | None:
    """Literal text and slot indexes; None when the markers cannot be read back unambiguously."""
    parts = _PLACEHOLDER.split(output)
    pieces: Pieces = []
    for index, part in enumerate(parts):
        if index % 2:
            slot = ord(part) - 0xE100
            if slot >= slots:
                return None
            pieces.append(slot)
        elif _PRIVATE.search(part):
            return None
        elif part:
            pieces.append(part)
    return pieces
