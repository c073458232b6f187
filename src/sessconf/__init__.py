"""sessconf: clinic scheduling sessions as code — lint, plan and apply YAML to a store."""

from __future__ import annotations

# The one version source: pyproject.toml reads it (`[tool.setuptools.dynamic]`).
__version__ = "0.1.0"

# Where sessconf lives when its installed metadata cannot say (a source tree on sys.path).
_REPOSITORY = "https://github.com/sessconf/sessconf"


def project_url(label: str) -> str:
    """A URL of ``[project.urls]`` (``Source``, ``Issues``, ...), read from the installed metadata.

    Only error and help paths call it: ``importlib.metadata`` is not imported on start-up.
    """
    from importlib import metadata

    try:
        entries = metadata.metadata("sessconf").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        entries = []
    for entry in map(str, entries):
        name, _, url = entry.partition(",")
        if name.strip().lower() == label.lower():
            return url.strip()
    return {"source": _REPOSITORY, "issues": f"{_REPOSITORY}/issues"}.get(label.lower(), _REPOSITORY)
