"""``sessconf render NAME | --all``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from sessconf.cli.options import dir_option, format_option, output_context
from sessconf.diagnostics import did_you_mean
from sessconf.errors import SessconfError, UsageError


@click.command("render")
@click.argument("name", required=False)
@click.option("--all", "all_", is_flag=True, help="Every bookable session.")
@click.option(
    "--channel",
    type=click.Choice(["sms", "email"]),
    default=None,
    help="Only this channel (default: both).",
)
@click.option("--client-first-name", default=None, help="The client's first name (default: a sample).")
@click.option(
    "--start",
    default=None,
    help="The appointment's start, ISO 8601; without an offset, local time at the location "
    "(default: tomorrow at 10:00).",
)
@click.option("--location", "location_id", default=None, help="The location (default: the session's first).")
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
    from sessconf.reminders.render import SAMPLE_FIRST_NAME, Renderer
    from sessconf.reminders.templates import CHANNELS, ReminderError
    from sessconf.repository.load import load_repository

    if (name is None) == (not all_):
        raise UsageError("give a session NAME or --all (not both)")
    repo = load_repository(root)
    if location_id is not None and location_id not in repo.locations:
        raise SessconfError(f"unknown location '{location_id}'", did_you_mean(location_id, repo.locations))
    targets = _targets(repo, name, location_id)
    channels = tuple(c for c in CHANNELS if channel in (None, c))
    ctx = output_context()
    try:
        renderer = Renderer(repo, channels)
        reminders = renderer.render_all(
            targets, start=start, first_name=client_first_name or SAMPLE_FIRST_NAME
        )
    except ReminderError as exc:
        raise SessconfError(f"{ctx.rel(exc.path)}:{exc.line}: {exc.problem}", exc.hint) from None
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in reminders], indent=2, ensure_ascii=False))
        return 0
    limit = repo.settings.sms_max_segments
    click.echo("\n\n".join(_text(r.to_dict(), limit) for r in reminders))
    return 0


def _targets(repo: Any, name: str | None, location_id: str | None) -> list[tuple[Any, str]]:
    if name is not None:
        entry = repo.sessions.get(name)
        if entry is None:
            if (repo.sessions_dir / f"{name}.yaml").is_file():
                raise SessconfError(f"session '{name}' has errors", "run `sessconf lint` to see them")
            raise SessconfError(f"unknown session '{name}'", did_you_mean(name, repo.sessions))
        offered = [loc for loc in entry.model.locations if loc in repo.locations]
        if location_id is None:
            if not offered:
                raise SessconfError(f"session '{name}' has no known location", "run `sessconf lint`")
            return [(entry, offered[0])]
        if location_id not in entry.model.locations:
            raise SessconfError(
                f"session '{name}' is not offered at '{location_id}'",
                f"its locations: {', '.join(entry.model.locations)}",
            )
        return [(entry, location_id)]
    targets = []
    for entry in sorted(repo.sessions.values(), key=lambda e: e.name):
        if entry.model.archived:
            continue
        offered = [loc for loc in entry.model.locations if loc in repo.locations]
        if location_id is not None:
            offered = [loc for loc in offered if loc == location_id]
        if offered:
            targets.append((entry, offered[0]))
    if not targets:
        where = f" at '{location_id}'" if location_id else ""
        raise SessconfError(f"no bookable session{where} to render")
    return targets


def _text(reminder: dict[str, Any], limit: int) -> str:
    lines = [f"# {reminder['session']} at {reminder['location']}, {reminder['start']}"]
    sms = reminder.get("sms")
    if sms is not None:
        noun = "segment" if sms["segments"] == 1 else "segments"
        unit = "septets" if sms["encoding"] == "GSM-7" else "UTF-16 code units"
        about = f"{sms['segments']} {noun}, {sms['encoding']}, {sms['length']} {unit}"
        if sms["forced_by"]:
            about += f"; UCS-2 because of '{sms['forced_by']}'"
        if sms["segments"] > limit:
            about += f"; more than sms_max_segments ({limit})"
        lines += ["", f"--- sms ({about})", sms["text"]]
    email = reminder.get("email")
    if email is not None:
        html = "with an HTML alternative" if email["html"] else "plain text"
        lines += ["", f"--- email ({html})", f"Subject: {email['subject']}", "", email["text"]]
    return "\n".join(lines)
