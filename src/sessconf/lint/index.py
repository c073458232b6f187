"""The facts about the sessions that several checks need, gathered in one pass.

At 10,000 sessions a rule that walks every session costs milliseconds, and most find nothing:
the index gathers, in a single pass over the sessions, the few facts that tell each rule whether
any session *can* break it (the locations and billing items in use, the disciplines with the
locations that list them, the minutes used, the sessions with previous names). A rule then looks
closely only at the sessions that can, or at none. The index is computed once per lint run and
shared through the lint context (``LintContext.once``). It covers the sessions that failed
validation too, as far as their valid fields go (``Repository.checked_sessions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext
    from sessconf.repository.model import Entry
    from sessconf.values import Session


@dataclass(slots=True)
class SessionIndex:
    # location ids and billing item codes listed by bookable (not archived) sessions, and by all
    bookable_locations: set[str] = field(default_factory=set)
    bookable_items: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)
    items: set[str] = field(default_factory=set)
    # discipline -> the location ids its sessions list
    disciplines: dict[str, set[str]] = field(default_factory=dict)
    # every duration and buffer, in minutes
    minutes: set[int] = field(default_factory=set)
    # the sessions with previous names
    renamed: list[Entry[Session]] = field(default_factory=list)


def session_index(ctx: LintContext) -> SessionIndex:
    """The index of the sessions the checks see (use it as ``ctx.once(session_index)``)."""
    index = SessionIndex()
    bookable_locations, bookable_items = index.bookable_locations, index.bookable_items
    archived_locations: set[str] = set()
    archived_items: set[str] = set()
    disciplines, minutes, renamed = index.disciplines, index.minutes, index.renamed
    for entry in ctx.repo.checked_sessions():
        model = entry.model
        locations = model.locations
        if model.archived:
            archived_locations.update(locations)
            for line in model.billing_items:
                archived_items.add(line.item)
        else:
            bookable_locations.update(locations)
            for line in model.billing_items:
                bookable_items.add(line.item)
        listed = disciplines.get(model.discipline)
        if listed is None:
            if model.discipline:  # empty: unknown in a session that failed validation
                disciplines[model.discipline] = set(locations)
        else:
            listed.update(locations)
        minutes.add(model.duration)
        minutes.add(model.buffer_before)
        minutes.add(model.buffer_after)
        if model.previous_names and entry.name:
            renamed.append(entry)
    index.locations = bookable_locations | archived_locations
    index.items = bookable_items | archived_items
    return index
