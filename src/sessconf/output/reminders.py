"""``sessconf render``: reminders as text for people, or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sessconf.reminders.render import Reminder


def render_reminders(reminders: Sequence[Reminder], fmt: str, sms_max_segments: int) -> str:
    """The reminders in ``fmt`` (``text`` or ``json``); the text notes an SMS longer than
    ``sms_max_segments`` segments."""
    if fmt == "json":
        return json.dumps([r.to_dict() for r in reminders], indent=2, ensure_ascii=False) + "\n"
    return "\n\n".join(_text(r.to_dict(), sms_max_segments) for r in reminders) + "\n"


def _text(reminder: dict[str, Any], limit: int) -> str:
    lines = [f"# {reminder['session']} at {reminder['location']}, {reminder['start']}"]
    sms = reminder.get("sms")
    if sms is not None:
        noun = "segment" if sms["segments"] == 1 else "segments"
        unit = "septets" if sms["encoding"] == "GSM-7" else "UTF-16 code units"
        about = f"{sms['segments']} {noun}, {sms['encoding']}, {sms['length']} {unit}"
        if sms["forced_by"]:
            about += f"; UCS-2 because of '{sms['forced_by']}'"
        if sms["segments"] > limit:
            about += f"; more than sms_max_segments ({limit})"
        lines += ["", f"--- sms ({about})", sms["text"]]
    email = reminder.get("email")
    if email is not None:
        html = "with an HTML alternative" if email["html"] else "plain text"
        lines += ["", f"--- email ({html})", f"Subject: {email['subject']}", "", email["text"]]
    return "\n".join(lines)
