"""Another site embeds a unit's status: a page served from another port frames the card
(/unit/SLUG/widget) and shows the badge; the card renders, its link opens the unit page in the
top window, and the portal's other pages refuse to be framed there."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

UNIT = "kantor-dinas-sosial"
DAY = "2025-11-06"  # a WFH Thursday of Tahap I: this non-essential unit serves online only


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@pytest.fixture
def other_site(live_server, tmp_path):
    """A tiny site on another port (another origin) whose page embeds the portal."""
    portal = live_server.url
    (tmp_path / "index.html").write_text(f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Situs kelurahan</title></head>
<body>
<h1>Situs kelurahan</h1>
<iframe id="card" src="{portal}/unit/{UNIT}/widget?tanggal={DAY}" title="Status" width="340" height="250"></iframe>
<img id="badge" src="{portal}/unit/{UNIT}/badge.svg?tanggal={DAY}" alt="Status">
<iframe id="page" src="{portal}/unit/{UNIT}" title="Halaman unit" width="320" height="230"></iframe>
</body></html>""", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_widget_renders_inside_an_iframe_of_another_site_and_links_to_the_top_window(
        live_server, other_site, page):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "frame-ancestors" in message.text or "X-Frame-Options" in message.text else None)
    page.goto(f"{other_site}/index.html")
    assert page.url.startswith(other_site)  # the embedding page is of another origin
    card = page.frame_locator("#card")
    status = card.locator(".widget-status .badge")
    status.wait_for()
    assert status.inner_text().strip().endswith("Layanan daring saja")
    assert "Kamis, 6 November 2025" in card.locator(".widget-day").inner_text()
    assert "Hari tatap muka berikutnya" in card.locator(".widget-next").inner_text()
    # The portal's stylesheet applies inside the frame (no CSP refusal): the card has its border.
    border = card.locator(".widget-card").evaluate("e => getComputedStyle(e).borderLeftWidth")
    assert border == "6px"
    # The badge image loaded from the portal.
    page.wait_for_function("() => document.getElementById('badge').complete")
    assert page.evaluate("document.getElementById('badge').naturalWidth") > 100
    # The unit page itself refuses to be framed: Chromium shows no portal content in that frame.
    page.wait_for_timeout(300)
    framed_page = page.locator("#page").element_handle().content_frame()
    assert framed_page.url.startswith("chrome-error:") and framed_page.locator("h1.page-title").count() == 0
    assert len(refused) == 1 and "frame-ancestors 'none'" in refused[0]  # that page, not the card
    # The link back opens the unit page in the top window, not inside the frame.
    card.locator(".widget-more a").click()
    page.wait_for_url(f"{live_server.url}/unit/{UNIT}?tanggal={DAY}")
    assert page.locator("h1.page-title").inner_text() == "Kantor Dinas Sosial"
