"""Which (session, location) targets can share one render: the keys of their relevant fields.

A template's output depends on some fields only (see :mod:`sessconf.reminders.dependence`): two
targets whose keyed fields read the same (or, for a field used in conditions only, have the same
truth) render alike, but for the spliced fields. Each field takes its value from the session, the
location, the (location, duration) pair or nothing that varies (:class:`Scope`), so a target's
key is a triple of small ints, one per scope, each computed once per session, location or pair.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from operator import attrgetter
from typing import Any

from sessconf.reminders.check.samples import Samples
from sessconf.reminders.dependence import Dependence, FieldPath, Key
from sessconf.reminders.variables import FIELDS
from sessconf.values import Session

_MISSING = object()


class Scope(IntEnum):
    """Where a field's value comes from in lint: the same for all the targets of a session, of a
    location, of a (location, duration) pair, or for all of them.

    An ``IntEnum``: keys made of it are hashed for every target (a plain ``Enum`` hashes in
    Python, which lint at 10,000 sessions notices)."""

    SESSION = 1
    PLACE = 2
    PAIR = 3
    FIXED = 4


def scope(path: FieldPath) -> Scope:
    if path[0] == "session":
        return Scope.SESSION
    if path[0] == "location" or path == ("appointment", "start"):
        return Scope.PLACE
    if path[0] == "appointment":
        return Scope.PAIR
    return Scope.FIXED


class RenderKeys:
    """The keys of one template's targets, computed once per session field values, location and
    (location, duration) pair."""

    def __init__(self, dependence: Dependence, samples: Samples) -> None:
        self.samples = samples
        keyed: dict[Scope, list[tuple[FieldPath, Key]]] = {s: [] for s in Scope}
        for path in sorted(dependence.keys):
            keyed[scope(path)].append((path, dependence.keys[path]))
        self.keyed = keyed
        self.pair_keyed = bool(keyed[Scope.PAIR])  # some field depends on the duration
        self.interned: dict[tuple[Any, ...], int] = {}
        # a session's key, by the raw values of the session fields it depends on
        names = [name for (_, name), _ in keyed[Scope.SESSION] if name in FIELDS["session"]]
        self.session_getter: Callable[[Session], Any] = attrgetter(*names) if names else lambda model: None
        self.session_keys: dict[Any, int] = {}
        self.place_keys: dict[str, int] = {}

    def session(self, model: Session) -> int:
        """The key of a session (callers in a hurry look up ``session_keys`` by
        ``session_getter(model)`` first)."""
        raw = self.session_getter(model)
        found = self.session_keys.get(raw)
        if found is None:
            found = self.session_keys[raw] = self._key(Scope.SESSION, {"session": model})
        return found

    def place(self, location_id: str) -> int | None:
        """The key of a location; None for a location that is not known (another rule reports it)."""
        found = self.place_keys.get(location_id)
        if found is None and location_id in self.samples.locations:
            found = self.place_keys[location_id] = self._key(Scope.PLACE, self.samples.place(location_id))
        return found

    def pair(self, location_id: str, duration: int) -> int:
        return self._key(Scope.PAIR, {"appointment": self.samples.appointment(location_id, duration)})

    def _key(self, scope: Scope, objects: dict[str, Any]) -> int:
        """The key of ``scope``'s fields, as a small int (some values, datetimes, hash slowly).

        ``objects`` maps variable names to what holds their fields: the variables, or for a
        session its model (lint reads its fields there, without building the variables)."""
        values = []
        for (variable, name), kind in self.keyed[scope]:
            value = getattr(objects[variable], name, _MISSING) if name in FIELDS[variable] else _MISSING
            values.append(value if kind is Key.VALUE else _truth(value))
        return self.interned.setdefault((scope, *values), len(self.interned))


def _truth(value: object) -> tuple[bool, bool]:
    return (value is None, bool(value))
