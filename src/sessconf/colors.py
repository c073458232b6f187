"""Colour math for calendar colours: the one home of ``coloraide`` (a maintained colour library;
no formula here is written by hand).

Colours are ``#rrggbb`` text, as the model stores them. Results for a colour are memoised: a
repository of thousands of sessions holds few distinct colours, and each is converted once.
coloraide is imported on first use (it takes about 0.2 s): commands that show no colour advice
never pay for it, and lint imports it while its workers load the session files (``warm_up``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coloraide import Color

# CIEDE2000 divides the lightness difference by S_L = 1 + 0.015 (L - 50)² / sqrt(20 + (L - 50)²),
# at most 1.7474 (at L = 0 or 100): two colours whose CIELab lightness differs by more than this
# times a threshold are at least that threshold apart, whatever their hues (a necessary
# condition that spares most pairs the full computation).
MAX_LIGHTNESS_WEIGHT = 1.7474


@lru_cache(maxsize=4096)
def _color(hex_rgb: str) -> Color:
    from coloraide import Color

    return Color(hex_rgb)


def warm_up(background: str) -> None:
    """Import the library and read ``background``: work that need not wait for the sessions."""
    contrast(background, background)


@lru_cache(maxsize=4096)
def lightness(hex_rgb: str) -> float:
    """CIELab (D65) lightness, 0–100: the space CIEDE2000 is computed in."""
    return float(_color(hex_rgb).convert("lab-d65")["lightness"])


@lru_cache(maxsize=16384)
def contrast(foreground: str, background: str) -> float:
    """The WCAG 2.x contrast ratio of two colours, 1 to 21."""
    return float(_color(foreground).contrast(background, method="wcag21"))


def difference(one: str, other: str) -> float:
    """The CIEDE2000 colour difference ΔE₀₀ (0: the same colour; about 2: just noticeable)."""
    if one > other:  # symmetric: one cache entry per pair
        one, other = other, one
    return _difference(one, other)


@lru_cache(maxsize=65536)
def _difference(one: str, other: str) -> float:
    return float(_color(one).delta_e(other, method="2000"))


def may_be_closer(one: str, other: str, threshold: float) -> bool:
    """False when the two colours are surely at least ``threshold`` apart (by lightness alone)."""
    return abs(lightness(one) - lightness(other)) < threshold * MAX_LIGHTNESS_WEIGHT


def text_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (the higher contrast)."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) else "#ffffff"


def rgb(hex_rgb: str) -> tuple[int, int, int]:
    """``#0f766e`` as ``(15, 118, 110)``."""
    red, green, blue = _color(hex_rgb).convert("srgb").clip().coords()
    return (round(red * 255), round(green * 255), round(blue * 255))
