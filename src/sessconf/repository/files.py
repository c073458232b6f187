"""Reading the repository's files safely: regular files only, never more than a bound.

A config repository comes from pull requests, so any of its paths may be a FIFO that would block
a reader forever, a link to ``/dev/zero`` that never ends, a link loop, a folder, or a file nobody
may read. Every file sessconf reads from a repository goes through :func:`read_file`: it opens
without blocking, refuses what is not a regular file, and reads at most one byte past its limit.
Failures are :class:`ReadError` values that say why, for the caller to report at the path.

It is also where the repository's layout is named, and where :func:`find_root` finds the
repository from a folder inside it.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
from pathlib import Path

from sessconf.codes.files import FILE_TOO_LARGE, UNREADABLE_FILE
from sessconf.diagnostics import Diagnostic
from sessconf.filekinds import kind_of

_CHUNK = 65536
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


class Failure(enum.Enum):
    """Why a file was not read."""

    MISSING = "missing"  # nothing at that path
    FOLDER = "folder"
    NOT_A_FILE = "not-a-file"  # a FIFO, a device, a socket
    TOO_LARGE = "too-large"
    UNREADABLE = "unreadable"  # permission denied, a link loop, an I/O error, ...


class ReadError(Exception):
    """A file that was not read: ``failure`` says why, ``reason`` says it as a phrase that follows
    the file's name (``is a FIFO (a named pipe), not a file``)."""

    def __init__(self, failure: Failure, reason: str) -> None:
        super().__init__(reason)
        self.failure, self.reason = failure, reason


def unreadable(path: Path | str, exc: ReadError, *, too_large_hint: str | None = None) -> Diagnostic:
    """A file that was not read, as a diagnostic at the file (file-too-large or unreadable-file)."""
    if exc.failure is Failure.TOO_LARGE:
        return FILE_TOO_LARGE.at(path, (1, 1), f"the file {exc.reason}", too_large_hint)
    hint = None
    if exc.failure in (Failure.NOT_A_FILE, Failure.FOLDER):
        hint = "sessconf reads regular files only"
    elif "permission" in exc.reason:
        hint = "make it readable by the user that runs sessconf"
    return UNREADABLE_FILE.at(path, (1, 1), f"{os.path.basename(path)} {exc.reason}", hint)


def read_file(path: Path | str, limit: int, *, listed_regular: bool = False) -> bytes:
    """The bytes of the regular file at ``path``, if it holds at most ``limit`` of them.

    ``listed_regular``: a folder listing (``os.scandir``, no link followed) said that ``path`` is a
    regular file. Its type is then checked only when the first read is empty or fills a whole
    chunk (what a FIFO or a device would give): a small file costs one ``open`` and one ``read``,
    the fast path for thousands of session files. Raises :class:`ReadError`.
    """
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise _open_error(path, exc) from None
    try:
        if not listed_regular:
            _check_regular(fd, path)
        try:
            first = os.read(fd, min(_CHUNK, limit + 1))
        except OSError as exc:  # EISDIR, EAGAIN (a FIFO with a writer), EIO
            _check_regular(fd, path)
            raise ReadError(Failure.UNREADABLE, _reason(exc)) from None
        if 0 < len(first) < _CHUNK and len(first) <= limit:
            return first
        if listed_regular:
            _check_regular(fd, path)
        parts, total = [first], len(first)
        while first and total <= limit:
            try:
                first = os.read(fd, min(1 << 20, limit + 1 - total))
            except OSError as exc:
                raise ReadError(Failure.UNREADABLE, _reason(exc)) from None
            parts.append(first)
            total += len(first)
        if total > limit:
            raise ReadError(Failure.TOO_LARGE, f"is larger than {limit:,} bytes")
        return b"".join(parts)
    finally:
        os.close(fd)


def _check_regular(fd: int, path: Path | str) -> None:
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        return
    link = "a link to " if os.path.islink(path) else ""
    if stat.S_ISDIR(mode):
        raise ReadError(Failure.FOLDER, f"is {link}a folder, not a file")
    raise ReadError(Failure.NOT_A_FILE, f"is {link}{kind_of(mode)}, not a file")


def _open_error(path: Path | str, exc: OSError) -> ReadError:
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return ReadError(Failure.UNREADABLE, "is a link to a file that does not exist")
        return ReadError(Failure.MISSING, "does not exist")
    return ReadError(Failure.UNREADABLE, _reason(exc))


def _reason(exc: OSError) -> str:
    """An ``OSError`` as a phrase that follows a file's name."""
    if exc.errno == errno.ELOOP:
        return "is a link that loops (too many levels of symbolic links)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "cannot be read: its name is too long"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    text = exc.strerror or str(exc)
    return f"cannot be read: {text[:1].lower()}{text[1:]}"


def check_entry(path: Path | str) -> ReadError | None:
    """Why a folder entry that a listing did not show as a regular file cannot be read as one, or
    None when, its links followed, it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _open_error(path, exc)
    if stat.S_ISREG(mode):
        return None
    link = "a link to " if os.path.islink(path) else ""
    failure = Failure.FOLDER if stat.S_ISDIR(mode) else Failure.NOT_A_FILE
    return ReadError(failure, f"is {link}{kind_of(mode)}, not a file")
