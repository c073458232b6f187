"""Checks of names and cross-references across the repository (SC201–SC205). Always errors.

They check every entity as far as its valid fields go: an entity that failed validation takes
part through its partial model (``Repository.checked_*``), so a schema error in one field hides
none of the cross-references of the others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from sessconf.codes.references import (
    DISCIPLINE_NOT_OFFERED,
    DUPLICATE_NAME,
    UNKNOWN_BILLING_ITEM,
    UNKNOWN_DISCIPLINE,
    UNKNOWN_LOCATION,
)
from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.lint.checks import check
from sessconf.lint.index import session_index

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext
    from sessconf.repository.model import Entry, Repository


def _renamed_hint(name: str, entries: Mapping[str, Entry], candidates: list[str]) -> str | None:  # type: ignore[type-arg]
    for entry in entries.values():
        if name in entry.model.previous_names:
            return f"'{name}' was renamed to '{entry.name}'"
    return did_you_mean(name, candidates)


@check(UNKNOWN_LOCATION)
def unknown_location(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    if "locations.yaml" in repo.unreadable:
        return
    locations = repo.checked_locations()
    known = locations.keys()
    unknown = {
        loc
        for loc in ctx.once(session_index).locations - known
        if ("locations.yaml", loc) not in repo.invalid_ids
    }
    if not unknown:
        return
    for session in repo.checked_sessions():
        if unknown.isdisjoint(session.model.locations):
            continue
        for index, loc in enumerate(session.model.locations):
            if loc not in unknown:
                continue
            yield session.at(
                UNKNOWN_LOCATION,
                ("locations", index),
                f"unknown location '{loc}'",
                _renamed_hint(loc, locations, list(known)),
            )


@check(UNKNOWN_BILLING_ITEM)
def unknown_billing_item(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    if "billing_items.yaml" in repo.unreadable:
        return
    items = repo.checked_billing_items()
    known = items.keys()
    unknown = {
        code
        for code in ctx.once(session_index).items - known
        if ("billing_items.yaml", code) not in repo.invalid_ids
    }
    if not unknown:
        return
    for session in repo.checked_sessions():
        for index, line in enumerate(session.model.billing_items):
            code = line.item
            if code not in unknown:
                continue
            yield session.at(
                UNKNOWN_BILLING_ITEM,
                ("billing_items", index),
                f"unknown billing item '{code}'",
                _renamed_hint(code, items, list(known)),
            )


def _offering(repo: Repository) -> dict[str, frozenset[str]]:
    """Location id -> the disciplines it offers, for the locations whose disciplines are known."""
    return {
        name: frozenset(loc.model.disciplines)
        for name, loc in repo.checked_locations().items()
        if "disciplines" not in loc.unknown
    }


@check(UNKNOWN_DISCIPLINE)
def unknown_discipline(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    if "locations.yaml" in repo.unreadable:
        return
    offering = _offering(repo)
    if any(f == "locations.yaml" and loc not in offering for f, loc in repo.invalid_ids):
        return  # a location whose disciplines are not known may offer it
    offered = {d for disciplines in offering.values() for d in disciplines}
    unknown = ctx.once(session_index).disciplines.keys() - offered
    if not unknown:
        return
    for session in repo.checked_sessions():
        discipline = session.model.discipline
        if discipline in unknown:
            yield session.at(
                UNKNOWN_DISCIPLINE,
                ("discipline",),
                f"unknown discipline '{discipline}': no location offers it",
                did_you_mean(discipline, offered),
            )


@check(DISCIPLINE_NOT_OFFERED)
def discipline_not_offered(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    at = _offering(repo)
    offered = {d for disciplines in at.values() for d in disciplines}
    # discipline -> the locations that some session of it lists, and that do not offer it (a
    # discipline no location offers is reported once, as an unknown discipline)
    amiss: dict[str, set[str]] = {}
    for discipline, listed in ctx.once(session_index).disciplines.items():
        if discipline in offered:
            found = {loc for loc in listed if loc in at and discipline not in at[loc]}
            if found:
                amiss[discipline] = found
    if not amiss:
        return
    for session in repo.checked_sessions():
        discipline = session.model.discipline
        lacking = amiss.get(discipline)
        if lacking is None or lacking.isdisjoint(session.model.locations):
            continue
        for index, loc in enumerate(session.model.locations):
            if loc in lacking:
                yield session.at(
                    DISCIPLINE_NOT_OFFERED,
                    ("locations", index),
                    f"location '{loc}' does not offer {discipline}",
                    f"add {discipline} to the disciplines of '{loc}' in locations.yaml, or remove '{loc}'",
                )


@check(DUPLICATE_NAME)
def duplicate_name(ctx: LintContext) -> Iterator[Diagnostic]:
    repo = ctx.repo
    in_use = repo.sessions.keys() | {entry.name for entry in repo.partial_sessions if entry.name}
    locations, items = repo.checked_locations(), repo.checked_billing_items()
    kinds: list[tuple[str, Collection[str], Iterable[Entry]]] = [  # type: ignore[type-arg]
        ("session", in_use, ctx.once(session_index).renamed),  # the sessions with previous names
        ("location", locations.keys(), locations.values()),
        ("billing item", items.keys(), items.values()),
    ]
    for kind, entries, renamed in kinds:
        owner: dict[str, str] = {}
        for entry in renamed:
            for index, old in enumerate(entry.model.previous_names):
                if old in entries:
                    what = "its own name" if old == entry.name else f"the name of {kind} '{old}'"
                    yield DUPLICATE_NAME.at(
                        entry.path,
                        entry.pos("previous_names", index),
                        f"previous name '{old}' is {what}",
                        "a previous name must not be in use",
                    )
                elif old in owner:
                    yield DUPLICATE_NAME.at(
                        entry.path,
                        entry.pos("previous_names", index),
                        f"previous name '{old}' is also a previous name of {kind} '{owner[old]}'",
                        "keep it on the entity it belonged to",
                    )
                else:
                    owner[old] = entry.name
