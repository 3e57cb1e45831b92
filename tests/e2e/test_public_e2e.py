"""A citizen on a phone: filters swap results with htmx, the URL follows, the back button works;
the same forms work with JavaScript off."""

import re

from .conftest import login


def test_filter_swaps_results_and_pushes_a_shareable_url(live_server, page):
    page.goto(f"{live_server.url}/?tanggal=2025-11-06")
    assert page.locator(".unit-row").count() > 60
    page.select_option("#opd", "disdukcapil")
    page.wait_for_url(re.compile(r".*opd=disdukcapil.*"))
    page.wait_for_function("() => document.querySelectorAll('.unit-row').length === 2")
    assert "tanggal=2025-11-06" in page.url
    assert page.locator("header.site-header").count() == 1  # the page was not replaced
    # Disdukcapil's front desks are essential: on-site even on a WFH Thursday.
    assert page.locator(".unit-row .badge").first.inner_text().strip().endswith("Buka tatap muka")
    page.go_back()
    page.wait_for_function("() => document.querySelectorAll('.unit-row').length > 60")
    assert "opd=" not in page.url


def test_next_day_link_updates_results_and_the_date_field(live_server, page):
    page.goto(f"{live_server.url}/?tanggal=2025-11-06")
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r".*tanggal=2025-11-07.*"))
    page.wait_for_selector("text=Jumat, 7 November 2025")
    assert page.input_value("#tanggal") == "2025-11-07"
    # Screen readers hear the new result count through the live region.
    page.wait_for_function("() => document.getElementById('live').textContent.includes('unit ditampilkan')")


def test_page_fits_a_360px_screen(live_server, page):
    for url in ("/?tanggal=2025-11-06", "/unit/disdukcapil-mpp", "/admin/login"):
        page.goto(live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (url, width)


def test_filters_work_without_javascript(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server.url}/?tanggal=2025-11-06")
    page.select_option("#opd", "dinkes")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*opd=dinkes.*"))
    assert page.locator(".unit-row").count() == 13
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r".*tanggal=2025-11-07.*"))
    assert "Jumat, 7 November 2025" in page.content()


def test_no_content_security_policy_violation_on_public_pages(live_server, page):
    """Our strict CSP (no inline scripts or styles) must not break any page or htmx swap."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/?tanggal=2025-11-06")
    page.select_option("#status", "open")
    page.wait_for_url(re.compile(r".*status=open.*"))
    for url in ("/jadwal", "/unit/rsud-igd", "/admin/login"):
        page.goto(live_server.url + url)
    login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
    page.goto(f"{live_server.url}/admin/ketersediaan")
    page.locator("td.cell a, .cell a").first.click()
    page.wait_for_selector("dialog[open]")
    assert violations == []
