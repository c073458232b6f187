"""``sessconf list`` and ``sessconf show``: sessions as the store holds them, as text or JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sessconf.diagnostics import count
from sessconf.output import Context, Styles
from sessconf.output.jsonfmt import dumps
from sessconf.output.table import columns, ljust, width
from sessconf.plan.state import SessionState, to_plain
from sessconf.plan.view import SessionView, Which

if TYPE_CHECKING:
    from sessconf.operations.resolved import ResolvedSession

_HEADERS = ("NAME", "DURATION", "DISCIPLINE", "LOCATIONS", "DESCRIPTION")
_NONE = {"bookable": "No bookable sessions", "archived": "No archived sessions", "all": "No sessions"}


Swatch = Callable[[str], str]  # a colour as a block drawn in it (the command line makes one)


def render_list(
    sessions: list[SessionState], which: Which, fmt: str, ctx: Context, swatch: Swatch | None = None
) -> str:
    """The sessions as a table (``swatch``: draw each one's colour before its name)."""
    if fmt == "json":
        return dumps([to_plain(s) for s in sessions])
    if not sessions:
        return f"{_NONE[which]} in the store.\n"
    styles = Styles.of(ctx)
    rows = [
        (
            s.name,
            f"{s.duration} min",
            s.discipline,
            ", ".join(s.locations),
            _one_line(s.description) + (" (archived)" if which == "all" and s.archived else ""),
        )
        for s in sessions
    ]
    header, *body = columns([_HEADERS, *rows])
    lines = [styles.bold(header), *body]
    if swatch is not None:
        lines[0] = "   " + lines[0]
        lines[1:] = [f"{swatch(s.color)} {line}" for s, line in zip(sessions, lines[1:], strict=True)]
    archived = sum(1 for s in sessions if s.archived)
    total = count(len(sessions), "session")
    lines.append(f"{total} ({archived} archived)" if which == "all" else total)
    return "\n".join(lines) + "\n"


def render_show(view: SessionView, fmt: str, ctx: Context, swatch: Swatch | None = None) -> str:
    """One session in full (``swatch``: draw its colour beside the ``#rrggbb``)."""
    if fmt == "json":
        return dumps(view.to_dict())
    styles = Styles.of(ctx)
    s = view.session
    fields = [
        ("description", _one_line(s.description)),
        ("discipline", s.discipline),
        ("color", s.color + (f" {swatch(s.color)}" if swatch is not None else "")),
        ("duration", f"{s.duration} minutes"),
        ("archived", _bool(s.archived)),
        ("previous_names", ", ".join(s.previous_names) or "(none)"),
        ("max_attendees", str(s.max_attendees) + (" (a group session)" if s.max_attendees > 1 else "")),
        ("online_booking", _bool(s.online_booking)),
        ("buffer_before", f"{s.buffer_before} minutes"),
        ("buffer_after", f"{s.buffer_after} minutes"),
        ("telehealth", _bool(s.telehealth)),
    ]
    key_width = max(width(key) for key, _ in fields) + 1
    lines = [styles.bold(f"session {s.name}")]
    lines += [f"  {ljust(key + ':', key_width)} {value}" for key, value in fields]
    lines.append(_usage(view))

    lines.append("locations:")
    name_width = max((width(name) for name, _ in view.locations), default=0)
    for name, loc in view.locations:
        if loc is None:
            lines.append(f"  {ljust(name, name_width)}  (not in the store)")
            continue
        archived = " (archived: takes no bookings)" if loc.archived else ""
        lines.append(f"  {ljust(name, name_width)}  {_one_line(loc.display_name)}, {loc.timezone}{archived}")

    lines.append("billing items:" if view.lines else "billing items: (none)")
    item_width = max((width(line.item) for line in view.lines), default=0)
    prices = [
        f"{line.quantity} × ?"
        if line.unit_price is None
        else f"{line.quantity} × {line.unit_price:.2f} {line.currency}"
        for line in view.lines
    ]
    price_width = max((width(price) for price in prices), default=0)
    for line, price in zip(view.lines, prices, strict=True):
        if line.unit_price is None:
            about = "(not in the store)"
        else:
            about = _one_line(line.name or "") + ("  (archived: not charged)" if line.archived else "")
        lines.append(f"  {ljust(line.item, item_width)}  {ljust(price, price_width)}  {about}")

    total = view.total
    if total is None:
        parts = sorted({f"{line.currency}" for line in view.lines if line.amount is not None})
        lines.append(styles.cyan(f"charges on arrival: items in several currencies ({', '.join(parts)})"))
    else:
        lines.append(styles.cyan(f"charges on arrival: {total:.2f} {view.currency}"))
    return "\n".join(lines) + "\n"


def _usage(view: SessionView) -> str:
    used = view.usage
    if not used.in_use:
        return "usage: no appointment uses it; it can be deleted"
    verb = "uses" if used.appointments == 1 else "use"
    return (
        f"usage: {count(used.appointments, 'appointment')} ({used.future_appointments} booked in the future) "
        f"{verb} it; it cannot be deleted (archive it instead)"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bool(value: bool) -> str:
    return "true" if value else "false"


def render_resolved(view: ResolvedSession, fmt: str, ctx: Context) -> str:
    """A resolved session of the repository, with where each field comes from."""
    if fmt == "json":
        return dumps(
            {
                "name": view.name,
                "path": ctx.rel(view.path),
                "extends": view.extends,
                "presets": list(view.chain),
                "fields": {
                    f.name: {
                        "value": f.value,
                        "from": None
                        if f.path is None or f.pos is None
                        else {
                            "path": ctx.rel(f.path),
                            "line": f.pos[0],
                            "column": f.pos[1],
                            "preset": f.preset,
                        },
                    }
                    for f in view.fields
                },
            }
        )
    from sessconf.output.text import value_text

    styles = Styles.of(ctx)
    head = f"session {view.name} ({ctx.rel(view.path)}"
    head += f", extends {' → '.join(view.chain)})" if view.chain else ")"
    rows = []
    for f in view.fields:
        if f.path is None or f.pos is None:
            where = "(default)"
        else:
            where = f"{ctx.rel(f.path)}:{f.pos[0]}" + (f" ({f.preset})" if f.preset else "")
        rows.append((f.name + ":", value_text(f.value), where))
    key_width = max(len(key) for key, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    lines = [styles.bold(head)]
    lines += [f"  {key:<{key_width}} {value:<{value_width}}  {styles.dim(at)}" for key, value, at in rows]
    return "\n".join(lines) + "\n"
