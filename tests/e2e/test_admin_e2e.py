"""An OPD admin on a phone (360 px) keeps her units' days current: with htmx the form opens in a
dialog over the table; without JavaScript every step is a plain page. Each test takes its
changes back, since the live server's database is shared by the session."""

import re

from .conftest import login

GRID = "/admin/ketersediaan?mulai=2025-11-10&hari=7"


def cell(page, unit: str, day: str):
    return page.locator("tr", has_text=unit).locator(f"a[id$='-{day}']")


def fits_the_screen(page) -> bool:
    # A click on a link only waits until the next page has started: measure it once it has loaded.
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_opd_admin_changes_a_day_in_a_dialog_and_takes_it_back(live_server, page):
    login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
    page.goto(live_server.url + GRID)
    assert fits_the_screen(page)
    day = cell(page, "Gerai Disdukcapil di MPP", "2025-11-11")
    assert " ".join(day.inner_text().split()) == "✓ Buka reguler"

    day.click()
    dialog = page.locator("dialog#cell-dialog")
    dialog.locator("text=Tetapkan status baru").wait_for()
    assert dialog.evaluate("d => d.open") and page.url.endswith(GRID)  # no navigation
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    dialog.get_by_label("Tutup", exact=True).check()
    dialog.get_by_label("Alasan (ditampilkan untuk publik)").fill("Pemadaman listrik PLN")
    dialog.get_by_role("button", name="Simpan").click()

    page.wait_for_function("() => !document.getElementById('cell-dialog').open")
    assert " ".join(cell(page, "Gerai Disdukcapil di MPP", "2025-11-11").inner_text().split()) == (
        "✕ Tutup ✎ diubah petugas")
    page.wait_for_function("() => document.getElementById('live').textContent.includes('Tersimpan')")
    assert page.evaluate("document.activeElement.id").endswith("-2025-11-11")  # focus back on the day
    assert fits_the_screen(page)

    public = page.context.new_page()
    public.goto(live_server.url + "/unit/disdukcapil-mpp")
    assert re.search(r"Diubah oleh Disdukcapil, .*: 11 Nov 2025: tutup, alasan: Pemadaman listrik PLN",
                     public.content())
    public.close()

    cell(page, "Gerai Disdukcapil di MPP", "2025-11-11").click()
    dialog.get_by_role("button", name="Hapus perubahan ini").click()
    page.wait_for_function("() => !document.getElementById('cell-dialog').open")
    assert " ".join(cell(page, "Gerai Disdukcapil di MPP", "2025-11-11").inner_text().split()) == (
        "✓ Buka reguler")


def test_a_refused_save_keeps_the_dialog_open_with_the_message(live_server, page):
    login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
    page.goto(live_server.url + GRID)
    cell(page, "Disdukcapil — Kantor Dinas", "2025-11-12").click()
    dialog = page.locator("dialog#cell-dialog")
    dialog.get_by_label("Tutup", exact=True).check()
    dialog.get_by_role("button", name="Simpan").click()  # no reason
    dialog.locator("text=Tuliskan alasannya").first.wait_for()
    assert dialog.evaluate("d => d.open")
    dialog.get_by_role("link", name="Batal").click()
    page.wait_for_function("() => !document.getElementById('cell-dialog').open")
    assert page.url.endswith(GRID)


def test_the_editor_works_without_javascript(live_server, nojs_page):
    page = nojs_page
    login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
    page.goto(live_server.url + GRID)
    assert fits_the_screen(page)
    cell(page, "Disdukcapil — Kantor Dinas", "2025-11-12").click()
    page.wait_for_url(re.compile(r".*/admin/ketersediaan/\d+/2025-11-12\?.*"))
    assert fits_the_screen(page)
    page.get_by_label("Layanan daring saja", exact=True).check()
    page.get_by_label("Sampai dengan").fill("2025-11-13")
    page.get_by_label("Alasan (ditampilkan untuk publik)").fill("Server antrean diperbaiki")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r".*/admin/ketersediaan\?mulai=2025-11-10&hari=7#unit-\d+"))
    assert "Tersimpan: Disdukcapil — Kantor Dinas, 12 Nov 2025–13 Nov 2025." in page.content()
    for day in ("2025-11-12", "2025-11-13"):
        assert " ".join(cell(page, "Disdukcapil — Kantor Dinas", day).inner_text().split()) == (
            "⌨ Daring ✎ diubah petugas")

    cell(page, "Disdukcapil — Kantor Dinas", "2025-11-13").click()
    page.get_by_role("button", name="Hapus perubahan ini").click()
    page.wait_for_url(re.compile(r".*/admin/ketersediaan\?mulai=2025-11-10&hari=7#unit-\d+"))
    assert " ".join(cell(page, "Disdukcapil — Kantor Dinas", "2025-11-12").inner_text().split()) == (
        "✓ Buka reguler")


def test_several_units_at_once_without_javascript(live_server, nojs_page):
    page = nojs_page
    login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
    page.goto(live_server.url + GRID)
    page.get_by_role("link", name="Ubah beberapa unit atau hari sekaligus").click()
    page.wait_for_url(re.compile(r".*/admin/ketersediaan/massal\?.*"))
    assert fits_the_screen(page)
    page.get_by_label("Semua unit saya").check()
    page.get_by_label("Mulai").fill("2025-11-17")
    page.get_by_label("Sampai dengan").fill("2025-11-18")
    page.get_by_label("Tutup", exact=True).check()
    page.get_by_label("Alasan (ditampilkan untuk publik)").fill("Pemeliharaan gedung")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url(re.compile(r".*/admin/ketersediaan\?mulai=2025-11-17.*"))
    assert "Tersimpan untuk 2 unit, 17 Nov 2025–18 Nov 2025." in page.content()
    assert " ".join(cell(page, "Gerai Disdukcapil di MPP", "2025-11-18").inner_text().split()) == (
        "✕ Tutup ✎ diubah petugas")

    page.get_by_role("link", name="Ubah beberapa unit atau hari sekaligus").click()
    page.get_by_label("Semua unit saya").check()
    page.get_by_label("Mulai").fill("2025-11-17")
    page.get_by_label("Sampai dengan").fill("2025-11-18")
    page.get_by_label("Hapus perubahan pada hari-hari ini: aturan biasa berlaku kembali").check()
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url(re.compile(r".*/admin/ketersediaan\?mulai=2025-11-17.*"))
    assert "2 perubahan dihapus" in page.content()
