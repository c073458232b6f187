"""The ``sessconf`` command group and its error handling.

Exit status on every command (SPEC §4): 0 success, 1 a finding or a refusal, 2 a usage error,
3 a bug. ``diff --detailed-exitcode`` uses 2 for "changes present", so there usage errors exit 1.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from sessconf import __version__
from sessconf.cli.color import add_color_option, color_option
from sessconf.errors import SessconfError, UsageError
from sessconf.speed import gc

# name -> module under sessconf.cli; each module has a ``command``. Imported on use, so
# `sessconf lint` never pays for the store or the template engine.
COMMANDS = {
    "lint": "lint",
    "diff": "diff",
    "apply": "apply",
    "migrate": "migrate",
    "render": "render",
    "export": "export",
    "list": "list_",
    "show": "show",
    "schema": "schema",
    "rules": "rules",
    "new": "new",
    "archive": "archive",
    "unarchive": "archive",
    "appointments": "appointments",
    "charges": "charges",
    "preview": "preview",
    "history": "history",
}
ALIASES = {"plan": "diff"}

EXIT_OK, EXIT_FINDING, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


class SessconfGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, module in COMMANDS.items() if _exists(module))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = ALIASES.get(cmd_name, cmd_name)
        if name != "lint":
            gc.release()  # only `lint` keeps the collector off until the repository is loaded
        module = COMMANDS.get(name)
        if module is None or not _exists(module):
            return None
        found = importlib.import_module(f"sessconf.cli.{module}")
        # a module may hold a pair of commands (archive/unarchive): `command_<name>` wins
        command: click.Command = getattr(found, f"command_{name}", None) or found.command
        return add_color_option(command)  # --color on every command (SPEC §4)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        _, command, rest = super().resolve_command(ctx, args)
        return (command.name if command else None), command, rest

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        extra.pop("standalone_mode", None)
        sys.exit(run(self, argv, prog_name or "sessconf", **extra))


def _exists(module: str) -> bool:
    return importlib.util.find_spec(f"sessconf.cli.{module}") is not None


def run(group: click.Group, argv: list[str], prog_name: str, **extra: Any) -> int:
    """Run the group and map every outcome to an exit status."""
    usage_status = EXIT_FINDING if "--detailed-exitcode" in argv else EXIT_USAGE
    urls = sys.modules.get("sessconf.store.url")  # loaded only by commands that use a store
    if urls is not None:
        urls.forget_urls()  # the secrets to scrub are those of this command's store
    try:
        result = click.Group.main(group, argv, prog_name, standalone_mode=False, **extra)
    except click.UsageError as exc:
        exc.show()
        return usage_status
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            click.echo("Interrupted.", err=True)
            return EXIT_INTERRUPTED
        click.echo("Aborted.", err=True)
        return EXIT_FINDING
    except UsageError as exc:
        _show_error(exc)
        return usage_status
    except SessconfError as exc:
        _show_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        database_error = _database_error(exc)
        if database_error is not None:
            _show_error(database_error)
            return database_error.exit_code
        import traceback

        click.echo(_scrub(bug_report(traceback.format_exc())), err=True)
        return EXIT_BUG
    return result if isinstance(result, int) else EXIT_OK


def bug_report(trace: str) -> str:
    """What an unexpected error prints: where to report it, what it ran on, and the traceback."""
    from sessconf import project_url

    return (
        f"sessconf: unexpected error (a bug in sessconf {__version__}); please report it at "
        f"{project_url('Issues')} with the versions and the traceback below\n"
        f"  {versions()}\n{trace}"
    )


def versions() -> str:
    """The versions a bug depends on, read from the installed metadata (nothing is imported)."""
    import platform
    import sqlite3
    from importlib import metadata

    def of(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (
        f"sessconf {__version__}, Python {platform.python_version()} ({platform.system()}), "
        f"SQLAlchemy {of('SQLAlchemy')}, psycopg {of('psycopg')}, SQLite {sqlite3.sqlite_version}"
    )


def _show_error(exc: SessconfError) -> None:
    hint = f"\n  hint: {exc.hint}" if exc.hint else ""
    click.echo(_scrub(f"sessconf: error: {exc.message}{hint}"), err=True)


def _database_error(exc: Exception) -> SessconfError | None:
    """A database error that escaped the store's own translation: still a sentence, never a bug."""
    if "sqlalchemy" not in sys.modules and "sqlite3" not in sys.modules:
        return None  # nothing could have raised one
    from sessconf.store.errors import translate

    return translate(exc, None, writing=False)


def _scrub(text: str) -> str:
    """Whatever is printed on the error paths, without the secrets of any store URL parsed."""
    from sessconf.store.url import scrub_secrets

    return scrub_secrets(text)


@click.group(cls=SessconfGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sessconf")
@color_option()
def cli() -> None:
    """Clinic scheduling sessions as code: lint, plan and apply YAML to a store."""


def main() -> NoReturn:
    """The console script. It leaves with ``os._exit`` once output is flushed: tearing down a
    loaded repository object by object would only delay the exit (tens of ms at 10,000 sessions).
    """
    # pydantic looks for plugins in the installed packages' entry points when it builds the first
    # model; sessconf uses none. PYDANTIC_DISABLE_PLUGINS is pydantic's documented switch (a value
    # already set in the environment wins); it saves that scan (≈ 2 ms), not the import of
    # importlib.metadata that pydantic's plugin loader makes anyway.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.as_console()
    gc.leave(run(cli, sys.argv[1:], "sessconf"))
