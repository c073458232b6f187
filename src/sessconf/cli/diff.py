"""``sessconf diff`` (alias ``plan``)."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import (
    cache_option,
    dir_option,
    format_option,
    open_store,
    output_context,
    output_path,
    store_option,
)


@click.command("diff")
@dir_option
@store_option
@format_option("text", "json", "markdown")
@click.option(
    "--out",
    "out",
    type=click.Path(),
    callback=output_path,
    help="Save the plan as JSON (a new or regular file).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes (then usage errors exit 1, as in Terraform).",
)
@cache_option
def command(
    root: Path, store_flag: str | None, fmt: str, out: Path | None, detailed_exitcode: bool, no_cache: bool
) -> int:
    """Compare the repository with the store and show the plan.

    Lints first: with lint errors no plan is computed. The store is only read; one that does not
    exist yet reads as empty and is not created.
    """
    from sessconf.operations.edit import check_output_file, write_atomic
    from sessconf.operations.review import review
    from sessconf.output import render
    from sessconf.output.jsonfmt import dumps, plan_dict

    if out is not None:
        check_output_file(out, root)  # before any work: never a session or catalogue, never a device
    ctx = output_context().for_repository(root)  # markdown paths: from the config repository's git root
    with open_store(root, store_flag) as store:
        reviewed = review(root, store, cache=not no_cache)
    plan = reviewed.plan
    if plan is None:
        click.echo(render.lint(reviewed.report, "json" if fmt == "json" else "text", ctx), nl=False)
        return 1
    if out is not None:
        write_atomic(out, dumps(plan_dict(plan, ctx)).encode("utf-8"), sync=False)  # never a partial file
    click.echo(render.plan(plan, fmt, ctx), nl=False)
    if plan.blocked:
        return 1
    return 2 if detailed_exitcode and not plan.empty else 0
