"""Where the templates come from, and when lint can tell without rendering that a built-in
template renders for every session (SPEC §5). Light: no Jinja2, no Babel.

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

``tests/test_reminders_lint.py`` renders the built-in templates of both locales with each time
zone and with the longest fields, to hold this true. Lint then renders a built-in template only to
count SMS segments (SC402), and not at all when that rule is off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sessconf.loader import Repository

Channel = Literal["sms", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "email")
TEMPLATES_DIR = "templates"
OVERRIDES: dict[Channel, str] = {"sms": "reminder.sms.j2", "email": "reminder.email.j2"}
BUILT_IN_LOCALES = {"en": "en-CA", "fr": "fr-CA"}
WRITTEN_FOR = frozenset(BUILT_IN_LOCALES.values())
CLINIC_NAME_MAX = 500


def cannot_fail(repo: Repository, channel: Channel) -> bool:
    """Whether rendering ``channel`` for every bookable session of ``repo`` is known to succeed:
    the built-in template is used, with a locale and a clinic name it is tested with."""
    settings = repo.settings
    return (
        settings.locale in WRITTEN_FOR
        and len(settings.clinic_name) <= CLINIC_NAME_MAX
        and not (repo.root / TEMPLATES_DIR / OVERRIDES[channel]).is_file()
    )
