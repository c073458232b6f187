"""The names a repository defines (sessions, location ids, billing codes, disciplines), read
quickly and leniently: for shell completion and repository-specific JSON Schemas, not for lint.

The session names are the file stems of ``sessions/*.yaml`` (nothing is parsed); the ids and codes
are the keys of the catalogues; the disciplines are those the locations offer. A file that cannot
be read or parsed contributes nothing: completing never fails, and lint says what is wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sessconf.limits import NAME_MAX
from sessconf.model import NAME_RE
from sessconf.repository.files import ReadError, read_file
from sessconf.repository.layout import BILLING_FILE, LOCATIONS_FILE, SESSIONS_DIR
from sessconf.yaml.read import parse_yaml

_CATALOGUE_MAX = 64 * 1024 * 1024  # the default max_file_size: completion reads no settings


@dataclass(frozen=True, slots=True)
class Names:
    sessions: tuple[str, ...]
    locations: tuple[str, ...]
    billing_items: tuple[str, ...]
    disciplines: tuple[str, ...]


def is_name(text: object) -> bool:
    return isinstance(text, str) and len(text) <= NAME_MAX and NAME_RE.match(text) is not None


def session_names(root: Path) -> tuple[str, ...]:
    try:
        entries = os.listdir(root / SESSIONS_DIR)
    except OSError:
        return ()
    stems = (entry[: -len(".yaml")] for entry in entries if entry.endswith(".yaml"))
    return tuple(sorted(stem for stem in stems if is_name(stem)))


def _catalogue(path: Path) -> dict[str, object]:
    try:
        raw = read_file(path, _CATALOGUE_MAX)
    except ReadError:
        return {}
    data = parse_yaml(path, raw, positions=False).data
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if is_name(key)}


def location_ids(root: Path) -> tuple[str, ...]:
    return tuple(sorted(_catalogue(root / LOCATIONS_FILE)))


def billing_codes(root: Path) -> tuple[str, ...]:
    return tuple(sorted(_catalogue(root / BILLING_FILE)))


def repository_names(root: Path) -> Names:
    locations = _catalogue(root / LOCATIONS_FILE)
    disciplines = {
        discipline
        for entry in locations.values()
        if isinstance(entry, dict) and isinstance(entry.get("disciplines"), list)
        for discipline in entry["disciplines"]
        if is_name(discipline)
    }
    return Names(
        session_names(root),
        tuple(sorted(locations)),
        billing_codes(root),
        tuple(sorted(disciplines)),
    )
