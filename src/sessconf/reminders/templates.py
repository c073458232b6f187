"""Reminder templates: which one a channel uses, compiled, and rendered (SPEC §5).

``templates/reminder.sms.j2`` and ``templates/reminder.email.j2`` in the repository override the
built-in templates, which exist for English and French (``en-CA``, ``fr-CA``; another ``en-*`` or
``fr-*`` locale uses them with its own date formats). An email template defines the blocks
``subject`` and ``body`` (plain text) and may define ``html``, rendered with autoescaping.
Rendered text is trimmed; a subject is one line.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from sessconf.errors import SessconfError
from sessconf.reminders import sandbox
from sessconf.reminders.builtin import (
    BUILT_IN_LOCALES,
    CHANNELS,
    OVERRIDES,
    TEMPLATES_DIR,
    Channel,
    entry_message,
    entry_problem,
    has_override,
)
from sessconf.reminders.dependence import analyse
from sessconf.reminders.variables import ReminderVars

EMAIL_BLOCKS = ("subject", "body")


class ReminderError(SessconfError):
    """A reminder template that cannot be read, compiled or rendered, at ``path:line``.

    ``stops`` tells a breach of the sandbox's bounds (operations, size, time, memory, nesting):
    rendering the template for other sessions would most likely breach it again.
    """

    def __init__(
        self, path: Path, line: int, message: str, hint: str | None = None, *, stops: bool = False
    ) -> None:
        super().__init__(f"{path}:{line}: {message}", hint)
        self.path, self.line, self.problem = path, line, message
        self.stops = stops

    def __reduce__(self) -> Any:  # crosses the bounded worker's pipe whole
        return (_rebuild, (self.path, self.line, self.problem, self.hint, self.stops))


def _rebuild(path: Path, line: int, problem: str, hint: str | None, stops: bool) -> ReminderError:
    return ReminderError(path, line, problem, hint, stops=stops)


class TemplateSource(NamedTuple):
    channel: Channel
    path: Path  # the override in the repository, or the built-in template's file
    text: str
    builtin: bool


class Email(NamedTuple):
    subject: str
    text: str
    html: str | None


def built_in_path(channel: Channel, locale: str) -> Path | None:
    """The built-in template of ``channel`` for ``locale``, None for a language without one."""
    builtin = BUILT_IN_LOCALES.get(locale.split("-")[0].lower())
    if builtin is None:
        return None
    return Path(str(resources.files("sessconf") / "templates" / f"reminder.{channel}.{builtin}.j2"))


def load_source(root: Path, channel: Channel, locale: str) -> TemplateSource:
    """The template ``channel`` uses in the repository at ``root``; raises :class:`ReminderError`
    (also for an override that is not a regular file: a folder, FIFO, device, link loop...)."""
    override = root / TEMPLATES_DIR / OVERRIDES[channel]
    if has_override(root, channel):
        return TemplateSource(channel, override, _read(override, root), False)
    path = built_in_path(channel, locale)
    if path is None:
        raise ReminderError(
            root / "pyproject.toml",
            1,
            f"there is no built-in {channel} reminder template for the locale '{locale}'",
            f"write {TEMPLATES_DIR}/{OVERRIDES[channel]}, or use a locale such as en-CA or fr-CA",
        )
    return TemplateSource(channel, path, path.read_text(encoding="utf-8"), True)


def _read(path: Path, root: Path) -> str:
    """The text of an override: a regular file of the repository at ``root``, opened without
    blocking (a FIFO swapped in after the check is refused by ``fstat``), read up to the size
    cap."""
    try:
        problem = entry_problem(path, root)
    except FileNotFoundError:
        problem = "gone (it was removed while being read)"
    if problem is not None:
        raise ReminderError(path, 1, entry_message(path.name, problem), "write the template as a plain file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ReminderError(path, 1, entry_message(path.name, "not a regular file"))
            chunks, size = [], 0
            while size <= sandbox.MAX_SOURCE and (chunk := os.read(fd, sandbox.MAX_SOURCE + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
            raw = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ReminderError(path, 1, f"cannot read the template: {exc.strerror or exc}") from None
    if len(raw) > sandbox.MAX_SOURCE:
        raise ReminderError(path, 1, f"the template is larger than {sandbox.MAX_SOURCE // 1024} KiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReminderError(path, 1 + raw[: exc.start].count(b"\n"), "the template is not UTF-8") from None


class CompiledTemplate:
    """A channel's template, compiled once and rendered many times."""

    def __init__(self, source: TemplateSource) -> None:
        self.source = source
        self.path = source.path
        self.allowance: sandbox.Allowance | None = None
        name, path = f"reminder.{source.channel}", str(source.path)
        try:
            tree = sandbox.parse_template(source.text, name, path)
            self.dependence = analyse(tree)  # before compiling, which changes the tree
            escaped = ["html"] if source.channel == "email" else []
            self.template: Any = sandbox.compile_template(tree, name, path, escaped_blocks=escaped)
            self.html = source.channel == "email" and "html" in self.template.blocks
            if source.channel == "email":
                missing = [b for b in EMAIL_BLOCKS if b not in self.template.blocks]
                if missing:
                    raise ReminderError(
                        self.path,
                        1,
                        "an email template defines the blocks "
                        + " and ".join(f"'{b}'" for b in EMAIL_BLOCKS)
                        + f"; '{missing[0]}' is missing",
                        "{% block subject %}...{% endblock %} {% block body %}...{% endblock %}",
                    )
        except ReminderError:
            raise
        except Exception as exc:  # a syntax error, or what a reminder template may not use
            raise self.error(exc) from None

    def error(self, exc: BaseException) -> ReminderError:
        line, message = sandbox.failure(exc)
        stops = isinstance(exc, sandbox.BoundsError | MemoryError | RecursionError)
        return ReminderError(self.path, line, message, stops=stops)

    def render_sms(self, variables: ReminderVars, locale: str) -> str:
        return self.render(variables.as_dict(), locale).strip()

    def render_email(self, variables: ReminderVars, locale: str) -> Email:
        values = variables.as_dict()
        subject = " ".join(self.render(values, locale, "subject").split())
        text = self.render(values, locale, "body").strip()
        html = self.render(values, locale, "html").strip() if self.html else None
        return Email(subject, text, html or None)

    def render(self, values: dict[str, Any], locale: str, block: str | None = None) -> str:
        """One part (the ``html`` block is autoescaped), untrimmed; raises :class:`ReminderError`
        at the template's line. Within :attr:`allowance`, when set: the time left for all the
        renders of this template."""
        try:
            return sandbox.render_part(self.template, values, locale, block, self.allowance)
        except Exception as exc:
            raise self.error(exc) from None


__all__ = [
    "BUILT_IN_LOCALES",
    "CHANNELS",
    "OVERRIDES",
    "Channel",
    "CompiledTemplate",
    "Email",
    "ReminderError",
    "TemplateSource",
    "built_in_path",
    "load_source",
]
