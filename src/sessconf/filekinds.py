"""What a path that is not a regular file is, as a phrase for messages ("a folder", "a FIFO")."""

from __future__ import annotations

import stat


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, as a noun phrase (``is {kind_of(mode)}``)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (a named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"
