"""``sessconf archive NAME`` and ``sessconf unarchive NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli import complete
from sessconf.cli.options import dir_option, output_context


def _run(root: Path, name: str, archived: bool) -> int:
    from sessconf.operations.edit import set_archived

    edit = set_archived(root, name, archived)
    where = output_context().rel(edit.path.resolve())
    if not edit.changed:
        state = "archived" if archived else "bookable"
        click.echo(f"Session '{name}' is already {state} ({where}): nothing changed.")
    else:
        click.echo(f"{'Archived' if archived else 'Unarchived'} session '{name}' in {where}.")
    return 0


@click.command("archive")
@click.argument("name", shell_complete=complete.sessions)
@dir_option
def command_archive(name: str, root: Path) -> int:
    """Set `archived: true` in sessions/NAME.yaml, changing nothing else in the file.

    An archived session takes no new bookings once applied; its appointments stay.
    """
    return _run(root, name, True)


@click.command("unarchive")
@click.argument("name", shell_complete=complete.sessions)
@dir_option
def command_unarchive(name: str, root: Path) -> int:
    """Set `archived: false` in sessions/NAME.yaml (if archived), changing nothing else in the file."""
    return _run(root, name, False)


command = command_archive
