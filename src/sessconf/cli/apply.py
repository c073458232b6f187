"""``sessconf apply [PLAN]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sessconf.cli.options import bounded_text, dir_option, open_store, output_context, store_option
from sessconf.errors import RefusedError
from sessconf.limits import ACTOR_MAX

SHOWN_CHANGES = 200  # a larger plan is summarised before applying; `diff` shows it whole
PROGRESS_ROWS = 2000  # a plan writing more rows shows a progress bar (on a terminal)


@click.command("apply")
@click.argument(
    "plan_file", metavar="[PLAN]", required=False, type=click.Path(dir_okay=False, path_type=Path)
)
@dir_option
@store_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Apply even when a safety threshold is exceeded.")
@click.option(
    "--actor",
    metavar="NAME",
    callback=bounded_text(ACTOR_MAX, "the actor"),
    help="Who applies, for the history [default: $GITHUB_ACTOR, else the user].",
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
    from sessconf.operations import apply as applying
    from sessconf.operations.review import review
    from sessconf.output import render
    from sessconf.output.text import render_plan
    from sessconf.plan.saved import read_saved_plan

    ctx = output_context()
    saved = read_saved_plan(plan_file) if plan_file is not None else None
    with open_store(root, store_flag) as store:
        store.lock_timeout = lock_timeout
        # apply upgrades an older schema; it imports what writing needs while the store is read
        reviewed = review(root, store, older=True, while_waiting=store.get_ready_to_write)
        if reviewed.plan is None:
            click.echo(render.lint(reviewed.report, "text", ctx), nl=False)
            return 1
        # What is shown is what the user approves, and what gets written.
        plan = applying.approved(reviewed, saved)
        click.echo(render_plan(plan, ctx, limit=SHOWN_CHANGES), nl=False)
        if plan.empty and saved is None:
            migrations = applying.upgrade_if_older(store)  # nothing to write but the schema
            if migrations:
                click.echo("Applied migrations: " + ", ".join(migrations) + ".")
            return 0
        applying.check_saved(reviewed, saved)
        reviewed.plan.check_applicable(force=force)
        if not yes:
            if not sys.stdin.isatty():
                raise RefusedError("no terminal to confirm on: nothing was applied", "pass --yes to apply")
            if not click.confirm("Apply this plan?", default=False):
                raise RefusedError("not confirmed: nothing was applied")
        who = applying.who_applies(root, actor)
        rows = applying.rows(reviewed) if sys.stderr.isatty() else 0
        if rows > PROGRESS_ROWS:
            with click.progressbar(length=rows, label="Applying", file=sys.stderr) as bar:
                done = applying.apply(store, reviewed, plan, force=force, history=who, progress=bar.update)
        else:
            done = applying.apply(store, reviewed, plan, force=force, history=who)
    summary = done.plan.summary
    click.echo(
        f"Applied to {store.display}: {summary['create']} created, {summary['update']} updated, "
        f"{summary['rename']} renamed, {summary['archive']} archived, {summary['unarchive']} unarchived, "
        f"{summary['delete']} deleted ({done.rows} rows written)."
    )
    return 0
