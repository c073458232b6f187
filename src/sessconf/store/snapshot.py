"""What a store holds, as plain values (no database types): a snapshot can be read in another
process and handed over, and planning needs no database library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sessconf import __version__
from sessconf.errors import StoreError
from sessconf.state import ConfigState


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    exists: bool
    version: int = 0
    store_id: str | None = None

    def check_readable(self, display: str, *, older: bool = False) -> None:
        """Refuse a store whose schema this version of sessconf cannot read; with ``older``, an
        older schema passes (its configuration reads the same; ``apply`` upgrades it first)."""
        from sessconf.store import schema as t

        if not self.exists:
            return
        if self.version > t.SCHEMA_VERSION:
            raise StoreError(
                f"the store {display} was written by a newer sessconf (schema version {self.version}; "
                f"sessconf {__version__} knows up to {t.SCHEMA_VERSION})",
                "upgrade sessconf",
            )
        if self.version < t.SCHEMA_VERSION and not older:
            raise StoreError(
                f"the store {display} has an older schema "
                f"(version {self.version}, current {t.SCHEMA_VERSION})",
                "run `sessconf migrate`",
            )


@dataclass(frozen=True, slots=True)
class Usage:
    """How appointments use one session or location: counts and dates, never who or which."""

    appointments: int = 0  # any status, any date
    first: datetime | None = None
    last: datetime | None = None
    future_booked: int = 0


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

    @property
    def store_id(self) -> str | None:
        return self.status.store_id
