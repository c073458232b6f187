"""Checks of presets (SC604): a preset that no session uses.

The other preset codes (unknown presets, cycles, keys that are not session fields) are reported
while ``presets.yaml`` is read (``repository.presets``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sessconf.codes.presets import UNUSED_PRESET
from sessconf.diagnostics import Diagnostic
from sessconf.lint.checks import check
from sessconf.repository.presets import used_presets

if TYPE_CHECKING:
    from sessconf.lint.context import LintContext


@check(UNUSED_PRESET)
def unused_preset(ctx: LintContext) -> Iterator[Diagnostic]:
    presets = ctx.repo.presets
    if presets is None or not presets.by_name:
        return
    extended = {entry.inherits.preset.name for entry in ctx.repo.checked_sessions() if entry.inherits}
    used = used_presets(presets, extended)
    for name in presets.by_name:
        if name not in used:
            yield UNUSED_PRESET.at(
                presets.path,
                presets.source_map.key((name,)),
                f"preset '{name}' is not used by any session",
                f"remove it, or write extends: {name} in a session",
            )
