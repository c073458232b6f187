"""Rendering reminders (SPEC §5) and ``sessconf render`` (SPEC §4): golden text, behaviour, CLI.

Golden files live in ``tests/golden/reminders/``; after a deliberate change to the built-in
templates, rewrite them with ``SESSCONF_UPDATE_GOLDEN=1 pytest tests/reminders/test_render.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.conftest import ACUPINITIAL, TESTS, WriteRepo

Run = Callable[..., Result]
GOLDEN = TESTS / "golden" / "reminders"
START = "2026-12-01T10:00"  # a Tuesday


def set_locale(root: Path, locale: str, clinic_name: str | None = None) -> None:
    path = root / "pyproject.toml"
    text = path.read_text().replace('locale = "en-CA"', f'locale = "{locale}"')
    if clinic_name is not None:
        text = text.replace(
            'clinic_name = "Harbourview Integrative Health"', f'clinic_name = "{clinic_name}"'
        )
    path.write_text(text)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SESSCONF_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs (see the module docstring)"


def render(run: Run, root: Path, *args: str) -> list[dict[str, Any]]:
    result = run("render", "--dir", root, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.output)
    return found


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_golden_reminders_of_the_example_clinic(run: Run, clinic: Path, locale: str) -> None:
    set_locale(clinic, locale)
    result = run("render", "--all", "--dir", clinic, "--start", START)
    assert result.exit_code == 0, result.output
    check_golden(f"all.{locale}.txt", result.output)


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
@pytest.mark.parametrize(
    ("session", "location"), [("acupinitial", "downtown"), ("therapyvideo", "kitsilano")]
)
def test_golden_email_html(run: Run, clinic: Path, locale: str, session: str, location: str) -> None:
    set_locale(clinic, locale)
    (found,) = render(run, clinic, session, "--location", location, "--start", START, "--channel", "email")
    check_golden(f"{session}.{location}.{locale}.html", found["email"]["html"] + "\n")


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_the_built_in_sms_of_every_session_is_gsm7(run: Run, clinic: Path, locale: str) -> None:
    set_locale(clinic, locale)
    for found in render(run, clinic, "--all", "--start", START, "--channel", "sms"):
        assert found["sms"]["encoding"] == "GSM-7", found["sms"]
        assert found["sms"]["segments"] <= 2


# description, location -> (in the SMS, not in the SMS)
BEHAVIOUR = [
    pytest.param(
        "acupinitial",
        "downtown",
        ["appointment with Harbourview", "120 King St W"],
        ["video"],
        id="in-person",
    ),
    pytest.param(
        "therapyvideo",
        "kitsilano",
        ["video appointment", "(Pacific Time)"],
        ["2245 W 4th Ave", "Kitsilano Wellness Studio"],
        id="telehealth-leaves-out-the-address",
    ),
    pytest.param(
        "ndvirtual",
        "downtown",
        ["video appointment", "(Eastern Time)"],
        ["120 King St W"],
        id="telehealth-east",
    ),
]


@pytest.mark.parametrize(("session", "location", "present", "absent"), BEHAVIOUR)
def test_built_in_sms_behaviour(
    run: Run, clinic: Path, session: str, location: str, present: list[str], absent: list[str]
) -> None:
    (found,) = render(run, clinic, session, "--location", location, "--start", START)
    for words in present:
        assert words in found["sms"]["text"]
        assert words in found["email"]["text"]
    for words in absent:
        assert words not in found["sms"]["text"]
        assert words not in found["email"]["text"]


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_an_empty_clinic_name_is_left_out(run: Run, clinic: Path, locale: str) -> None:
    set_locale(clinic, locale, clinic_name="")
    (found,) = render(run, clinic, "acupinitial", "--start", START)
    first_line = found["sms"]["text"].splitlines()[0]
    assert first_line in (
        "Hi Alex, this is a reminder of your appointment:",
        "Bonjour Alex, nous vous rappelons votre rendez-vous :",
    )
    assert found["email"]["text"].endswith(("See you soon,", "À bientôt,"))


def test_a_location_without_address_leaves_no_dangling_comma(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo()  # westside has no address
    (found,) = render(run, root, "acupinitial", "--location", "westside", "--start", START)
    assert found["sms"]["text"].splitlines()[-1] == "Westside Clinic"
    assert "Where: Westside Clinic\n\n" in found["email"]["text"]


_TIME_OF_DAY = re.compile(r"\d{1,2}(?::| h )\d{2}(?: [AP]M)?")
_WORD = re.compile(r"\w+")


def repeated_phrases(text: str) -> list[str]:
    """Phrases of two or more words that a line of ``text`` holds twice ("(60 minutes) (60
    minutes)"), times of day aside (an appointment starts and ends at "... AM")."""
    found = []
    for line in text.splitlines():
        words = _WORD.findall(_TIME_OF_DAY.sub(" ", line).lower())
        pairs = list(pairwise(words))
        found += [" ".join(pair) for pair in set(pairs) if pairs.count(pair) > 1]
    return found


def assert_reads_once(reminder: dict[str, Any], description: str, duration: int) -> None:
    email = reminder["email"]
    html_text = re.sub(r"<[^>]+>", " ", email["html"].split("<body>", 1)[1])
    for part in (reminder["sms"]["text"], email["subject"], email["text"], html_text):
        assert part.count(description) == 1, part
        assert part.count(f"{duration} minutes") <= description.count(f"{duration} minutes"), part
        assert repeated_phrases(part) == [], part


@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_no_reminder_of_the_example_clinic_repeats_itself(run: Run, clinic: Path, locale: str) -> None:
    """Issue 9: "What: Registered massage therapy (60 minutes) (60 minutes)". The description is
    printed once and as it is; the length of the appointment reads as its start and end times."""
    set_locale(clinic, locale)
    from sessconf.repository.load import load_repository

    repo = load_repository(clinic)
    seen = 0
    for location in repo.locations:
        for reminder in render(run, clinic, "--all", "--location", location, "--start", START):
            model = repo.sessions[reminder["session"]].model
            assert_reads_once(reminder, model.description, model.duration)
            seen += 1
    assert seen >= len(repo.sessions)


@pytest.mark.parametrize(
    ("description", "extra"),
    [
        pytest.param("Massage (60 minutes)", "", id="says-its-duration"),
        pytest.param("Pilates group class, 60 minutes", "max_attendees: 6\n", id="says-group-and-duration"),
        pytest.param("Follow-up by video (60 minutes)", "telehealth: true\n", id="says-video"),
        pytest.param("Acupuncture", "", id="says-neither"),
    ],
)
@pytest.mark.parametrize("locale", ["en-CA", "fr-CA"])
def test_whatever_the_description_says_it_reads_once(
    run: Run, write_repo: WriteRepo, description: str, extra: str, locale: str
) -> None:
    body = ACUPINITIAL.replace("Acupuncture initial assessment", f'"{description}"') + extra
    root = write_repo(sessions={"acupinitial": body}, pyproject=f'[tool.sessconf]\nlocale = "{locale}"\n')
    (found,) = render(run, root, "acupinitial", "--location", "downtown", "--start", START)
    assert_reads_once(found, description, 60)
    assert ("11:00 AM" if locale == "en-CA" else "11 h 00") in found["email"]["text"]  # its end


INJECTED = "{{ 7*7 }} {% for x in range(9) %}x{% endfor %} <b>&</b>"


def test_data_is_never_a_template(run: Run, write_repo: WriteRepo) -> None:
    root = write_repo(
        sessions={"acupinitial": ACUPINITIAL.replace("Acupuncture initial assessment", f'"{INJECTED}"')},
        locations="""\
            downtown:
              name: "Downtown {{ 7*7 }}"
              timezone: America/Toronto
              disciplines: [acupuncture]
              address: "{% raw %}1 Main St"
            westside:
              name: Westside Clinic
              timezone: America/Toronto
              disciplines: [acupuncture]
            """,
    )
    (found,) = render(run, root, "acupinitial", "--start", START, "--client-first-name", "{{ session }}")
    sms, email = found["sms"]["text"], found["email"]
    for text in (sms, email["text"]):
        assert INJECTED in text
        assert "Downtown {{ 7*7 }}" in text
        assert "{% raw %}1 Main St" in text
        assert "{{ session }}" in text
    assert INJECTED in email["subject"]
    escaped = "{{ 7*7 }} {% for x in range(9) %}x{% endfor %} &lt;b&gt;&amp;&lt;/b&gt;"
    assert escaped in email["html"]
    assert "<b>&</b>" not in email["html"]


def test_locale_setting_picks_the_templates_and_the_date_format(run: Run, clinic: Path) -> None:
    dates = {}
    for locale in ("en-CA", "fr-CA", "en-US", "fr-FR"):
        set_locale(clinic, locale)
        (found,) = render(run, clinic, "acupinitial", "--start", START, "--channel", "sms")
        dates[locale] = found["sms"]["text"].splitlines()[2]
        set_locale(clinic, "en-CA")
        pyproject = clinic / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace(f'locale = "{locale}"', 'locale = "en-CA"'))
    assert dates == {
        "en-CA": "Tuesday, December 1 at 10:00 AM",
        "fr-CA": "Le mardi 1 décembre à 10 h 00",
        "en-US": "Tuesday, December 1 at 10:00 AM",
        "fr-FR": "Le mardi 1 décembre à 10:00",
    }


def test_a_locale_without_built_in_templates_needs_overrides(run: Run, clinic: Path) -> None:
    set_locale(clinic, "de-DE")
    result = run("render", "acupinitial", "--dir", clinic, "--start", START)
    assert result.exit_code == 1
    assert "no built-in sms reminder template for the locale 'de-DE'" in result.output
    templates = clinic / "templates"
    templates.mkdir()
    (templates / "reminder.sms.j2").write_text("Termin: {{ appointment.start|format_datetime }}\n")
    (found,) = render(run, clinic, "acupinitial", "--start", START, "--channel", "sms")
    assert found["sms"]["text"] == "Termin: Dienstag, 1. Dezember um 10:00"


def test_overrides_replace_the_built_in_templates(run: Run, clinic: Path) -> None:
    templates = clinic / "templates"
    templates.mkdir()
    (templates / "reminder.sms.j2").write_text(
        "{{ clinic.name }}: {{ session.description|upper }} "
        "{{ appointment.start|format_date('d MMM') }} {{ appointment.start|format_time }}\n"
    )
    (templates / "reminder.email.j2").write_text(
        "{% block subject %}  See you\n  {{ client.first_name }} {% endblock %}"
        "{% block body %}\n\nBody for {{ client.first_name }} {{ client.last_name }}\n\n{% endblock %}"
    )
    (found,) = render(run, clinic, "acupinitial", "--start", START, "--client-first-name", "Sam")
    assert (
        found["sms"]["text"]
        == "Harbourview Integrative Health: ACUPUNCTURE INITIAL ASSESSMENT 1 Dec 10:00 AM"
    )
    assert found["email"] == {"subject": "See you Sam", "text": "Body for Sam Martin", "html": None}


def test_an_email_template_needs_its_blocks(run: Run, clinic: Path) -> None:
    (clinic / "templates").mkdir()
    (clinic / "templates" / "reminder.email.j2").write_text("Hello {{ client.first_name }}\n")
    result = run("render", "acupinitial", "--dir", clinic, "--start", START)
    assert result.exit_code == 1
    assert "templates/reminder.email.j2:1: an email template defines the blocks 'subject' and 'body'" in (
        result.output
    )


def test_a_failing_template_is_an_error_at_its_line(run: Run, clinic: Path) -> None:
    (clinic / "templates").mkdir()
    (clinic / "templates" / "reminder.sms.j2").write_text(
        "Hi\n{{ client.first_name }}\n{{ session.colour }}\n"
    )
    result = run("render", "acupinitial", "--dir", clinic, "--start", START)
    assert result.exit_code == 1
    assert "reminder.sms.j2:3: session has no attribute 'colour'" in result.output
    assert "Traceback" not in result.output


# arguments -> exit status, what the output says
CLI_ERRORS = [
    pytest.param([], 2, ["give a session NAME or --all"], id="nothing"),
    pytest.param(["acupinitial", "--all"], 2, ["give a session NAME or --all"], id="both"),
    pytest.param(
        ["acupinitail"], 1, ["unknown session 'acupinitail'", "did you mean 'acupinitial'?"], id="typo"
    ),
    pytest.param(
        ["acupinitial", "--location", "kitsilano"],
        1,
        ["session 'acupinitial' is not offered at 'kitsilano'", "its locations: downtown, westside"],
        id="not-offered",
    ),
    pytest.param(
        ["acupinitial", "--location", "downtwn"],
        1,
        ["unknown location 'downtwn'", "did you mean 'downtown'?"],
        id="unknown-location",
    ),
    pytest.param(["acupinitial", "--channel", "fax"], 2, ["Invalid value for '--channel'"], id="bad-channel"),
    pytest.param(["acupinitial", "--start", "soon"], 1, ["'soon' is not a date and time"], id="bad-start"),
]


@pytest.mark.parametrize(("args", "status", "said"), CLI_ERRORS)
def test_render_errors(run: Run, clinic: Path, args: list[str], status: int, said: list[str]) -> None:
    result = run("render", "--dir", clinic, *args)
    assert result.exit_code == status
    for words in said:
        assert words in result.output
    assert "Traceback" not in result.output


def test_render_all_skips_archived_sessions_and_json_has_stable_keys(run: Run, clinic: Path) -> None:
    found = render(run, clinic, "--all", "--start", START)
    names = [r["session"] for r in found]
    assert "acupcupping" not in names  # archived
    assert names == sorted(names)
    assert len(names) == 18
    assert set(found[0]) == {"session", "location", "locale", "start", "end", "sms", "email"}
    assert set(found[0]["sms"]) == {"text", "segments", "encoding", "length", "forced_by"}
    assert set(found[0]["email"]) == {"subject", "text", "html"}
    only_sms = render(run, clinic, "--all", "--start", START, "--channel", "sms", "--location", "kitsilano")
    assert {r["location"] for r in only_sms} == {"kitsilano"}
    assert all("email" not in r for r in only_sms)


def test_render_text_shows_the_sms_length(run: Run, clinic: Path) -> None:
    result = run("render", "rmt60", "--dir", clinic, "--start", START, "--client-first-name", "Zoë")
    assert result.exit_code == 0
    assert "--- sms (4 segments, UCS-2, 218 UTF-16 code units" in result.output
    assert "UCS-2 because of 'ë'" in result.output
    assert "more than sms_max_segments (2)" in result.output
    assert (
        "Subject: Reminder: Registered massage therapy (60 minutes) on Tuesday, December 1" in result.output
    )


def test_the_library_chooses_what_to_render_without_the_cli(clinic: Path) -> None:
    """``sessconf render`` is the CLI over :func:`render_reminders`, usable from Python."""
    from sessconf.errors import SessconfError
    from sessconf.reminders.render import render_reminders
    from sessconf.repository.load import load_repository

    repo = load_repository(clinic)
    (one,) = render_reminders(repo, "acupinitial", start=START)
    assert (one.session, one.location) == ("acupinitial", "downtown")  # its first location
    assert one.sms is not None
    assert one.email is not None
    every = render_reminders(repo, None, location_id="kitsilano", channel="email", start=START)
    assert {r.location for r in every} == {"kitsilano"}
    assert all(r.sms is None and r.email is not None for r in every)
    assert "acupcupping" not in [r.session for r in render_reminders(repo, None, start=START)]
    with pytest.raises(SessconfError, match="is not offered at 'kitsilano'"):
        render_reminders(repo, "acupinitial", location_id="kitsilano")
