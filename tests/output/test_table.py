"""Text columns measured in terminal cells: wide characters take two, combining accents none."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sessconf.output.charges import render_charges
from sessconf.output.table import columns, ljust, width
from sessconf.store.booking import Charge


def test_width_counts_cells() -> None:
    assert width("rmt60") == 5
    assert width("鍼治療") == 6  # wide: two cells each
    assert width("e\u0301te\u0301") == 3  # combining acute accents take no cell
    assert width("Zoë") == 3
    assert ljust("鍼", 4) == "鍼  "


def test_columns_line_up_whatever_the_script() -> None:
    rows = [("NAME", "PRICE"), ("鍼治療", "95.00"), ("Se\u0301ance", "80.00"), ("rmt", "1.00")]
    lines = columns(rows)
    # the second column starts 8 cells in on every line (6 for the widest name, 2 of gap)
    assert [width(line[: line.rindex(last)]) for line, (_, last) in zip(lines, rows, strict=True)] == [8] * 4
    assert lines[1] == "鍼治療  95.00"
    assert lines[3] == "rmt     1.00"


NAMES = st.text(st.characters(categories=["L", "M", "N"]), max_size=8)  # letters, marks, digits


@given(st.lists(st.tuples(NAMES, st.just("x")), min_size=1))
def test_the_last_column_starts_in_the_same_cell(rows: list[tuple[str, str]]) -> None:
    lines = columns(rows)
    starts = {width(line) - 1 for line in lines if line.endswith("x")}
    assert len(starts) == 1


def charge(id: int, name: str, item: str, amount: str) -> Charge:
    return Charge(id, 7, "c-1", item, name, 1, Decimal(amount), Decimal(amount), "CAD")


def test_charges_align_display_names_golden() -> None:
    text = render_charges(
        "c-1",
        [
            charge(1, "鍼灸初診", "acup-initial", "95.00"),
            charge(2, "Aiguilles ste\u0301riles", "needles", "4.50"),
        ],
    )
    assert text == (
        "charge      1  appointment      7  鍼灸初診 (acup-initial)       1 × 95.00 = 95.00 CAD\n"
        "charge      2  appointment      7  Aiguilles ste\u0301riles (needles)  1 × 4.50 = 4.50 CAD\n"
    )
    assert render_charges("c-2", []) == "No charges for client c-2.\n"
