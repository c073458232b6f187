"""Checks of reminders (SC401–SC403, SPEC §5): template errors, SMS length, stray template files.

SC401 and SC402 come from one rendering pass, done once per lint run and shared (when SC402 is
off, the pass looks for template errors only, and renders nothing at all with the built-in
templates: see ``sessconf.reminders.builtin``). The pass (``sessconf.reminders.check``) returns
findings that name no code; this module turns them into diagnostics. It stays light: Jinja2 and
Babel are imported only when there is something to render.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sessconf.codes.reminders import REMINDER_ERROR, SMS_TOO_LONG, UNKNOWN_TEMPLATE
from sessconf.diagnostics import Diagnostic, did_you_mean
from sessconf.lint.checks import check
from sessconf.reminders.builtin import (
    CHANNELS,
    OVERRIDES,
    TEMPLATES_DIR,
    cannot_fail,
    entry_message,
    entry_problem,
)

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext
    from sessconf.reminders.check.findings import Finding
    from sessconf.reminders.check.runner import ReminderCheck

TEMPLATE_FILES = tuple(sorted(OVERRIDES.values()))


def _prepare(ctx: LintContext) -> None:
    """While the session files load: the imports, templates and samples of the rendering pass."""
    ctx.once(_prepared)


def _prepared(ctx: LintContext) -> ReminderCheck | None:
    """The rendering pass, prepared with the settings and the locations (no session needed)."""
    repo = ctx.repo
    lengths = ctx.is_on(SMS_TOO_LONG.code)
    if not repo.locations or (not lengths and _cannot_fail(ctx)):
        return None
    prepared = _reminder_check(ctx, lengths)
    prepared.prepare()
    return prepared


@check(REMINDER_ERROR, prepare=_prepare)
def reminder_error(ctx: LintContext) -> Iterator[Diagnostic]:
    unreadable = set()
    for diagnostic in ctx.once(_entries).problems:
        unreadable.add(diagnostic.path)
        yield diagnostic
    for diagnostic in ctx.once(_findings):  # one pass for both codes
        # an override that cannot be read (or sits in a folder that cannot) is reported above
        path = diagnostic.path
        if diagnostic.code == REMINDER_ERROR.code and not {path, path.parent} & unreadable:
            yield diagnostic


@check(SMS_TOO_LONG)
def sms_too_long(ctx: LintContext) -> Iterator[Diagnostic]:
    yield from (d for d in ctx.once(_findings) if d.code == SMS_TOO_LONG.code)


@check(UNKNOWN_TEMPLATE)
def unknown_template(ctx: LintContext) -> Iterator[Diagnostic]:
    listing = " and ".join(TEMPLATE_FILES)
    for path in ctx.once(_entries).files:
        name = path.name
        if name not in TEMPLATE_FILES:
            yield UNKNOWN_TEMPLATE.at(
                path,
                (1, 1),
                f"'{TEMPLATES_DIR}/{name}' is not a reminder template and is not used",
                did_you_mean(name, TEMPLATE_FILES) or f"the templates are {listing}",
            )


class _Entries(NamedTuple):
    files: list[Path]  # the regular files (not hidden)
    problems: list[Diagnostic]  # SC401 for what is not a regular file, or cannot be read


def _entries(ctx: LintContext) -> _Entries:
    """What ``templates/`` holds, looked at once (never opening an entry that is not a regular
    file, so a FIFO or a device cannot block lint)."""
    folder = ctx.repo.root / TEMPLATES_DIR
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
                    problems.append(REMINDER_ERROR.at(folder / name, (1, 1), message, hint))
            return _Entries(files, problems)
    templates = " and ".join(f"{TEMPLATES_DIR}/{name}" for name in TEMPLATE_FILES)
    problems.append(REMINDER_ERROR.at(folder, (1, 1), message, f"the templates are {templates}"))
    return _Entries(files, problems)


def _findings(ctx: LintContext) -> list[Diagnostic]:
    """What rendering finds: SC401, and SC402 unless it is off."""
    repo, lengths = ctx.repo, ctx.is_on(SMS_TOO_LONG.code)
    locations = repo.locations
    if not any(
        not entry.model.archived and any(loc in locations for loc in entry.model.locations)
        for entry in repo.sessions.values()
    ):
        return []  # nothing to render
    if not lengths and _cannot_fail(ctx):
        return []  # only errors are wanted, and the templates cannot fail
    # The pass depends on the whole repository: a cache remembers it for a repository whose
    # every input is the same. Not its template errors: a bound of time or memory breached on a
    # busy machine may hold on another.
    name = f"{REMINDER_ERROR.code}+{SMS_TOO_LONG.code}" if lengths else REMINDER_ERROR.code
    memo = repo.memo
    remembered = memo.recall(name) if memo is not None else None
    if remembered is not None:
        return remembered
    prepared = ctx.once(_prepared) or _reminder_check(ctx, lengths)
    found = [_diagnostic(f) for f in prepared.run(repo.sessions.values())]
    if memo is not None and all(d.code != REMINDER_ERROR.code for d in found):
        memo.remember(name, found)
    return found


def _cannot_fail(ctx: LintContext) -> bool:
    return all(cannot_fail(ctx.repo.root, ctx.repo.settings, channel) for channel in CHANNELS)


def _reminder_check(ctx: LintContext, lengths: bool) -> ReminderCheck:
    from sessconf.reminders.check.runner import ReminderCheck  # Jinja2 and Babel

    repo = ctx.repo
    locations = {location_id: entry.model for location_id, entry in repo.locations.items()}
    return ReminderCheck(repo.root, repo.settings, locations, lengths=lengths)


def _diagnostic(finding: Finding) -> Diagnostic:
    from sessconf.reminders.check.findings import FindingKind

    code = SMS_TOO_LONG if finding.kind is FindingKind.SMS_TOO_LONG else REMINDER_ERROR
    found = code.at(finding.path, (finding.line, finding.column), finding.message, finding.hint)
    return replace(found, inherited_by=finding.inherited_by) if finding.inherited_by else found
