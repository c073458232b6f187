"""Configuration states written as repository files: a session file and the two catalogues (SPEC §2).

The text looks hand-written: keys in the order of SPEC §2, defaults left out, flow lists for
names, colours and prices quoted (``"#0f766e"``, ``"95.00"``). Every value goes through
:func:`sessconf.emit_scalar`, so any text reads back exactly as it was, also text that
lint will reject (``sessconf export`` writes such rows for lint to report).
"""

from __future__ import annotations

from collections.abc import Iterable

from sessconf.plan.state import BillingItemState, LocationState, SessionState
from sessconf.yaml.emit import emit_flow_list, emit_scalar


def session_document(session: SessionState) -> str:
    """``sessions/NAME.yaml`` for ``session``."""
    s = session
    lines = [
        f"name: {emit_scalar(s.name)}",
        f"description: {emit_scalar(s.description)}",
        f"discipline: {emit_scalar(s.discipline)}",
        f"locations: {emit_flow_list(s.locations)}",
        f"color: {emit_scalar(s.color, quote=True)}",
        f"duration: {emit_scalar(s.duration)}",
    ]
    if s.billing_items:
        lines.append("billing_items:")
        for line in s.billing_items:
            if line.quantity == 1:
                lines.append(f"  - {emit_scalar(line.item)}")
            else:
                lines += [
                    f"  - item: {emit_scalar(line.item)}",
                    f"    quantity: {emit_scalar(line.quantity)}",
                ]
    optional: list[tuple[str, object, object]] = [
        ("archived", s.archived, False),
        ("previous_names", s.previous_names, ()),
        ("max_attendees", s.max_attendees, 1),
        ("online_booking", s.online_booking, True),
        ("buffer_before", s.buffer_before, 0),
        ("buffer_after", s.buffer_after, 0),
        ("telehealth", s.telehealth, False),
    ]
    lines += [f"{key}: {_value(value)}" for key, value, default in optional if value != default]
    return "\n".join(lines) + "\n"


def extending_document(name: str, preset: str, fields: dict[str, object]) -> str:
    """``sessions/NAME.yaml`` for a session that extends ``preset``: its name, ``extends`` and the
    ``fields`` it sets itself (plain values: text, numbers, booleans, lists of names, billing
    lines as ``{"item", "quantity"}``), in the order of SPEC §2."""
    lines = [f"name: {emit_scalar(name)}", f"extends: {emit_scalar(preset)}"]
    for key in _ORDER:
        if key not in fields:
            continue
        value = fields[key]
        if key == "billing_items":
            assert isinstance(value, list)
            lines.append("billing_items:")
            for line in value:
                item, quantity = line["item"], line["quantity"]
                if quantity == 1:
                    lines.append(f"  - {emit_scalar(item)}")
                else:
                    lines += [f"  - item: {emit_scalar(item)}", f"    quantity: {emit_scalar(quantity)}"]
        elif key == "color":
            lines.append(f"color: {emit_scalar(str(value), quote=True)}")
        else:
            lines.append(f"{key}: {_value(value)}")
    return "\n".join(lines) + "\n"


_ORDER = (
    "description",
    "discipline",
    "locations",
    "color",
    "duration",
    "billing_items",
    "archived",
    "max_attendees",
    "online_booking",
    "buffer_before",
    "buffer_after",
    "telehealth",
)


def locations_document(locations: Iterable[LocationState]) -> str:
    """``locations.yaml``: ids mapped to entries, in the order given (``{}`` when empty)."""
    entries = []
    for loc in locations:
        fields: list[tuple[str, object]] = [("name", loc.display_name), ("timezone", loc.timezone)]
        if loc.disciplines:
            fields.append(("disciplines", loc.disciplines))
        if loc.address is not None:
            fields.append(("address", loc.address))
        entries.append(_entry(loc.name, fields, loc.archived, loc.previous_names))
    return "".join(entries) or "{}\n"


def billing_items_document(items: Iterable[BillingItemState]) -> str:
    """``billing_items.yaml``: codes mapped to entries, in the order given (``{}`` when empty)."""
    entries = []
    for item in items:
        fields: list[tuple[str, object]] = [
            ("name", item.display_name),
            ("kind", item.kind),
            ("price", _Quoted(f"{item.price:.2f}")),
        ]
        entries.append(_entry(item.name, fields, item.archived, item.previous_names))
    return "".join(entries) or "{}\n"


class _Quoted(str):
    """Text always written in quotes (prices)."""


def _entry(key: str, fields: list[tuple[str, object]], archived: bool, previous: tuple[str, ...]) -> str:
    if archived:
        fields.append(("archived", True))
    if previous:
        fields.append(("previous_names", previous))
    return f"{emit_scalar(key)}:\n" + "".join(f"  {name}: {_value(value)}\n" for name, value in fields)


def _value(value: object) -> str:
    if isinstance(value, tuple | list):
        return emit_flow_list([str(v) for v in value])
    if isinstance(value, _Quoted):
        return emit_scalar(str(value), quote=True)
    if value is None or isinstance(value, str | int):  # bool is an int
        return emit_scalar(value)
    raise TypeError(f"no YAML form for {type(value).__name__}")  # pragma: no cover - a bug
