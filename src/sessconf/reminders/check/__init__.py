"""Lint's reminder check (SPEC §5): template errors, and SMS reminders that are too long.

Lint renders, for every bookable session at each of its (known) locations, both channels with
fixed long samples (:mod:`.samples`). At 10,000 sessions that is tens of thousands of renders, so
lint renders once per distinct *relevant* input instead (see
:mod:`sessconf.reminders.dependence`): fields a template only copies to the output are spliced
into a render made with placeholders (:mod:`.splicing`), and renders are shared by every
(session, location) whose other fields read the same (:mod:`.keys`). :mod:`.survey` renders one
channel that way; :mod:`.runner` runs the check of a repository (:class:`~.runner.ReminderCheck`),
within its bounds, and returns what it finds as values (:mod:`.findings`), which name no rule.

Importing this package is cheap (``findings`` too); Jinja2 and Babel load with ``runner``.
"""
