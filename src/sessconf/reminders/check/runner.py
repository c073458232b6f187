"""Running lint's reminder check over a repository: :class:`ReminderCheck`.

It picks the channels to render, compiles their templates (ahead, while the sessions load),
surveys each within its bounds, and returns what they find.

Bounds (SPEC §5): all the renders of one template take at most ``sandbox.TEMPLATE_SECONDS``
together, whatever the number of sessions, the repository's templates at most
``sandbox.CHECK_SECONDS`` of wall-clock time in all (the sessions left unchecked are named), and
the first breach of a bound (operations, size,
time, memory) is reported once and stops that template. A template from the repository is
rendered in a bounded worker (:mod:`sessconf.reminders.worker`), whose memory and time the
operating system limits; the built-in templates, which are ours, are rendered in-process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING

from sessconf.reminders import dates, sandbox, worker
from sessconf.reminders.builtin import cannot_fail
from sessconf.reminders.check.findings import Finding, setting_error, template_error
from sessconf.reminders.check.samples import Samples, read_locale_data
from sessconf.reminders.check.survey import ChannelSurvey
from sessconf.reminders.templates import CHANNELS, Channel, CompiledTemplate, ReminderError, load_source

if TYPE_CHECKING:
    from sessconf.repository.model import Entry
    from sessconf.settings import Settings
    from sessconf.values import Location, Session


_KILL_MARGIN = 1.0  # seconds a worker is given past the check's deadline to report what it found


class ReminderCheck:
    """The reminder check of one repository: template errors, and with ``lengths`` the SMS
    reminders that are too long, of its bookable sessions at each of their known locations.

    Built from what is known before the sessions are loaded (the repository's root, its settings
    and its locations); :meth:`prepare` does ahead what it can, :meth:`run` renders. A built-in
    template known to render for every session (see :mod:`sessconf.reminders.builtin`) is
    rendered only to count SMS segments: not at all for the email, nor for the SMS without
    ``lengths``.
    """

    def __init__(
        self, root: Path, settings: Settings, locations: Mapping[str, Location], *, lengths: bool
    ) -> None:
        self.root, self.settings, self.lengths = root, settings, lengths
        self.locale = settings.locale
        self.samples = Samples(settings.clinic_name, locations)
        self._prepared: dict[Channel, ChannelSurvey] = {}
        self._wall = math.inf

    def channels(self) -> list[Channel]:
        """The channels to render: those whose template may fail, and the SMS to count it."""
        return [
            channel
            for channel in CHANNELS
            if not cannot_fail(self.root, self.settings, channel) or (channel == "sms" and self.lengths)
        ]

    def prepare(self) -> None:
        """What :meth:`run` can do before the sessions are loaded (lint calls this while other
        processes load them): import Jinja2 and Babel, load the locale's data, compile the
        templates, and build the variables and keys of every location. A template that fails here
        is left for :meth:`run` to report."""
        try:
            dates.babel_locale(self.locale)
        except dates.LocaleError:
            return
        for channel in self.channels():
            try:
                survey = self._survey(channel)
            except ReminderError:
                continue
            self._prepared[channel] = survey
            for location_id in self.samples.locations:
                survey.keys.place(location_id)
        if self._prepared:
            read_locale_data(self.locale)

    def run(self, sessions: Iterable[Entry[Session]]) -> list[Finding]:
        """What rendering the reminders of ``sessions`` finds (the archived ones are not rendered)."""
        bookable = [entry for entry in sessions if not entry.model.archived]
        try:
            dates.babel_locale(self.locale)
        except dates.LocaleError as exc:
            return [setting_error(self.root, "locale", str(exc))]
        found: list[Finding] = []
        prepared, self._prepared = self._prepared, {}
        self._wall = monotonic() + sandbox.CHECK_SECONDS  # for every template together
        for channel in self.channels():
            read_locale_data(self.locale)
            survey = prepared.get(channel)
            if survey is None:
                try:
                    survey = self._survey(channel)
                except ReminderError as exc:
                    found.append(self._template_error(channel, exc))
                    continue
            found.extend(self._bounded_run(survey, bookable))
        return found

    def _survey(self, channel: Channel) -> ChannelSurvey:
        compiled = CompiledTemplate(load_source(self.root, channel, self.locale))
        return ChannelSurvey(channel, compiled, self.locale, self.samples, self.settings.sms_max_segments)

    def _template_error(self, channel: Channel, exc: ReminderError) -> Finding:
        if exc.path == self.root / "pyproject.toml":  # no template for the locale: at the setting
            return setting_error(self.root, "locale", f"{channel} reminder: {exc.problem}", exc.hint)
        return template_error(channel, exc)

    def _bounded_run(self, survey: ChannelSurvey, sessions: list[Entry[Session]]) -> list[Finding]:
        """``survey.run``, within one allowance of time for the template; a template from the
        repository in a bounded worker."""
        if survey.compiled.source.builtin:  # ours: bounded by the budget, never by a clock
            survey.compiled.allowance = sandbox.Allowance()
            return survey.run(sessions, self.lengths)
        wall = self._wall  # a template from the repository: all of them within CHECK_SECONDS
        if not worker.available():
            survey.compiled.allowance = sandbox.Allowance(wall=wall)
            return survey.run(sessions, self.lengths)

        def bounded() -> list[Finding]:
            sandbox.use_timers()
            survey.compiled.allowance = sandbox.Allowance(wall=wall)
            return survey.run(sessions, self.lengths)

        try:  # a render that outlives the wall-clock deadline is killed with its worker
            return worker.run(bounded, seconds=max(0.0, wall - monotonic()) + _KILL_MARGIN)
        except worker.WorkerStopped as exc:
            stopped = ReminderError(survey.compiled.path, 1, f"rendering this template was stopped: {exc}")
            return [template_error(survey.channel, stopped)]
