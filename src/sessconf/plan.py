"""The plan: what applying the repository would change in a store (SPEC §4), as a value.

:func:`compute_plan` compares the state the repository asks for with a store snapshot. The result
is deterministic, carries no client data (only counts and dates), and renders to text, JSON or
Markdown elsewhere (``sessconf.output``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessconf.diagnostics import Diagnostic, count
from sessconf.errors import UsageError
from sessconf.loader import Entry, Repository
from sessconf.rules.planning import RENAME_CONFLICT
from sessconf.settings import Settings
from sessconf.state import KINDS, ConfigState, Entity, SessionState, digest_of, to_plain

if TYPE_CHECKING:
    from sessconf.store.snapshot import Snapshot

FORMAT_VERSION = 1
ACTIONS = ("create", "update", "rename", "archive", "unarchive", "delete")
FILES = {
    "session": "sessions/{name}.yaml",
    "location": "locations.yaml",
    "billing_item": "billing_items.yaml",
}
LABELS = {"session": "session", "location": "location", "billing_item": "billing item"}


@dataclass(frozen=True)
class Change:
    entity: str
    name: str  # the new name
    action: str
    old: Entity | None = None  # as in the store (None for a create)
    new: Entity | None = None  # as in the repository (None for a delete)
    blocked: bool = False
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    charges: tuple[str | None, str | None] | None = None  # sessions: one arrival, before -> after
    old_name: str | None = None  # the name in the store (renames, updates, deletes)

    @cached_property
    def fields(self) -> dict[str, tuple[Any, Any]]:
        """field -> (old, new), for the fields that differ (computed when first asked for)."""
        return _fields(self.old, self.new)

    def to_dict(self, currency: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity": self.entity,
            "name": self.name,
            "action": self.action,
            "blocked": self.blocked,
            "reason": self.reason,
            "fields": {k: {"old": old, "new": new} for k, (old, new) in self.fields.items()},
            "warnings": list(self.warnings),
        }
        if self.charges is not None:
            out["charges"] = {"old": self.charges[0], "new": self.charges[1], "currency": currency}
        return out


@dataclass
class Plan:
    changes: list[Change]
    store: str  # display URL (no password)
    store_id: str | None
    current: ConfigState  # the store's configuration, when planned
    desired: ConfigState  # the repository's model
    currency: str
    sessions_in_store: int
    threshold_violations: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def config_digest(self) -> str:
        return self.current.digest()

    @property
    def model_digest(self) -> str:
        return self.desired.digest()

    @property
    def summary(self) -> dict[str, int]:
        out = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            out[change.action] += 1
        out["blocked"] = sum(1 for c in self.changes if c.blocked)
        return out

    @property
    def blocked(self) -> list[Change]:
        return [c for c in self.changes if c.blocked]

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary_line(self) -> str:
        s = self.summary
        return (
            f"Plan: {s['create']} to create, {s['update']} to update, {s['rename']} to rename, "
            f"{s['archive']} to archive, {s['unarchive']} to unarchive, {s['delete']} to delete "
            f"({s['blocked']} blocked)."
        )

    def changes_dicts(self) -> list[dict[str, Any]]:
        return [c.to_dict(self.currency) for c in self.changes]

    def digest(self) -> str:
        """Identifies the plan (recorded in the apply history): it is determined by the two states."""
        return digest_of([self.config_digest, self.model_digest])


def compute_plan(
    repo: Repository,
    desired: ConfigState,
    snap: Snapshot,
    store_display: str,
) -> tuple[Plan, list[Diagnostic]]:
    """Compare ``desired`` (from ``repo``) with ``snap``; problems are returned as diagnostics."""
    current = snap.config
    changes: list[Change] = []
    problems: list[Diagnostic] = []
    renamed: dict[str, dict[str, str]] = {}  # kind -> old name -> new name
    for kind in KINDS:  # locations and billing items first: sessions refer to them
        want: dict[str, Entity] = desired.of(kind)
        have: dict[str, Entity] = current.of(kind)
        matched: set[str] = set()
        renames = renamed.setdefault(kind, {})
        for name, new in want.items():
            old_name, problem = _match(repo, kind, name, new, have, want)
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
        for name in have:
            if name not in matched:
                changes.append(_deleted(kind, have[name], current, snap))
    changes.sort(key=lambda c: (KINDS.index(c.entity), c.name))
    plan = Plan(
        changes,
        store_display,
        snap.store_id,
        current,
        desired,
        repo.settings.currency,
        len(current.sessions),
    )
    plan.threshold_violations = threshold_violations(plan, repo.settings)
    return plan, problems


def _match(
    repo: Repository, kind: str, name: str, new: Entity, have: dict[str, Entity], want: dict[str, Entity]
) -> tuple[str | None, Diagnostic | None]:
    """The store name ``new`` continues (itself, or one previous name), or None for a new entity."""
    olds = [(i, p) for i, p in enumerate(new.previous_names) if p in have and p not in want]
    if name in have:
        if olds:
            index, old = olds[0]
            return None, _conflict(repo, kind, name, index, f"both '{old}' and '{name}' exist in the store")
        return name, None
    if len(olds) > 1:
        names = " and ".join(f"'{p}'" for _, p in olds)
        return None, _conflict(
            repo, kind, name, olds[1][0], f"the previous names {names} all exist in the store"
        )
    return (olds[0][1] if olds else None), None


def _conflict(repo: Repository, kind: str, name: str, index: int, message: str) -> Diagnostic:
    entries: dict[str, Entry[Any]] = {
        "session": repo.sessions,
        "location": repo.locations,
        "billing_item": repo.billing_items,
    }[kind]  # type: ignore[assignment]
    entry = entries[name]
    return RENAME_CONFLICT.at(
        entry.path,
        entry.pos("previous_names", index),
        f"cannot rename {LABELS[kind]} '{name}': {message}",
        "remove the previous name, or rename or delete the other entity first",
    )


def _fields(old: Entity | None, new: Entity | None) -> dict[str, tuple[Any, Any]]:
    before = to_plain(old) if old is not None else {}
    after = to_plain(new) if new is not None else {}
    out: dict[str, tuple[Any, Any]] = {}
    for key in after or before:
        a, b = before.get(key), after.get(key)
        if a != b:
            out[key] = (a, b)
    return out


def _charges(state: ConfigState, session: SessionState | None) -> str | None:
    if session is None:
        return None
    total = state.charge_total(session)
    return None if total is None else f"{total:.2f}"


def _created(kind: str, new: Entity, desired: ConfigState, snap: Snapshot) -> Change:
    charges = (None, _charges(desired, new)) if isinstance(new, SessionState) else None
    return Change(kind, new.name, "create", None, new, charges=charges)


def _changed(
    kind: str,
    old: Entity,
    new: Entity,
    current: ConfigState,
    desired: ConfigState,
    snap: Snapshot,
    renamed: dict[str, dict[str, str]],
) -> Change | None:
    # A renamed location or billing item is the same one: it does not change the session.
    compared = _following_renames(old, renamed) if isinstance(old, SessionState) else old
    if compared == new:  # the common case, without building field dicts
        return None
    fields = _fields(compared, new)
    if not fields:
        return None
    if old.name != new.name:
        action = "rename"
    elif "archived" in fields:
        action = "archive" if new.archived else "unarchive"
    else:
        action = "update"
    warnings: list[str] = []
    charges = None
    if isinstance(old, SessionState) and isinstance(new, SessionState):
        warnings = _session_warnings(old, new, snap)
        before, after = _charges(current, old), _charges(desired, new)
        if before != after or "billing_items" in fields:
            charges = (before, after)
    elif kind == "location":
        usage = snap.location_usage.get(old.name)
        if "timezone" in fields and usage is not None and usage.future_booked:
            warnings.append(
                f"{count(usage.future_booked, 'future appointment')} at this location keep their instant "
                f"in time; their local time follows the new time zone"
            )
    return Change(
        kind, new.name, action, compared, new, warnings=tuple(warnings), charges=charges, old_name=old.name
    )


def _following_renames(session: SessionState, renamed: dict[str, dict[str, str]]) -> SessionState:
    locations, items = renamed.get("location", {}), renamed.get("billing_item", {})
    if not locations and not items:
        return session
    return session._replace(
        locations=tuple(locations.get(loc, loc) for loc in session.locations),
        billing_items=tuple(
            line._replace(item=items.get(line.item, line.item)) for line in session.billing_items
        ),
    )


def _session_warnings(old: SessionState, new: SessionState, snap: Snapshot) -> list[str]:
    warnings = []
    for loc in old.locations:
        if loc not in new.locations:
            upcoming = snap.future_at.get((old.name, loc), 0)
            if upcoming:
                warnings.append(
                    f"{count(upcoming, 'future appointment')} at '{loc}' stay booked (the location is "
                    "no longer offered for new bookings)"
                )
    if new.max_attendees < old.max_attendees:
        affected = sum(n for n in snap.future_slots.get(old.name, ()) if n > new.max_attendees)
        if affected:
            warnings.append(
                f"{count(affected, 'future appointment')} in slots holding more than {new.max_attendees} "
                "stay booked"
            )
    if new.archived and not old.archived:
        usage = snap.session_usage.get(old.name)
        if usage is not None and usage.future_booked:
            warnings.append(
                f"{count(usage.future_booked, 'future appointment')} stay booked; no new bookings"
            )
    return warnings


def _deleted(kind: str, old: Entity, current: ConfigState, snap: Snapshot) -> Change:
    usage = {"session": snap.session_usage, "location": snap.location_usage}.get(kind, {}).get(old.name)
    blocked = usage is not None and usage.appointments > 0
    reason = None
    if blocked and usage is not None and usage.first is not None and usage.last is not None:
        where = FILES[kind].format(name=old.name)
        first, last = f"{usage.first:%Y-%m-%d}", f"{usage.last:%Y-%m-%d}"
        when = f"on {first}" if first == last else f"from {first} to {last}"
        reason = (
            f"used by {count(usage.appointments, 'appointment')} ({when}); "
            f"keep it with `archived: true` in {where} instead of deleting it"
        )
    charges = (_charges(current, old), None) if isinstance(old, SessionState) else None
    return Change(kind, old.name, "delete", old, None, blocked, reason, charges=charges, old_name=old.name)


def threshold_violations(plan: Plan, settings: Settings) -> list[str]:
    """SPEC §4 safety thresholds, counted over sessions, when the store holds at least 10."""
    total = plan.sessions_in_store
    if total < 10:
        return []
    actions = [c.action for c in plan.changes if c.entity == "session"]
    removing = sum(1 for a in actions if a in ("delete", "archive"))
    changing = sum(1 for a in actions if a in ("update", "rename", "delete", "archive"))
    out = []
    if removing > settings.max_delete_fraction * total:
        out.append(
            f"{removing} of {total} sessions would be deleted or archived, more than "
            f"max_delete_fraction ({settings.max_delete_fraction:g})"
        )
    if changing > settings.max_change_fraction * total:
        out.append(
            f"{changing} of {total} sessions would be updated, renamed, deleted or archived, more than "
            f"max_change_fraction ({settings.max_change_fraction:g})"
        )
    return out


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan read back from ``plan.json``: what it was made against, and its changes."""

    store_id: str | None
    config_digest: str
    model_digest: str
    plan_digest: str
    summary: dict[str, int]


def read_saved_plan(path: Path) -> SavedPlan:
    """Read ``plan.json`` written by ``sessconf diff --out``; anything else is a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such plan file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a sessconf plan: {exc}") from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise UsageError(f"{path} is not a sessconf plan (no format_version)")
    if data["format_version"] != FORMAT_VERSION:
        raise UsageError(
            f"{path} has plan format {data['format_version']!r}; this sessconf reads format {FORMAT_VERSION}",
            "make a new plan with this version: `sessconf diff --out plan.json`",
        )
    try:
        return SavedPlan(
            data["store_id"],
            str(data["config_digest"]),
            str(data["model_digest"]),
            str(data["plan_digest"]),
            dict(data["summary"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path} is not a complete sessconf plan (missing {exc})") from None
