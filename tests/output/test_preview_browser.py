"""The preview page in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright's Python package, with the network blocked, asserting on the pixels of screenshots.

Playwright rather than raw DevTools-protocol calls: it drives the system Chromium through
``executable_path`` (no browser download: ``playwright install`` is never run), and gives request
interception, viewports, element boxes and screenshots as one typed API. The screenshots are
decoded with Pillow.

``SESSCONF_SCREENSHOT_DIR=docs`` also writes the README's screenshot (``docs/preview.png``): the
preview of a real change to the example clinic, at desktop width.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from sessconf.colors import rgb

CHROMIUM = os.environ.get("SESSCONF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.isfile(CHROMIUM),
    reason="Debian's chromium is not installed (apt-get install chromium): browser tests skipped",
)

Run = Callable[..., Result]
DESKTOP, PHONE = 1280, 375
OLD, NEW = "#d97706", "#854d0e"  # rmt60's colour before and after the change
# Resolved now: the tests change the working directory.
SCREENSHOT_DIR = (
    Path(os.environ["SESSCONF_SCREENSHOT_DIR"]).resolve()
    if os.environ.get("SESSCONF_SCREENSHOT_DIR")
    else None
)


@dataclass
class Shot:
    """A screenshot of the whole page, the requests it made, and its layout."""

    image: object  # PIL.Image.Image
    requests: list[str]
    scroll_width: int
    blocks: list[dict[str, object]]  # every calendar block: card, side, colour, box

    def fraction(self, box: dict[str, float], color: str) -> float:
        """How much of ``box`` (CSS pixels) is exactly ``color``."""
        from PIL import Image

        assert isinstance(self.image, Image.Image)
        left, top = round(box["x"]) + 2, round(box["y"]) + 2
        right, bottom = round(box["x"] + box["width"]) - 2, round(box["y"] + box["height"]) - 2
        crop = self.image.crop((left, top, right, bottom)).convert("RGB")
        want, data = bytes(rgb(color)), crop.tobytes()
        total = len(data) // 3
        return sum(1 for i in range(0, len(data), 3) if data[i : i + 3] == want) / max(1, total)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page_file(run: Run, clinic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The preview of a real change to the example clinic: rmt60 gets a deeper colour and 15
    more minutes, and its billing item a new price."""
    monkeypatch.chdir(tmp_path)
    store = "sqlite:///store.db"
    assert run("apply", "--dir", clinic, "--store", store, "--yes").exit_code == 0
    session = clinic / "sessions" / "rmt60.yaml"
    text = session.read_text()
    assert f'color: "{OLD}"' in text
    assert "duration: 60" in text
    session.write_text(text.replace(OLD, NEW).replace("duration: 60", "duration: 75"))
    catalogue = clinic / "billing_items.yaml"
    catalogue.write_text(catalogue.read_text().replace('price: "115.00"', 'price: "125.00"'))
    result = run("preview", "--dir", clinic, "--store", store, "--out", tmp_path / "preview")
    assert result.exit_code == 0, result.output
    return tmp_path / "preview" / "index.html"


def shoot(browser: object, page_file: Path, width: int, save: Path | None = None) -> Shot:
    from PIL import Image
    from playwright.sync_api import Browser, Route

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=1)
    requests: list[str] = []
    own = page_file.resolve().as_uri()

    def guard(route: Route) -> None:
        if route.request.url == own:
            route.continue_()
        else:
            route.abort()  # the network is blocked: whatever else the page asks for fails

    context.on("request", lambda request: requests.append(request.url))
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(own, wait_until="load")
    height = page.evaluate("document.documentElement.scrollHeight")
    # A viewport as tall as the page: Chromium paints every frame (the emails) in one shot.
    page.set_viewport_size({"width": width, "height": height})
    scroll_width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    blocks = page.evaluate(
        """() => [...document.querySelectorAll('.block')].map(b => {
            const r = b.getBoundingClientRect();
            const card = b.closest('.card');
            return {
                card: card.getAttribute('aria-label'),
                location: card.closest('.calendar').previousElementSibling.id,
                side: b.closest('figure').querySelector('figcaption')?.textContent ?? '',
                color: b.dataset.color,
                x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height,
            };
        })"""
    )
    png = page.screenshot(full_page=True)
    context.close()
    if save is not None:
        save.write_bytes(png)
    return Shot(Image.open(io.BytesIO(png)), requests, scroll_width, blocks)


def bookable_colours(clinic: Path) -> dict[str, str]:
    from sessconf.repository.load import load_repository

    repo = load_repository(clinic)
    return {name: e.model.color for name, e in repo.sessions.items() if not e.model.archived}


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_sessions_colour_appears_as_a_block(
    browser: object, page_file: Path, clinic: Path, tmp_path: Path, width: int
) -> None:
    shot = shoot(browser, page_file, width, tmp_path / f"preview-{width}.png")
    colours = bookable_colours(clinic)
    drawn: dict[str, set[str]] = {}
    for block in shot.blocks:
        box = {k: float(block[k]) for k in ("x", "y", "width", "height")}  # type: ignore[arg-type]
        color = str(block["color"])
        # the block is painted in its colour (the text on it covers less than half of it)
        assert shot.fraction(box, color) > 0.5, block
        drawn.setdefault(str(block["card"]).split(",")[0], set()).add(color)
    for name, color in colours.items():
        assert color in drawn.get(name, set()), f"{name}'s colour {color} is not drawn as a block"


def test_a_changed_colour_appears_in_both_states(browser: object, page_file: Path, tmp_path: Path) -> None:
    shot = shoot(browser, page_file, DESKTOP)
    changed = [b for b in shot.blocks if str(b["card"]) == "rmt60, update"]
    assert changed, "rmt60 is not shown as changed"
    for location in {b["location"] for b in changed}:
        sides = {str(b["side"]): b for b in changed if b["location"] == location}
        before, after = sides["Before"], sides["After"]
        assert (before["color"], after["color"]) == (OLD, NEW)
        for block, color in ((before, OLD), (after, NEW)):
            box = {k: float(block[k]) for k in ("x", "y", "width", "height")}  # type: ignore[arg-type]
            assert shot.fraction(box, color) > 0.5
        # side by side, and the heights in proportion to the durations (60 → 75 minutes)
        assert float(after["x"]) > float(before["x"])  # type: ignore[arg-type]
        ratio = float(after["height"]) / float(before["height"])  # type: ignore[arg-type]
        assert ratio == pytest.approx(75 / 60, rel=0.03)


def test_nothing_overflows_at_phone_width(browser: object, page_file: Path) -> None:
    shot = shoot(browser, page_file, PHONE)
    assert shot.scroll_width <= PHONE
    from PIL import Image

    assert isinstance(shot.image, Image.Image)
    assert shot.image.width == PHONE


def test_no_request_leaves_the_page(browser: object, page_file: Path) -> None:
    shot = shoot(browser, page_file, DESKTOP)
    assert shot.requests == [page_file.resolve().as_uri()]


def test_the_readme_screenshot(browser: object, page_file: Path, tmp_path: Path) -> None:
    """The top of the page at desktop width (the plan and the first location's calendar):
    written to ``$SESSCONF_SCREENSHOT_DIR/preview.png`` when that is set."""
    from PIL import Image

    shot = shoot(browser, page_file, DESKTOP)
    assert isinstance(shot.image, Image.Image)
    first_card = min(float(b["y"]) for b in shot.blocks)  # type: ignore[arg-type]
    top = shot.image.crop((0, 0, DESKTOP, min(shot.image.height, round(first_card) + 700)))
    out = (SCREENSHOT_DIR or tmp_path) / "preview.png"
    top.convert("RGB").save(out, optimize=True)
    with Image.open(out) as saved:
        assert saved.size == top.size
