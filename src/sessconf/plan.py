"""The plan: what applying the repository would change in a store (SPEC §4), as a value.

:func:`compute_plan` compares the state the repository asks for with a store snapshot. The result
is deterministic, carries no client data (only counts and dates), and renders to text, JSON or
Markdown elsewhere (``sessconf.output``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessconf.diagnostics import Diagnostic, count
from sessconf.errors import RefusedError, UsageError
from sessconf.loader import Entry, Repository
from sessconf.rules.planning import RENAME_CONFLICT
from sessconf.settings import Settings
from sessconf.state import (
    KINDS,
    BillingItemState,
    ConfigState,
    Entity,
    LocationState,
    SessionState,
    digest_of,
    to_plain,
)

if TYPE_CHECKING:
    from sessconf.store.snapshot import Snapshot

FORMAT_VERSION = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    RENAME = "rename"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    DELETE = "delete"


ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)  # the summary's order


class Risk(IntEnum):
    """How much a change needs a reviewer's eye: plans list their changes in this order (SPEC §4)."""

    BLOCKED = 0
    DELETE = 1
    ARCHIVE = 2
    RENAME = 3
    OTHER = 4


_ACTION_RISK = {Action.DELETE: Risk.DELETE, Action.ARCHIVE: Risk.ARCHIVE, Action.RENAME: Risk.RENAME}
_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}
FILES = {
    "session": "sessions/{name}.yaml",
    "location": "locations.yaml",
    "billing_item": "billing_items.yaml",
}
LABELS = {"session": "session", "location": "location", "billing_item": "billing item"}
# Field defaults in plan form (lists, not tuples): a created entity's plan leaves them out.
_DEFAULTS: dict[str, dict[str, Any]] = {
    kind: {k: list(v) if isinstance(v, tuple) else v for k, v in state._field_defaults.items()}
    for kind, state in (
        ("session", SessionState),
        ("location", LocationState),
        ("billing_item", BillingItemState),
    )
}

Charges = tuple[str | None, str | None]  # what one arrival charges, before -> after (None: nothing)


@dataclass(frozen=True)
class Change:
    entity: str
    name: str  # the new name
    action: Action
    old: Entity | None = None  # as in the store (None for a create, and in a saved plan)
    new: Entity | None = None  # as in the repository (None for a delete, and in a saved plan)
    blocked: bool = False
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    charges: Charges | None = None  # sessions: one arrival, before -> after
    old_name: str | None = None  # the name in the store (renames, updates, deletes)
    # The fields that differ, when read back from a saved plan (which keeps no entities).
    saved_fields: dict[str, tuple[Any, Any]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))

    @cached_property
    def fields(self) -> dict[str, tuple[Any, Any]]:
        """field -> (old, new), for the fields that differ (computed when first asked for)."""
        if self.saved_fields is not None:
            return self.saved_fields
        return _fields(self.old, self.new)

    @property
    def risk(self) -> Risk:
        if self.blocked:
            return Risk.BLOCKED
        return _ACTION_RISK.get(self.action, Risk.OTHER)

    @property
    def risky(self) -> bool:
        """Blocked, delete, archive or rename: a preview names it whatever it leaves out."""
        return self.risk is not Risk.OTHER

    def shown_fields(self) -> list[tuple[str, Any, Any]]:
        """``(field, old, new)`` as a plan shows them: none for a delete, no defaults for a create."""
        if self.action is Action.DELETE:
            return []
        defaults = _DEFAULTS[self.entity] if self.action is Action.CREATE else {}
        return [
            (key, old, new)
            for key, (old, new) in self.fields.items()
            if key != "name" and not (key in defaults and new == defaults[key])
        ]

    def to_dict(self, currency: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity": self.entity,
            "name": self.name,
            "action": self.action.value,
            "blocked": self.blocked,
            "reason": self.reason,
            "fields": {k: {"old": old, "new": new} for k, (old, new) in self.fields.items()},
            "warnings": list(self.warnings),
        }
        if self.charges is not None:
            out["charges"] = {"old": self.charges[0], "new": self.charges[1], "currency": currency}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        """The change that :meth:`to_dict` wrote (``ValueError`` for anything else)."""
        entity, name, action = data["entity"], _text(data["name"]), Action(data["action"])
        if entity not in KINDS:
            raise ValueError(f"unknown entity {entity!r}")
        fields = {str(k): (v["old"], v["new"]) for k, v in _mapping(data["fields"]).items()}
        charges = data.get("charges")
        old_name = None
        if action is not Action.CREATE:
            old_name = _text(fields["name"][0]) if action is Action.RENAME else name
        return cls(
            entity,
            name,
            action,
            blocked=bool(data["blocked"]),
            reason=None if data["reason"] is None else _text(data["reason"]),
            warnings=tuple(_text(w) for w in data["warnings"]),
            charges=None if charges is None else (_amount(charges["old"]), _amount(charges["new"])),
            old_name=old_name,
            saved_fields=fields,
        )


@dataclass(frozen=True, slots=True)
class ChargeImpact:
    """A session that does not change, yet charges differently on arrival: billing items it lists
    changed price or were archived or unarchived (SPEC §4). Not a change: nothing is written for it.
    """

    session: str
    charges: Charges
    billing_items: tuple[str, ...]  # the changed billing items it lists (repository names)

    def to_dict(self, currency: str) -> dict[str, Any]:
        return {
            "session": self.session,
            "charges": {"old": self.charges[0], "new": self.charges[1], "currency": currency},
            "billing_items": list(self.billing_items),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChargeImpact:
        charges = data["charges"]
        return cls(
            _text(data["session"]),
            (_amount(charges["old"]), _amount(charges["new"])),
            tuple(_text(code) for code in data["billing_items"]),
        )


@dataclass
class Plan:
    """Changes in risk order (:class:`Risk`, then entity kind and name), whatever order they are given in."""

    changes: list[Change]
    store: str  # display URL (no password)
    store_id: str | None
    current: ConfigState  # the store's configuration, when planned
    desired: ConfigState  # the repository's model
    currency: str
    sessions_in_store: int
    threshold_violations: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    charge_impacts: list[ChargeImpact] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = sorted(self.changes, key=lambda c: (c.risk, _KIND_ORDER[c.entity], c.name))

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
    def risky(self) -> list[Change]:
        """The blocked, delete, archive and rename changes (they come first)."""
        return [c for c in self.changes if c.risky]

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

    def to_dict(self) -> dict[str, Any]:
        """The diff JSON (SPEC §4) without its lint diagnostics; it doubles as the saved plan."""
        return {
            "format_version": FORMAT_VERSION,
            "store": self.store,
            "store_id": self.store_id,
            "config_digest": self.config_digest,
            "model_digest": self.model_digest,
            "plan_digest": self.digest(),
            "currency": self.currency,
            "sessions_in_store": self.sessions_in_store,
            "changes": self.changes_dicts(),
            "charge_impact": [i.to_dict(self.currency) for i in self.charge_impacts],
            "summary": self.summary,
            "thresholds": list(self.threshold_violations),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """The plan that :meth:`to_dict` wrote (``ValueError``, ``KeyError`` or ``TypeError`` else).

        A saved plan keeps the digests of the two states it was made from, not the states.
        """
        store_id = data["store_id"]
        return cls(
            [Change.from_dict(_mapping(c)) for c in data["changes"]],
            _text(data["store"]),
            None if store_id is None else _text(store_id),
            ConfigState(cached_digest=_text(data["config_digest"])),
            ConfigState(cached_digest=_text(data["model_digest"])),
            _text(data["currency"]),
            _count(data.get("sessions_in_store", 0)),
            threshold_violations=[_text(v) for v in data["thresholds"]],
            charge_impacts=[ChargeImpact.from_dict(_mapping(i)) for i in data.get("charge_impact", [])],
        )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {value!r}")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"expected a count, not {value!r}")
    return value


def _amount(value: object) -> str | None:
    return None if value is None else _text(value)


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, not {value!r}")
    return value


def compute_plan(
    repo: Repository,
    desired: ConfigState,
    snap: Snapshot,
    store_display: str,
) -> tuple[Plan, list[Diagnostic]]:
    """Compare ``desired`` (from ``repo``) with ``snap``; problems are returned as diagnostics."""
    current = snap.config
    changes: list[Change] = []
    impacts: list[ChargeImpact] = []
    problems: list[Diagnostic] = []
    renamed: dict[str, dict[str, str]] = {}  # kind -> old name -> new name
    repriced: frozenset[str] = frozenset()
    for kind in KINDS:  # locations and billing items first: sessions refer to them
        want: dict[str, Entity] = desired.of(kind)
        have: dict[str, Entity] = current.of(kind)
        matched: set[str] = set()
        renames = renamed.setdefault(kind, {})
        if kind == "session":
            repriced = _repriced(changes)
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
        repo.settings.currency,
        len(current.sessions),
        charge_impacts=sorted(impacts, key=lambda i: i.session),
    )
    plan.threshold_violations = threshold_violations(plan, repo.settings)
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
    return Change(kind, new.name, Action.CREATE, None, new, charges=charges)


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
        action = Action.RENAME
    elif "archived" in fields:
        action = Action.ARCHIVE if new.archived else Action.UNARCHIVE
    else:
        action = Action.UPDATE
    warnings: list[str] = []
    charges = None
    if isinstance(old, SessionState) and isinstance(new, SessionState):
        warnings = _session_warnings(old, new, snap, renamed.get("location", {}))
        before, after = _charges(current, old), _charges(desired, new)
        if before != after or "billing_items" in fields:
            charges = (before, after)
    elif kind == "location":
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
    return Change(
        kind, old.name, Action.DELETE, old, None, blocked, reason, charges=charges, old_name=old.name
    )


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


def read_saved_plan(path: Path) -> Plan:
    """Read ``plan.json`` written by ``sessconf diff --out``; anything else is a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such plan file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a sessconf plan: {exc}") from None
    except RecursionError:
        raise UsageError(f"{path} is not a sessconf plan: nested too deeply") from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise UsageError(f"{path} is not a sessconf plan (no format_version)")
    if data["format_version"] != FORMAT_VERSION:
        raise UsageError(
            f"{path} has plan format {data['format_version']!r}; this sessconf reads format {FORMAT_VERSION}",
            "make a new plan with this version: `sessconf diff --out plan.json`",
        )
    try:
        plan = Plan.from_dict(data)
    except KeyError as exc:
        raise UsageError(f"{path} is not a complete sessconf plan (missing {exc})") from None
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path} is not a complete sessconf plan ({exc})") from None
    # A plan file edited by hand is refused, not half-trusted: its digest and summary follow from
    # the rest of it.
    for key, derived in (("plan_digest", plan.digest()), ("summary", plan.summary)):
        if data.get(key) != derived:
            raise RefusedError(
                f"{path}: the saved plan contradicts itself: its {key} is not that of the rest of it "
                "(was it edited?); nothing was written",
                "make a new plan with `sessconf diff --out`",
            )
    return plan


def saved_plan_refusal(saved: Plan, fresh: Plan) -> str | None:
    """Why ``saved`` is not what applying would write now (``fresh``, planned afresh), or None.

    A saved plan is applied only when it was made against this store in the configuration it
    holds, from the repository model loaded now, and lists the changes that planning gives.
    """
    if saved.store_id != fresh.store_id:
        if saved.store_id is None:
            return "the plan was made before this store was created; it is stale"
        here = f"has id {fresh.store_id}" if fresh.store_id is not None else "does not exist yet"
        return f"the plan was made for another store (id {saved.store_id}); {fresh.store} {here}"
    if saved.config_digest != fresh.config_digest:
        return "the plan is stale: the store's configuration changed since it was made"
    if saved.model_digest != fresh.model_digest:
        return "the repository changed since the plan was made"
    if _written(saved) != _written(fresh):
        return "the saved plan's changes are not the ones this store and repository give (was it edited?)"
    return None


def _written(plan: Plan) -> list[tuple[str, str, str, dict[str, tuple[Any, Any]]]]:
    # What applying writes; blocked reasons and warnings follow appointments, which may change.
    return [(c.entity, c.name, c.action.value, c.fields) for c in plan.changes]
