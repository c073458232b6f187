"""Rules about reminder templates (SPEC §5). Filled in by the reminders feature."""

from __future__ import annotations
