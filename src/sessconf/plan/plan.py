"""The plan: what applying the repository would change in a store (SPEC §4), as a value.

A :class:`Plan` lists its :class:`Change` values by risk, reads and writes itself as the diff
JSON (``to_dict`` / ``from_dict``, also the saved ``plan.json``), and renders to text, JSON or
Markdown elsewhere (``sessconf.output``). ``plan.compute`` makes one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import cached_property
from typing import Any

from sessconf.diagnostics import Diagnostic
from sessconf.errors import RefusedError
from sessconf.plan.snapshot import LastApply
from sessconf.plan.state import (
    KINDS,
    BillingItemState,
    ConfigState,
    Entity,
    EntityKind,
    LocationState,
    SessionState,
    digest_of,
    to_plain,
)
from sessconf.plan.thresholds import ThresholdExceeded, TooMuchChange

FORMAT_VERSION = 2  # 2: thresholds saved as values


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
# Field defaults in plan form (lists, not tuples): a created entity's plan leaves them out.
_DEFAULTS: dict[str, dict[str, Any]] = {
    kind: {k: list(v) if isinstance(v, tuple) else v for k, v in state._field_defaults.items()}
    for kind, state in (
        (EntityKind.SESSION, SessionState),
        (EntityKind.LOCATION, LocationState),
        (EntityKind.BILLING_ITEM, BillingItemState),
    )
}

Charges = tuple[str | None, str | None]  # what one arrival charges, before -> after (None: nothing)


@dataclass(frozen=True)
class Change:
    entity: EntityKind
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
        object.__setattr__(self, "entity", EntityKind(self.entity))
        object.__setattr__(self, "action", Action(self.action))

    @cached_property
    def fields(self) -> dict[str, tuple[Any, Any]]:
        """field -> (old, new), for the fields that differ (computed when first asked for)."""
        if self.saved_fields is not None:
            return self.saved_fields
        return field_changes(self.old, self.new)

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
        entity, name, action = EntityKind(data["entity"]), _text(data["name"]), Action(data["action"])
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
    threshold_violations: list[ThresholdExceeded] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    charge_impacts: list[ChargeImpact] = field(default_factory=list)
    # the last apply, when the store no longer holds what it left (edited outside sessconf)
    outside_edits: LastApply | None = None

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
        return summary_line(self.summary)

    def outside_note(self) -> str | None:
        """The warning that the store was changed outside sessconf since the last apply (SPEC §4)."""
        last = self.outside_edits
        if last is None:
            return None
        return (
            f"the store's configuration was changed outside sessconf since the last apply "
            f"({last.applied_at:%Y-%m-%d %H:%M} UTC by {last.actor}): this plan reverts those edits"
        )

    def changes_dicts(self) -> list[dict[str, Any]]:
        return [c.to_dict(self.currency) for c in self.changes]

    def digest(self) -> str:
        """Identifies the plan (recorded in the apply history): it is determined by the two states."""
        return digest_of([self.config_digest, self.model_digest])

    def check_applicable(self, *, force: bool = False) -> None:
        """Refuse a plan with blocked changes, or one that exceeds a safety threshold (unless
        ``force``): :class:`BlockedChanges`, :class:`~sessconf.plan.thresholds.TooMuchChange`."""
        blocked = self.blocked
        if blocked:
            raise BlockedChanges(blocked)
        if self.threshold_violations and not force:
            raise TooMuchChange(self.threshold_violations)

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
            "thresholds": [str(v) for v in self.threshold_violations],
            "threshold_values": [v.to_dict() for v in self.threshold_violations],
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
            threshold_violations=[ThresholdExceeded.from_dict(_mapping(v)) for v in data["threshold_values"]],
            charge_impacts=[ChargeImpact.from_dict(_mapping(i)) for i in data.get("charge_impact", [])],
        )


def summary_line(summary: Mapping[str, int]) -> str:
    """``Plan: N to create, ... (N blocked).``, as every plan and every apply of the history reads."""
    s = {key: summary.get(key, 0) for key in (*ACTIONS, "blocked")}
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['rename']} to rename, "
        f"{s['archive']} to archive, {s['unarchive']} to unarchive, {s['delete']} to delete "
        f"({s['blocked']} blocked)."
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


class BlockedChanges(RefusedError):
    """A plan deletes what appointments use: nothing was written."""

    def __init__(self, blocked: list[Change]) -> None:
        names = "; ".join(f"{c.entity.label} '{c.name}': {c.reason}" for c in blocked)
        super().__init__(f"{len(blocked)} blocked change(s), nothing was written: {names}")
        self.blocked = blocked

    def __reduce__(self) -> tuple[type[BlockedChanges], tuple[list[Change]]]:  # type: ignore[override]
        return (type(self), (self.blocked,))


def field_changes(old: Entity | None, new: Entity | None) -> dict[str, tuple[Any, Any]]:
    before = to_plain(old) if old is not None else {}
    after = to_plain(new) if new is not None else {}
    out: dict[str, tuple[Any, Any]] = {}
    for key in after or before:
        a, b = before.get(key), after.get(key)
        if a != b:
            out[key] = (a, b)
    return out
