"""The two failure paths: expected user errors (exit 1) and usage errors (exit 2).

Anything else that escapes a command is a bug: the CLI prints "unexpected error", the version
and the traceback, and exits 3.
"""

from __future__ import annotations


class SessconfError(Exception):
    """An expected failure the user can act on: a short message, exit status 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[type[SessconfError], tuple[str, str | None]]:
        # keeps the hint when an error crosses a process boundary (sessconf.background)
        return (type(self), (self.message, self.hint))


class UsageError(SessconfError):
    """A bad flag, argument or combination of them: exit status 2."""

    exit_code = 2


class StoreError(SessconfError):
    """The store refused or could not do something (schema version, lock timeout, connection)."""


class RefusedError(SessconfError):
    """A change was refused (blocked changes, thresholds, stale plan, no confirmation)."""
