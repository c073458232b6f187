"""Codes of presets (``presets.yaml`` and ``extends:``, SPEC §2 "Presets").

The errors leave no resolved session to check, so they cannot be re-graded; an unused preset is
advice.
"""

from __future__ import annotations

from sessconf.codes import declare
from sessconf.diagnostics import Severity

UNKNOWN_PRESET = declare(
    "SC601",
    "unknown-preset",
    """An ``extends:`` that names a preset ``presets.yaml`` does not define.

    Reported at the ``extends:`` value, of a session or of a preset, with the closest preset id as
    a hint. The session is then not resolved: its other keys are still checked, but a required key
    the preset would have given is not reported missing.
    """,
)

PRESET_CYCLE = declare(
    "SC602",
    "preset-cycle",
    """Presets that extend each other in a circle (``a`` extends ``b``, ``b`` extends ``a``).

    Reported once per cycle, at the ``extends:`` of the preset written first, naming the whole
    circle. Sessions that extend a preset of the cycle are not resolved.
    """,
)

PRESET_KEY = declare(
    "SC603",
    "preset-key",
    """A key of a preset that is not a session field, or one that a preset cannot set.

    A preset holds any session field (``discipline``, ``locations``, ``color``, ``buffer_after``,
    ...) and ``extends``, but not ``name`` or ``previous_names``: they are a session's identity.
    The hint suggests the closest session field.
    """,
)

UNUSED_PRESET = declare(
    "SC604",
    "unused-preset",
    """A preset that no session uses, directly or through another preset.

    Its values are checked only where a session inherits them: remove it, or extend it.
    """,
    severity=Severity.WARNING,
    changeable=True,
)
