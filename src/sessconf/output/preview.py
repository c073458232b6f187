"""The preview page: the view model of ``operations.preview`` as one self-contained HTML file.

Rendered with its own Jinja2 environment, autoescaped and with undefined names as errors; the
reminder sandbox (``sessconf.reminders``) is a separate environment for untrusted templates,
this one renders only the package's own ``templates/preview.html.j2``. The page has its CSS
inline and no script, font, image or link that leaves it (a Content-Security-Policy says so to
the browser too): it is opened offline, from a CI artifact.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from sessconf.operations.preview import PreviewModel

SCALE = 1.2  # CSS pixels per minute: a 60-minute block is 72 px high


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("sessconf.output", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_preview(model: PreviewModel) -> str:
    """The page, as text (UTF-8 when written)."""
    return _environment().get_template("preview.html.j2").render(model=model, scale=SCALE)
