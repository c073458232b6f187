"""Rules about names and cross-references across the repository. Always errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.rules import check
from sessconf.rules.index import session_index

if TYPE_CHECKING:
    from sessconf.loader import Entry, Repository


def _renamed_hint(name: str, entries: dict[str, Entry], candidates: list[str]) -> str | None:  # type: ignore[type-arg]
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
    known = repo.locations.keys()
    unknown = {
        loc
        for loc in session_index(repo).locations - known
        if ("locations.yaml", loc) not in repo.invalid_ids
    }
    if not unknown:
        return
    for session in repo.sessions.values():
        if unknown.isdisjoint(session.model.locations):
            continue
        for index, loc in enumerate(session.model.locations):
            if loc not in unknown:
                continue
            yield unknown_location.at(
                session.path,
                session.pos("locations", index),
                f"unknown location '{loc}'",
                _renamed_hint(loc, repo.locations, list(known)),
            )


@check("SC202", "unknown-billing-item")
def unknown_billing_item(repo: Repository) -> Iterator[Diagnostic]:
    """A session bills an item that ``billing_items.yaml`` does not define."""
    if "billing_items.yaml" in repo.unreadable:
        return
    known = repo.billing_items.keys()
    unknown = {
        code
        for code in session_index(repo).items - known
        if ("billing_items.yaml", code) not in repo.invalid_ids
    }
    if not unknown:
        return
    for session in repo.sessions.values():
        for index, line in enumerate(session.model.billing_items):
            code = line.item
            if code not in unknown:
                continue
            yield unknown_billing_item.at(
                session.path,
                session.pos("billing_items", index),
                f"unknown billing item '{code}'",
                _renamed_hint(code, repo.billing_items, list(known)),
            )


def _offered(repo: Repository) -> set[str]:
    return {d for loc in repo.locations.values() for d in loc.model.disciplines}


@check("SC203", "unknown-discipline")
def unknown_discipline(repo: Repository) -> Iterator[Diagnostic]:
    """A session's discipline is offered at no location at all.

    Disciplines are defined by the locations that offer them (``disciplines:`` in
    ``locations.yaml``); a discipline no location offers is almost always a typo.
    """
    if "locations.yaml" in repo.unreadable or any(f == "locations.yaml" for f, _ in repo.invalid_ids):
        return
    offered = _offered(repo)
    unknown = session_index(repo).disciplines.keys() - offered
    if not unknown:
        return
    for session in repo.sessions.values():
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
    offered = _offered(repo)
    # location id -> the disciplines it offers
    at = {name: frozenset(loc.model.disciplines) for name, loc in repo.locations.items()}
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
    for session in repo.sessions.values():
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
    kinds: list[tuple[str, dict[str, Entry], Iterable[Entry]]] = [  # type: ignore[type-arg]
        ("session", repo.sessions, session_index(repo).renamed),  # the sessions with previous names
        ("location", repo.locations, repo.locations.values()),
        ("billing item", repo.billing_items, repo.billing_items.values()),
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
