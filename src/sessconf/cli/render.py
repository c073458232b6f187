"""``sessconf render NAME | --all``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from sessconf.cli import complete
from sessconf.cli.options import bounded_text, dir_option, format_option, output_context
from sessconf.errors import SessconfError, UsageError
from sessconf.limits import TEXT_MAX

if TYPE_CHECKING:
    from sessconf.reminders.builtin import Channel


@click.command("render")
@click.argument("name", required=False, shell_complete=complete.sessions)
@click.option("--all", "all_", is_flag=True, help="Every bookable session.")
@click.option(
    "--channel",
    type=click.Choice(["sms", "email"]),
    default=None,
    help="Only this channel (default: both).",
)
@click.option(
    "--client-first-name",
    default=None,
    callback=bounded_text(TEXT_MAX, "the client's first name"),
    help="The client's first name (default: a sample).",
)
@click.option(
    "--start",
    default=None,
    help="The appointment's start, ISO 8601; without an offset, local time at the location "
    "(default: tomorrow at 10:00).",
)
@click.option(
    "--location",
    "location_id",
    default=None,
    shell_complete=complete.locations,
    help="The location (default: the session's first).",
)
@dir_option
@format_option("text", "json")
def command(
    name: str | None,
    all_: bool,
    channel: str | None,
    client_first_name: str | None,
    start: str | None,
    location_id: str | None,
    root: Path,
    fmt: str,
) -> int:
    """Print the reminders of session NAME (or of all bookable sessions with --all).

    The SMS and the email are rendered as clients would receive them, with sample values for what
    is not given, and the SMS's length in segments.
    """
    from sessconf.lint.engine import LintResult
    from sessconf.operations.render import render_problems
    from sessconf.output import render
    from sessconf.output.reminders import render_reminders as format_reminders
    from sessconf.reminders.render import render_reminders
    from sessconf.reminders.templates import ReminderError
    from sessconf.repository.load import load_repository

    if (name is None) == (not all_):
        raise UsageError("give a session NAME or --all (not both)")
    repo = load_repository(root)
    problems = render_problems(repo, name)
    if problems:  # settings, catalogues or sessions that did not load: the text would be wrong
        report = LintResult(repo, problems, len({d.path for d in problems}))
        click.echo(render.lint(report, "json" if fmt == "json" else "text", output_context()), nl=False)
        return 1
    try:
        reminders = render_reminders(
            repo,
            name,
            location_id=location_id,
            channel=cast("Channel | None", channel),
            start=start,
            first_name=client_first_name,
        )
    except ReminderError as exc:
        where = output_context().rel(exc.path)
        raise SessconfError(f"{where}:{exc.line}: {exc.problem}", exc.hint) from None
    click.echo(format_reminders(reminders, fmt, repo.settings.sms_max_segments), nl=False)
    return 0
