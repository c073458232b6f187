"""Safety thresholds (SPEC §4): a plan that deletes, archives or changes too much of a store.

They count sessions, and only when the store holds at least :data:`MIN_SESSIONS` of them.
``diff`` reports an exceeded threshold; ``apply`` refuses it (:class:`TooMuchChange`) unless
forced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sessconf.errors import RefusedError

if TYPE_CHECKING:
    from sessconf.plan.plan import Plan
    from sessconf.settings import Settings

MIN_SESSIONS = 10


class Threshold(StrEnum):
    """A threshold, by the setting that holds its fraction."""

    DELETE = "max_delete_fraction"  # deletes + archives
    CHANGE = "max_change_fraction"  # updates + renames + deletes + archives

    @property
    def actions(self) -> frozenset[str]:
        if self is Threshold.DELETE:
            return frozenset(("delete", "archive"))
        return frozenset(("update", "rename", "delete", "archive"))

    @property
    def verbs(self) -> str:
        return "deleted or archived" if self is Threshold.DELETE else "updated, renamed, deleted or archived"


@dataclass(frozen=True, slots=True)
class ThresholdExceeded:
    """``count`` of the store's ``total`` sessions would change, more than ``limit`` of them."""

    threshold: Threshold
    count: int
    total: int
    limit: float

    def __str__(self) -> str:
        return (
            f"{self.count} of {self.total} sessions would be {self.threshold.verbs}, more than "
            f"{self.threshold.value} ({self.limit:g})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": self.threshold.value,
            "count": self.count,
            "total": self.total,
            "limit": self.limit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThresholdExceeded:
        count, total, limit = data["count"], data["total"], data["limit"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (count, total)):
            raise TypeError(f"expected counts, not {count!r} and {total!r}")
        if not isinstance(limit, int | float) or isinstance(limit, bool):
            raise TypeError(f"expected a fraction, not {limit!r}")
        return cls(Threshold(data["setting"]), count, total, float(limit))


class TooMuchChange(RefusedError):
    """A plan exceeds a safety threshold and was not forced: nothing was written."""

    def __init__(self, exceeded: Sequence[ThresholdExceeded]) -> None:
        forced = " and ".join(f"{e.count} sessions {e.threshold.verbs}" for e in exceeded)
        super().__init__(
            "safety threshold exceeded, nothing was written: "
            + "; ".join(str(e) for e in exceeded)
            + f" (use --force to apply anyway, with {forced})"
        )
        self.exceeded = tuple(exceeded)

    def __reduce__(self) -> tuple[type[TooMuchChange], tuple[tuple[ThresholdExceeded, ...]]]:  # type: ignore[override]
        return (type(self), (self.exceeded,))


def threshold_violations(plan: Plan, settings: Settings) -> list[ThresholdExceeded]:
    """The thresholds ``plan`` exceeds, counted over the store's sessions."""
    total = plan.sessions_in_store
    if total < MIN_SESSIONS:
        return []
    actions = [c.action for c in plan.changes if c.entity == "session"]
    out = []
    for threshold in Threshold:
        limit: float = getattr(settings, threshold.value)
        found = sum(1 for a in actions if a in threshold.actions)
        if found > limit * total:
            out.append(ThresholdExceeded(threshold, found, total, limit))
    return out
