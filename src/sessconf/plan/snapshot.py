"""What a store holds, as plain values (no database types): a snapshot can be read in another
process and handed over, and planning needs no database library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sessconf.plan.state import ConfigState


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Whether the store exists yet, its schema's version, and its id."""

    exists: bool
    version: int = 0
    store_id: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """How appointments use one session or location: counts and dates, never who or which."""

    appointments: int = 0  # any status, any date
    first: datetime | None = None
    last: datetime | None = None
    future_booked: int = 0


@dataclass(frozen=True, slots=True)
class LastApply:
    """The last ``sessconf apply`` of a store: when, by whom, and the configuration it left."""

    applied_at: datetime  # UTC
    actor: str
    config_digest: str
    # the store's change counter as that apply left it (None: not recorded, compare digests)
    config_version: int | None = None


@dataclass(slots=True)
class Snapshot:
    """What a store holds: its configuration, the row ids behind it, and appointment usage."""

    status: SchemaStatus
    config: ConfigState = field(default_factory=ConfigState)
    # the store's URL as it may be shown (read where the snapshot is read: planning in another
    # process needs neither the URL parsed again nor the database library)
    store: str = ""
    ids: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"session": {}, "location": {}, "billing_item": {}}
    )
    session_usage: dict[str, Usage] = field(default_factory=dict)
    location_usage: dict[str, Usage] = field(default_factory=dict)
    # (session, location) -> booked future appointments
    future_at: dict[tuple[str, str], int] = field(default_factory=dict)
    # session -> appointment counts of its future slots that hold more than one
    future_slots: dict[str, list[int]] = field(default_factory=dict)
    last_apply: LastApply | None = None  # None: never applied (or the store does not say)
    # the store's configuration change counter when this was read (None: the store has none)
    config_version: int | None = None

    @property
    def store_id(self) -> str | None:
        return self.status.store_id

    @property
    def changed_outside(self) -> bool:
        """Whether the configuration differs from what the last apply left (SPEC §4: edited by
        other means; a plan would revert those edits)."""
        last = self.last_apply
        if last is None:
            return False
        if last.config_version is not None and last.config_version == self.config_version:
            return False  # nothing was written since: no digest to compute
        return last.config_digest != self.config.digest()


def as_applied(probe: Snapshot, desired: ConfigState) -> Snapshot | None:
    """The store's snapshot without reading its rows, when it certainly holds ``desired``: the
    last apply left ``desired``'s digest and nothing was written since (the change counter has
    not moved). It holds no appointment usage: planning ``desired`` against it changes nothing,
    so none is needed. None when that is not certain (the rows must be read)."""
    last = probe.last_apply
    if last is None or last.config_version is None or last.config_version != probe.config_version:
        return None
    if last.config_digest != desired.digest():
        return None
    config = ConfigState(
        dict(desired.sessions),
        dict(desired.locations),
        dict(desired.billing_items),
        cached_digest=last.config_digest,
    )
    return Snapshot(probe.status, config, probe.store, config_version=probe.config_version, last_apply=last)
