"""SMS length: how many segments a text takes (SPEC §5).

A text made only of GSM 03.38 characters is sent in GSM-7: 160 septets in a single message, 153 per
segment once it is split (the rest of each segment holds the concatenation header). The extension
characters ``^ { } \\ [ ~ ] | €`` (and the form feed) take two septets, an escape and the character,
and an escape pair is never split across two segments: a segment that has one septet left is
padded. Any other character switches the whole message to UCS-2: 70 UTF-16 code units in a single
message, 67 per segment, and a surrogate pair (an emoji, for instance) is never split either.

Reading of ``ç``: the 3GPP TS 23.038 basic table holds, at 0x09, LATIN CAPITAL LETTER C WITH
CEDILLA (``Ç``) only. Some older documents and handsets show a lowercase ``ç`` there, and some
carriers silently map one to the other, but nothing guarantees it; so ``Ç`` counts as GSM-7 and
``ç`` forces UCS-2 (the conservative reading: a count is never lower than what a carrier bills).
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

# The GSM 03.38 basic character set, in table order (0x1B, the escape to the extension table, is
# not a character of its own).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table: each is sent as an escape plus the character (two septets).
GSM_EXTENSION = "\f^{}\\[~]|€"

GSM_SINGLE, GSM_SEGMENT = 160, 153
UCS2_SINGLE, UCS2_SEGMENT = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]

_NOT_GSM = re.compile("[^" + re.escape(GSM_BASIC + GSM_EXTENSION) + "]")
_EXTENSION = re.compile("[" + re.escape(GSM_EXTENSION) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_BASIC = re.compile("[" + re.escape(GSM_BASIC) + "]*")


class SmsLength(NamedTuple):
    """How a text is sent: ``segments`` messages in ``encoding``.

    ``units`` is the length in septets (GSM-7) or UTF-16 code units (UCS-2), without padding;
    ``forced_by`` is the first character that made the text UCS-2 (None for GSM-7).
    """

    segments: int
    encoding: Encoding
    units: int
    forced_by: str | None = None

    def describe(self) -> str:
        """``2 segments (GSM-7, 201 septets)``."""
        noun = "segment" if self.segments == 1 else "segments"
        unit = "septets" if self.encoding == "GSM-7" else "UTF-16 code units"
        return f"{self.segments} {noun} ({self.encoding}, {self.units} {unit})"


def first_non_gsm(text: str) -> str | None:
    """The first character of ``text`` outside GSM 03.38 (which makes an SMS UCS-2), if any."""
    match = _NOT_GSM.search(text)
    return None if match is None else match.group()


def sms_length(text: str) -> SmsLength:
    """Segments, encoding and length of ``text`` sent as an SMS."""
    culprit = first_non_gsm(text)
    if culprit is None:
        wide = [m.start() for m in _EXTENSION.finditer(text)]
        units = len(text) + len(wide)
        return SmsLength(_segments(len(text), wide, units, GSM_SINGLE, GSM_SEGMENT), "GSM-7", units)
    wide = [m.start() for m in _ASTRAL.finditer(text)]
    units = len(text) + len(wide)
    segments = _segments(len(text), wide, units, UCS2_SINGLE, UCS2_SEGMENT)
    return SmsLength(segments, "UCS-2", units, culprit)


def _segments(length: int, wide: list[int], units: int, single: int, per_segment: int) -> int:
    """Segments for a text of ``length`` characters whose characters at ``wide`` take two units.

    Only the two-unit characters can move a segment boundary (they are never split), so the walk
    visits them alone and adds the one-unit runs between them in one step.
    """
    if units <= single:
        return 1
    if not wide:
        return -(-units // per_segment)
    filled = 0  # units placed so far, padding included
    previous = 0
    for index in wide:
        filled += index - previous
        if filled % per_segment == per_segment - 1:
            filled += 1  # one unit left in this segment: the pair starts the next one
        filled += 2
        previous = index + 1
    filled += length - previous
    return -(-filled // per_segment)


# A text's *profile* packs its counts into one int, so that the profile of a concatenation is the
# sum of the profiles of its pieces: lint adds up the pieces of tens of thousands of SMS this way.
_FIELD = 24
_MASK = (1 << _FIELD) - 1


def profile(text: str) -> int:
    """The packed counts of ``text``: non-GSM characters, septets, extension characters, UTF-16
    code units, and characters outside the BMP (surrogate pairs)."""
    if _BASIC.fullmatch(text):  # the usual case: basic GSM characters only
        return len(text) << _FIELD | len(text) << 3 * _FIELD
    non_gsm = 1 if _NOT_GSM.search(text) else 0
    extension = len(_EXTENSION.findall(text)) if not non_gsm else 0
    astral = len(_ASTRAL.findall(text)) if non_gsm else 0
    septets, code_units = len(text) + extension, len(text) + astral
    return (
        non_gsm
        | septets << _FIELD
        | extension << 2 * _FIELD
        | code_units << 3 * _FIELD
        | astral << 4 * _FIELD
    )


def most_segments(packed: int) -> int:
    """An upper bound of the segments of a text with the profile ``packed``, which also holds
    for that text trimmed of whitespace.

    Each two-unit character can add at most one unit of padding, and removing characters never
    adds any, so the bound is exact whenever it is within a limit.
    """
    if packed & _MASK:
        units, wide = packed >> 3 * _FIELD & _MASK, packed >> 4 * _FIELD & _MASK
        single, per_segment = UCS2_SINGLE, UCS2_SEGMENT
    else:
        units, wide = packed >> _FIELD & _MASK, packed >> 2 * _FIELD & _MASK
        single, per_segment = GSM_SINGLE, GSM_SEGMENT
    if units <= single:
        return 1
    return -(-(units + wide) // per_segment)


def basic_length(text: str) -> int:
    """The length of ``text`` when it is made of basic GSM-7 characters only (one septet each,
    its profile then being that of any such text of its length); -1 otherwise."""
    return len(text) if _BASIC.fullmatch(text) else -1


def room(packed: int, limit: int) -> int:
    """How many basic GSM-7 characters can be added to a text of profile ``packed`` while
    :func:`most_segments` stays at most ``limit`` (-1 when it is over the limit already).

    Such characters add one septet and one UTF-16 code unit each, and change neither the encoding
    nor the count of two-unit characters, so the bound grows with their number alone.
    """
    if packed & _MASK:
        units, wide = packed >> 3 * _FIELD & _MASK, packed >> 4 * _FIELD & _MASK
        single, per_segment = UCS2_SINGLE, UCS2_SEGMENT
    else:
        units, wide = packed >> _FIELD & _MASK, packed >> 2 * _FIELD & _MASK
        single, per_segment = GSM_SINGLE, GSM_SEGMENT
    # within one message, or within ``limit`` segments (see most_segments)
    return max(single - units, per_segment * limit - units - wide, -1)
