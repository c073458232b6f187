"""Planning: the changes that would make a store hold what the repository asks for (SPEC §4).

:func:`compute_plan` compares two values, the state the repository asks for and a snapshot of the
store, and knows nothing of files or databases. The result is deterministic and carries no client
data (only counts and dates).
"""

from __future__ import annotations

from dataclasses import dataclass

from sessconf.diagnostics import count
from sessconf.plan.plan import Action, Change, ChargeImpact, Plan, field_changes
from sessconf.plan.snapshot import Snapshot
from sessconf.plan.state import KINDS, BillingItemState, ConfigState, Entity, EntityKind, SessionState
from sessconf.plan.thresholds import threshold_violations
from sessconf.settings import Settings


@dataclass(frozen=True, slots=True)
class RenameConflict:
    """A rename that cannot be planned (SC501): the entity, the ``previous_names`` entry at fault."""

    kind: EntityKind
    name: str
    index: int  # in ``previous_names``
    message: str
    hint: str = "remove the previous name, or rename or delete the other entity first"


def compute_plan(
    desired: ConfigState, snap: Snapshot, settings: Settings, store_display: str
) -> tuple[Plan, list[RenameConflict]]:
    """The plan from ``snap`` to ``desired``, and the renames that cannot be planned (when there
    are some, the plan leaves those entities out and must not be applied)."""
    current = snap.config
    changes: list[Change] = []
    impacts: list[ChargeImpact] = []
    problems: list[RenameConflict] = []
    renamed: dict[EntityKind, dict[str, str]] = {}  # kind -> old name -> new name
    repriced: frozenset[str] = frozenset()
    for kind in KINDS:  # locations and billing items first: sessions refer to them
        want: dict[str, Entity] = desired.of(kind)
        have: dict[str, Entity] = current.of(kind)
        matched: set[str] = set()
        renames = renamed.setdefault(kind, {})
        if kind is EntityKind.SESSION:
            repriced = _repriced(changes)
        for name, new in want.items():
            old_name, problem = _match(kind, name, new, have, want)
            if problem is not None:
                problems.append(problem)
                continue
            if old_name is None:
                changes.append(_created(kind, new, desired, snap))
                continue
            matched.add(old_name)
            if old_name != name:
                renames[old_name] = name
            change = _changed(kind, have[old_name], new, current, desired, snap, renamed)
            if change is not None:
                changes.append(change)
            elif repriced and isinstance(new, SessionState):
                impact = _charge_impact(current.sessions[old_name], new, current, desired, repriced)
                if impact is not None:
                    impacts.append(impact)
        for name in have:
            if name not in matched:
                changes.append(_deleted(kind, have[name], current, snap))
    plan = Plan(
        changes,
        store_display,
        snap.store_id,
        current,
        desired,
        settings.currency,
        len(current.sessions),
        charge_impacts=sorted(impacts, key=lambda i: i.session),
    )
    plan.threshold_violations = threshold_violations(plan, settings)
    if snap.changed_outside:
        plan.outside_edits = snap.last_apply
    return plan, problems


def _repriced(changes: list[Change]) -> frozenset[str]:
    """Billing items (repository names) whose change changes what they charge."""
    out = set()
    for c in changes:
        old, new = c.old, c.new
        if (
            isinstance(old, BillingItemState)
            and isinstance(new, BillingItemState)
            and (old.price, old.currency, old.archived) != (new.price, new.currency, new.archived)
        ):
            out.add(new.name)
    return frozenset(out)


def _charge_impact(
    old: SessionState, new: SessionState, current: ConfigState, desired: ConfigState, repriced: frozenset[str]
) -> ChargeImpact | None:
    """What an unchanged session charges, before -> after, when billing items it lists changed."""
    items = tuple(line.item for line in new.billing_items if line.item in repriced)
    if not items:
        return None
    charges = (_charges(current, old), _charges(desired, new))
    return ChargeImpact(new.name, charges, items) if charges[0] != charges[1] else None


def _match(
    kind: EntityKind, name: str, new: Entity, have: dict[str, Entity], want: dict[str, Entity]
) -> tuple[str | None, RenameConflict | None]:
    """The store name ``new`` continues (itself, or one previous name), or None for a new entity."""
    olds = [(i, p) for i, p in enumerate(new.previous_names) if p in have and p not in want]
    if name in have:
        if olds:
            index, old = olds[0]
            return None, _conflict(kind, name, index, f"both '{old}' and '{name}' exist in the store")
        return name, None
    if len(olds) > 1:
        names = " and ".join(f"'{p}'" for _, p in olds)
        return None, _conflict(kind, name, olds[1][0], f"the previous names {names} all exist in the store")
    return (olds[0][1] if olds else None), None


def _conflict(kind: EntityKind, name: str, index: int, message: str) -> RenameConflict:
    return RenameConflict(kind, name, index, f"cannot rename {kind.label} '{name}': {message}")


def _charges(state: ConfigState, session: SessionState | None) -> str | None:
    if session is None:
        return None
    total = state.charge_total(session)
    return None if total is None else f"{total:.2f}"


def _created(kind: EntityKind, new: Entity, desired: ConfigState, snap: Snapshot) -> Change:
    charges = (None, _charges(desired, new)) if isinstance(new, SessionState) else None
    return Change(kind, new.name, Action.CREATE, None, new, charges=charges)


def _changed(
    kind: EntityKind,
    old: Entity,
    new: Entity,
    current: ConfigState,
    desired: ConfigState,
    snap: Snapshot,
    renamed: dict[EntityKind, dict[str, str]],
) -> Change | None:
    # A renamed location or billing item is the same one: it does not change the session.
    compared = _following_renames(old, renamed) if isinstance(old, SessionState) else old
    if compared == new:  # the common case, without building field dicts
        return None
    fields = field_changes(compared, new)
    if not fields:
        return None
    if old.name != new.name:
        action = Action.RENAME
    elif "archived" in fields:
        action = Action.ARCHIVE if new.archived else Action.UNARCHIVE
    else:
        action = Action.UPDATE
    warnings: list[str] = []
    charges = None
    if isinstance(old, SessionState) and isinstance(new, SessionState):
        warnings = _session_warnings(old, new, snap, renamed.get(EntityKind.LOCATION, {}))
        before, after = _charges(current, old), _charges(desired, new)
        if before != after or "billing_items" in fields:
            charges = (before, after)
    elif kind is EntityKind.LOCATION:
        usage = snap.location_usage.get(old.name)
        if "timezone" in fields and usage is not None and usage.future_booked:
            n = usage.future_booked
            warnings.append(
                f"{count(n, 'future appointment')} at this location {_agree(n, 'keeps its', 'keep their')} "
                f"instant in time; {_agree(n, 'its', 'their')} local time follows the new time zone"
            )
    return Change(
        kind, new.name, action, compared, new, warnings=tuple(warnings), charges=charges, old_name=old.name
    )


def _agree(n: int, one: str, many: str) -> str:
    """The verb (or pronoun) that agrees with a count of ``n``."""
    return one if n == 1 else many


def _following_renames(session: SessionState, renamed: dict[EntityKind, dict[str, str]]) -> SessionState:
    locations = renamed.get(EntityKind.LOCATION, {})
    items = renamed.get(EntityKind.BILLING_ITEM, {})
    if not locations and not items:
        return session
    return session._replace(
        locations=tuple(locations.get(loc, loc) for loc in session.locations),
        billing_items=tuple(
            line._replace(item=items.get(line.item, line.item)) for line in session.billing_items
        ),
    )


def _session_warnings(
    old: SessionState, new: SessionState, snap: Snapshot, renamed_locations: dict[str, str]
) -> list[str]:
    warnings = []
    for loc in old.locations:  # the store's names: appointments are counted under them
        now = renamed_locations.get(loc, loc)  # a renamed location is still offered
        if now not in new.locations:
            upcoming = snap.future_at.get((old.name, loc), 0)
            if upcoming:
                warnings.append(
                    f"{count(upcoming, 'future appointment')} at '{now}' {_agree(upcoming, 'stays', 'stay')} "
                    "booked (the location is no longer offered for new bookings)"
                )
    if new.max_attendees < old.max_attendees:
        crowded = [n for n in snap.future_slots.get(old.name, ()) if n > new.max_attendees]
        affected = sum(crowded)
        if affected:
            slots = "1 slot" if len(crowded) == 1 else f"{len(crowded)} slots"
            warnings.append(
                f"{count(affected, 'future appointment')} in {slots} holding more than {new.max_attendees} "
                f"{_agree(affected, 'stays', 'stay')} booked"
            )
    if new.archived and not old.archived:
        usage = snap.session_usage.get(old.name)
        if usage is not None and usage.future_booked:
            n = usage.future_booked
            warnings.append(
                f"{count(n, 'future appointment')} {_agree(n, 'stays', 'stay')} booked; no new bookings"
            )
    return warnings


def _deleted(kind: EntityKind, old: Entity, current: ConfigState, snap: Snapshot) -> Change:
    usage = {EntityKind.SESSION: snap.session_usage, EntityKind.LOCATION: snap.location_usage}.get(
        kind, {}
    ).get(old.name)
    blocked = usage is not None and usage.appointments > 0
    reason = None
    if blocked and usage is not None and usage.first is not None and usage.last is not None:
        where = kind.file(old.name)
        first, last = f"{usage.first:%Y-%m-%d}", f"{usage.last:%Y-%m-%d}"
        when = f"on {first}" if first == last else f"from {first} to {last}"
        reason = (
            f"used by {count(usage.appointments, 'appointment')} ({when}); "
            f"keep it with `archived: true` in {where} instead of deleting it"
        )
    charges = (_charges(current, old), None) if isinstance(old, SessionState) else None
    return Change(
        kind, old.name, Action.DELETE, old, None, blocked, reason, charges=charges, old_name=old.name
    )
