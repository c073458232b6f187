"""``docs/cli.md``, the command-line reference: generated from click's help, never stale."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest

from sessconf.cli.docs import render_reference
from sessconf.cli.main import ALIASES, cli
from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "cli.md"
REGENERATE = "regenerate with `.venv/bin/python -m sessconf.cli.docs > docs/cli.md`"


def commands(group: click.Group, ctx: click.Context) -> Iterator[tuple[str, click.Command]]:
    """Every command and subcommand, with its path (``sessconf appointments book``)."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        sub = click.Context(command, info_name=name, parent=ctx)
        yield sub.command_path, command
        if isinstance(command, click.Group):
            yield from commands(command, sub)


def test_the_reference_is_up_to_date() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), REGENERATE


def test_the_documented_command_writes_the_reference() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sessconf.cli.docs"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout == REFERENCE.read_text(encoding="utf-8"), REGENERATE


@pytest.mark.parametrize("command", [[], ["appointments", "book"]], ids=["sessconf", "a-subcommand"])
def test_a_section_is_what_help_prints_on_a_terminal(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sessconf", *command, "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},  # wide: click's help stops at 80 columns
    )
    title = " ".join(["sessconf", *command])
    section = REFERENCE.read_text(encoding="utf-8").split(f"## `{title}`\n", 1)[1]
    assert section.split("```text\n", 1)[1].split("\n```", 1)[0] == done.stdout.rstrip("\n")


def test_every_command_and_option_is_in_the_reference() -> None:
    text = render_reference()
    found = list(commands(cli, click.Context(cli, info_name="sessconf")))
    assert len(found) > len(ALIASES) + 10  # the whole tree, not one level
    for path, command in found:
        assert f"## `{path}`\n" in text, path
        section = text.split(f"## `{path}`\n", 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                for opt in param.opts + param.secondary_opts:
                    assert opt in section, f"{path}: {opt}"
            elif isinstance(param, click.Argument):
                assert param.human_readable_name in section, f"{path}: {param.name}"
    for alias, target in ALIASES.items():
        assert (
            f"`sessconf {alias}` is another name for this command."
            in text.split(f"## `sessconf {target}`")[1]
        )


def test_the_readme_links_the_reference() -> None:
    assert "[`docs/cli.md`](docs/cli.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
