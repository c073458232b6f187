"""Reminder checks for lint (SPEC §5): template errors and SMS reminders that are too long.

Lint renders, for every bookable session at each of its (known) locations, both channels with
fixed long samples: a 12-letter first name, and Wednesday, September 30 at noon in the location's
zone. At 10,000 sessions that is tens of thousands of renders, so lint renders once per distinct
*relevant* input instead (see :mod:`sessconf.reminders.analysis`): fields a template only copies
to the output are spliced into a render made with placeholders, and renders are shared by every
(session, location) whose other fields read the same. Errors come from those renders; the SMS
text of each (session, location) is rebuilt from its render exactly, and counted.

Bounds (SPEC §5): all the renders of one template take at most ``sandbox.TEMPLATE_SECONDS``
together, whatever the number of sessions, and the first breach of a bound (operations, size,
time, memory) is reported once and stops that template. A template from the repository is
rendered in a bounded worker (:mod:`sessconf.reminders.worker`), whose memory and time the
operating system limits; the built-in templates, which are ours, are rendered in-process.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sessconf.codes.reminders import REMINDER_ERROR, SMS_TOO_LONG
from sessconf.diagnostics import Diagnostic
from sessconf.model import NAME_MAX, TEXT_MAX, Location, Session
from sessconf.reminders import dates, sandbox, worker
from sessconf.reminders.analysis import Dependence, FieldPath, Key
from sessconf.reminders.builtin import cannot_fail
from sessconf.reminders.sms import SmsLength, basic_length, most_segments, profile, room, sms_length
from sessconf.reminders.templates import (
    CHANNELS,
    Channel,
    CompiledTemplate,
    ReminderError,
    load_source,
)
from sessconf.reminders.variables import (
    FIELDS,
    VARIABLES,
    AppointmentVars,
    ClientVars,
    ClinicVars,
    ReminderVars,
    SessionVars,
    appointment_vars,
    location_vars,
    session_vars,
)
from sessconf.repository.model import Entry, Repository

SAMPLE_FIRST_NAME = "Christabella"  # 12 letters, all GSM-7
SAMPLE_LAST_NAME = "Montgomery-Clarke"
SAMPLE_START = datetime(2026, 9, 30, 12, 0)  # a Wednesday, at noon, in the location's zone
MAX_ERRORS_PER_TEMPLATE = 10

_MISSING = object()
_PROFILES_KEPT = 50_000
_PLACEHOLDER = re.compile("\ue000([\ue100-\ue1ff])\ue000")
_PRIVATE = re.compile("[\ue000-\ue1ff]")


def check_reminders(
    repo: Repository, *, lengths: bool = True, prepared: Prepared | None = None
) -> list[Diagnostic]:
    """Template errors (SC401) and, with ``lengths``, overlong SMS reminders (SC402) of the
    repository.

    A built-in template known to render for every session (see :mod:`sessconf.reminders.builtin`)
    is rendered only to count SMS segments: not at all for the email, nor for the SMS without
    ``lengths``.
    """
    found: list[Diagnostic] = []
    sessions = [entry for entry in repo.sessions.values() if not entry.model.archived]
    locale = repo.settings.locale
    try:
        dates.babel_locale(locale)
    except dates.LocaleError as exc:
        found.append(REMINDER_ERROR.at(*_setting_pos(repo, "locale"), str(exc)))
        return found
    if prepared is not None and prepared.lengths != lengths:
        prepared = None
    samples = prepared.samples if prepared is not None else _Samples(repo)
    for channel in CHANNELS:
        if cannot_fail(repo, channel) and not (channel == "sms" and lengths):
            continue  # no error to find, and nothing to count
        _read_locale_data(locale)
        ready = prepared.checks.get(channel) if prepared is not None else None
        if ready is not None:
            found.extend(_bounded_run(ready, sessions, lengths))
            continue
        try:
            compiled = CompiledTemplate(load_source(repo.root, channel, locale))
        except ReminderError as exc:
            if exc.path == repo.root / "pyproject.toml":  # no template for the locale: at the setting
                path, pos = _setting_pos(repo, "locale")
                found.append(REMINDER_ERROR.at(path, pos, f"{channel} reminder: {exc.problem}", exc.hint))
            else:
                found.append(_template_error(channel, exc))
            continue
        check = _ChannelCheck(channel, compiled, locale, samples, repo)
        found.extend(_bounded_run(check, sessions, lengths))
    return found


def _bounded_run(check: _ChannelCheck, sessions: list[Entry[Session]], lengths: bool) -> list[Diagnostic]:
    """``check.run``, within one allowance of time for the template; a template from the
    repository in a bounded worker."""
    if check.compiled.source.builtin or not worker.available():
        check.compiled.allowance = sandbox.Allowance()
        return check.run(sessions, lengths)

    def bounded() -> list[Diagnostic]:
        sandbox.use_timers()
        check.compiled.allowance = sandbox.Allowance()
        return check.run(sessions, lengths)

    try:
        return worker.run(bounded)
    except worker.WorkerStopped as exc:
        problem = f"{check.channel} reminder: rendering this template was stopped: {exc}"
        return [REMINDER_ERROR.at(check.compiled.path, (1, 1), problem)]


class Prepared(NamedTuple):
    """What :func:`prepare` did ahead of :func:`check_reminders`."""

    lengths: bool
    samples: _Samples
    checks: dict[Channel, _ChannelCheck]


def prepare(repo: Repository, *, lengths: bool) -> Prepared | None:
    """What :func:`check_reminders` can do before the sessions are loaded (lint calls this while
    other processes load them): import Jinja2 and Babel, load the locale's data, compile the
    templates, and build the variables and keys of every location. A template that fails here is
    left for :func:`check_reminders` to report."""
    locale = repo.settings.locale
    try:
        dates.babel_locale(locale)
    except dates.LocaleError:
        return None
    samples = _Samples(repo)
    checks: dict[Channel, _ChannelCheck] = {}
    for channel in CHANNELS:
        if cannot_fail(repo, channel) and not (channel == "sms" and lengths):
            continue
        try:
            compiled = CompiledTemplate(load_source(repo.root, channel, locale))
        except ReminderError:
            continue
        checks[channel] = check = _ChannelCheck(channel, compiled, locale, samples, repo)
        for location_id in samples.locations:
            check._place_key(location_id)
    if checks:
        _read_locale_data(locale)
    return Prepared(lengths, samples, checks)


def _read_locale_data(locale: str) -> None:
    """Babel reads a locale's data (hundreds of kB) when it first formats something: before the
    renders' clocks run (and, in a bounded worker, once for both channels)."""
    start = SAMPLE_START.replace(tzinfo=ZoneInfo("UTC"))
    dates.format_datetime(start, locale)
    dates.format_zone(start, locale)


def _setting_pos(repo: Repository, key: str) -> tuple[Path, tuple[int, int]]:
    path = repo.root / "pyproject.toml"
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return path, (1, 1)
    for number, line in enumerate(lines, start=1):
        if re.match(rf"\s*{key}\s*=", line):
            return path, (number, len(line) - len(line.lstrip()) + 1)
    return path, (1, 1)


def _template_error(channel: str, exc: ReminderError, context: str | None = None) -> Diagnostic:
    return REMINDER_ERROR.at(exc.path, (exc.line, 1), f"{channel} reminder: {exc.problem}", context)


class _Samples:
    """The variables of each (session, location), built once per session, location and duration."""

    def __init__(self, repo: Repository) -> None:
        self.client = ClientVars(SAMPLE_FIRST_NAME, SAMPLE_LAST_NAME)
        self.clinic = ClinicVars(repo.settings.clinic_name)
        self.locations: dict[str, Location] = {k: e.model for k, e in repo.locations.items()}
        self._sessions: dict[str, SessionVars] = {}
        self._places: dict[str, dict[str, Any]] = {}
        self._appointments: dict[tuple[str, int], AppointmentVars] = {}  # by (zone, duration)

    def session(self, entry: Entry[Session]) -> SessionVars:
        found = self._sessions.get(entry.name)
        if found is None:
            found = self._sessions[entry.name] = session_vars(entry.model)
        return found

    def place(self, location_id: str) -> dict[str, Any]:
        """The location, and the appointment's start there (the same for every duration)."""
        found = self._places.get(location_id)
        if found is None:
            found = self._places[location_id] = {
                "location": location_vars(self.locations[location_id]),
                "appointment": self.appointment(location_id, 0),
            }
        return found

    def appointment(self, location_id: str, duration: int) -> AppointmentVars:
        zone = self.locations[location_id].timezone
        found = self._appointments.get((zone, duration))
        if found is None:
            start = SAMPLE_START.replace(tzinfo=ZoneInfo(zone))
            found = self._appointments[(zone, duration)] = appointment_vars(start, duration, zone)
        return found

    def variables(self, entry: Entry[Session], location_id: str) -> ReminderVars:
        return ReminderVars(
            self.session(entry),
            self.client,
            self.appointment(location_id, entry.model.duration),
            self.place(location_id)["location"],
            self.clinic,
        )


class _Slot:
    """A placeholder for a spliced field: its text is a marker; its truth is the value's."""

    __slots__ = ("text", "truthy")

    def __init__(self, index: int, truthy: bool) -> None:
        self.text = f"\ue000{chr(0xE100 + index)}\ue000"
        self.truthy = truthy

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return self.truthy


Pieces = list[str | int]  # literal text, or the index of a spliced field

# Where a field's value comes from in lint: the same for all the targets of a session, of a
# location, of a (location, duration) pair, or for all of them.
_SESSION, _PLACE, _PAIR, _FIXED = "session", "place", "pair", "fixed"


def _scope(path: FieldPath) -> str:
    if path[0] == "session":
        return _SESSION
    if path[0] == "location" or path == ("appointment", "start"):
        return _PLACE
    if path[0] == "appointment":
        return _PAIR
    return _FIXED


class _Render:
    """One render shared by the targets with the same key: its parts (part -> pieces, None when
    they could not be spliced), the fields in its slots, or its error; ``overflow`` when some
    target's text might pass the output cap; ``sms``, what its SMS adds up to."""

    __slots__ = ("error", "overflow", "parts", "slots", "sms")

    def __init__(
        self, parts: dict[str, Pieces] | None, slots: list[FieldPath], error: ReminderError | None = None
    ) -> None:
        self.parts, self.slots, self.error = parts, slots, error
        self.overflow = False
        self.sms: _SmsCounts | None = None


class _Place(NamedTuple):
    """A render at a location (or a location and a duration), for the sessions of one key;
    ``packed``, the profile of all but the session's slotted fields, is None when the SMS must be
    rendered for each session alone (an error, or no splicing)."""

    rendered: _Render | None  # None: an unknown location (another rule reports it), or stopped
    packed: int | None = None
    session_fields: tuple[tuple[str, str, int], ...] = ()


class _SmsCounts(NamedTuple):
    """What an SMS render adds up to (see :func:`sms.profile`): its literal text and fixed fields,
    and the fields it slots by scope, as (variable, field, occurrences)."""

    fixed: int
    session_fields: tuple[tuple[str, str, int], ...]
    place_fields: tuple[tuple[str, str, int], ...]
    pair_fields: tuple[tuple[str, str, int], ...]


# Longest text a field can hold, for the output cap (the model bounds them).
_FIELD_MAX = {"description": TEXT_MAX, "name": TEXT_MAX, "address": TEXT_MAX, "discipline": NAME_MAX}


class _ChannelCheck:
    def __init__(
        self, channel: Channel, compiled: CompiledTemplate, locale: str, samples: _Samples, repo: Repository
    ) -> None:
        self.channel, self.compiled, self.locale, self.samples = channel, compiled, locale, samples
        self.repo = repo
        self.max_segments = repo.settings.sms_max_segments
        self.parts: list[tuple[str, str | None]] = [("sms", None)]
        if channel == "email":
            self.parts = [("subject", "subject"), ("body", "body")]
            if compiled.html:
                self.parts.append(("html", "html"))
        dependence = compiled.dependence
        if _PRIVATE.search(compiled.source.text):  # our markers could not be told apart
            keys = {**dependence.keys, **dict.fromkeys(dependence.spliced, Key.VALUE)}
            dependence = Dependence(keys, frozenset())
        self.dependence = dependence
        keyed: dict[str, list[tuple[FieldPath, Key]]] = {_SESSION: [], _PLACE: [], _PAIR: [], _FIXED: []}
        for path in sorted(dependence.keys):
            keyed[_scope(path)].append((path, dependence.keys[path]))
        self.keyed = keyed
        self.spliced = sorted(dependence.spliced)
        self.renders: dict[tuple[int, int, int | None], _Render] = {}
        self.errors: dict[tuple[Path, int, str], Diagnostic] = {}
        self.stopped = False
        self.interned: dict[tuple[Any, ...], int] = {}
        # a session's key, by the raw values of the session fields it depends on
        names = [name for (_, name), _ in keyed[_SESSION] if name in FIELDS["session"]]
        self.session_getter: Callable[[Session], Any] = attrgetter(*names) if names else lambda model: None
        self.session_keys: dict[Any, int] = {}
        self.place_keys: dict[str, int] = {}
        self.profiles: dict[str, int] = {}

    def run(self, sessions: list[Entry[Session]], lengths: bool = True) -> list[Diagnostic]:
        """Errors, and with ``lengths`` the SMS that are too long (the email has no length)."""
        if self.channel != "sms":
            return self._run_grouped(sessions)
        return self._run_sms(sessions, prefilter=lengths and not self.keyed[_PAIR], lengths=lengths)

    def _run_grouped(self, sessions: list[Entry[Session]]) -> list[Diagnostic]:
        """Errors only (the email): render each distinct key once, with its first target (in the
        order of the sessions and their locations), which names its error. A render that cannot be
        spliced, or may overflow, is done again for each of its targets alone, in a second pass."""
        pair_keyed = bool(self.keyed[_PAIR])
        Target = tuple[Entry[Session], str]
        first: dict[tuple[int, int, int | None], Target] = {}
        getter, keys = self.session_getter, self.session_keys
        for entry in sessions:
            model = entry.model
            skey = keys.get(getter(model))
            if skey is None:
                skey = self._session_key(model)
            for location_id in model.locations:
                pkey = self._place_key(location_id)
                if pkey is None:
                    continue  # an unknown location: another rule reports it
                pair = self._pair_key(location_id, model.duration) if pair_keyed else None
                first.setdefault((skey, pkey, pair), (entry, location_id))
        alone: set[tuple[int, int, int | None]] = set()
        for key, (entry, location_id) in first.items():
            if self.stopped:
                break
            rendered = self._render(self.samples.variables(entry, location_id))
            if rendered.error is not None:
                self._report(rendered.error, entry.name, location_id)
            elif rendered.parts is None or rendered.overflow:
                alone.add(key)
        if alone:
            self._each_target(sessions, alone)
        return self._found({}, sessions)

    def _each_target(self, sessions: list[Entry[Session]], alone: set[tuple[int, int, int | None]]) -> None:
        """Render alone each target whose key is in ``alone``."""
        pair_keyed = bool(self.keyed[_PAIR])
        for entry in sessions:
            model = entry.model
            skey = self._session_key(model)
            for location_id in model.locations:
                pkey = self._place_key(location_id)
                if pkey is None:
                    continue
                pair = self._pair_key(location_id, model.duration) if pair_keyed else None
                if (skey, pkey, pair) not in alone:
                    continue
                if self.stopped:
                    return
                exact = self._render_exactly(self.samples.variables(entry, location_id))
                if exact.error is not None:
                    self._report(exact.error, entry.name, location_id)

    def _run_sms(
        self, sessions: list[Entry[Session]], *, prefilter: bool, lengths: bool = True
    ) -> list[Diagnostic]:
        """Errors, and the length of every SMS: the profile of a target's text is its session's
        slotted fields plus what its render and location add, so both are computed once.

        With ``prefilter`` (lengths, and no field that depends on the duration), a session key
        shared by enough sessions is rendered at every location, which tells the most GSM-7
        characters that a session's own fields can add without passing the limit at any location
        (its *room*): the sessions whose fields are plain GSM-7 text that fits, nearly all, are
        done there. A key is looked at everywhere only once its sessions have visited as many
        locations as there are (a key of one session, as when a template reads its name, would
        otherwise cost every location for every session). A render that fails while looking
        ahead (:class:`_Irregular`) turns the prefilter off from that session on.
        """
        overlong: dict[str, list[tuple[str, SmsLength, str]]] = {}
        getter, keys = self.session_getter, self.session_keys
        skeys = []
        for entry in sessions:
            skey = keys.get(getter(entry.model))
            skeys.append(self._session_key(entry.model) if skey is None else skey)
        sharing = Counter(skeys)
        places: dict[int, dict[Any, _Place]] = {}  # what the renders of a shared key add up to
        rooms: dict[int, tuple[tuple[tuple[str, str, int], ...], int] | None] = {}
        visits: dict[int, int] = {}
        everywhere = len(self.samples.locations)
        for entry, skey in zip(sessions, skeys, strict=True):
            model = entry.model
            # a key of one session is rendered, counted and forgotten: at 100,000 sessions a
            # template that reads each one's name would otherwise hold every render
            shared = sharing[skey] > 1
            known = places.get(skey) if shared else None
            if known is None:
                known = {}
                if shared:
                    places[skey] = known
            if prefilter:
                try:
                    if skey in rooms:
                        fits = rooms[skey]
                        if fits is not None and _plain_length(fits[0], model) <= fits[1]:
                            continue  # within the limit at every location
                    else:
                        visited = visits[skey] = visits.get(skey, 0) + len(model.locations)
                        if visited >= everywhere:
                            fits = rooms[skey] = self._room(skey, entry, known, shared)
                            if fits is not None and _plain_length(fits[0], model) <= fits[1]:
                                continue
                except _Irregular:
                    # A render failed while looking ahead: from here on, go by each session in
                    # turn, so that errors are found (and named) exactly as they come. The
                    # sessions before were reported exactly, or had no error at any location.
                    prefilter = False
            self._sms_targets(entry, skey, known, overlong, lengths, shared)
        return self._found(overlong, sessions)

    def _sms_targets(
        self,
        entry: Entry[Session],
        skey: int,
        known: dict[Any, _Place],
        overlong: dict[str, list[tuple[str, SmsLength, str]]],
        lengths: bool,
        keep: bool = True,
    ) -> None:
        """One session's SMS at each of its locations: errors, and those too long (``keep``:
        the renders are kept for other sessions of the key)."""
        model = entry.model
        samples, limit, pair_keyed = self.samples, self.max_segments, bool(self.keyed[_PAIR])
        signature: tuple[tuple[str, str, int], ...] | None = None
        session_part = 0
        for location_id in model.locations:
            place_id = (location_id, model.duration) if pair_keyed else location_id
            place = known.get(place_id)
            if place is None:
                place = known[place_id] = self._place(skey, entry, location_id, keep)
            if place.rendered is None:
                continue
            if place.packed is not None:
                if not lengths:
                    continue  # rendered, and spliced exactly: no error
                if place.session_fields != signature:
                    signature = place.session_fields
                    session_part = self._fields(signature, model)
                if most_segments(place.packed + session_part) <= limit:
                    continue  # exact: even this bound is within the limit
            rendered = place.rendered
            if rendered.error is None and rendered.sms is None:  # not spliced, or it may overflow
                if self.stopped:
                    return
                rendered = self._render_exactly(samples.variables(entry, location_id))
            if rendered.error is not None:
                self._report(rendered.error, entry.name, location_id)
                continue
            if not lengths:
                continue
            text = self._text(rendered, "sms", samples.variables(entry, location_id)).strip()
            length = sms_length(text)
            if length.segments > limit:
                overlong.setdefault(entry.name, []).append((location_id, length, text))

    def _room(
        self, skey: int, entry: Entry[Session], known: dict[Any, _Place], keep: bool = True
    ) -> tuple[tuple[tuple[str, str, int], ...], int] | None:
        """The session fields that the renders of ``skey`` slot, and how many GSM-7 characters
        they can add up to and stay within the limit at every location (None when that cannot be
        told: a render that cannot be spliced, or slotting different fields at some locations)."""
        signature: tuple[tuple[str, str, int], ...] | None = None
        least: int | None = None
        for location_id in self.samples.locations:
            place = known.get(location_id)
            if place is None:
                place = known[location_id] = self._place(skey, entry, location_id, keep)
            rendered = place.rendered
            if rendered is None or rendered.error is not None:
                raise _Irregular
            if place.packed is None:
                return None
            if signature is None:
                signature = place.session_fields
            elif place.session_fields != signature:
                return None
            fits = room(place.packed, self.max_segments)
            least = fits if least is None else min(least, fits)
        if signature is None or least is None:
            return None
        return signature, least

    def _place(self, skey: int, entry: Entry[Session], location_id: str, keep: bool = True) -> _Place:
        """The render of the sessions with key ``skey`` at a location (kept for the others with
        ``keep``), and what it adds up to there without the session's own fields."""
        pkey = self._place_key(location_id)
        if pkey is None or self.stopped:
            return _Place(None)
        pair = self._pair_key(location_id, entry.model.duration) if self.keyed[_PAIR] else None
        key = (skey, pkey, pair)
        rendered = self.renders.get(key)
        if rendered is None:
            rendered = self._render(self.samples.variables(entry, location_id))
            if keep:
                self.renders[key] = rendered
        counts = rendered.sms
        if counts is None or rendered.error is not None:
            return _Place(rendered)
        packed = counts.fixed + self._fields(counts.place_fields, self.samples.place(location_id))
        if counts.pair_fields:
            appointment = self.samples.appointment(location_id, entry.model.duration)
            packed += self._fields(counts.pair_fields, {"appointment": appointment})
        return _Place(rendered, packed, counts.session_fields)

    def _session_key(self, model: Session) -> int:
        raw = self.session_getter(model)
        found = self.session_keys.get(raw)
        if found is None:
            found = self.session_keys[raw] = self._key(_SESSION, {"session": model})
        return found

    def _place_key(self, location_id: str) -> int | None:
        found = self.place_keys.get(location_id)
        if found is None and location_id in self.samples.locations:
            found = self.place_keys[location_id] = self._key(_PLACE, self.samples.place(location_id))
        return found

    def _found(
        self, overlong: dict[str, list[tuple[str, SmsLength, str]]], sessions: list[Entry[Session]]
    ) -> list[Diagnostic]:
        found = list(self.errors.values())
        if overlong:
            entries = {entry.name: entry for entry in sessions}
            found.extend(self._overlong(entries[name], places) for name, places in overlong.items())
        return found

    def _key(self, scope: str, objects: dict[str, Any]) -> int:
        """The key of ``scope``'s fields, as a small int (some values, datetimes, hash slowly).

        ``objects`` maps variable names to what holds their fields: the variables, or for a
        session its model (lint reads its fields there, without building the variables)."""
        values = []
        for (variable, name), kind in self.keyed[scope]:
            value = getattr(objects[variable], name, _MISSING) if name in FIELDS[variable] else _MISSING
            values.append(value if kind is Key.VALUE else _truth(value))
        return self.interned.setdefault((scope, *values), len(self.interned))

    def _pair_key(self, location_id: str, duration: int) -> int:
        return self._key(_PAIR, {"appointment": self.samples.appointment(location_id, duration)})

    # -- rendering ---------------------------------------------------------------------------------

    def _render(self, variables: ReminderVars) -> _Render:
        """Render every part once, with placeholders for the spliced fields."""
        slots: list[FieldPath] = []
        objects = {name: getattr(variables, name) for name in VARIABLES}
        for path in self.spliced:
            value = getattr(objects[path[0]], path[1]) if path[1] in FIELDS[path[0]] else _MISSING
            if value is _MISSING or (self.dependence.keys.get(path) is Key.TRUTH and not value):
                continue  # falsy values are part of the key: the same for every target sharing it
            objects[path[0]] = objects[path[0]]._replace(**{path[1]: _Slot(len(slots), True)})
            slots.append(path)
        parts: dict[str, Pieces] | None = {}
        try:
            for part, block in self.parts:
                pieces = _split(self.compiled.render(objects, self.locale, block), len(slots))
                if pieces is None or parts is None:
                    parts = None
                else:
                    parts[part] = pieces
        except ReminderError as exc:
            return _Render(None, slots, exc)
        rendered = _Render(parts, slots)
        if parts is not None:
            rendered.overflow = self._may_overflow(rendered)
            if "sms" in parts and not rendered.overflow:
                self._profile_sms(rendered, parts["sms"], variables)
        return rendered

    def _profile_sms(self, rendered: _Render, pieces: Pieces, variables: ReminderVars) -> None:
        counts: dict[int, int] = {}
        fixed = 0
        for piece in pieces:
            if isinstance(piece, str):
                fixed += self._profile(piece)
            else:
                counts[piece] = counts.get(piece, 0) + 1
        scoped: dict[str, list[tuple[str, str, int]]] = {_SESSION: [], _PLACE: [], _PAIR: []}
        for index, count in counts.items():
            variable, name = path = rendered.slots[index]
            scope = _scope(path)
            if scope == _FIXED:
                fixed += count * self._profile(str(getattr(getattr(variables, variable), name)))
            else:
                scoped[scope].append((variable, name, count))
        rendered.sms = _SmsCounts(fixed, tuple(scoped[_SESSION]), tuple(scoped[_PLACE]), tuple(scoped[_PAIR]))

    def _profile(self, text: str) -> int:
        found = self.profiles.get(text)
        if found is None:
            if len(self.profiles) >= _PROFILES_KEPT:
                self.profiles.clear()  # texts of renders of one session each: not seen again
            found = self.profiles[text] = profile(text)
        return found

    def _fields(self, fields: tuple[tuple[str, str, int], ...], holder: Any) -> int:
        """The profile of ``fields`` (variable, field, occurrences) read from ``holder``: a
        session's model, or a mapping of variable names to their objects."""
        total = 0
        for variable, name, count in fields:
            owner = holder[variable] if isinstance(holder, dict) else holder
            total += count * self._profile(str(getattr(owner, name)))
        return total

    def _may_overflow(self, rendered: _Render) -> bool:
        assert rendered.parts is not None
        for pieces in rendered.parts.values():
            fixed = sum(len(p) for p in pieces if isinstance(p, str))
            slotted = sum(self._field_max(rendered.slots[p]) for p in pieces if isinstance(p, int))
            if fixed + 6 * slotted > sandbox.OUTPUT_CAP:  # 6: escaping can turn '&' into '&amp;'
                return True
        return False

    def _field_max(self, path: FieldPath) -> int:
        if path == ("clinic", "name"):
            return len(self.samples.clinic.name)
        return _FIELD_MAX.get(path[1], 64)

    def _render_exactly(self, variables: ReminderVars) -> _Render:
        """The slow path: a full render for this target alone."""
        parts: dict[str, Pieces] = {}
        try:
            for part, block in self.parts:
                parts[part] = [self.compiled.render(variables.as_dict(), self.locale, block)]
        except ReminderError as exc:
            return _Render(None, [], exc)
        return _Render(parts, [])

    def _text(self, rendered: _Render, part: str, variables: ReminderVars) -> str:
        assert rendered.parts is not None
        pieces = rendered.parts[part]
        if len(pieces) == 1 and isinstance(pieces[0], str):
            return pieces[0]
        values = [str(getattr(getattr(variables, var), name)) for var, name in rendered.slots]
        return "".join(p if isinstance(p, str) else values[p] for p in pieces)

    # -- reporting -----------------------------------------------------------------------------------

    def _report(self, error: ReminderError, session: str, location_id: str) -> None:
        """Report ``error``, found rendering a real (session, location); a breach of the bounds
        stops the template: nothing more is rendered with it."""
        self.stopped = self.stopped or error.stops
        key = (error.path, error.line, error.problem)
        if key in self.errors or len(self.errors) >= MAX_ERRORS_PER_TEMPLATE:
            return
        context = f"found rendering session '{session}' at location '{location_id}'"
        self.errors[key] = _template_error(self.channel, error, context)

    def _overlong(self, entry: Entry[Session], entries: list[tuple[str, SmsLength, str]]) -> Diagnostic:
        location_id, length, text = max(entries, key=lambda e: (e[1].segments, e[1].units))
        where = ", ".join(f"'{loc}'" for loc, _, _ in entries[:3])
        if len(entries) > 3:
            where += f" and {len(entries) - 3} more"
        message = (
            f"the SMS reminder takes {length.describe()} at {where}; sms_max_segments is {self.max_segments}"
        )
        if length.forced_by is not None:
            culprit = length.forced_by
            origin = _origin(culprit, self.samples.variables(entry, location_id), self.compiled)
            message += f"; UCS-2 because of '{culprit}' (U+{ord(culprit):04X}) {origin}"
        hint = _hint(length, text, self.max_segments)
        return SMS_TOO_LONG.at(entry.path, entry.pos("description"), message, hint)


class _Irregular(Exception):
    """A render failed while looking ahead (see :meth:`_ChannelCheck._room`)."""


def _plain_length(fields: tuple[tuple[str, str, int], ...], model: Session) -> int:
    """How many characters ``fields`` (variable, field, occurrences) add to an SMS, when they are
    all basic GSM-7 text (one septet per character); else a number larger than any room."""
    total = 0
    for _, name, count in fields:
        length = basic_length(str(getattr(model, name)))
        if length < 0:
            return _NOT_PLAIN
        total += count * length
    return total


_NOT_PLAIN = 1 << 62


def _truth(value: object) -> tuple[bool, bool]:
    return (value is None, bool(value))


def _split(output: str, slots: int) -> Pieces | None:
    """Literal text and slot indexes; None when the markers cannot be read back unambiguously."""
    parts = _PLACEHOLDER.split(output)
    pieces: Pieces = []
    for index, part in enumerate(parts):
        if index % 2:
            slot = ord(part) - 0xE100
            if slot >= slots:
                return None
            pieces.append(slot)
        elif _PRIVATE.search(part):
            return None
        elif part:
            pieces.append(part)
    return pieces


# Typographic characters with a GSM-7 equivalent (letters have none: 'ç' is not 'c').
_ASCII_FOR = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
}


def _origin(culprit: str, variables: ReminderVars, compiled: CompiledTemplate) -> str:
    places = [
        ("in the description", variables.session.description),
        ("in the location's name", variables.location.name),
        ("in the location's address", variables.location.address or ""),
        ("in clinic_name", variables.clinic.name),
    ]
    for label, text in places:
        if culprit in text:
            return label
    return f"in the template {compiled.path.name}"


def _hint(length: SmsLength, text: str, max_segments: int) -> str:
    if length.forced_by is not None:
        replacement = _ASCII_FOR.get(length.forced_by)
        gsm = replacement and f"write '{replacement}' instead of '{length.forced_by}' to send it in GSM-7"
        fit = sms_length(_gsm_safe(text))
        if gsm and fit.segments <= max_segments:
            return gsm + f" ({fit.segments} segment{'s' if fit.segments > 1 else ''})"
        if gsm:
            return gsm + ", and shorten the description"
    return "shorten the description, or raise sms_max_segments in [tool.sessconf]"


def _gsm_safe(text: str) -> str:
    out = text
    for char, replacement in _ASCII_FOR.items():
        out = out.replace(char, replacement)
    return out


__all__ = ["SAMPLE_FIRST_NAME", "SAMPLE_LAST_NAME", "SAMPLE_START", "check_reminders"]
