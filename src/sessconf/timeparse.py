"""Appointment start times given on the command line (SPEC §4).

``--start`` takes an ISO 8601 date and time. With an offset (``+02:00``, ``Z``) it is that instant;
without one it is a wall-clock time in the location's time zone, which must exist (not skipped by
a daylight-saving change) and be unambiguous (not repeated by one: then the offset decides). Its
year is from :data:`MIN_YEAR` to :data:`MAX_YEAR`, so that the start and the end of any
appointment, in any zone, are dates Python (and both stores) can hold.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta, tzinfo

from sessconf.errors import SessconfError

EXAMPLE = "2026-09-30T14:00 or 2026-09-30T14:00-04:00"
MIN_YEAR, MAX_YEAR = 1900, 9998


def parse_start(text: str, zone: str | tzinfo) -> datetime:
    """The aware datetime that ``text`` means at a location in ``zone``, in that zone.

    Raises :class:`SessconfError` for text that is not a date and time, a local time that does not
    exist in ``zone`` (a DST gap) or one that happens twice there (a DST fold) without an offset.
    """
    tz = _zone(zone)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SessconfError(f"'{text}' is not a date and time", f"write it as {EXAMPLE}") from None
    if len(text.strip()) <= len("2026-09-30"):
        raise SessconfError(f"'{text}' has no time of day", f"write it as {EXAMPLE}")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        # a day's margin each way keeps every offset and duration within datetime's years 1-9999
        raise SessconfError(
            f"'{text}' is out of range: the year must be from {MIN_YEAR} to {MAX_YEAR}",
            f"write it as {EXAMPLE}",
        )
    if parsed.tzinfo is not None:
        return parsed.astimezone(tz)
    first, second = parsed.replace(tzinfo=tz, fold=0), parsed.replace(tzinfo=tz, fold=1)
    if _round_trips(first) and _round_trips(second) and first.utcoffset() != second.utcoffset():
        raise SessconfError(
            f"{_wall(parsed)} happens twice in {_name(tz)} (the clocks go back that night)",
            f"add the offset: {_with_offset(first)} or {_with_offset(second)}",
        )
    if not _round_trips(first):
        before, after = _gap(first)
        raise SessconfError(
            f"{_wall(parsed)} does not exist in {_name(tz)} "
            f"(the clocks go forward from {before:%H:%M} to {after:%H:%M} that night)",
            "choose a time outside the change",
        )
    return first


def _zone(zone: str | tzinfo) -> tzinfo:
    if not isinstance(zone, str):
        return zone
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, RecursionError):  # OSError: too long
        shown = zone if len(zone) <= 64 else zone[:63] + "…"
        raise SessconfError(f"unknown time zone '{shown}'") from None


def _round_trips(local: datetime) -> bool:
    """Whether ``local`` is a wall-clock time that the zone really shows (not in a gap)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _gap(local: datetime) -> tuple[datetime, datetime]:
    """The wall-clock times on either side of the gap that ``local`` falls in.

    Read with the offsets from before and after the change, ``local`` gives two instants around
    the change; a bisection on whole seconds finds it.
    """
    tz = local.tzinfo
    ends = sorted(int(local.replace(fold=fold).timestamp()) for fold in (0, 1))
    low, high = ends
    new = datetime.fromtimestamp(high, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == new:
            high = middle
        else:
            low = middle
    before = datetime.fromtimestamp(low, tz) + timedelta(seconds=high - low)
    return before.replace(tzinfo=None), datetime.fromtimestamp(high, tz).replace(tzinfo=None)


def _wall(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _with_offset(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


def _name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))
