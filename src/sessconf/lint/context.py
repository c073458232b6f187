"""What one lint run knows: the repository, the codes turned off, and the facts checks share.

Checks that need the same facts (the index of the sessions, the reminders' rendering pass) compute
them once per run through :meth:`LintContext.once`, keyed by the function that computes them: a
typed memo, not a dictionary of names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sessconf.codes import turned_off
from sessconf.repository.model import Repository

T = TypeVar("T")


@dataclass(slots=True)
class LintContext:
    repo: Repository
    off: frozenset[str] = frozenset()  # the codes the settings turn off: their checks do not run
    _memo: dict[Callable[[LintContext], Any], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, repo: Repository) -> LintContext:
        return cls(repo, turned_off(repo.settings.rules))

    def once(self, compute: Callable[[LintContext], T]) -> T:
        """``compute(self)``, computed on first use and shared for the rest of the run."""
        memo = self._memo
        if compute in memo:
            found: T = memo[compute]
            return found
        value = memo[compute] = compute(self)
        return value

    def is_on(self, code: str) -> bool:
        return code not in self.off
