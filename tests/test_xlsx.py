""".xlsx beside every CSV download: opened with openpyxl, as Excel would read them."""

import csv
import io
import re
from datetime import date, datetime

import openpyxl
import pytest

from portal.xlsx_export import Notes, to_xlsx

from . import stats_data

RANGE = "dari=2025-09-01&sampai=2025-12-31"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def same_cell(text: str, cell) -> bool:
    """A CSV cell and the workbook cell: the same number, date or text."""
    value = cell.value
    if text == "":
        return value is None
    if isinstance(value, bool):
        return text == str(value)
    if isinstance(value, (int, float)):
        return float(text) == value
    if isinstance(value, datetime):
        return value.date().isoformat() == text
    return value == text


@pytest.fixture
def data(app):
    with app.app_context():
        return stats_data.build()


def test_the_writer_types_cells_freezes_the_header_and_explains_itself():
    notes = Notes(title="Judul", source="https://contoh/statistik", notice="Data demo.",
                  filters=[("Periode", "1 Nov 2025 – 31 Des 2025")], definitions=[("value", "nilainya")])
    body = to_xlsx(["day", "name", "count", "share", "period", "empty"],
                   [[date(2025, 11, 6), "=HYPERLINK(\"http://x\")", 12, 0.25, "2025-11-01", ""],
                    [date(2025, 11, 7), "-0,1 bukan angka", -3, None, "bukan tanggal", None]],
                   notes, date_columns=["period"])
    book = workbook(body)
    assert book.sheetnames == ["Data", "Keterangan"]
    sheet = book["Data"]
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == ["day", "name", "count", "share", "period", "empty"]
    assert sheet[1][0].font.bold
    first = sheet[2]
    assert first[0].value == datetime(2025, 11, 6) and first[0].is_date
    assert first[1].value == "=HYPERLINK(\"http://x\")" and first[1].data_type == "s"  # text, never a formula
    assert first[2].value == 12 and first[2].data_type == "n"
    assert first[3].value == 0.25 and first[3].data_type == "n"
    assert first[4].value == datetime(2025, 11, 1) and first[4].is_date
    assert first[5].value is None
    second = sheet[3]
    assert second[2].value == -3 and second[4].value == "bukan tanggal" and second[3].value is None
    notes_text = [[cell.value for cell in row] for row in book["Keterangan"].iter_rows()]
    flat = [value for row in notes_text for value in row if value]
    for expected in ("Judul", "Data demo.", "https://contoh/statistik", "Periode", "1 Nov 2025 – 31 Des 2025",
                     "value", "nilainya"):
        assert expected in flat


def test_statistics_workbook_holds_the_figures_of_the_csv(client, data):
    csv_response = client.get(f"/statistik.csv?{RANGE}")
    response = client.get(f"/statistik.xlsx?{RANGE}")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == 'attachment; filename="statistik_2025-09-01_2025-12-31.xlsx"'
    assert csv_response.headers["Content-Disposition"].replace(".csv", ".xlsx") == response.headers["Content-Disposition"]
    book = workbook(response.data)
    sheet = book["Data"]
    expected = csv_rows(csv_response)
    rows = list(sheet.iter_rows())
    assert len(rows) == len(expected) > 50
    assert [cell.value for cell in rows[0]] == expected[0]
    for csv_row, row in zip(expected[1:], rows[1:]):
        assert all(same_cell(text, cell) for text, cell in zip(csv_row, row)), (csv_row, [c.value for c in row])
    values = [row[8] for row in rows[1:] if row[8].value is not None]
    assert values and all(cell.data_type == "n" for cell in values)  # numbers, not text
    assert all(row[2].is_date and row[3].is_date for row in rows[1:])
    # A figure of the hand computation (test_statistik): output per staff-day on WFO = 180 / 40.
    wfo = next(row for row in rows if row[0].value == "summary" and row[5].value == "wfo"
               and row[7].value == "output_per_staff_day")
    assert wfo[8].value == 4.5
    notes = [value for row in book["Keterangan"].iter_rows(values_only=True) for value in row if value]
    assert "Data demo." in " ".join(notes)
    assert any("/statistik?dari=2025-09-01&sampai=2025-12-31" in value for value in notes)
    assert "Periode" in notes and "Semua OPD" in notes


def test_raw_records_workbook_equals_the_csv_and_can_be_filtered(client, data):
    query = f"{RANGE}&opd={data['a']}"
    csv_response = client.get(f"/statistik/data.csv?{query}")
    response = client.get(f"/statistik/data.xlsx?{query}")
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="output-harian_2025-09-01_2025-12-31_{data["a"]}.xlsx"')
    expected = csv_rows(csv_response)
    rows = list(workbook(response.data)["Data"].iter_rows())
    assert len(rows) == len(expected) > 1
    for csv_row, row in zip(expected[1:], rows[1:]):
        assert all(same_cell(text, cell) for text, cell in zip(csv_row, row)), csv_row
        assert row[0].is_date and row[4].data_type == "n"


def test_notes_follow_the_language(client, data):
    book = workbook(client.get(f"/statistik.xlsx?{RANGE}&lang=en").data)
    notes = [value for row in book["Keterangan"].iter_rows(values_only=True) for value in row if value]
    assert "Output and disruption statistics" in notes and "Period" in notes and "All agencies" in notes
    assert book.sheetnames == ["Data", "Keterangan"]


@pytest.mark.config(SHOW_DEMO_BANNER=False)
def test_official_figures_are_not_called_demo(client, data):
    book = workbook(client.get(f"/statistik.xlsx?{RANGE}").data)
    notes = " ".join(value for row in book["Keterangan"].iter_rows(values_only=True) for value in row if value)
    assert "demo" not in notes.lower()


def test_workbooks_are_cached_and_validated_like_the_csv(client, data):
    url = f"/statistik.xlsx?{RANGE}"
    first = client.get(url)
    csv_first = client.get(f"/statistik.csv?{RANGE}")
    assert first.headers["Cache-Control"] == csv_first.headers["Cache-Control"] == "public, max-age=60"
    assert re.fullmatch(r'"[0-9a-f]{32}"', first.headers["ETag"])
    assert "Set-Cookie" not in first.headers
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # Already compressed: never gzip'd again.
    assert "Content-Encoding" not in client.get(url, headers={"Accept-Encoding": "gzip"}).headers


def test_bad_filters_get_the_same_400_as_the_csv(client):
    for url in ("/statistik.xlsx?dari=kemarin", "/statistik/data.xlsx?opd=tidak-ada"):
        response = client.get(url)
        csv_response = client.get(url.replace(".xlsx", ".csv"))
        assert response.status_code == csv_response.status_code == 400
        assert response.mimetype == "text/html"
        message = re.search(r'<p class="error[^>]*>(.*?)</p>', csv_response.get_data(as_text=True), re.S)
        assert message is None or message.group(1) in response.get_data(as_text=True)


def test_every_csv_download_link_has_its_xlsx_beside_it(client, data):
    page = client.get(f"/statistik?{RANGE}").get_data(as_text=True)
    csv_links = re.findall(r'href="([^"]+\.csv[^"]*)"', page)
    xlsx_links = re.findall(r'href="([^"]+\.xlsx[^"]*)"', page)
    assert csv_links and [link.replace(".csv", ".xlsx", 1) for link in csv_links] == xlsx_links
    for link in xlsx_links:
        assert client.get(link.replace("&amp;", "&")).mimetype == XLSX


def test_a_records_workbook_too_big_for_memory_is_refused_in_words(client, data, monkeypatch):
    from portal.statistik import views

    query = f"{RANGE}&opd={data['a']}"
    records = len(csv_rows(client.get(f"/statistik/data.csv?{query}"))) - 1
    monkeypatch.setattr(views, "XLSX_MAX_RECORDS", records - 1)
    response = client.get(f"/statistik/data.xlsx?{query}")
    assert response.status_code == 400
    assert f"{records:,} catatan harian".replace(",", ".") in response.get_data(as_text=True)
    monkeypatch.setattr(views, "XLSX_MAX_RECORDS", records)
    assert client.get(f"/statistik/data.xlsx?{query}").status_code == 200
