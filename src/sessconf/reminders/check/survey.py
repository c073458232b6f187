"""One channel's template rendered for every bookable (session, location), as rarely as it can be.

:class:`ChannelSurvey` shares one render among the targets with the same key (:mod:`.keys`), the
spliced fields in it as placeholders (:mod:`.splicing`). Errors come from those renders, each reported
once, named after the first target that meets it (in the order of the sessions and their
locations); the SMS of each target is counted from its render exactly. A breach of a bound stops
the template: nothing more is rendered with it.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from sessconf.reminders.check.findings import Finding, sms_too_long, template_error
from sessconf.reminders.check.keys import RenderKeys
from sessconf.reminders.check.samples import Samples
from sessconf.reminders.check.splicing import Fields, Render, Splicer, plain_length
from sessconf.reminders.sms import SmsLength, most_segments, room, sms_length
from sessconf.reminders.templates import Channel, CompiledTemplate, ReminderError

if TYPE_CHECKING:
    from sessconf.repository.model import Entry
    from sessconf.values import Session

MAX_ERRORS_PER_TEMPLATE = 10

Key = tuple[int, int, int | None]  # (session, place, pair)
Overlong = dict[str, list[tuple[str, SmsLength, str]]]  # session -> (location, length, text)


class _Place(NamedTuple):
    """A render at a location (or a location and a duration), for the sessions of one key;
    ``packed``, the profile of all but the session's slotted fields, is None when the SMS must be
    rendered for each session alone (an error, or no splicing)."""

    rendered: Render | None  # None: an unknown location (another rule reports it), or stopped
    packed: int | None = None
    session_fields: Fields = ()


class _Irregular(Exception):
    """A render failed while looking ahead (see :meth:`ChannelSurvey._room`)."""


class ChannelSurvey:
    """One channel's template, rendered for many sessions (see :meth:`run`)."""

    def __init__(
        self, channel: Channel, compiled: CompiledTemplate, locale: str, samples: Samples, max_segments: int
    ) -> None:
        self.channel, self.compiled, self.samples = channel, compiled, samples
        self.max_segments = max_segments
        self.splicer = Splicer(channel, compiled, locale, samples.clinic.name)
        self.keys = RenderKeys(self.splicer.dependence, samples)
        self.renders: dict[Key, Render] = {}
        self.errors: dict[tuple[Any, int, str], Finding] = {}
        self.stopped = False
        self.stopped_at: tuple[tuple[Any, int, str], str] | None = None  # (error, session)

    def run(self, sessions: list[Entry[Session]], lengths: bool = True) -> list[Finding]:
        """Errors, and with ``lengths`` the SMS that are too long (the email has no length)."""
        if self.channel != "sms":
            return self._run_grouped(sessions)
        return self._run_sms(sessions, prefilter=lengths and not self.keys.pair_keyed, lengths=lengths)

    def _run_grouped(self, sessions: list[Entry[Session]]) -> list[Finding]:
        """Errors only (the email): render each distinct key once, with its first target (in the
        order of the sessions and their locations), which names its error. A render that cannot be
        spliced, or may overflow, is done again for each of its targets alone, in a second pass."""
        keys = self.keys
        pair_keyed = keys.pair_keyed
        first: dict[Key, tuple[Entry[Session], str]] = {}  # the first target of each key
        getter, known = keys.session_getter, keys.session_keys
        for entry in sessions:
            model = entry.model
            skey = known.get(getter(model))
            if skey is None:
                skey = keys.session(model)
            for location_id in model.locations:
                pkey = keys.place(location_id)
                if pkey is None:
                    continue  # an unknown location: another rule reports it
                pair = keys.pair(location_id, model.duration) if pair_keyed else None
                first.setdefault((skey, pkey, pair), (entry, location_id))
        alone: set[Key] = set()
        for key, (entry, location_id) in first.items():
            if self.stopped:
                break
            rendered = self.splicer.render(self.samples.variables(entry, location_id))
            if rendered.error is not None:
                self._report(rendered.error, entry.name, location_id)
            elif rendered.parts is None or rendered.overflow:
                alone.add(key)
        if alone:
            self._each_target(sessions, alone)
        return self._found({}, sessions)

    def _each_target(self, sessions: list[Entry[Session]], alone: set[Key]) -> None:
        """Render alone each target whose key is in ``alone``."""
        keys = self.keys
        pair_keyed = keys.pair_keyed
        for entry in sessions:
            model = entry.model
            skey = keys.session(model)
            for location_id in model.locations:
                pkey = keys.place(location_id)
                if pkey is None:
                    continue
                pair = keys.pair(location_id, model.duration) if pair_keyed else None
                if (skey, pkey, pair) not in alone:
                    continue
                if self.stopped:
                    return
                exact = self.splicer.render_exactly(self.samples.variables(entry, location_id))
                if exact.error is not None:
                    self._report(exact.error, entry.name, location_id)

    def _run_sms(
        self, sessions: list[Entry[Session]], *, prefilter: bool, lengths: bool = True
    ) -> list[Finding]:
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
        overlong: Overlong = {}
        keys = self.keys
        getter, known_keys = keys.session_getter, keys.session_keys
        skeys = []
        for entry in sessions:
            skey = known_keys.get(getter(entry.model))
            skeys.append(keys.session(entry.model) if skey is None else skey)
        sharing = Counter(skeys)
        places: dict[int, dict[Any, _Place]] = {}  # what the renders of a shared key add up to
        rooms: dict[int, tuple[Fields, int] | None] = {}
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
                        if fits is not None and plain_length(fits[0], model) <= fits[1]:
                            continue  # within the limit at every location
                    else:
                        visited = visits[skey] = visits.get(skey, 0) + len(model.locations)
                        if visited >= everywhere:
                            fits = rooms[skey] = self._room(skey, entry, known, shared)
                            if fits is not None and plain_length(fits[0], model) <= fits[1]:
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
        overlong: Overlong,
        lengths: bool,
        keep: bool = True,
    ) -> None:
        """One session's SMS at each of its locations: errors, and those too long (``keep``:
        the renders are kept for other sessions of the key)."""
        model = entry.model
        samples, limit, pair_keyed = self.samples, self.max_segments, self.keys.pair_keyed
        signature: Fields | None = None
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
                    session_part = self.splicer.fields(signature, model)
                if most_segments(place.packed + session_part) <= limit:
                    continue  # exact: even this bound is within the limit
            rendered = place.rendered
            if rendered.error is None and rendered.sms is None:  # not spliced, or it may overflow
                if self.stopped:
                    return
                rendered = self.splicer.render_exactly(samples.variables(entry, location_id))
            if rendered.error is not None:
                self._report(rendered.error, entry.name, location_id)
                continue
            if not lengths:
                continue
            text = self.splicer.text(rendered, "sms", samples.variables(entry, location_id)).strip()
            length = sms_length(text)
            if length.segments > limit:
                overlong.setdefault(entry.name, []).append((location_id, length, text))

    def _room(
        self, skey: int, entry: Entry[Session], known: dict[Any, _Place], keep: bool = True
    ) -> tuple[Fields, int] | None:
        """The session fields that the renders of ``skey`` slot, and how many GSM-7 characters
        they can add up to and stay within the limit at every location (None when that cannot be
        told: a render that cannot be spliced, or slotting different fields at some locations)."""
        signature: Fields | None = None
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
        keys = self.keys
        pkey = keys.place(location_id)
        if pkey is None or self.stopped:
            return _Place(None)
        pair = keys.pair(location_id, entry.model.duration) if keys.pair_keyed else None
        key = (skey, pkey, pair)
        rendered = self.renders.get(key)
        if rendered is None:
            rendered = self.splicer.render(self.samples.variables(entry, location_id))
            if keep:
                self.renders[key] = rendered
        counts = rendered.sms
        if counts is None or rendered.error is not None:
            return _Place(rendered)
        packed = counts.fixed + self.splicer.fields(counts.place_fields, self.samples.place(location_id))
        if counts.pair_fields:
            appointment = self.samples.appointment(location_id, entry.model.duration)
            packed += self.splicer.fields(counts.pair_fields, {"appointment": appointment})
        return _Place(rendered, packed, counts.session_fields)

    # -- reporting ---------------------------------------------------------------------------------

    def _report(self, error: ReminderError, session: str, location_id: str) -> None:
        """Report ``error``, found rendering a real (session, location); a breach of the bounds
        stops the template: nothing more is rendered with it."""
        key = (error.path, error.line, error.problem)
        if error.stops and not self.stopped:
            self.stopped_at = (key, session)
        self.stopped = self.stopped or error.stops
        if key in self.errors or len(self.errors) >= MAX_ERRORS_PER_TEMPLATE:
            return
        context = f"found rendering session '{session}' at location '{location_id}'"
        self.errors[key] = template_error(self.channel, error, context)

    def _found(self, overlong: Overlong, sessions: list[Entry[Session]]) -> list[Finding]:
        if self.stopped_at is not None and self.stopped_at[0] in self.errors:
            key, session = self.stopped_at
            self.errors[key] = _unchecked(self.errors[key], session, [entry.name for entry in sessions])
        found = list(self.errors.values())
        if overlong:
            entries = {entry.name: entry for entry in sessions}
            for name, places in overlong.items():
                entry = entries[name]
                variables = partial(self.samples.variables, entry)
                found.append(sms_too_long(entry, places, variables, self.compiled.path, self.max_segments))
        return found


UNCHECKED_SHOWN = 10  # session names a stopped template's error lists


def _unchecked(error: Finding, session: str, names: list[str]) -> Finding:
    """``error``, which stopped the template while rendering ``session``, naming the sessions
    whose reminders were therefore not checked (that one and those after it)."""
    at = names.index(session) if session in names else len(names)
    left = names[at:]
    if not left:
        return error
    shown = ", ".join(left[:UNCHECKED_SHOWN]) + (
        f" and {len(left) - UNCHECKED_SHOWN} more" if len(left) > UNCHECKED_SHOWN else ""
    )
    count = f"{len(left)} session{'' if len(left) == 1 else 's'}"
    note = f"not checked with this template: {count} ({shown})"
    return error._replace(hint=f"{error.hint}; {note}" if error.hint else note)
