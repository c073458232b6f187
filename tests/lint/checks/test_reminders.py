"""Reminder checks in lint (SPEC §5): template errors, overlong SMS, stray templates, lazy imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sessconf.diagnostics import Diagnostic
from sessconf.lint.engine import lint
from sessconf.model import check_timezone
from sessconf.reminders.check.samples import SAMPLE_FIRST_NAME
from sessconf.reminders.render import Renderer
from sessconf.reminders.sms import SmsLength
from sessconf.repository.load import load_repository
from tests.conftest import ACUPINITIAL, MINIMAL_LOCATIONS, WriteRepo

LINT_START = "2026-09-30T12:00"  # lint's sample: Wednesday, September 30 at noon


def reminder_diagnostics(root: Path) -> list[Diagnostic]:
    return [d for d in lint(root, jobs=1).diagnostics if d.code.startswith("SC4")]


def where(root: Path, d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path.relative_to(root).as_posix(), d.line, d.column, d.code)


def session(description: str, name: str = "acupinitial", extra: str = "") -> str:
    return ACUPINITIAL.replace("name: acupinitial", f"name: {name}").replace(
        "description: Acupuncture initial assessment", f"description: {description}"
    ) + textwrap.dedent(extra)


LONG = "Acupuncture initial assessment with a full review of your health history, " * 3  # 225
LONG = LONG[:199].strip()


# override template -> (line, message, hint)
BROKEN_TEMPLATES = [
    pytest.param(
        "Hi {{ client.first_name }}\n\n{{ session.description }\n",
        (3, "sms reminder: unexpected '}'", None),
        id="syntax-error",
    ),
    pytest.param(
        "Hi {{ client.first_name }}\n{{ session.colour }}\n",
        (
            2,
            "sms reminder: session has no attribute 'colour'; it has name, description, duration, "
            "discipline, telehealth, max_attendees",
            "found rendering session 'acupinitial' at location 'downtown'",
        ),
        id="unknown-field",
    ),
    pytest.param(
        "{{ location.name }}\n{{ location.address.upper() }}\n",
        (
            2,
            "sms reminder: 'None' has no attribute 'upper'",
            "found rendering session 'acupinitial' at location 'westside'",
        ),
        id="fails-only-without-address",
    ),
    pytest.param(
        "{% if session.telehealth %}{{ video_link }}{% endif %}ok\n",
        (
            1,
            "sms reminder: 'video_link' is undefined; the variables are session, client, appointment, "
            "location, clinic",
            "found rendering session 'virtual' at location 'downtown'",
        ),
        id="fails-only-for-video-sessions",
    ),
    pytest.param(
        "line one\n{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}\n",
        (
            2,
            "sms reminder: the template needs more than 50,000 operations "
            "(a loop, recursion or value far too large for a reminder)",
            "found rendering session 'acupinitial' at location 'downtown'; "
            "not checked with this template: 2 sessions (acupinitial, virtual)",
        ),
        id="budget",
    ),
    pytest.param(
        "{{ session.description }}\n{{ ''.__class__ }}\n",
        (
            2,
            "sms reminder: access to attribute '__class__' of 'str' object is unsafe.",
            "found rendering session 'acupinitial' at location 'downtown'",
        ),
        id="internals",
    ),
]


@pytest.mark.parametrize(("template", "expected"), BROKEN_TEMPLATES)
def test_a_broken_template_is_reported_at_its_line(
    write_repo: WriteRepo, template: str, expected: tuple[int, str, str | None]
) -> None:
    root = write_repo(
        sessions={
            "acupinitial": ACUPINITIAL,
            "virtual": session("By video", "virtual", "telehealth: true\n"),
        },
        files={"templates/reminder.sms.j2": template},
    )
    found = reminder_diagnostics(root)
    assert [(where(root, d), d.message, d.hint) for d in found] == [
        (("templates/reminder.sms.j2", expected[0], 1, "SC401"), expected[1], expected[2])
    ]


def test_an_email_template_without_its_blocks(write_repo: WriteRepo) -> None:
    root = write_repo(files={"templates/reminder.email.j2": "{% block subject %}Hi{% endblock %}\n"})
    (found,) = reminder_diagnostics(root)
    assert where(root, found) == ("templates/reminder.email.j2", 1, 1, "SC401")
    assert found.message == (
        "email reminder: an email template defines the blocks 'subject' and 'body'; 'body' is missing"
    )


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        pytest.param("de-DE", "reminder template for the locale 'de-DE'", id="de"),
        pytest.param("xx-YY", "unknown locale 'xx-YY'", id="unknown"),
    ],
)
def test_a_locale_without_templates_is_reported_at_the_setting(
    write_repo: WriteRepo, locale: str, message: str
) -> None:
    root = write_repo(pyproject=f'[tool.sessconf]\nclinic_name = "X"\nlocale = "{locale}"\n')
    found = reminder_diagnostics(root)
    assert found
    assert all(where(root, d) == ("pyproject.toml", 3, 1, "SC401") for d in found)
    assert all(message in d.message for d in found)


def test_an_overlong_sms_is_a_warning_at_the_description(write_repo: WriteRepo) -> None:
    root = write_repo(sessions={"acupinitial": session(LONG)})
    (found,) = reminder_diagnostics(root)
    assert where(root, found) == ("sessions/acupinitial.yaml", 2, 14, "SC402")
    assert found.severity == "warning"
    assert found.message == (
        "the SMS reminder takes 3 segments (GSM-7, 332 septets) at 'downtown', 'westside'; "
        "sms_max_segments is 2"
    )
    assert found.hint == "shorten the description, or raise sms_max_segments in [tool.sessconf]"


# description -> what the warning says of the character that forced UCS-2, the hint
UCS2 = [
    pytest.param(
        "Rock\u2019n\u2019roll deep tissue massage with hot stones "
        "and a long, relaxing aromatherapy foot soak",
        "UCS-2 because of '\u2019' (U+2019) in the description",
        "write ''' instead of '\u2019' to send it in GSM-7 (2 segments)",
        id="curly-apostrophe",
    ),
    pytest.param(
        "Massage reçu en clinique avec pierres chaudes et un long bain de pieds à l'aromathérapie",
        "UCS-2 because of 'ç' (U+00E7) in the description",
        "shorten the description, or raise sms_max_segments in [tool.sessconf]",
        id="french-c-cedilla",
    ),
]


@pytest.mark.parametrize(("description", "because", "hint"), UCS2)
def test_the_warning_names_the_character_that_forced_ucs2(
    write_repo: WriteRepo, description: str, because: str, hint: str
) -> None:
    root = write_repo(sessions={"acupinitial": session(f'"{description}"')})
    (found,) = reminder_diagnostics(root)
    assert "(UCS-2, " in found.message
    assert found.message.endswith(because)
    assert found.hint == hint


def test_a_character_in_the_clinic_name_is_named_too(write_repo: WriteRepo) -> None:
    root = write_repo(pyproject='[tool.sessconf]\nclinic_name = "Clinique Santé Façade"\n')
    (found,) = reminder_diagnostics(root)
    assert found.message.endswith("UCS-2 because of 'ç' (U+00E7) in clinic_name")


@pytest.mark.parametrize(
    ("pyproject", "extra", "warned"),
    [
        pytest.param("[tool.sessconf]\n", "", True, id="default"),
        pytest.param("[tool.sessconf]\nsms_max_segments = 3\n", "", False, id="three-segments-allowed"),
        pytest.param("[tool.sessconf.rules]\nSC402 = 'off'\n", "", False, id="turned-off"),
        pytest.param("[tool.sessconf]\n", "archived: true\n", False, id="archived-session"),
    ],
)
def test_settings_and_archiving(write_repo: WriteRepo, pyproject: str, extra: str, warned: bool) -> None:
    root = write_repo(sessions={"acupinitial": session(LONG, extra=extra)}, pyproject=pyproject)
    assert bool(reminder_diagnostics(root)) is warned


def test_a_disable_comment_on_the_description_silences_it(write_repo: WriteRepo) -> None:
    root = write_repo(sessions={"acupinitial": session(f"{LONG}  # sessconf: disable=SC402")})
    assert reminder_diagnostics(root) == []


def test_a_stray_template_file_is_reported(write_repo: WriteRepo) -> None:
    root = write_repo(files={"templates/remider.sms.j2": "Hi\n", "templates/.keep": ""})
    (found,) = reminder_diagnostics(root)
    assert where(root, found) == ("templates/remider.sms.j2", 1, 1, "SC403")
    assert found.hint == "did you mean 'reminder.sms.j2'?"


OVERRIDE = (
    "{{ client.first_name }}: {{ session.description|upper }} ({{ session.duration }} min)\n"
    "{{ appointment.start|format_datetime }}{% if location.address %}, {{ location.address }}{% endif %}\n"
    "{{ clinic.name or location.name }}{% if session.telehealth %} (video){% endif %}\n"
    "Please arrive 10 minutes early.\n"
)


@pytest.mark.parametrize("template", [None, OVERRIDE], ids=["built-in", "override"])
def test_lint_counts_exactly_what_a_full_render_counts(write_repo: WriteRepo, template: str | None) -> None:
    """Lint splices fields into shared renders: its verdict must be the full render's."""
    filler = "Acupuncture and massage therapy session, " * 6
    descriptions = []
    for length in range(150, 200, 3):  # around two GSM-7 segments (306 septets)
        for insert in ("", "€", "{", "ç", "\U0001f600"):
            for position in (0, length // 2, length - 1):
                text = filler[:length].strip()
                descriptions.append(text[:position] + insert + text[position:])
    sessions = {
        f"s{index:03d}": session(f'"{text}"', f"s{index:03d}", "telehealth: true\n" if index % 7 == 0 else "")
        for index, text in enumerate(descriptions)
    }
    root = write_repo(
        sessions=sessions,
        pyproject='[tool.sessconf]\nclinic_name = "Harbourview"\n',
        files={"templates/reminder.sms.j2": template} if template else None,
    )
    warned = {d.path.stem: d.message for d in reminder_diagnostics(root)}

    repo = load_repository(root, jobs=1)
    models = {name: entry.model for name, entry in repo.locations.items()}
    renderer = Renderer(repo.root, repo.settings, models, ("sms",))
    expected = {}
    targets = [(entry, location) for entry in repo.sessions.values() for location in entry.model.locations]
    rendered = renderer.render_all(targets, start=LINT_START, first_name=SAMPLE_FIRST_NAME)
    lengths: dict[str, list[SmsLength]] = {}
    for (entry, _), reminder in zip(targets, rendered, strict=True):
        assert reminder.sms_length is not None
        lengths.setdefault(entry.name, []).append(reminder.sms_length)
    for name, counts in lengths.items():
        worst = max(counts, key=lambda c: (c.segments, c.units))
        if worst.segments > 2:
            expected[name] = worst.describe()
    assert set(warned) == set(expected)
    for name, described in expected.items():
        assert f"takes {described} at" in warned[name]
    assert 10 < len(expected) < len(sessions)  # the table has both sides of the limit


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_lint_imports_no_template_engine_when_there_is_nothing_to_render(write_repo: WriteRepo) -> None:
    root = write_repo(sessions={"acupinitial": session("Old", extra="archived: true\n")})
    code = f"""
import sys
from pathlib import Path
import sessconf.lint.engine
light = not any(m in sys.modules for m in ("jinja2", "babel"))
result = sessconf.lint.engine.lint(Path({str(root)!r}), jobs=1)
print(light, "jinja2" in sys.modules, "babel" in sys.modules, len(result.diagnostics))
"""
    assert run_python(code) == "True False False 0"


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("reminder.sms.j2", "{{ 'x' * 19900 }}{{ session.description }}\n"),
        (
            "reminder.email.j2",
            "{% block subject %}Hi{% endblock %}{% block body %}{{ 'x' * 19900 }}{{ session.description }}"
            "{% endblock %}",
        ),
    ],
)
def test_the_output_cap_is_checked_with_each_sessions_own_text(
    write_repo: WriteRepo, name: str, template: str
) -> None:
    root = write_repo(
        sessions={"short": session("Short", "short"), "long": session(LONG, "long")},
        files={f"templates/{name}": template},
    )
    (found,) = [d for d in reminder_diagnostics(root) if d.code == "SC401"]
    assert where(root, found) == (f"templates/{name}", 1, 1, "SC401")
    assert "the output is longer than 20,000 characters" in found.message
    assert found.hint == (
        "found rendering session 'long' at location 'downtown'; "
        "not checked with this template: 2 sessions (long, short)"
    )


def test_a_breached_bound_stops_rendering_that_template(write_repo: WriteRepo) -> None:
    sessions = {f"s{i:03d}": session(f"Massage number {i}", f"s{i:03d}") for i in range(150)}
    template = "{% for c in session.description %}{% for i in range(99999) %}{% endfor %}{% endfor %}\n"
    root = write_repo(sessions=sessions, files={"templates/reminder.sms.j2": template})
    (found,) = reminder_diagnostics(root)  # one, not 150: the renders stopped at the first breach
    assert "more than 50,000 operations" in found.message


# -- what lint may skip, and what it must still find -----------------------------------------------


def test_the_built_in_templates_render_for_any_valid_data() -> None:
    """Lint renders a built-in template only to count SMS segments (see reminders.builtin): that
    holds only if it renders for every valid session and location, with every time zone, the
    longest fields (made of '&', which HTML escaping lengthens most) and the longest clinic name
    taken on trust."""
    import zoneinfo
    from datetime import datetime

    from sessconf.model import NAME_MAX, TEXT_MAX, Location, Session, location_values, session_values
    from sessconf.reminders.builtin import CLINIC_NAME_MAX, WRITTEN_FOR
    from sessconf.reminders.sandbox import OUTPUT_CAP
    from sessconf.reminders.templates import CHANNELS, CompiledTemplate, load_source
    from sessconf.reminders.variables import reminder_vars

    longest = "&" * TEXT_MAX
    sessions = [
        Session(
            name="s" * NAME_MAX,
            description=longest,
            discipline="d" * NAME_MAX,
            locations=["x"],
            color="#ffffff",
            duration=600,
            telehealth=telehealth,
            max_attendees=attendees,
        )
        for telehealth in (False, True)
        for attendees in (1, 100)
    ]
    zones = sorted(zone for zone in zoneinfo.available_timezones() if _accepted(zone))
    assert len(zones) > 300
    for locale in sorted(WRITTEN_FOR):
        templates = [CompiledTemplate(load_source(Path("/nowhere"), channel, locale)) for channel in CHANNELS]
        assert all(t.source.builtin for t in templates)
        for index, zone in enumerate(zones):
            address = None if index % 2 else longest
            location = Location(name=longest, timezone=zone, address=address)
            for model in sessions if index < 4 else sessions[index % 2 :: 2]:
                start = datetime(2026, 9, 30, 12, 0, tzinfo=zoneinfo.ZoneInfo(zone))
                variables = reminder_vars(
                    session_values(model), location_values(location), start,
                    first_name=SAMPLE_FIRST_NAME, last_name="M" * 64,
                    clinic_name="&" * CLINIC_NAME_MAX,
                )  # fmt: skip
                sms = templates[0].render_sms(variables, locale)
                email = templates[1].render_email(variables, locale)
                assert max(len(sms), len(email.text), len(email.html or "")) < OUTPUT_CAP // 2


def test_with_sms_too_long_off_lint_renders_nothing_with_the_built_in_templates(
    write_repo: WriteRepo,
) -> None:
    root = write_repo(
        sessions={"acupinitial": session(LONG)},
        pyproject='[tool.sessconf]\nclinic_name = "Harbourview"\n[tool.sessconf.rules]\nSC402 = "off"\n',
    )
    code = f"""
import sys
from pathlib import Path
import sessconf.lint.engine
result = sessconf.lint.engine.lint(Path({str(root)!r}), jobs=1)
print("jinja2" in sys.modules, "babel" in sys.modules, len(result.diagnostics))
"""
    assert run_python(code) == "False False 0"


@pytest.mark.parametrize(("template", "expected"), BROKEN_TEMPLATES)
def test_with_sms_too_long_off_template_errors_are_still_found(
    write_repo: WriteRepo, template: str, expected: tuple[int, str, str | None]
) -> None:
    root = write_repo(
        sessions={
            "acupinitial": session(LONG),
            "virtual": session("By video", "virtual", "telehealth: true\n"),
        },
        files={"templates/reminder.sms.j2": template},
        pyproject='[tool.sessconf.rules]\nSC402 = "off"\n',
    )
    found = reminder_diagnostics(root)
    assert [(where(root, d), d.message, d.hint) for d in found] == [
        (("templates/reminder.sms.j2", expected[0], 1, "SC401"), expected[1], expected[2])
    ]


@pytest.mark.parametrize("sms_off", [False, True], ids=["sms-on", "sms-off"])
def test_a_clinic_name_too_long_for_the_built_in_templates_is_found(
    write_repo: WriteRepo, sms_off: bool
) -> None:
    rules = '[tool.sessconf.rules]\nSC402 = "off"\n' if sms_off else ""
    root = write_repo(pyproject=f'[tool.sessconf]\nclinic_name = "{"Harbourview " * 2000}"\n{rules}')
    found = [d for d in reminder_diagnostics(root) if d.code == "SC401"]
    assert {d.path.name for d in found} == {"reminder.sms.en-CA.j2", "reminder.email.en-CA.j2"}
    assert all("the output is longer than 20,000 characters" in d.message for d in found)


def test_a_render_that_fails_only_where_no_session_goes_is_not_reported(write_repo: WriteRepo) -> None:
    """Lint looks ahead at every location to count SMS segments in bulk: a failure there, at a
    location where no session of that kind is booked, is nobody's error."""
    template = (
        "{{ session.description }}{% if not session.telehealth %} {{ location.address.upper() }}{% endif %}\n"
    )
    sessions = {
        "inperson": session("In person", "inperson").replace("[downtown, westside]", "[downtown]"),
        "virtual": session("By video", "virtual", "telehealth: true\n"),
    }
    root = write_repo(sessions=sessions, files={"templates/reminder.sms.j2": template})
    assert reminder_diagnostics(root) == []
    broken = {**sessions, "later": session("Later", "later").replace("[downtown, westside]", "[westside]")}
    root = write_repo(sessions=broken, files={"templates/reminder.sms.j2": template})
    (found,) = reminder_diagnostics(root)
    assert found.hint == "found rendering session 'later' at location 'westside'"


UCS2_LOCATIONS = MINIMAL_LOCATIONS.replace("name: Westside Clinic", "name: Westside Façade") + (
    "uptown:\n  name: Uptown\n  timezone: America/Vancouver\n  disciplines: [acupuncture]\n"
    "  address: 1 Long Street Name With A Very Long Description Of Where It Is, Vancouver\n"
)

MIXED = "{{ session.description }}{% if location.address %} ({{ session.name }}){% endif %}\n"
ENDS = "{{ session.description }}: {{ appointment.start|format_time }} to {{ appointment.end|format_time }}\n"


@pytest.mark.parametrize(
    ("template", "locations", "segments"),
    [
        pytest.param(None, MINIMAL_LOCATIONS, 1, id="built-in-one-segment"),
        pytest.param(None, MINIMAL_LOCATIONS, 3, id="built-in-three-segments"),
        pytest.param(None, UCS2_LOCATIONS, 2, id="built-in-ucs2-location"),
        pytest.param(None, UCS2_LOCATIONS, 1, id="built-in-ucs2-location-one-segment"),
        pytest.param(OVERRIDE, UCS2_LOCATIONS, 2, id="override-ucs2-location"),
        pytest.param(MIXED, UCS2_LOCATIONS, 1, id="fields-slotted-at-some-locations"),
        pytest.param(ENDS, MINIMAL_LOCATIONS, 1, id="end-time"),
    ],
)
def test_lint_counts_what_a_full_render_counts_everywhere(
    write_repo: WriteRepo, template: str | None, locations: str, segments: int
) -> None:
    filler = "Massage and acupuncture for the whole family, with care, " * 10
    sessions = {}
    for index, length in enumerate(range(40, 420, 7)):
        text = filler[:length].strip()
        if index % 5 == 3:
            text = "ç" + text
        places = ["downtown", "westside", "uptown"][: 1 + index % 3]
        if "uptown" not in locations:
            places = [p for p in places if p != "uptown"] or ["downtown"]
        body = session(f'"{text}"', f"s{index:03d}", "telehealth: true\n" if index % 4 == 0 else "")
        body += f"duration: {15 * (1 + index % 3)}\n"
        sessions[f"s{index:03d}"] = body.replace("duration: 60\n", "").replace(
            "[downtown, westside]", "[" + ", ".join(places) + "]"
        )
    root = write_repo(
        sessions=sessions,
        locations=locations,
        pyproject=f'[tool.sessconf]\nclinic_name = "Harbourview"\nsms_max_segments = {segments}\n',
        files={"templates/reminder.sms.j2": template} if template else None,
    )
    warned = {d.path.stem: d.message for d in reminder_diagnostics(root) if d.code == "SC402"}
    assert not [d for d in reminder_diagnostics(root) if d.code != "SC402"]

    repo = load_repository(root, jobs=1)
    models = {name: entry.model for name, entry in repo.locations.items()}
    renderer = Renderer(repo.root, repo.settings, models, ("sms",))
    expected = {}
    targets = [(entry, location) for entry in repo.sessions.values() for location in entry.model.locations]
    rendered = renderer.render_all(targets, start=LINT_START, first_name=SAMPLE_FIRST_NAME)
    lengths: dict[str, list[SmsLength]] = {}
    for (entry, _), reminder in zip(targets, rendered, strict=True):
        assert reminder.sms_length is not None
        lengths.setdefault(entry.name, []).append(reminder.sms_length)
    for name, counts in lengths.items():
        worst = max(counts, key=lambda c: (c.segments, c.units))
        if worst.segments > segments:
            expected[name] = worst.describe()
    assert set(warned) == set(expected)
    for name, described in expected.items():
        assert f"takes {described} at" in warned[name]
    assert 0 < len(expected) < len(sessions)


def _accepted(zone: str) -> bool:
    """Whether a location may name the zone (legacy and POSIX-style names are refused)."""
    try:
        check_timezone(zone)
    except ValueError:
        return False
    return True
