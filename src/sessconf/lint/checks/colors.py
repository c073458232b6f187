"""Colour advice (SC310, SC311): calendar colours that staff cannot tell apart or cannot see.

Only bookable sessions are checked (archived ones take no new bookings), as far as their valid
fields go. The colour math is :mod:`sessconf.colors`; each distinct colour and each pair of
distinct colours is computed once, and pairs whose lightness alone sets them far enough apart
are never compared in full, so a repository of thousands of sessions costs little more than the
few colours it uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sessconf import colors
from sessconf.codes.colors import FAINT_COLOR, SIMILAR_COLORS
from sessconf.diagnostics import Diagnostic
from sessconf.lint.checks import check

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext
    from sessconf.repository.model import Entry
    from sessconf.values import Session

# colour -> discipline -> the sessions of that discipline in that colour (sorted by name)
_Palette = dict[str, dict[str, list["Entry[Session]"]]]


def _bookable(ctx: LintContext) -> list[Entry[Session]]:
    """The sessions whose colour is shown on a calendar, by name."""
    found = [
        entry
        for entry in ctx.repo.checked_sessions()
        if not entry.model.archived
        and entry.model.color
        and entry.name
        and not {"color", "archived"} & entry.unknown
    ]
    found.sort(key=lambda entry: entry.name)
    return found


def _warm_up(ctx: LintContext) -> None:
    colors.warm_up(ctx.repo.settings.calendar_background)


@check(FAINT_COLOR, prepare=_warm_up)
def faint_color(ctx: LintContext) -> Iterator[Diagnostic]:
    settings = ctx.repo.settings
    background, least = settings.calendar_background, settings.min_color_contrast
    for entry in ctx.once(_bookable):
        color = entry.model.color
        ratio = colors.contrast(color, background)
        if ratio < least:
            yield entry.at(  # where the colour is written: presets.yaml when it is inherited
                FAINT_COLOR,
                ("color",),
                f"color {color} is faint on the calendar's background {background}: "
                f"contrast {ratio:.2f}:1, below {least:g}:1",
                "pick a deeper shade of the same hue, or lower min_color_contrast",
            )


class _Closest:
    """The closest colour of another discipline found so far for one session."""

    __slots__ = ("delta", "location", "other")

    def __init__(self, delta: float, other: Entry[Session], location: str) -> None:
        self.delta, self.other, self.location = delta, other, location


@check(SIMILAR_COLORS, prepare=_warm_up)
def similar_colors(ctx: LintContext) -> Iterator[Diagnostic]:
    threshold = ctx.repo.settings.min_color_difference
    if threshold <= 0:
        return
    # First the colours alone: location -> colour -> the disciplines shown in it there.
    shown: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for entry in ctx.once(_bookable):
        model = entry.model
        if model.discipline and "discipline" not in entry.unknown:
            for location in model.locations:
                shown[location][model.color].add(model.discipline)
    # Colour pairs are compared once for the whole repository when that is cheaper than once per
    # location (a clinic's few colours), else per location (thousands of distinct colours).
    everywhere: dict[str, set[str]] = defaultdict(set)
    for palette in shown.values():
        for color, used_by in palette.items():
            everywhere[color] |= used_by
    close: dict[str, list[tuple[str, str, float]]] = {}  # location -> (colour, colour, ΔE₀₀)
    if len(everywhere) ** 2 <= sum(len(palette) ** 2 for palette in shown.values()):
        candidates = _close_pairs(everywhere, threshold)
        for location, palette in shown.items():
            pairs = [
                (one, other, delta)
                for one, other, delta in candidates
                if one in palette and other in palette and _mixed(palette[one], palette[other])
            ]
            if pairs:
                close[location] = pairs
    else:
        for location, palette in shown.items():
            pairs = _close_pairs(palette, threshold)
            if pairs:
                close[location] = pairs
    if not close:
        return
    # Then the sessions behind the colours that are too close.
    by_location: dict[str, _Palette] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for entry in ctx.once(_bookable):
        model = entry.model
        if model.discipline and "discipline" not in entry.unknown:
            for location in dict.fromkeys(model.locations):
                if location in close:
                    by_location[location][model.color][model.discipline].append(entry)
    closest: dict[str, _Closest] = {}
    for location in sorted(close):
        sessions = by_location[location]
        for one, another, delta in close[location]:
            _near(closest, sessions, location, one, another, delta)
            if another != one:
                _near(closest, sessions, location, another, one, delta)
    root = ctx.repo.root
    for entry in ctx.once(_bookable):
        found = closest.get(entry.name)
        if found is None:
            continue
        other = found.other
        other_path, (other_line, _) = other.where("color")
        try:
            where = other_path.relative_to(root).as_posix()
        except ValueError:
            where = other_path.as_posix()
        yield entry.at(
            SIMILAR_COLORS,
            ("color",),
            f"color {entry.model.color} is hard to tell from {other.model.color} of session "
            f"'{other.name}' ({other.model.discipline}, {where}:{other_line}) at "
            f"'{found.location}': ΔE₀₀ {found.delta:.1f}, below {threshold:g}",
            "pick colours further apart for different disciplines, or lower min_color_difference",
        )


def _close_pairs(palette: dict[str, set[str]], threshold: float) -> list[tuple[str, str, float]]:
    """The pairs of colours of ``palette`` (colour -> disciplines) closer than ``threshold`` that
    more than one discipline uses, with their ΔE₀₀ (a colour paired with itself: ΔE₀₀ 0)."""
    pairs = [(color, color, 0.0) for color, used_by in palette.items() if len(used_by) > 1]
    reach = threshold * colors.MAX_LIGHTNESS_WEIGHT
    lightness = {color: colors.lightness(color) for color in palette}
    shades = sorted(palette, key=lambda c: (lightness[c], c))
    for i, color in enumerate(shades):
        light, used_by = lightness[color], palette[color]
        for other in shades[i + 1 :]:
            if lightness[other] - light >= reach:
                break  # sorted by lightness: every colour further on is further apart
            if not _mixed(used_by, palette[other]):
                continue
            delta = colors.difference(color, other)
            if delta < threshold:
                pairs.append((color, other, delta))
    return pairs


def _mixed(one: set[str], other: set[str]) -> bool:
    """Whether two colours (or one, twice) show more than one discipline between them."""
    return len(one) > 1 or len(other) > 1 or one != other


def _near(
    closest: dict[str, _Closest], palette: _Palette, location: str, color: str, other: str, delta: float
) -> None:
    """Record, for each session in ``color``, the first session in ``other`` of another
    discipline, if it is closer than what was found before."""
    theirs = palette[other]
    for discipline, sessions in palette[color].items():
        match = next((s[0] for d, s in sorted(theirs.items()) if d != discipline), None)
        if match is None:
            continue
        for entry in sessions:
            known = closest.get(entry.name)
            if known is None or (delta, match.name) < (known.delta, known.other.name):
                closest[entry.name] = _Closest(delta, match, location)
