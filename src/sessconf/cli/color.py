"""Whether to colour the output (SPEC §4): the one place that decides it.

``--color auto|always|never`` on every command that prints (and before the command, on the
group: ``sessconf --color never new ...``, where ``new --color`` is a session's calendar colour).
``auto``, the default: a non-empty ``FORCE_COLOR`` forces colour; else a non-empty ``NO_COLOR``,
``TERM=dumb`` or an output that is not a terminal turns it off. The flag wins over the
environment. The decision is stored on click's context (``ctx.color``), so that ``click.echo``
keeps or strips the styles accordingly, and formatters get it through ``output.Context``; they
paint with :func:`click.style`, handed to them as ``Context.paint`` (click stays in the CLI).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import IO, Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
_KEY = "sessconf.color"  # the mode given on the command line, in click's shared ctx.meta


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def use_color(mode: ColorMode, stream: IO[str] | None = None, env: Mapping[str, str] | None = None) -> bool:
    """The policy: does output to ``stream`` get colour in ``mode``, with ``env``?"""
    if mode is not ColorMode.AUTO:
        return mode is ColorMode.ALWAYS
    env = os.environ if env is None else env
    if env.get("FORCE_COLOR"):
        return True
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def current() -> bool:
    """The decision for the command running now (``auto`` outside a command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    return use_color(ColorMode.AUTO)


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:  # given here: it wins over one given on the group
        ctx.meta[_KEY] = ColorMode(value)
    ctx.color = use_color(ctx.meta.get(_KEY, ColorMode.AUTO))


def color_option(*names: str) -> Callable[[F], F]:
    return click.option(
        *(names or ("--color",)),
        "color_mode",
        type=click.Choice([m.value for m in ColorMode]),
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_remember,
        help="Colour the output: auto (a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces it), "
        "always or never.  [default: auto]",
    )


def add_color_option(command: click.Command) -> click.Command:
    """Give ``command`` (and a group's subcommands) ``--color``, unless it has an option of that
    name already (``new --color`` is a calendar colour): then only the group's flag applies."""
    if getattr(command, "_sessconf_color", False):
        return command
    taken = any(isinstance(p, click.Option) and "--color" in p.opts for p in command.params)
    if not taken:
        color_option()(command)
    command._sessconf_color = True  # type: ignore[attr-defined]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_color_option(sub)
    return command
