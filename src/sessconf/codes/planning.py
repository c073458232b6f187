"""Codes of planning against a store (``sessconf diff`` / ``apply``). Always errors."""

from __future__ import annotations

from sessconf.codes import declare

RENAME_CONFLICT = declare(
    "SC501",
    "rename-conflict",
    """A previous name and the current name both exist in the store.

    A rename is planned only when exactly one of the old and the new name exists in the store. When
    both do, sessconf cannot tell which one the repository means; remove the previous name (the old
    entity is then deleted or archived as usual) or rename or delete the other entity first.
    """,
)
