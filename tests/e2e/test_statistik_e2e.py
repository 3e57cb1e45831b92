"""A journalist on a phone reads /statistik, with and without JavaScript; a staff member enters
the day's output."""

import re

from .conftest import login

RANGE = "dari=2025-09-01&sampai=2025-12-31"


def test_statistics_work_without_javascript(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server.url}/statistik?{RANGE}")
    assert page.locator("#fig-ratio").inner_text().strip() not in ("", "–")
    assert page.locator("svg[role=img]").count() >= 4
    rows = page.locator("#table-ranking tbody tr")
    assert rows.count() > 20
    # Sorting is a plain link: it reloads the page with ?urut= in the address.
    page.click("#table-ranking thead a:has-text('Rasio WFH/WFO')")
    page.wait_for_url(re.compile(r".*urut=ratio.*"))
    page.click("#table-ranking thead a:has-text('Rasio WFH/WFO')")
    page.wait_for_url(re.compile(r".*urut=-ratio.*"))
    assert page.locator("#table-ranking th[aria-sort=descending]").count() == 1
    # The filter form is a plain GET form.
    page.select_option("#opd", "disdukcapil")
    page.click("form.stats-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*opd=disdukcapil.*"))
    assert page.locator("#table-ranking tbody tr").count() == 1


def test_filters_swap_the_results_and_push_a_shareable_url(live_server, page):
    page.goto(f"{live_server.url}/statistik?{RANGE}")
    everyone = page.locator("#table-ranking tbody tr").count()
    page.select_option("#indikator", "surat-naskah-diproses")
    page.wait_for_url(re.compile(r".*indikator=surat-naskah-diproses.*"))
    page.select_option("#opd", "dpmptsp")
    page.wait_for_url(re.compile(r".*opd=dpmptsp.*"))
    page.wait_for_function("() => document.querySelectorAll('#table-ranking tbody tr').length === 1")
    assert "dari=2025-09-01" in page.url
    assert page.locator("header.site-header").count() == 1  # only the results were swapped
    page.go_back()
    page.wait_for_function(f"() => document.querySelectorAll('#table-ranking tbody tr').length === {everyone}")


def test_statistics_fit_a_360px_screen(live_server, page):
    page.goto(f"{live_server.url}/statistik?{RANGE}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"{live_server.url}/api/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_staff_enter_the_day_and_see_errors_in_place(live_server, page):
    login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
    page.goto(f"{live_server.url}/admin/output?tanggal=2025-11-04&mode=wfo")
    page.fill("#reports_submitted", "999")
    page.click("#day-form-box button[type=submit]")
    page.wait_for_selector("#reports_submitted-error")
    assert "tidak boleh lebih dari laporan wajib" in page.inner_text("#reports_submitted-error")
    assert "/admin/output?tanggal=2025-11-04" in page.url  # swapped in place, no navigation
    due = page.input_value("#reports_due")
    page.fill("#reports_submitted", due)
    page.click("#day-form-box button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/output\?opd=disdukcapil&tanggal=2025-11-04&mode=wfo"))
    assert page.locator(".flashes .flash").count() == 1  # saved, or "nothing changed"
