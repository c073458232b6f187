"""Rules about reminders (SPEC §5): template errors, SMS length, stray template files.

SC401 and SC402 come from one rendering pass, done once and shared (when SC402 is off, the pass
looks for template errors only, and renders nothing at all with the built-in templates: see
``sessconf.reminders.builtin``). The pass (``sessconf.reminders.check``) returns findings that
name no rule; this module turns them into the diagnostics of its rules. It stays light: Jinja2
and Babel are imported only when there is something to render.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sessconf.diagnostics import Diagnostic, Severity, did_you_mean
from sessconf.reminders.builtin import (
    CHANNELS,
    OVERRIDES,
    TEMPLATES_DIR,
    cannot_fail,
    entry_message,
    entry_problem,
)
from sessconf.rules import check, turned_off

if TYPE_CHECKING:
    from sessconf.loader import Repository
    from sessconf.reminders.check.findings import Finding
    from sessconf.reminders.check.runner import ReminderCheck

TEMPLATE_FILES = tuple(sorted(OVERRIDES.values()))


def _prepare(repo: Repository) -> None:
    """While the session files load: the imports, templates and samples of the rendering pass."""
    lengths = sms_too_long.code not in turned_off(repo)
    if repo.locations and (lengths or not _cannot_fail(repo)):
        check = _reminder_check(repo, lengths)
        check.prepare()
        _state(repo).prepared = check


@check("SC401", "reminder-error", prepare=_prepare)
def reminder_error(repo: Repository) -> Iterator[Diagnostic]:
    """A reminder template that cannot be rendered.

    A syntax error, an undefined variable, something templates may not do (reach Python internals,
    include a file, ...) or a bound of the sandbox breached (operations, value size, output size,
    time, memory), reported at the template's line: the override in ``templates/``, or the
    built-in template. Lint renders both channels for every bookable session at each of its
    locations, so an error that only some data trigger (a missing address, a video session) is
    found too; the first breach of a bound stops that template (it is reported once), and all the
    renders of one template take a few seconds at most, however many sessions there are. (The
    built-in templates render for any valid data with the locales they are written for and a
    clinic name of up to 500 characters: lint then renders them only to count SMS segments.) A
    ``locale`` that Babel does not know, or with no built-in templates and no override, is
    reported here, and so is an entry of ``templates/`` that is not a regular file (a folder, FIFO,
    device, socket, broken link or link loop), or a ``templates`` that is not a readable folder: a
    template that cannot be read is never silently replaced by the built-in one.
    """
    unreadable = set()
    for diagnostic in _entries(repo).problems:
        unreadable.add(diagnostic.path)
        yield diagnostic
    lengths = sms_too_long.code not in turned_off(repo)  # one pass for both rules
    for diagnostic in _findings(repo, lengths=lengths):
        # an override that cannot be read (or sits in a folder that cannot) is reported above
        path = diagnostic.path
        if diagnostic.code == reminder_error.code and not {path, path.parent} & unreadable:
            yield diagnostic


@check("SC402", "sms-too-long", severity=Severity.WARNING, changeable=True)
def sms_too_long(repo: Repository) -> Iterator[Diagnostic]:
    """An SMS reminder longer than ``sms_max_segments`` segments (default 2).

    Lint renders the SMS of every bookable session at each of its locations with long samples (a
    12-letter first name; Wednesday, September 30 at noon) and counts it as carriers do: GSM-7,
    160 septets or 153 per segment (``^ { } \\ [ ~ ] | €`` take two); any other character (a curly
    quote, ``ç``, an emoji) makes the whole SMS UCS-2, 70 characters or 67 per segment, often
    doubling its cost. Reported at the session's description, with the character that forced UCS-2.
    """
    yield from (d for d in _findings(repo, lengths=True) if d.code == sms_too_long.code)


@check("SC403", "unknown-template", severity=Severity.WARNING, changeable=True)
def unknown_template(repo: Repository) -> Iterator[Diagnostic]:
    """A file in ``templates/`` that is not a reminder template, so it is not used.

    The overrides are ``templates/reminder.sms.j2`` and ``templates/reminder.email.j2``; a
    misspelt name would silently leave the built-in template in use.
    """
    listing = " and ".join(TEMPLATE_FILES)
    for path in _entries(repo).files:
        name = path.name
        if name not in TEMPLATE_FILES:
            yield unknown_template.at(
                path,
                (1, 1),
                f"'{TEMPLATES_DIR}/{name}' is not a reminder template and is not used",
                did_you_mean(name, TEMPLATE_FILES) or f"the templates are {listing}",
            )


# Declared by the check functions above; the names under which the rest of sessconf knows them.
REMINDER_ERROR = reminder_error
UNKNOWN_TEMPLATE = unknown_template


class _Entries(NamedTuple):
    files: list[Path]  # the regular files (not hidden)
    problems: list[Diagnostic]  # SC401 for what is not a regular file, or cannot be read


def _entries(repo: Repository) -> _Entries:
    """What ``templates/`` holds, looked at once (never opening an entry that is not a regular
    file, so a FIFO or a device cannot block lint)."""
    state = _state(repo)
    if state.entries is None:
        state.entries = _scan(repo.root / TEMPLATES_DIR)
    return state.entries


def _scan(folder: Path) -> _Entries:
    files: list[Path] = []
    problems: list[Diagnostic] = []
    try:
        kind = entry_problem(folder) or "a file"
    except FileNotFoundError:  # no templates/ folder, the usual case
        return _Entries(files, problems)
    message = f"'{TEMPLATES_DIR}' is {kind}, not a folder"
    if kind == "a folder":
        try:
            with os.scandir(folder) as it:
                names = sorted(item.name for item in it if not item.name.startswith("."))
        except OSError as exc:
            message = f"cannot read the folder '{TEMPLATES_DIR}': {exc.strerror or exc}"
        else:
            for name in names:
                try:
                    entry = entry_problem(folder / name, folder.parent)
                except FileNotFoundError:  # removed meanwhile
                    continue
                if entry is None:
                    files.append(folder / name)
                else:
                    hint = "write the template as a plain file" if name in TEMPLATE_FILES else None
                    message = entry_message(name, entry)
                    problems.append(reminder_error.at(folder / name, (1, 1), message, hint))
            return _Entries(files, problems)
    templates = " and ".join(f"{TEMPLATES_DIR}/{name}" for name in TEMPLATE_FILES)
    problems.append(reminder_error.at(folder, (1, 1), message, f"the templates are {templates}"))
    return _Entries(files, problems)


def _findings(repo: Repository, *, lengths: bool) -> list[Diagnostic]:
    """What rendering finds (SC401, and SC402 with ``lengths``), computed once per repository."""
    state = _state(repo)
    found = state.findings.get(lengths)
    if found is None:
        found = state.findings[lengths] = [_diagnostic(f) for f in _render_check(repo, lengths)]
    return found


def _render_check(repo: Repository, lengths: bool) -> list[Finding]:
    locations = repo.locations
    if not any(
        not entry.model.archived and any(loc in locations for loc in entry.model.locations)
        for entry in repo.sessions.values()
    ):
        return []  # nothing to render
    if not lengths and _cannot_fail(repo):
        return []  # only errors are wanted, and the templates cannot fail
    state = _state(repo)
    check, state.prepared = state.prepared, None
    if check is None or check.lengths != lengths:
        check = _reminder_check(repo, lengths)
    return check.run(repo.sessions.values())


def _cannot_fail(repo: Repository) -> bool:
    return all(cannot_fail(repo.root, repo.settings, channel) for channel in CHANNELS)


def _reminder_check(repo: Repository, lengths: bool) -> ReminderCheck:
    from sessconf.reminders.check.runner import ReminderCheck  # Jinja2 and Babel

    locations = {location_id: entry.model for location_id, entry in repo.locations.items()}
    return ReminderCheck(repo.root, repo.settings, locations, lengths=lengths)


def _diagnostic(finding: Finding) -> Diagnostic:
    from sessconf.reminders.check.findings import FindingKind

    rule = sms_too_long if finding.kind is FindingKind.SMS_TOO_LONG else reminder_error
    return rule.at(finding.path, (finding.line, finding.column), finding.message, finding.hint)


@dataclass(slots=True)
class _State:
    """What the rules of this module keep about one repository while lint runs."""

    entries: _Entries | None = None  # what templates/ holds
    prepared: ReminderCheck | None = None  # the rendering pass, prepared while the sessions load
    findings: dict[bool, list[Diagnostic]] = field(default_factory=dict)  # by ``lengths``


# The one place where this module keeps its state: under one key of ``Repository.cache`` for
# now (a lint context object is to replace that cache; only this function needs to change).
_STATE_KEY = "rules.reminders"


def _state(repo: Repository) -> _State:
    state: _State | None = repo.cache.get(_STATE_KEY)
    if state is None:
        state = repo.cache[_STATE_KEY] = _State()
    return state
