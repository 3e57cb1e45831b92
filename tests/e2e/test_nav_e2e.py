"""On a 390 px phone the menu shows every section and where the reader is; a signed-in user
signs out from the footer of any page."""

from .conftest import login

SECTIONS = {"/": "Hari ini", "/jadwal": "Jadwal", "/lapor": "Lapor gangguan", "/laporan": "Laporan",
            "/statistik": "Statistik"}
PHONE = {"width": 390, "height": 844}


def menu(page) -> list[dict]:
    """Each menu link: its text, whether it is current, and whether it lies fully in the viewport."""
    return page.evaluate("""() => [...document.querySelectorAll('.main-nav a')].map(a => {
        const box = a.getBoundingClientRect();
        return {text: a.textContent.trim(), current: a.getAttribute('aria-current'),
                inside: box.width > 0 && box.left >= 0 && box.right <= window.innerWidth
                        && box.top >= 0 && box.bottom <= window.innerHeight,
                seen: document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2) === a};
    })""")


def test_every_menu_item_and_the_current_one_are_in_sight_at_390_px(live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    try:
        for url, label in [*SECTIONS.items(), ("/unit/disdukcapil-mpp", "Hari ini")]:
            page.goto(live_server.url + url)
            items = menu(page)
            assert [item["text"] for item in items] == list(SECTIONS.values())
            assert [item["text"] for item in items if not (item["inside"] and item["seen"])] == [], url
            assert [item["text"] for item in items if item["current"]] == [label], url
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    finally:
        context.close()


def test_a_signed_in_user_signs_out_from_the_footer(live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/statistik")
        footer = page.locator("footer.site-footer")
        assert footer.get_by_role("link", name="Masuk petugas").count() == 1
        login(page, live_server.url, "disdukcapil@demo.bekasikota.go.id")
        page.goto(live_server.url + "/statistik")
        assert footer.get_by_role("link", name="Masuk petugas").count() == 0
        footer.get_by_role("button", name="Keluar").click()
        page.wait_for_load_state()
        page.goto(live_server.url + "/admin/")
        assert "/admin/login" in page.url  # signed out: the staff area asks to sign in again
        page.goto(live_server.url + "/statistik")
        assert footer.get_by_role("link", name="Masuk petugas").count() == 1
    finally:
        context.close()
