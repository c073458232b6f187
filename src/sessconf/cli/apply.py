"""``sessconf apply [PLAN]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sessconf.cli.options import dir_option, open_store, output_context, store_option
from sessconf.errors import RefusedError

SHOWN_CHANGES = 200  # a larger plan is summarised before applying; `diff` shows it whole


@click.command("apply")
@click.argument(
    "plan_file", metavar="[PLAN]", required=False, type=click.Path(dir_okay=False, path_type=Path)
)
@dir_option
@store_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Apply even when a safety threshold is exceeded.")
@click.option(
    "--actor", metavar="NAME", help="Who applies, for the history [default: $GITHUB_ACTOR, else the user]."
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another apply to finish.",
)
def command(
    plan_file: Path | None,
    root: Path,
    store_flag: str | None,
    yes: bool,
    force: bool,
    actor: str | None,
    lock_timeout: float,
) -> int:
    """Apply a saved plan, or plan afresh, show the plan and apply it: all of it or nothing.

    Asks for confirmation unless --yes; with no terminal and no --yes it refuses (unless there is
    nothing to do). Blocked changes, an exceeded safety threshold (without --force), a stale plan
    or one made for another store are refused, and nothing is written.
    """
    from sessconf import history
    from sessconf.background import Background
    from sessconf.lint import lint
    from sessconf.output import render
    from sessconf.output.text import render_plan
    from sessconf.plan import read_saved_plan
    from sessconf.store import PlanStamp, refusal_reason

    ctx = output_context()
    saved = read_saved_plan(plan_file) if plan_file is not None else None
    saved_stamp = PlanStamp.of_saved(saved) if saved is not None else None  # refused if edited
    with open_store(root, store_flag) as store:
        store.lock_timeout = lock_timeout
        with Background(store.snapshot) as reading:
            result = lint(root)  # while the store is read in the background
            if result.errors:
                click.echo(render.lint(result, "text", ctx), nl=False)
                return 1
            plan, problems = store.plan(result.repository, reading.result())
        if problems:
            refused = type(result)(result.repository, problems, result.files)
            click.echo(render.lint(refused, "text", ctx), nl=False)
            return 1
        plan.diagnostics = result.diagnostics
        # What the user approves (the saved plan, or the one shown now) is what gets written.
        expected = saved_stamp or PlanStamp.of(plan)
        click.echo(render_plan(plan, ctx, limit=SHOWN_CHANGES), nl=False)
        if plan.empty and saved is None:
            return 0
        refusal = refusal_reason(plan, force=force)
        if refusal is not None:
            raise RefusedError(refusal)
        if not yes:
            if not sys.stdin.isatty():
                raise RefusedError("no terminal to confirm on: nothing was applied", "pass --yes to apply")
            if not click.confirm("Apply this plan?", default=False):
                raise RefusedError("not confirmed: nothing was applied")
        entry = history.current(root, actor)
        estimate = sum(4 for _ in plan.changes)
        if sys.stderr.isatty() and estimate > 2000:
            with click.progressbar(length=estimate, label="Applying", file=sys.stderr) as bar:
                done = store.apply(
                    result.repository, expected, force=force, history=entry, progress=bar.update
                )
        else:
            done = store.apply(result.repository, expected, force=force, history=entry)
    summary = done.plan.summary
    click.echo(
        f"Applied to {store.display}: {summary['create']} created, {summary['update']} updated, "
        f"{summary['rename']} renamed, {summary['archive']} archived, {summary['unarchive']} unarchived, "
        f"{summary['delete']} deleted ({done.rows} rows written)."
    )
    return 0
