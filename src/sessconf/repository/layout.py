"""The layout of a config repository (SPEC §2): its files' names, and where a repository starts."""

from __future__ import annotations

import os
from pathlib import Path

# The layout of a config repository (SPEC §2).
LOCATIONS_FILE = "locations.yaml"


BILLING_FILE = "billing_items.yaml"


SESSIONS_DIR = "sessions"


PRESETS_FILE = "presets.yaml"  # optional: shared defaults that sessions extend


TEMPLATES_DIR = "templates"


def find_root(start: Path) -> Path:
    """The config repository that ``start`` is in: the nearest folder, from ``start`` upward, that
    holds a ``sessions/`` folder and a ``locations.yaml`` (as git and ruff find their roots), or
    ``start`` itself when none does (its missing files are then reported)."""
    for folder in (start, *start.parents):
        if os.path.isdir(folder / SESSIONS_DIR) and os.path.lexists(folder / LOCATIONS_FILE):
            return folder
    return start


def template_files(root: Path) -> list[Path]:
    """The regular files of ``templates/``, listed among the repository's files; empty when there
    is no such folder or it cannot be read (lint reports why). Never opens an entry."""
    files = []
    try:
        with os.scandir(root / TEMPLATES_DIR) as entries:
            for entry in entries:
                try:
                    if entry.is_file():  # follows links, never opens the entry
                        files.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        return []
    return sorted(files)
