"""``sessconf lint [PATH...]``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sessconf.cli.options import cache_option, dir_option, format_option, output_context

if TYPE_CHECKING:
    from sessconf.lint.engine import LintResult
    from sessconf.output import Context


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@dir_option
@format_option("text", "json", "github", "sarif")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--changed",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="A file the change touches (repeatable): with --format github its diagnostics come first, "
    "and every diagnostic is still reported.",
)
@click.option(
    "--stdin-filename",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Lint PATH (a session file, a catalogue or presets.yaml) with its content read from standard input, "
    "given as `-` (editors: the unsaved buffer); its cross-references are checked against the "
    "repository, and only its diagnostics are reported.",
)
@cache_option
def command(
    paths: tuple[Path, ...],
    root: Path,
    fmt: str,
    strict: bool,
    changed: tuple[Path, ...],
    stdin_filename: Path | None,
    no_cache: bool,
) -> int:
    """Check the repository's files and cross-references.

    The whole repository is loaded; the diagnostics of PATHS are reported (all files when none is
    given, or when a catalogue, pyproject.toml or a template is among them).

    With --format github, errors come first, and the diagnostics of PATHS and of the --changed
    files first among them (GitHub shows only the first few annotations of a step); when
    GITHUB_STEP_SUMMARY names a file, the full table of diagnostics is appended to it.
    """
    from sessconf.lint.engine import lint, lint_buffer
    from sessconf.output import render
    from sessconf.speed import gc

    if stdin_filename is not None:
        result = lint_buffer(root, stdin_filename, _read_stdin(paths))
        paths = (stdin_filename,)
    elif Path("-") in paths:
        raise click.UsageError("`-` (standard input) needs --stdin-filename PATH: the file it stands for")
    else:
        result = lint(root, paths, cache=not no_cache)
    gc.release()
    gc.keep_until_exit(result)
    ctx = output_context()
    if fmt == "github":
        from sessconf.output import github

        first = (*paths, *changed)
        click.echo(github.render_lint(result, ctx, changed=first), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            _append_step_summary(Path(summary), result, ctx, first)
    else:
        click.echo(render.lint(result, fmt, ctx), nl=False)
    return 1 if result.failed(strict=strict) else 0


def _read_stdin(paths: tuple[Path, ...]) -> Callable[[int], bytes]:
    """The buffer an editor pipes in; ``-`` must be the one path (and no terminal: it would wait)."""
    if paths != (Path("-"),):
        raise click.UsageError(
            "with --stdin-filename, give `-` as the only path: lint --stdin-filename PATH -"
        )
    stdin = sys.stdin.buffer  # (click's CliRunner replaces sys.stdin too)
    if stdin.isatty():
        raise click.UsageError("--stdin-filename reads the content from standard input, which is a terminal")

    def read(limit: int) -> bytes:
        return bytes(stdin.read(limit))

    return read


def _append_step_summary(path: Path, result: LintResult, ctx: Context, paths: tuple[Path, ...]) -> None:
    from sessconf.output.github import render_step_summary

    try:
        with path.open("a", encoding="utf-8") as summary:
            summary.write(render_step_summary(result, ctx, changed=paths))
    except OSError as exc:
        # the annotations are out already; a missing summary must not fail the check
        click.echo(
            f"sessconf: warning: cannot write the step summary to {path}: {exc.strerror or exc}", err=True
        )
