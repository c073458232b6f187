"""A deterministic, valid config repository of any size, for benchmarks.

    python -m bench.corpus OUT --sessions 10000 [--seed 1] [--families N [--expanded]]

Writes ``OUT/locations.yaml``, ``OUT/billing_items.yaml`` and ``OUT/sessions/NAME.yaml`` (SPEC §2).
Sizes scale with the number of sessions: one location per 20 sessions (at least 3) and one billing
item per 5 sessions (at least 10). Each session offers one discipline at 1–4 locations that offer
it, bills 0–4 items (some with a quantity), lasts a multiple of 15 minutes, and about 5 % are
archived; a few carry the optional fields (buffers, group size, telehealth, previous names).
Descriptions and colours are quoted, as people write them.

With ``families``, sessions come in that many families (SPEC §2 "Presets"): the sessions of a
family share a discipline, locations, a colour and a buffer, written once in ``presets.yaml`` as
the family's preset, which each of them extends (a fifth of them overriding the locations with
their own); with ``expanded`` the same sessions are written out in full instead, without
``presets.yaml``: the two lint alike and resolve to the same sessions.

The result lints clean: no error and no warning. Every location and billing item is used by some
session (or, in a tiny repository, archived), and every session's discipline is offered at each
of its locations. The same ``sessions`` and ``seed`` always give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

# Bump when the generated files change, so cached corpora are regenerated.
FORMAT = 2  # 2: colours from each discipline's palette (colour advice, SC310/SC311)

DISCIPLINES = (
    "acupuncture",
    "physiotherapy",
    "massage",
    "chiropractic",
    "osteopathy",
    "naturopathy",
    "psychotherapy",
    "dietetics",
    "occupational-therapy",
    "speech-therapy",
    "kinesiology",
    "podiatry",
)
# Three shades per discipline (OKLCH lightness 0.40, 0.48, 0.55, chroma 0.16, hues 30° apart): every
# shade stands out on a white calendar (contrast >= 4.5) and differs from every other discipline's
# (CIEDE2000 >= 10), as a clinic's palette would, so the corpus lints clean.
PALETTES = dict(
    zip(
        DISCIPLINES,
        (
            ("#850344", "#9f285a", "#b73f6e"),
            ("#8a0700", "#a52b1e", "#bd4334"),
            ("#6b3900", "#8a4b00", "#a75c00"),
            ("#594500", "#735a00", "#8b6e00"),
            ("#414e00", "#566600", "#687c00"),
            ("#005725", "#007131", "#00893d"),
            ("#005449", "#006d5f", "#008474"),
            ("#00515c", "#006a77", "#008090"),
            ("#004d74", "#006495", "#0079b3"),
            ("#293a9c", "#3c52b6", "#4e68ce"),
            ("#57288f", "#6d41a9", "#8156c0"),
            ("#73176f", "#8c3287", "#a3489d"),
        ),
        strict=True,
    )
)
WORDS = (
    "initial",
    "follow-up",
    "assessment",
    "treatment",
    "extended",
    "short",
    "group",
    "home",
    "virtual",
    "pediatric",
    "sports",
    "prenatal",
    "post-op",
    "review",
    "consult",
    "intensive",
)
ZONES = ("America/Toronto", "America/Vancouver", "America/Edmonton", "America/Halifax", "America/Winnipeg")
AREAS = ("North", "South", "East", "West", "Central")
DURATIONS = (15, 30, 45, 60, 75, 90, 120)
# How many billing items a session lists (mean ≈ 1.7).
ITEM_COUNTS = (0, 1, 1, 2, 2, 3, 4)


def quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(slots=True)
class _Location:
    id: str
    name: str
    timezone: str
    address: str
    disciplines: set[str]
    used: bool = False


@dataclass(slots=True)
class _Item:
    code: str
    name: str
    kind: str
    price: str
    used: bool = False


@dataclass(slots=True)
class _Session:
    name: str
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Family:
    id: str
    discipline: str
    locations: list[_Location]
    color: str
    buffer_after: int
    used: bool = False

    def fields(self) -> list[str]:
        return [
            f"discipline: {self.discipline}",
            f"locations: [{', '.join(loc.id for loc in self.locations)}]",
            f"color: {quoted(self.color)}",
            f"buffer_after: {self.buffer_after}",
        ]


def generate(out: Path, sessions: int, seed: int = 1, families: int = 0, expanded: bool = False) -> None:
    """Write a repository of ``sessions`` sessions into ``out`` (created; existing files are replaced);
    with ``families``, sessions that extend that many presets (written out in full if ``expanded``)."""
    if sessions < 0:
        raise ValueError("the number of sessions must not be negative")
    rnd = random.Random(seed)
    locations = _locations(rnd, max(3, sessions // 20))
    items = _items(rnd, max(10, sessions // 5))
    if families:
        groups = [_family(rnd, i, locations) for i in range(families)]
        bodies = [_member(rnd, i, rnd.choice(groups), locations, items, expanded) for i in range(sessions)]
    else:
        bodies = [_session(rnd, i, locations, items) for i in range(sessions)]
    # A session per catalogue entry would make the corpus bigger than asked: the (few) entries that
    # no session picked are archived instead, which lint accepts without a warning.
    sessions_dir = out / "sessions"
    sessions_dir.mkdir(parents=True, exist_ok=True)
    _write(out / "locations.yaml", _locations_text(locations))
    _write(out / "billing_items.yaml", _items_text(items))
    if families and not expanded:
        _write(out / "presets.yaml", "".join(_preset_text(f) for f in groups if f.used) or "{}\n")
    for body in bodies:
        _write(sessions_dir / f"{body.name}.yaml", "\n".join(body.lines) + "\n")


def _locations(rnd: random.Random, count: int) -> list[_Location]:
    out = []
    for i in range(count):
        offered = set(rnd.sample(DISCIPLINES, rnd.randint(4, len(DISCIPLINES))))
        out.append(
            _Location(
                id=f"loc{i:05d}",
                name=f"Clinic {i} {rnd.choice(AREAS)}",
                timezone=rnd.choice(ZONES),
                address=f"{rnd.randint(1, 999)} Main St, Unit {i}",
                disciplines=offered,
            )
        )
    return out


def _items(rnd: random.Random, count: int) -> list[_Item]:
    out = []
    for i in range(count):
        kind = "service" if rnd.random() < 0.7 else "product"
        price = f"{rnd.randint(0, 400)}.{rnd.choice(('00', '50', '25', '99'))}"
        out.append(_Item(f"item{i:06d}", f"{kind.title()} {i}", kind, price))
    return out


def _session(rnd: random.Random, i: int, locations: list[_Location], items: list[_Item]) -> _Session:
    name = f"s{i:06d}"
    discipline = rnd.choice(DISCIPLINES)
    candidates = [
        loc for loc in rnd.sample(locations, min(len(locations), 12)) if discipline in loc.disciplines
    ]
    if not candidates:
        chosen = rnd.choice(locations)
        chosen.disciplines.add(discipline)  # keep the corpus valid: offer it there
        candidates = [chosen]
    at = candidates[: rnd.randint(1, min(4, len(candidates)))]
    words = " ".join(rnd.sample(WORDS, 2))
    description = f"{discipline.replace('-', ' ').title()} {words} session"
    body = _Session(name)
    lines = body.lines
    lines += [
        f"name: {name}",
        f"description: {quoted(description)}",
        f"discipline: {discipline}",
        f"locations: [{', '.join(loc.id for loc in at)}]",
        f'color: "{rnd.choice(PALETTES[discipline])}"',
        f"duration: {rnd.choice(DURATIONS)}",
    ]
    for loc in at:
        loc.used = True
    count = rnd.choice(ITEM_COUNTS)
    if count:
        lines.append("billing_items:")
        for item in rnd.sample(items, count):
            item.used = True
            if rnd.random() < 0.2:
                lines += [f"  - item: {item.code}", f"    quantity: {rnd.randint(2, 5)}"]
            else:
                lines.append(f"  - {item.code}")
    extra = rnd.random()
    if extra < 0.10:
        lines.append(f"buffer_after: {rnd.choice((5, 10, 15))}")
    elif extra < 0.14:
        lines.append(f"max_attendees: {rnd.randint(2, 12)}")
    elif extra < 0.17:
        lines.append("telehealth: true")
    elif extra < 0.20:
        lines.append("online_booking: false")
    elif extra < 0.22:
        lines.append(f"previous_names: [old-{name}]")
    if rnd.random() < 0.05:
        lines.append("archived: true")
    return body


def _family(rnd: random.Random, i: int, locations: list[_Location]) -> _Family:
    discipline = rnd.choice(DISCIPLINES)
    sample = rnd.sample(locations, min(len(locations), 12))
    candidates = [loc for loc in sample if discipline in loc.disciplines]
    if not candidates:
        chosen = rnd.choice(locations)
        chosen.disciplines.add(discipline)
        candidates = [chosen]
    at = candidates[: rnd.randint(1, min(4, len(candidates)))]
    color = f"#{rnd.randrange(0x1000000):06x}"
    return _Family(f"family{i:04d}", discipline, at, color, rnd.choice((0, 5, 10, 15)))


def _member(
    rnd: random.Random,
    i: int,
    family: _Family,
    locations: list[_Location],
    items: list[_Item],
    expanded: bool,
) -> _Session:
    """A session of ``family``: its own description, duration and billing items, the family's
    other fields (a fifth of the sessions list locations of their own)."""
    name = f"s{i:06d}"
    family.used = True
    words = " ".join(rnd.sample(WORDS, 2))
    description = f"{family.discipline.replace('-', ' ').title()} {words} session"
    own_locations = None
    if rnd.random() < 0.2:
        offering = [loc for loc in locations if family.discipline in loc.disciplines]
        own_locations = rnd.sample(offering, min(len(offering), rnd.randint(1, 3)))
        for loc in own_locations:
            loc.used = True
    if own_locations is None:  # a location only a preset lists is not in use: lint says so
        for loc in family.locations:
            loc.used = True
    body = _Session(name)
    lines = body.lines
    lines.append(f"name: {name}")
    if expanded:
        lines += family.fields()
    else:
        lines.append(f"extends: {family.id}")
    lines += [f"description: {quoted(description)}", f"duration: {rnd.choice(DURATIONS)}"]
    if own_locations is not None:
        text = f"locations: [{', '.join(loc.id for loc in own_locations)}]"
        if expanded:
            lines[2] = text  # the session's own list replaces the family's whole
        else:
            lines.append(text)
    count = rnd.choice(ITEM_COUNTS)
    if count:
        lines.append("billing_items:")
        for item in rnd.sample(items, count):
            item.used = True
            if rnd.random() < 0.2:
                lines += [f"  - item: {item.code}", f"    quantity: {rnd.randint(2, 5)}"]
            else:
                lines.append(f"  - {item.code}")
    if rnd.random() < 0.05:
        lines.append("archived: true")
    return body


def _preset_text(family: _Family) -> str:
    return f"{family.id}:\n" + "".join(f"  {line}\n" for line in family.fields())


def _locations_text(locations: list[_Location]) -> str:
    lines = []
    for loc in locations:
        lines += [
            f"{loc.id}:",
            f"  name: {quoted(loc.name)}",
            f"  timezone: {loc.timezone}",
            f"  disciplines: [{', '.join(sorted(loc.disciplines))}]",
            f"  address: {quoted(loc.address)}",
        ]
        if not loc.used:
            lines.append("  archived: true")
    return "\n".join(lines) + "\n" if lines else "{}\n"


def _items_text(items: list[_Item]) -> str:
    lines = []
    for item in items:
        lines += [
            f"{item.code}:",
            f"  name: {quoted(item.name)}",
            f"  kind: {item.kind}",
            f"  price: {quoted(item.price)}",
        ]
        if not item.used:
            lines.append("  archived: true")
    return "\n".join(lines) + "\n" if lines else "{}\n"


def _write(path: Path, text: str) -> None:
    # os.open/os.write: Path.write_text costs several times more for 100,000 small files.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, help="the folder to write the repository into")
    parser.add_argument("--sessions", type=int, default=10_000, help="number of sessions (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--families", type=int, default=0, help="sessions extend this many presets")
    parser.add_argument("--expanded", action="store_true", help="with --families: write them out in full")
    args = parser.parse_args(argv)
    generate(args.out, args.sessions, args.seed, args.families, args.expanded)


if __name__ == "__main__":
    main()
