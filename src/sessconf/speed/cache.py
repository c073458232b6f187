"""A folder of cache files: JSON documents, written atomically, read back only when intact.

What is stored, and under which key, is the caller's business (``sessconf.repository.cache``);
this module only keeps the files safe. A cache is a convenience, never a source of truth, so
every failure here is silent: a folder that cannot be made, a file that cannot be written, read
or parsed, or whose checksum does not match, is as if it were not there.

- Writes go to a temporary file in the same folder, then ``os.replace``: a reader sees the old
  file or the new one whole, never half of one, and two processes writing the same name at once
  leave one of their files, intact.
- Each file starts with a checksum of the rest, so a truncated or damaged file is never used.
- JSON, not pickle: a cache folder can come from elsewhere (a CI cache, a pull request that
  commits one), and reading it must never run code.
- The folder holds its own ``.gitignore`` (``*``), so it is never committed by accident.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from pathlib import Path
from typing import Any

_HEADER = b"sessconf-cache "  # then the hex checksum of the body, a line break, the body
_DIGEST = 16
_KEEP = 6  # files of one kind kept: enough for a few branches with different settings


def digest(*parts: bytes) -> str:
    """A short, stable digest of ``parts`` (each one delimited by its length)."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


class CacheFolder:
    """The cache files in ``folder`` (created on the first write)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def read(self, name: str) -> Any:
        """The document stored as ``name``, or None when there is none intact."""
        try:
            with open(self.folder / name, "rb") as f:
                data = f.read()
        except OSError:
            return None
        head, _, body = data.partition(b"\n")
        if not head.startswith(_HEADER) or head[len(_HEADER) :].decode("ascii", "replace") != digest(body):
            return None
        try:
            return json.loads(body)
        except ValueError:  # pragma: no cover - the checksum matched: only a bug writes bad JSON
            return None

    def write(self, name: str, document: object) -> bool:
        """Store ``document`` (plain JSON data) as ``name``; False when it could not be written."""
        try:
            body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        except (TypeError, ValueError):  # pragma: no cover - a bug: nothing is stored
            return False
        data = _HEADER + digest(body).encode() + b"\n" + body
        folder = self.folder
        try:
            self._make()
            temporary = folder / f".{name}.{os.getpid()}.tmp"
            with open(temporary, "wb") as f:
                f.write(data)
            os.replace(temporary, folder / name)
        except OSError:
            with suppress(OSError):
                os.unlink(folder / f".{name}.{os.getpid()}.tmp")
            return False
        return True

    def prune(self, prefix: str, keep: int = _KEEP) -> None:
        """Remove all but the ``keep`` newest files whose names start with ``prefix``."""
        try:
            with os.scandir(self.folder) as it:
                found = [(e.stat().st_mtime_ns, e.path) for e in it if e.name.startswith(prefix)]
        except OSError:
            return
        for _, path in sorted(found, reverse=True)[keep:]:
            with suppress(OSError):
                os.unlink(path)

    def _make(self) -> None:
        folder = self.folder
        if folder.is_dir():
            return
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            temporary = folder / f".gitignore.{os.getpid()}.tmp"
            temporary.write_text("# sessconf's lint cache: never committed\n*\n")
            os.replace(temporary, ignore)
