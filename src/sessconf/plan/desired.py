"""The configuration the repository asks for, as the state a store is compared with."""

from __future__ import annotations

from sessconf.plan.state import BillingItemState, BillingLineState, ConfigState, LocationState, SessionState
from sessconf.repository.model import Repository


def from_repository(repo: Repository) -> ConfigState:
    """The state the repository asks for: its valid entities (call it when it linted clean)."""
    currency = repo.settings.currency
    state = ConfigState()
    for name, loc in repo.locations.items():
        m = loc.model
        state.locations[name] = LocationState(
            name,
            m.name,
            m.timezone,
            tuple(m.disciplines),
            m.address,
            m.archived,
            tuple(m.previous_names),
        )
    for name, item in repo.billing_items.items():
        b = item.model
        state.billing_items[name] = BillingItemState(
            name, b.name, b.kind, b.price, currency, b.archived, tuple(b.previous_names)
        )
    for name, entry in repo.sessions.items():
        s = entry.model
        state.sessions[name] = SessionState(
            name,
            s.description,
            s.discipline,
            tuple(s.locations),
            s.color,
            s.duration,
            tuple(BillingLineState(line.item, line.quantity) for line in s.billing_items),
            s.archived,
            tuple(s.previous_names),
            s.max_attendees,
            s.online_booking,
            s.buffer_before,
            s.buffer_after,
            s.telehealth,
        )
    return state
