"""Dates and times in words, for a locale: the one module that calls Babel (CLDR data).

``format_datetime`` gives "Wednesday, September 30 at 12:00 PM" (en-CA) or
"mercredi 30 septembre à 12 h 00" (fr-CA): the locale's month-day-weekday pattern with the full
weekday, its short time, joined by its "at time" pattern. No year: a reminder is about the next
days. The text is made SMS-friendly: CLDR's (narrow) no-break spaces become spaces and its
typographic apostrophe a straight one, so that a date never forces an SMS into UCS-2.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from functools import lru_cache

from babel import Locale, UnknownLocaleError, dates

_SMS_SAFE = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2019": "'"})
_WEEKDAY = re.compile(r"E+")


class LocaleError(ValueError):
    """A locale that Babel does not know."""


@lru_cache(maxsize=64)
def babel_locale(tag: str) -> Locale:
    """The Babel locale for a tag such as ``en-CA``; raises :class:`LocaleError`."""
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise LocaleError(f"unknown locale '{tag}': {exc}") from None


def format_date(value: datetime, locale: str, pattern: str | None = None) -> str:
    """``Wednesday, September 30`` (or the Babel ``pattern`` given)."""
    return _cached(value, value.tzinfo, locale, "date", pattern)


def format_time(value: datetime, locale: str, pattern: str | None = None) -> str:
    """``12:00 PM`` / ``12 h 00`` (or the Babel ``pattern`` given)."""
    return _cached(value, value.tzinfo, locale, "time", pattern)


def format_datetime(value: datetime, locale: str, pattern: str | None = None) -> str:
    """``Wednesday, September 30 at 12:00 PM`` (or the Babel ``pattern`` given)."""
    return _cached(value, value.tzinfo, locale, "datetime", pattern)


def format_zone(value: datetime, locale: str) -> str:
    """The zone's generic name: ``Eastern Time`` / ``heure de l'Est``."""
    return _cached(value, value.tzinfo, locale, "zone", None)


# Equal aware datetimes in different zones are equal instants: the zone is part of the key.
@lru_cache(maxsize=4096)
def _cached(value: datetime, zone: tzinfo | None, locale: str, what: str, pattern: str | None) -> str:
    loc = babel_locale(locale)
    if pattern is not None:
        text = dates.format_datetime(value, pattern, tzinfo=zone, locale=loc)
    elif what == "date":
        text = _date(value, loc)
    elif what == "time":
        text = dates.format_time(value, "short", tzinfo=zone, locale=loc)
    elif what == "datetime":
        joiner = _at_time_pattern(loc).replace("'", "")
        time = dates.format_time(value, "short", tzinfo=zone, locale=loc)
        text = joiner.replace("{1}", _date(value, loc)).replace("{0}", time)
    else:
        text = dates.get_timezone_name(value, "long", locale=loc, zone_variant="generic")
    if loc.language == "en" and what != "zone":
        # House style (SPEC §5's "12:00 PM"): CLDR's en-CA writes "p.m.", clients read "PM".
        text = text.replace("a.m.", "AM").replace("p.m.", "PM")
    return text.translate(_SMS_SAFE)


def _date(value: datetime, loc: Locale) -> str:
    skeleton = loc.datetime_skeletons.get("MMMMEd")
    pattern = _WEEKDAY.sub("EEEE", str(skeleton)) if skeleton is not None else "EEEE d MMMM"
    return dates.format_datetime(value, pattern, tzinfo=value.tzinfo, locale=loc)


def _at_time_pattern(loc: Locale) -> str:
    # CLDR's "atTime" date-time pattern ("{1} 'at' {0}"); Babel exposes it as the relative one.
    relative = getattr(loc, "datetime_formats_relative", None) or {}
    pattern = relative.get("full") or loc.datetime_formats.get("full") or "{1} {0}"
    return str(pattern)
