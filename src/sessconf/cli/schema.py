"""``sessconf schema [--out DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

from sessconf.cli.options import dir_option, output_path


@click.command("schema")
@click.option(
    "--out",
    type=click.Path(file_okay=False, dir_okay=True),
    callback=output_path,
    help="Write session.schema.json, presets.schema.json, locations.schema.json and "
    "billing_items.schema.json into DIR.",
)
@click.option(
    "--names",
    is_flag=True,
    help="Write the repository's own location ids, disciplines and billing codes into the session "
    "schema: editors complete them and underline others (write the schemas again when the "
    "catalogues change).",
)
@dir_option
def command(out: Path | None, names: bool, root: Path) -> int:
    """Print the JSON Schemas (draft-07) of the repository's files, for editors.

    Without --out, one JSON object maps each schema's file name to the schema. The schemas are
    the same for every repository, unless --names adds the repository's (--dir) names to them.
    Point the files at them with a modeline such as
    `# yaml-language-server: $schema=../schemas/session.schema.json` (`new` and `export` write it).
    """
    from sessconf.errors import SessconfError
    from sessconf.repository.json_schemas import dumps, file_schemas, write_schemas
    from sessconf.repository.names import repository_names

    known = repository_names(root) if names else None
    if out is None:
        click.echo(dumps(file_schemas(known)), nl=False)
        return 0
    try:
        written = write_schemas(out, known)
    except OSError as exc:
        raise SessconfError(f"cannot write the schemas to {out}: {exc.strerror or exc}") from None
    for path in written:
        click.echo(f"wrote {path}")
    return 0
