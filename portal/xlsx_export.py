""".xlsx downloads beside the CSV ones, for people who work in Excel.

Indonesian-locale Excel opens a comma-separated file as one column (its list separator is ``;``
and its decimal sign ``,``); a workbook has no such problem. ``to_xlsx`` takes what a CSV view
already has, the columns and the rows, plus notes, and returns the workbook's bytes:

- sheet "Data": the header row in bold and frozen, an autofilter, numbers as numeric cells,
  dates (``date`` values, or ISO text in the columns named in ``date_columns``) as date cells
  shown in the reader's short date format, text always as text (a cell starting with ``=`` is
  never a formula: no quote is needed, unlike the CSV);
- sheet "Keterangan": the title, the source, the filters, the definitions of the columns and
  whether the figures are demo data or official.

Any CSV view can add its ``.xlsx`` twin with ``to_xlsx`` and ``xlsx_response``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.styles.numbers import FORMAT_DATE_XLSX14
from openpyxl.utils import get_column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "Data"
NOTES_SHEET = "Keterangan"  # the same name in both languages: tools may look it up
MAX_WIDTH = 60
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Notes:
    """What the "Keterangan" sheet says (already in the reader's language)."""

    title: str
    source: str  # where the figures come from, e.g. the page's address
    notice: str  # demo data or official figures
    filters: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, chosen value)
    definitions: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (column, meaning)
    labels: dict[str, str] = field(default_factory=dict)  # headings: source, filters, definitions


def cell_value(value, as_date: bool = False):
    """A Python value as an Excel cell value: numbers, booleans and dates stay typed; empty is None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value
    text = str(value)
    if as_date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put(sheet, row: int, column: int, value) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = FORMAT_DATE_XLSX14  # shown in the reader's short date format


def to_xlsx(columns: Sequence[str], rows: Iterable[Sequence], notes: Notes,
            date_columns: Iterable[str] = ()) -> bytes:
    """The rows under their column names as a workbook (sheet "Data"), with the notes (sheet
    "Keterangan"). Returns the bytes of the .xlsx file."""
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    dates = {index for index, name in enumerate(columns) if name in set(date_columns)}
    widths = [len(str(name)) for name in columns]
    bold = Font(bold=True)
    for index, name in enumerate(columns, start=1):
        _put(data, 1, index, str(name))
        data.cell(row=1, column=index).font = bold
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        for index, raw in enumerate(row):
            value = cell_value(raw, as_date=index in dates)
            _put(data, row_number, index + 1, value)
            if value is not None:
                widths[index] = max(widths[index], 10 if isinstance(value, date) else len(str(value)))
    data.freeze_panes = "A2"
    if columns:
        data.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(row_number, 1)}"
    for index, width in enumerate(widths, start=1):
        data.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    _write_notes(workbook.create_sheet(NOTES_SHEET), notes, bold)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_notes(sheet, notes: Notes, bold: Font) -> None:
    labels = {"source": "Source", "filters": "Filters", "definitions": "Definitions", **notes.labels}
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1

    def line(first: str, second: str = "", *, strong: bool = False) -> None:
        nonlocal row
        _put(sheet, row, 1, cell_value(first))
        if second:  # a label and its text: both wrapped in their columns
            _put(sheet, row, 2, cell_value(second))
            sheet.cell(row=row, column=1).alignment = wrap
            sheet.cell(row=row, column=2).alignment = wrap
        if strong:
            sheet.cell(row=row, column=1).font = bold
        row += 1

    line(notes.title, strong=True)
    line(notes.notice)
    row += 1
    line(labels["source"], notes.source, strong=True)
    if notes.filters:
        row += 1
        line(labels["filters"], strong=True)
        for label, value in notes.filters:
            line(label, value)
    if notes.definitions:
        row += 1
        line(labels["definitions"], strong=True)
        for term, meaning in notes.definitions:
            line(term, meaning)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100


def xlsx_response(body: bytes, filename: str) -> Response:
    """A download of the workbook, named like its CSV twin (with .xlsx)."""
    response = Response(body, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
