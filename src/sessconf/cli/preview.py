"""``sessconf preview``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, open_store, output_context, store_option
from sessconf.diagnostics import count
from sessconf.errors import UsageError

DEFAULT_OUT = "sessconf-preview"


@click.command("preview")
@dir_option
@store_option
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="The folder to write index.html into (created if missing; its parent must exist).",
)
def command(root: Path, store_flag: str | None, out: Path) -> int:
    """Write a preview page for reviewers: OUT/index.html, one self-contained file.

    The plan against the store, risk first; each location's sessions as calendar blocks in their
    colours, sized by duration, changed ones before → after; the reminders each changed session
    sends; charges on arrival before → after; colour advice and every lint warning. With lint
    errors the page shows them and the command exits 1. The store is only read.
    """
    from sessconf.operations.edit import check_output_file, write_atomic
    from sessconf.operations.preview import build_preview
    from sessconf.output.preview import render_preview

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is not a folder")
    if not out.parent.is_dir():
        raise UsageError(f"--out: the folder {out.parent} does not exist")
    # never into sessions/ or templates/: the page (or its folder) would become a stray file there
    check_output_file(out / "index.html" if out.is_dir() else out, root)
    ctx = output_context().for_repository(root)  # paths from the config repository's git root
    with open_store(root, store_flag) as store:
        model = build_preview(root, store, ctx.repo_rel)
    out.mkdir(exist_ok=True)
    page = out / "index.html"
    write_atomic(page, render_preview(model).encode("utf-8"), sync=False)
    click.echo(f"Wrote {ctx.rel(page.resolve())}")
    if model.summary_line is None:
        click.echo(
            f"Lint found {count(model.lint_errors, 'error')}: the page lists them; no plan was computed."
        )
        return 1
    if model.drift is not None:
        click.echo(
            f"warning: the store was changed outside sessconf since the last apply "
            f"({model.drift.applied_at} by {model.drift.actor}); this plan reverts those edits",
            err=True,
        )
    click.echo(model.summary_line)
    return 0
