"""axe-core finds no violation, of any impact, on any page of the portal: every GET route of
``app.url_map`` that answers HTML (with the sample arguments of tests/test_language_purity.py,
whose ``test_every_get_route_is_visited`` fails for a new route without them) and a few states
(Tahap II, a holiday, errors); public pages signed out, staff pages signed in as a city admin,
on a phone; plus states that only exist after an interaction (forms answered with their errors,
the staff editor's dialog, a phase's preview)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Holiday

from .. import factories as f
from ..test_language_purity import ARGS, get_rules
from .axe import describe, violations
from .conftest import login


# States beyond one visit per route that look different (the browser test is kept short: the
# language test's other variants show the same templates with other data).
VARIANTS = ["/?tanggal=2025-12-02", "/unit/disdukcapil-mpp?tanggal=2025-12-25", "/unit/tidak-ada",
            "/?tanggal=bukan-tanggal"]


def all_urls(app) -> list[str]:
    """One URL per GET route, then the extra states."""
    with app.app_context():
        if db.session.scalar(select(Holiday.id).filter_by(kind="local")) is None:
            # A local holiday far from the days other browser tests look at, for /admin/libur/ID.
            f.holiday(date(2026, 2, 27), "Hari uji aksesibilitas", kind="local")
            db.session.commit()
        values = {name: make() for name, make in ARGS.items()}
        with app.test_request_context():
            urls = [url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}) for rule in get_rules()]
    return urls + VARIANTS


def is_html(page, url: str) -> bool:
    response = page.request.get(url, max_redirects=0)
    return response.headers.get("content-type", "").startswith("text/html") and not 300 <= response.status < 400


def test_no_page_has_an_axe_violation(live_server, page):
    base = live_server.url
    urls = all_urls(live_server.app)
    public = [url for url in urls if not url.startswith("/admin/")] + ["/admin/login"]
    staff = [url for url in urls if url.startswith("/admin/") and url != "/admin/login"] + ["/"]
    found: dict[str, list[dict]] = {}
    checked = 0

    def check(where: str) -> None:
        nonlocal checked
        checked += 1
        if result := violations(page):
            found[where] = result

    for url in public:
        if is_html(page, base + url):
            page.goto(base + url)
            check(url)
    # A form answered with its errors (htmx swaps it in; the error summary takes the focus).
    page.goto(base + "/lapor")
    page.locator("#report-submit").click()
    page.locator(".error-summary").wait_for()
    check("/lapor (errors)")

    login(page, base, "admin@demo.bekasikota.go.id")
    for url in staff:
        if is_html(page, base + url):
            page.goto(base + url)
            check(url + " (signed in)")
    # The availability editor's dialog, open with a day's form.
    page.goto(base + "/admin/ketersediaan")
    page.locator("table.editor td a").first.click()
    page.locator("dialog[open] form").wait_for()
    check("/admin/ketersediaan (dialog)")

    # A phase's form answered with its errors, then its preview (both swapped in by htmx).
    page.goto(base + next(url for url in staff if url.startswith("/admin/tahap/") and url[-1].isdigit()))
    name = page.locator("#name").input_value()
    page.fill("#name", "")
    page.locator("#preview").click()
    page.locator(".error-summary").wait_for()
    check("/admin/tahap/ID (errors)")
    page.fill("#name", name)
    page.locator("#preview").click()
    page.locator("#preview-result").wait_for()
    check("/admin/tahap/ID (preview)")

    assert checked > 35
    kinds = Counter(v["id"] for result in found.values() for v in result)
    assert not found, (f"axe-core violations on {len(found)} of {checked} pages, per rule: {dict(kinds)}\n"
                       + "\n".join(f"{where}:\n{describe(result, limit=3)}" for where, result in found.items()))


def test_axe_reports_what_it_finds(page):
    """The helper runs axe-core and reports violations, here of several kinds and impacts."""
    page.set_content('<html><body><div><img src="data:,"><p style="color:#999;background:#fff">grey on white</p>'
                     '<a href="#"></a></div></body></html>')
    kinds = {v["id"]: v["impact"] for v in violations(page)}
    assert {"html-has-lang", "image-alt", "color-contrast", "link-name", "region"} <= set(kinds)
    assert {"serious", "critical", "moderate"} <= set(kinds.values())
