"""Shell completion of the repository's names: sessions, location ids, billing codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from sessconf.cli.main import cli


def complete(args: list[str], incomplete: str) -> list[str]:
    found = ShellComplete(cli, {}, "sessconf", "_SESSCONF_COMPLETE").get_completions(args, incomplete)
    return [item.value for item in found]


@pytest.fixture
def here(clinic: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(clinic / "sessions")  # found upward, as every command finds it
    return clinic


@pytest.mark.parametrize(
    ("args", "incomplete", "expected"),
    [
        (["render"], "rmt", ["rmt30", "rmt60", "rmt90"]),
        (["show"], "ther", ["therapy50", "therapyintake", "therapyvideo"]),
        (["archive"], "acup", ["acupcupping", "acupfollowup", "acupinitial"]),
        (["unarchive"], "pil", ["pilatesclass"]),
        (["appointments", "book"], "nd", ["ndfollowup", "ndinitial", "ndvirtual"]),
        (["render", "--location"], "", ["downtown", "kitsilano", "westside"]),
        (["new", "x", "--location"], "w", ["westside"]),
        (["appointments", "book", "rmt60", "--location"], "d", ["downtown"]),
        (["new", "x", "--billing-item"], "acup-", ["acup-followup", "acup-initial"]),
        (["new", "x", "--billing-item"], "acup-initial:", []),  # the quantity is the user's
    ],
)
def test_names_of_the_repository(here: Path, args: list[str], incomplete: str, expected: list[str]) -> None:
    assert complete(args, incomplete) == expected


def test_a_new_session_file_is_offered_at_once(here: Path) -> None:
    (here / "sessions" / "rmt45.yaml").write_text("name: rmt45\n")
    (here / "sessions" / "notes.txt").write_text("")
    assert complete(["show"], "rmt4") == ["rmt45"]
    assert complete(["show"], "notes") == []


def test_dir_given_first_is_the_repository(
    clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert complete(["render"], "rmt") == []
    assert complete(["render", "--dir", str(clinic)], "rmt") == ["rmt30", "rmt60", "rmt90"]


def test_a_broken_catalogue_offers_nothing_and_does_not_fail(here: Path) -> None:
    (here / "locations.yaml").write_text("downtown: [unclosed\n")
    assert complete(["render", "--location"], "") == []
    (here / "locations.yaml").unlink()
    assert complete(["render", "--location"], "") == []
