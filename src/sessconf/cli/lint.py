"""``sessconf lint [PATH...]``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, format_option, output_context


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@dir_option
@format_option("text", "json", "github", "sarif")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def command(paths: tuple[Path, ...], root: Path, fmt: str, strict: bool) -> int:
    """Check the repository's files and cross-references.

    The whole repository is loaded; the diagnostics of PATHS are reported (all files when none is
    given, or when a catalogue, pyproject.toml or a template is among them).
    """
    from sessconf.lint import lint
    from sessconf.output import render

    result = lint(root, paths)
    click.echo(render.lint(result, fmt, output_context()), nl=False)
    return 1 if result.failed(strict=strict) else 0
