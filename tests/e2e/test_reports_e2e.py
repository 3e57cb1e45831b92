"""A resident reports a disruption on a phone, with and without JavaScript; staff answer it."""

import re

from .conftest import login

CODE_URL = re.compile(r".*/lapor/BKS-[2-9A-Z]{4}-[2-9A-Z]{4}$")


def test_resident_reports_with_inline_checks_and_a_searchable_unit_list(live_server, page):
    page.goto(f"{live_server.url}/lapor?unit=disdukcapil-mpp")
    assert page.input_value("#unit") == "disdukcapil-mpp"
    # Leaving a field checks it at once, and only that field.
    page.fill("#description", "pendek")
    page.press("#description", "Tab")
    page.wait_for_selector("#description-field .error")
    assert "20 sampai 2000 karakter" in page.inner_text("#description-field .error")
    assert page.locator("#unit-field .error").count() == 0
    # The unit list narrows as the resident types (keeping the unit chosen before); pick one.
    page.fill("#unit_q", "puskesmas jatiasih")
    page.wait_for_function("() => document.querySelectorAll('#unit option').length === 3")
    assert "(1 ditemukan)" in page.inner_text("#unit option:first-child")
    page.select_option("#unit", "puskesmas-jatiasih")
    page.check("input[name=category][value=no_staff]")
    page.fill("#description", "Loket pendaftaran buka, tetapi tidak ada petugas selama satu jam.")
    page.press("#description", "Tab")
    page.wait_for_function("() => !document.querySelector('#description-field .error')")
    page.click("#report-submit")
    page.wait_for_url(CODE_URL)
    code = page.url.rsplit("/", 1)[1]
    assert code in page.inner_text("h1")
    assert "Laporan Anda telah diterima" in page.inner_text(".flashes")
    assert "Puskesmas Jatiasih" in page.content()


def test_form_errors_show_next_to_the_fields_and_focus_the_summary(live_server, page):
    page.goto(f"{live_server.url}/lapor")
    page.click("#report-submit")
    page.wait_for_selector(".error-summary")
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert "Pilih unit layanan yang Anda datangi" in page.inner_text("#unit-field")
    assert page.locator("header.site-header").count() == 1  # swapped in place, not a new page


def test_report_form_works_without_javascript(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server.url}/lapor")
    assert not page.is_visible("#unit_q")  # the search box needs JavaScript; the list does not
    page.select_option("#unit", "kantor-dinas-sosial")
    page.check("input[name=category][value=online_unreachable]")
    page.fill("#description", "Situs layanan sosial daring tidak bisa dibuka.")
    page.fill("#email", "warga@example.id")  # contact without consent
    page.click("#report-submit")
    page.wait_for_selector(".error-summary")
    assert "Berikan persetujuan Anda" in page.inner_text("#consent-field")
    assert page.input_value("#description") == "Situs layanan sosial daring tidak bisa dibuka."
    page.check("#consent")
    page.click("#report-submit")
    page.wait_for_url(CODE_URL)
    assert "warga@example.id" not in page.content()


def test_staff_answer_a_report_and_the_public_page_shows_it(live_server, page):
    login(page, live_server.url, "dinkes@demo.bekasikota.go.id")
    page.goto(f"{live_server.url}/admin/laporan")
    page.click("table.queue tbody tr:first-child th a")
    page.wait_for_url(re.compile(r".*/admin/laporan/BKS-.*"))
    code = page.url.rsplit("/", 1)[1]
    # Rejecting without a reason is refused in place.
    page.select_option("#status", "rejected")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#public_message-field .error")
    assert "alasan penolakan" in page.inner_text("#public_message-field")
    page.select_option("#status", "in_progress")
    page.fill("#public_message", "Petugas pendaftaran tambahan dijadwalkan mulai Senin.")
    page.fill("#internal_note", "Koordinasi dengan kepala puskesmas.")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "Petugas pendaftaran tambahan" in page.inner_text(".timeline")
    page.goto(f"{live_server.url}/lapor/{code}")
    assert "Petugas pendaftaran tambahan dijadwalkan mulai Senin." in page.inner_text(".timeline")
    assert "kepala puskesmas" not in page.content()


def test_report_pages_fit_a_360px_screen(live_server, page):
    page.goto(f"{live_server.url}/laporan")
    first = page.locator(".report-code").first.get_attribute("href")
    for url in ("/lapor", "/laporan", first, "/unit/disdukcapil-mpp"):
        page.goto(live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (url, width)


def test_a_fields_check_is_not_lost_while_another_fields_check_is_slow(live_server, page):
    """Checks of several fields run one after the other: a slow answer for one field (a busy
    server) never drops the check of the field the resident leaves next."""
    import time

    def slow(route):
        time.sleep(1.5)
        route.continue_()

    page.goto(f"{live_server.url}/lapor?unit=disdukcapil-mpp")
    page.fill("#description", "pendek")
    page.press("#description", "Tab")
    page.wait_for_selector("#description-field .error")
    page.route("**/lapor/periksa/category", slow)
    page.check("input[name=category][value=no_staff]")  # its check is now in flight for 1.5 s
    page.fill("#description", "Loket pendaftaran buka, tetapi tidak ada petugas selama satu jam.")
    page.press("#description", "Tab")
    page.wait_for_function("() => !document.querySelector('#description-field .error')", timeout=8000)
