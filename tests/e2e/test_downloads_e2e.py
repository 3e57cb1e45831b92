"""A journalist downloads the statistics for Excel from the page, as a browser saves the file."""

import openpyxl

RANGE = "dari=2025-11-01&sampai=2025-12-31"


def test_a_journalist_downloads_the_figures_as_xlsx(live_server, page, tmp_path):
    page.goto(f"{live_server.url}/statistik?{RANGE}")
    link = page.locator("section.downloads a", has_text="sebagai Excel (.xlsx)").first
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "statistik_2025-11-01_2025-12-31.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Data", "Keterangan"]
    sheet = book["Data"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[-1] == "value"
    values = [row[-1] for row in sheet.iter_rows(min_row=2) if row[-1].value is not None]
    assert len(values) > 100 and all(cell.data_type == "n" for cell in values)
    notes = " ".join(str(v) for row in book["Keterangan"].iter_rows(values_only=True) for v in row if v)
    assert "Data demo." in notes and "1 Nov 2025 – 31 Des 2025" in notes
