"""The 90-day history strip with a keyboard, JavaScript off: focus on a bar shows that day."""

from datetime import date, timedelta

from portal.i18n import long_date  # noqa: F401  (the format the strip uses; see the expected text)

TODAY = date(2025, 11, 5)  # tests/e2e/conftest.py pins the live server's today
FIRST = TODAY - timedelta(days=90)

def tip_box(page, index: int):
    return page.locator("#history-unit .bar").nth(index).locator(".bar-tip").bounding_box()

def test_keyboard_focus_on_a_bar_shows_that_days_details(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server.url}/unit/disdukcapil-mpp")
    bars = page.locator("#history-unit .bar")
    assert bars.count() == 90
    assert tip_box(page, 0)["width"] <= 1  # hidden until hovered or focused
    page.focus("a.skip-strip")
    page.keyboard.press("Tab")
    first = bars.nth(0)
    assert first.evaluate("bar => bar === document.activeElement")
    assert first.get_attribute("data-day") == FIRST.isoformat()
    box = tip_box(page, 0)
    assert box["width"] > 200 and box["height"] > 10
    text = first.locator(".bar-tip").inner_text()
    assert text.startswith("Kamis, 7 Agustus 2025: ") and "Buka tatap muka" in text
    page.keyboard.press("Tab")
    assert bars.nth(1).evaluate("bar => bar === document.activeElement")
    assert bars.nth(1).locator(".bar-tip").inner_text().startswith("Jumat, 8 Agustus 2025: ")
    assert tip_box(page, 0)["width"] <= 1 and tip_box(page, 1)["width"] > 200
    # The tip lies below the strip, inside the page, not over the bars.
    strip = page.locator("#history-unit").bounding_box()
    assert tip_box(page, 1)["y"] >= strip["y"] + strip["height"]

def test_the_strip_marks_broken_days_and_its_table_has_the_same_days(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server.url}/opd/dinkes")
    assert page.locator("#history-opd .bar").count() == 90
    page.click("a.skip-strip")  # the table behind the strip opens at its link
    table = page.locator("#history-opd-table tbody tr")
    assert table.count() == 90
    assert table.first.is_visible()
