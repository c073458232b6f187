"""``sessconf preview``: the page's content, a golden page for a small change, and its safety
(autoescaped, nothing that leaves the page). The browser tests are in ``test_preview_browser``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.operations.preview import preview_of
from sessconf.operations.review import review
from sessconf.output.preview import render_preview
from sessconf.plan.snapshot import LastApply
from sessconf.store import Store
from sessconf.store.url import resolve
from tests.conftest import ACUPINITIAL, WriteRepo

Run = Callable[..., Result]
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "preview"

RMT60 = """\
name: rmt60
description: Registered massage therapy (60 minutes)
discipline: massage
locations: [downtown]
color: "#b45309"
duration: 60
billing_items: [needles]
"""


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SESSCONF_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"differs from {path} (SESSCONF_UPDATE_GOLDEN=1 rewrites it)"
    )


def small_change(run: Run, write_repo: WriteRepo, tmp_path: Path) -> tuple[Path, str]:
    """Two sessions applied to a store, then one's colour and duration changed and a price raised."""
    root = write_repo(
        sessions={"acupinitial": ACUPINITIAL, "rmt60": RMT60},
        pyproject='[tool.sessconf]\nclinic_name = "Test Clinic"\n',
    )
    store = f"sqlite:///{tmp_path / 'store.db'}"
    assert run("apply", "--dir", root, "--store", store, "--yes").exit_code == 0
    session = root / "sessions" / "rmt60.yaml"
    session.write_text(
        session.read_text().replace("#b45309", "#7c2d12").replace("duration: 60", "duration: 75")
    )
    catalogue = root / "billing_items.yaml"
    catalogue.write_text(catalogue.read_text().replace('"4.50"', '"5.00"'))
    return root, store


def preview_page(run: Run, root: Path, store: str, out: Path) -> tuple[Result, str]:
    result = run("preview", "--dir", root, "--store", store, "--out", out)
    return result, (out / "index.html").read_text(encoding="utf-8")


def test_a_small_change_golden(run: Run, write_repo: WriteRepo, tmp_path: Path) -> None:
    root, store = small_change(run, write_repo, tmp_path)
    result, page = preview_page(run, root, store, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Plan: 0 to create, 2 to update, 0 to rename, 0 to archive, 0 to unarchive, 0 to delete (0 blocked)."
    )
    check_golden("small-change.html", page.replace(str(tmp_path), "<tmp>"))


def test_the_page_shows_what_a_reviewer_needs(run: Run, write_repo: WriteRepo, tmp_path: Path) -> None:
    root, store = small_change(run, write_repo, tmp_path)
    _, page = preview_page(run, root, store, tmp_path / "out")
    # the summary first, then the calendar, the reminders, the charges and lint, in that order
    order = [
        "Plan: 0 to create",
        'id="calendar"',
        'id="reminders"',
        'id="charges"',
        'id="advice"',
        'id="lint"',
    ]
    assert [page.index(mark) for mark in order] == sorted(page.index(mark) for mark in order)
    # rmt60: changed, before → after in both colours and heights (60 and 75 minutes)
    assert 'style="--minutes: 60; background-color: #b45309; color: #ffffff;"' in page
    assert 'style="--minutes: 75; background-color: #7c2d12; color: #ffffff;"' in page
    assert '<th scope="row">color</th>' in page
    # acupinitial: its charges change with the needles' price (an unchanged session's impact)
    assert "104.00 CAD" in page
    assert "105.00 CAD" in page
    assert "2 segments (GSM-7" in page or "1 segment (GSM-7" in page
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in page  # the email's HTML, escaped into a sandboxed frame
    assert '<iframe class="email" sandbox=""' in page


def test_nothing_on_the_page_leaves_it(run: Run, write_repo: WriteRepo, tmp_path: Path) -> None:
    root, store = small_change(run, write_repo, tmp_path)
    _, page = preview_page(run, root, store, tmp_path / "out")
    assert "<script" not in page
    assert "<link" not in page
    assert not re.search(r"""(?:src|href)=["'](?!#)""", page.split("srcdoc=")[0])
    assert "@import" not in page
    assert "url(" not in page
    assert "default-src 'none'" in page  # and the browser is told so


def test_user_text_is_escaped(run: Run, write_repo: WriteRepo, tmp_path: Path) -> None:
    root, store = small_change(run, write_repo, tmp_path)
    session = root / "sessions" / "rmt60.yaml"
    text = session.read_text().replace(
        "description: Registered massage therapy (60 minutes)",
        "description: 'Massage <script>alert(1)</script>'",
    )
    session.write_text(text)
    _, page = preview_page(run, root, store, tmp_path / "out")
    assert "<script>" not in page
    assert "Massage &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_lint_errors_are_shown_and_exit_1(run: Run, write_repo: WriteRepo, tmp_path: Path) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("[downtown,", "[downtwn,")})
    result, page = preview_page(run, root, f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "out")
    assert result.exit_code == 1
    assert "Lint found 1 error: the page lists them" in result.output
    assert "no plan was computed" in page
    assert "sessions/acupinitial.yaml:4:" in page
    assert "SC201" in page
    assert not (tmp_path / "store.db").exists()  # the store is only read


def test_colour_advice_is_listed_with_file_and_line(run: Run, write_repo: WriteRepo, tmp_path: Path) -> None:
    root = write_repo(sessions={"acupinitial": ACUPINITIAL.replace("#0f766e", "#86efac")})
    result, page = preview_page(run, root, f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "out")
    assert result.exit_code == 0, result.output
    advice = page.split('id="advice-title"', 1)[1].split('id="lint-title"', 1)[0]
    assert "sessions/acupinitial.yaml:5:8" in advice
    assert "SC311" in advice


def test_a_store_changed_outside_sessconf_is_noted(write_repo: WriteRepo, tmp_path: Path) -> None:
    root = write_repo()
    with Store(resolve(f"sqlite:///{tmp_path / 'store.db'}", None, root)) as store:
        reviewed = review(root, store)
    assert reviewed.snapshot is not None
    quiet = render_preview(preview_of(reviewed, str))
    assert "changed outside sessconf" not in quiet
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    snapshot = replace(reviewed.snapshot, last_apply=LastApply(when, "dana", "sha256:something-else"))
    page = render_preview(preview_of(replace(reviewed, snapshot=snapshot), str))
    assert "The store was changed outside sessconf" in page
    assert "on 2026-03-01T09:30:00+00:00 by dana" in page


@pytest.mark.parametrize("bad", ["file", "missing/parent"])
def test_a_bad_out_is_a_usage_error(run: Run, write_repo: WriteRepo, tmp_path: Path, bad: str) -> None:
    root = write_repo()
    (tmp_path / "file").write_text("")
    result = run(
        "preview", "--dir", root, "--store", f"sqlite:///{tmp_path / 's.db'}", "--out", tmp_path / bad
    )
    assert result.exit_code == 2
    assert "--out" in result.output


@pytest.mark.parametrize("inside", ["sessions", "sessions/page", "templates"])
def test_the_page_never_goes_into_the_configuration(
    run: Run, write_repo: WriteRepo, tmp_path: Path, inside: str
) -> None:
    root = write_repo()
    (root / "templates").mkdir(exist_ok=True)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    store = f"sqlite:///{tmp_path / 's.db'}"
    result = run("preview", "--dir", root, "--store", store, "--out", root / inside)
    assert result.exit_code == 2, result.output
    assert "writing there would replace or add to the configuration" in result.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_the_default_folder(
    run: Run, write_repo: WriteRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_repo()
    monkeypatch.chdir(tmp_path)
    result = run("preview", "--dir", root, "--store", "sqlite:///s.db")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote sessconf-preview/index.html\n")
    assert (tmp_path / "sessconf-preview" / "index.html").is_file()
