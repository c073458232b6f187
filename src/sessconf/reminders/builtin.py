"""Where reminder templates come from, and when a built-in one is known to render (SPEC §5).

Light: no Jinja2, no Babel. Lint can tell without rendering that a built-in template renders for
every session.

A built-in template renders for any session and location that validation lets through: it
reads the variables' fields, has no loop, and prints fields that the model bounds (a description,
a location's name or address: 200 characters at most), the sample client name, dates that Babel
formats for any time zone, and ``clinic_name``, which no model bounds. So lint cannot find a
template error (SC401) in a built-in template when:

- the locale is one of those the built-in templates are written for, :data:`WRITTEN_FOR`
  (another ``en-*`` or ``fr-*`` locale uses them with its own date formats, rendered to be sure);
- ``clinic_name`` is at most :data:`CLINIC_NAME_MAX` characters, which keeps the longest output
  (every field at its longest, made of the characters that HTML escaping lengthens most) far
  below the sandbox's output cap.

``tests/lint/checks/test_reminders.py`` renders the built-in templates of both locales with each time
zone and with the longest fields, to hold this true. Lint then renders a built-in template only to
count SMS segments (SC402), and not at all when that rule is off.

The entries of ``templates/`` are inspected here without ever blocking: a folder, FIFO, device,
socket, broken link or link loop is named for what it is (SPEC §5: never silently ignored), and
only a regular file is opened.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sessconf.filekinds import kind_of

if TYPE_CHECKING:
    from sessconf.settings import Settings

Channel = Literal["sms", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "email")
TEMPLATES_DIR = "templates"
OVERRIDES: dict[Channel, str] = {"sms": "reminder.sms.j2", "email": "reminder.email.j2"}
BUILT_IN_LOCALES = {"en": "en-CA", "fr": "fr-CA"}
WRITTEN_FOR = frozenset(BUILT_IN_LOCALES.values())
CLINIC_NAME_MAX = 500


def cannot_fail(root: Path, settings: Settings, channel: Channel) -> bool:
    """Whether rendering ``channel`` for every bookable session of the repository at ``root`` is
    known to succeed: the built-in template is used, with a locale and a clinic name it is tested
    with."""
    return (
        settings.locale in WRITTEN_FOR
        and len(settings.clinic_name) <= CLINIC_NAME_MAX
        and not has_override(root, channel)
    )


def has_override(root: Path, channel: Channel) -> bool:
    """Whether ``templates/`` has an entry named as ``channel``'s override (of any kind, readable
    or not: using the built-in template then would silently ignore it)."""
    try:
        os.lstat(root / TEMPLATES_DIR / OVERRIDES[channel])
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def entry_problem(path: Path, within: Path | None = None) -> str | None:
    """Why the entry at ``path`` is not a regular file ("a folder", "a FIFO (a named pipe)", ...), or
    None when it is one. Links are followed, within the folder ``within`` when given (a template
    linked to a file elsewhere, such as a CI secret, would show it in lint's messages). Raises
    ``FileNotFoundError`` when there is no entry."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        os.lstat(path)  # no entry at all: FileNotFoundError again
        return "a broken symbolic link"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        return f"unreadable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        if within is not None and os.path.islink(path) and not _inside(path, within):
            return "a symbolic link to a file outside the repository"
        return None
    return kind_of(mode)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(folder.resolve(strict=True))
    except (OSError, RuntimeError):
        return False


def entry_message(name: str, problem: str) -> str:
    """The diagnostic for an entry ``templates/NAME`` that is not a regular file."""
    return f"'{TEMPLATES_DIR}/{name}' is {problem}; {TEMPLATES_DIR}/ holds regular files only"
