"""``sessconf export --out DIR``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, open_store, output_context, output_path, store_option


@click.command("export")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(),
    callback=output_path,
    help="The folder to write the repository files into.",
)
@click.option(
    "--force", is_flag=True, help="Write into a folder that is not empty (its session files are replaced)."
)
@dir_option
@store_option
def command(out: Path, force: bool, root: Path, store_flag: str | None) -> int:
    """Write the store's configuration as repository files (adopting an existing store).

    Writes locations.yaml, billing_items.yaml, sessions/NAME.yaml and, when the billing items have a
    currency, pyproject.toml, with archived entities and previous names, so that `sessconf diff`
    against the same store plans nothing. The store is only read. The folder is then linted: rows
    that would not lint are reported, and the exit status is 1.
    """
    from sessconf.diagnostics import count
    from sessconf.operations.export import check_target, export
    from sessconf.output import render

    ctx = output_context()
    check_target(out, force=force)  # before reading the store
    with open_store(root, store_flag) as store:
        snapshot = store.snapshot()
    config = snapshot.config
    result = export(config, out, force=force)
    click.echo(
        f"Store: {store.display}" + ("" if snapshot.status.exists else " (does not exist: read as empty)")
    )
    click.echo(
        f"Exported {count(len(config.sessions), 'session')}, {count(len(config.locations), 'location')} and "
        f"{count(len(config.billing_items), 'billing item')} to {ctx.rel(out.resolve())}."
    )
    for path in result.removed:
        click.echo(f"Removed {ctx.rel(path.resolve())} (the store has no such session).")
    for problem in result.problems:
        click.echo(f"error: {problem}")
    if result.lint is not None:
        click.echo(render.lint(result.lint, "text", ctx), nl=False)
    return 1 if result.failed else 0
