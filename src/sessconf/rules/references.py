"""Rules about names and cross-references across the repository. Always errors.

They check every entity as far as its valid fields go: an entity that failed validation takes
part through its partial model (``Repository.checked_*``), so a schema error in one field hides
none of the cross-references of the others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.rules import check
from sessconf.rules.index import session_index

if TYPE_CHECKING:
    from sessconf.loader import Entry, Repository


def _renamed_hint(name: str, entries: Mapping[str, Entry], candidates: list[str]) -> str | None:  # type: ignore[type-arg]
    for entry in entries.values():
        if name in entry.model.previous_names:
            return f"'{name}' was renamed to '{entry.name}'"
    return did_you_mean(name, candidates)


@check("SC201", "unknown-location")
def unknown_location(repo: Repository) -> Iterator[Diagnostic]:
    """A session lists a location that ``locations.yaml`` does not define.

    The hint suggests the closest location id, or the new id when the name is a location's
    previous name.
    """
    if "locations.yaml" in repo.unreadable:
        return
    locations = repo.checked_locations()
    known = locations.keys()
    unknown = {
        loc
        for loc in session_index(repo).locations - known
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
            yield unknown_location.at(
                session.path,
                session.pos("locations", index),
                f"unknown location '{loc}'",
                _renamed_hint(loc, locations, list(known)),
            )


@check("SC202", "unknown-billing-item")
def unknown_billing_item(repo: Repository) -> Iterator[Diagnostic]:
    """A session bills an item that ``billing_items.yaml`` does not define."""
    if "billing_items.yaml" in repo.unreadable:
        return
    items = repo.checked_billing_items()
    known = items.keys()
    unknown = {
        code
        for code in session_index(repo).items - known
        if ("billing_items.yaml", code) not in repo.invalid_ids
    }
    if not unknown:
        return
    for session in repo.checked_sessions():
        for index, line in enumerate(session.model.billing_items):
            code = line.item
            if code not in unknown:
                continue
            yield unknown_billing_item.at(
                session.path,
                session.pos("billing_items", index),
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


@check("SC203", "unknown-discipline")
def unknown_discipline(repo: Repository) -> Iterator[Diagnostic]:
    """A session's discipline is offered at no location at all.

    Disciplines are defined by the locations that offer them (``disciplines:`` in
    ``locations.yaml``); a discipline no location offers is almost always a typo.
    """
    if "locations.yaml" in repo.unreadable:
        return
    offering = _offering(repo)
    if any(f == "locations.yaml" and loc not in offering for f, loc in repo.invalid_ids):
        return  # a location whose disciplines are not known may offer it
    offered = {d for disciplines in offering.values() for d in disciplines}
    unknown = session_index(repo).disciplines.keys() - offered
    if not unknown:
        return
    for session in repo.checked_sessions():
        discipline = session.model.discipline
        if discipline in unknown:
            yield unknown_discipline.at(
                session.path,
                session.pos("discipline"),
                f"unknown discipline '{discipline}': no location offers it",
                did_you_mean(discipline, offered),
            )


@check("SC204", "discipline-not-offered")
def discipline_not_offered(repo: Repository) -> Iterator[Diagnostic]:
    """A session is listed at a location that does not offer its discipline.

    A session's discipline must be offered at every location it lists: add the discipline to the
    location's ``disciplines`` in ``locations.yaml``, or remove the location from the session.
    """
    at = _offering(repo)
    offered = {d for disciplines in at.values() for d in disciplines}
    # discipline -> the locations that some session of it lists, and that do not offer it (a
    # discipline no location offers is reported once, as an unknown discipline)
    amiss: dict[str, set[str]] = {}
    for discipline, listed in session_index(repo).disciplines.items():
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
                yield discipline_not_offered.at(
                    session.path,
                    session.pos("locations", index),
                    f"location '{loc}' does not offer {discipline}",
                    f"add {discipline} to the disciplines of '{loc}' in locations.yaml, or remove '{loc}'",
                )


@check("SC205", "duplicate-name")
def duplicate_name(repo: Repository) -> Iterator[Diagnostic]:
    """A name is used twice: as two entities' names, or as a previous name of another.

    Names identify sessions, locations and billing items across renames, so a previous name may
    not be the current name of another entity nor a previous name of two entities.
    """
    in_use = repo.sessions.keys() | {entry.name for entry in repo.partial_sessions if entry.name}
    locations, items = repo.checked_locations(), repo.checked_billing_items()
    kinds: list[tuple[str, Collection[str], Iterable[Entry]]] = [  # type: ignore[type-arg]
        ("session", in_use, session_index(repo).renamed),  # the sessions with previous names
        ("location", locations.keys(), locations.values()),
        ("billing item", items.keys(), items.values()),
    ]
    for kind, entries, renamed in kinds:
        owner: dict[str, str] = {}
        for entry in renamed:
            for index, old in enumerate(entry.model.previous_names):
                if old in entries:
                    what = "its own name" if old == entry.name else f"the name of {kind} '{old}'"
                    yield duplicate_name.at(
                        entry.path,
                        entry.pos("previous_names", index),
                        f"previous name '{old}' is {what}",
                        "a previous name must not be in use",
                    )
                elif old in owner:
                    yield duplicate_name.at(
                        entry.path,
                        entry.pos("previous_names", index),
                        f"previous name '{old}' is also a previous name of {kind} '{owner[old]}'",
                        "keep it on the entity it belonged to",
                    )
                else:
                    owner[old] = entry.name
