"""SMS length (SPEC §5): segments, encoding and the character that forced UCS-2, by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessconf.reminders.sms import (
    GSM_BASIC,
    GSM_EXTENSION,
    SmsLength,
    most_segments,
    profile,
    sms_length,
)

A = "a"
EURO = "€"  # an extension character: two septets
SMILE = "\U0001f600"  # outside the BMP: two UTF-16 code units (a surrogate pair)

# text, segments, encoding, units (septets or UTF-16 code units), the character that forced UCS-2
CASES = [
    pytest.param("", 1, "GSM-7", 0, None, id="empty"),
    pytest.param("Hello, see you at 10:00!", 1, "GSM-7", 24, None, id="plain-ascii"),
    pytest.param(A * 152, 1, "GSM-7", 152, None, id="152-septets"),
    pytest.param(A * 153, 1, "GSM-7", 153, None, id="153-septets"),
    pytest.param(A * 154, 1, "GSM-7", 154, None, id="154-septets"),
    pytest.param(A * 160, 1, "GSM-7", 160, None, id="160-septets-single"),
    pytest.param(A * 161, 2, "GSM-7", 161, None, id="161-septets-split"),
    pytest.param(A * 306, 2, "GSM-7", 306, None, id="two-full-segments"),
    pytest.param(A * 307, 3, "GSM-7", 307, None, id="one-septet-more"),
    pytest.param("{}", 1, "GSM-7", 4, None, id="braces-two-septets-each"),
    pytest.param("^{}\\[~]|€", 1, "GSM-7", 18, None, id="every-extension-character"),
    pytest.param(EURO * 80, 1, "GSM-7", 160, None, id="80-euros-fill-one"),
    pytest.param(EURO * 81, 2, "GSM-7", 162, None, id="81-euros"),
    pytest.param(A * 151 + EURO + A * 153, 2, "GSM-7", 306, None, id="escape-pair-ends-segment"),
    pytest.param(A * 152 + EURO + A * 152, 3, "GSM-7", 306, None, id="escape-pair-not-split"),
    pytest.param(A * 153 + EURO + A * 151, 2, "GSM-7", 306, None, id="escape-pair-starts-segment"),
    pytest.param("Réunion à l'école, où ça?"[:21], 1, "GSM-7", 21, None, id="french-accents-in-gsm"),
    pytest.param("Ça va très bien", 1, "GSM-7", 15, None, id="capital-c-cedilla-is-gsm"),
    pytest.param("ça va", 1, "UCS-2", 5, "ç", id="small-c-cedilla-forces-ucs2"),
    pytest.param("Prêt à partir", 1, "UCS-2", 13, "ê", id="circumflex-forces-ucs2"),
    pytest.param("It\u2019s booked", 1, "UCS-2", 11, "\u2019", id="curly-apostrophe"),
    pytest.param("\u201cquoted\u201d", 1, "UCS-2", 8, "\u201c", id="curly-quotes"),
    pytest.param("10\u00a0h 00", 1, "UCS-2", 7, "\u00a0", id="no-break-space"),
    pytest.param("tab\there", 1, "UCS-2", 8, "\t", id="tab-is-not-gsm"),
    pytest.param("`code`", 1, "UCS-2", 6, "`", id="backtick-is-not-gsm"),
    pytest.param("ΔΦΓ and δ", 1, "UCS-2", 9, "δ", id="greek-capitals-only"),
    pytest.param("Line one\nLine two\r", 1, "GSM-7", 18, None, id="line-breaks"),
    pytest.param(SMILE, 1, "UCS-2", 2, SMILE, id="emoji-two-units"),
    pytest.param("ç" + A * 69, 1, "UCS-2", 70, "ç", id="70-units-single"),
    pytest.param("ç" + A * 70, 2, "UCS-2", 71, "ç", id="71-units-split"),
    pytest.param("ç" + A * 133, 2, "UCS-2", 134, "ç", id="two-full-ucs2-segments"),
    pytest.param("ç" + A * 134, 3, "UCS-2", 135, "ç", id="one-unit-more"),
    pytest.param("ç" + A * 64 + SMILE + A * 67, 2, "UCS-2", 134, "ç", id="surrogate-pair-ends-segment"),
    pytest.param("ç" + A * 65 + SMILE + A * 66, 3, "UCS-2", 134, "ç", id="surrogate-pair-not-split"),
    pytest.param(SMILE * 35, 1, "UCS-2", 70, SMILE, id="35-emoji"),
    pytest.param(SMILE * 36, 2, "UCS-2", 72, SMILE, id="36-emoji"),
    pytest.param("€ and ç", 1, "UCS-2", 7, "ç", id="euro-is-one-unit-in-ucs2"),
]


@pytest.mark.parametrize(("text", "segments", "encoding", "units", "forced_by"), CASES)
def test_sms_length(text: str, segments: int, encoding: str, units: int, forced_by: str | None) -> None:
    assert sms_length(text) == SmsLength(segments, encoding, units, forced_by)  # type: ignore[arg-type]


def test_the_character_sets_are_those_of_gsm_03_38() -> None:
    assert len(GSM_BASIC) == 127  # 128 codes, less the escape to the extension table
    assert len(set(GSM_BASIC)) == 127
    assert set(GSM_EXTENSION) == set("\f^{}\\[~]|€")
    assert "Ç" in GSM_BASIC
    assert "ç" not in GSM_BASIC


def test_describe() -> None:
    assert sms_length(A * 161).describe() == "2 segments (GSM-7, 161 septets)"
    assert sms_length("ç").describe() == "1 segment (UCS-2, 1 UTF-16 code units)"


def reference_segments(text: str) -> int:
    """Segments by filling them character by character (independent of the implementation)."""
    gsm = all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)
    if gsm:
        costs, single, per_segment = [2 if c in GSM_EXTENSION else 1 for c in text], 160, 153
    else:
        costs, single, per_segment = [2 if ord(c) > 0xFFFF else 1 for c in text], 70, 67
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            segments, used = segments + 1, 0
        used += cost
    return segments


TEXT = st.text(
    alphabet=st.sampled_from([*"abc ,.\n", "€", "{", "é", "Ç", "ç", "\u2019", SMILE, " "]), max_size=500
)


@given(TEXT)
def test_segments_match_a_character_by_character_fill(text: str) -> None:
    assert sms_length(text).segments == reference_segments(text)


@given(TEXT, TEXT)
def test_profiles_add_up_to_a_bound_that_is_exact_within_limits(left: str, right: str) -> None:
    text = left + right
    bound = most_segments(profile(left) + profile(right))
    assert bound >= sms_length(text).segments
    assert bound >= sms_length(text.strip()).segments
    if sms_length(text).units <= 160 and sms_length(text).encoding == "GSM-7":
        assert bound == 1
