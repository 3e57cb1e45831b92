"""CSV downloads that are safe to open in a spreadsheet.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula ("CSV injection"): an agency name such as
``=HYPERLINK(…)`` would become a live link. Following OWASP, such a text cell gets a leading
single quote, which spreadsheets show as text. Numbers are written as numbers (a negative change
stays ``-0.1``, usable in formulas): the rule looks at the Python type of the value, not at the
text, so only text that came from people is ever quoted. Every CSV writer of the portal goes
through ``to_csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a CSV cell: numbers unchanged, text neutralised when it could be a formula."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, (int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: Iterable[str], rows: Iterable[Iterable], bom: bool = True) -> str:
    """CSV text (CRLF lines) with neutralised cells; with a byte-order mark by default, so that
    spreadsheet programs read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" if bom else "") + out.getvalue()


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable], bom: bool = True,
               rows_per_chunk: int = 2000) -> Iterator[str]:
    """The same text as ``to_csv``, in pieces of a few thousand rows: a download of a million
    rows is sent while it is read, never held whole in a worker's memory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff" if bom else "")
    writer.writerow([safe_cell(cell) for cell in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % rows_per_chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
