"""What other sites embed: the status badge (/unit/SLUG/badge.svg), the framable card
(/unit/SLUG/widget) and the snippet on a unit's page. Only the card may be framed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import ServiceUnit
from portal.overrides import set_override
from portal.schedule import Status

from . import factories as f
from .test_language_purity import ARGS, get_rules

pytestmark = [pytest.mark.demo, pytest.mark.config(TODAY="2025-11-05")]
SVG = "{http://www.w3.org/2000/svg}"
ESSENTIAL = "disdukcapil-mpp"  # essential: on-site on WFH Thursdays
OFFICE = "kantor-dinas-sosial"  # not essential: online on WFH Thursdays, limited in Tahap II


def parse_badge(response) -> ET.Element:
    assert response.mimetype == "image/svg+xml"
    return ET.fromstring(response.get_data())  # raises on anything but well-formed XML


def badge_status(svg: ET.Element) -> str:
    (text,) = [element.text for element in svg.iter(f"{SVG}text") if element.get("class") == "status"]
    return text


def page_status(html: str) -> str:
    """The status words of the day on a unit page (the big status line)."""
    match = re.search(r'<p class="big-status"><span class="badge st-\w+"><span class="icon" '
                      r'aria-hidden="true">.</span> ([^<]+)</span>', html)
    assert match, "no status line on the unit page"
    return match.group(1)


@pytest.mark.parametrize("slug, day, lang, words", [
    (ESSENTIAL, "2025-11-06", "id", "Buka tatap muka"),
    (OFFICE, "2025-11-06", "id", "Layanan daring saja"),
    (OFFICE, "2025-11-06", "en", "Online only"),
    (OFFICE, "2025-12-16", "id", "Tatap muka terbatas"),
    (OFFICE, "2025-12-25", "en", "Closed"),
    (OFFICE, "2026-01-08", "id", "Buka tatap muka"),
])
def test_badge_is_valid_svg_that_says_what_the_unit_page_says(client, slug, day, lang, words):
    svg = parse_badge(client.get(f"/unit/{slug}/badge.svg?tanggal={day}&lang={lang}"))
    page = client.get(f"/unit/{slug}?tanggal={day}&lang={lang}").get_data(as_text=True)
    assert badge_status(svg) == page_status(page) == words
    # Accessible: an image whose <title> (its accessible name) names the unit, the day and the status.
    # (No aria-* attributes: the W3C checker validates SVG 1.1, which has none.)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title").text
    assert words in title
    assert ("Kamis" if lang == "id" else "Thursday") in title or day != "2025-11-06"


def test_badge_shows_today_without_a_date_and_names_the_unit(app, client):
    with app.app_context():
        name = db.session.scalar(select(ServiceUnit.name).filter_by(slug=ESSENTIAL))
    svg = parse_badge(client.get(f"/unit/{ESSENTIAL}/badge.svg"))
    page = client.get(f"/unit/{ESSENTIAL}").get_data(as_text=True)
    assert badge_status(svg) == page_status(page)
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == [name]  # today: the unit's name alone
    width = float(svg.get("width"))
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("clip-path"))
    boxes = [float(rect.get("width")) for rect in group.iter(f"{SVG}rect")][:2]
    assert abs(sum(boxes) - width) < 0.2  # label and status boxes fill the badge


def test_badge_of_another_day_names_the_day_and_follows_a_staff_change(app, client):
    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug=OFFICE))
        set_override(unit, date(2027, 1, 4), date(2027, 1, 4), Status.CLOSED, "Pemadaman listrik", actor=None)
        db.session.commit()
    svg = parse_badge(client.get(f"/unit/{OFFICE}/badge.svg?tanggal=2027-01-04"))
    assert badge_status(svg) == "Tutup"
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"][0].endswith("4 Jan 2027")


def test_badge_is_cacheable_for_a_minute_with_an_etag_and_sets_no_cookie(client):
    for url in (f"/unit/{OFFICE}/badge.svg", f"/unit/{OFFICE}/badge.svg?lang=en&tanggal=2025-11-06"):
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response.headers["Cache-Control"]
        assert "max-age=60" in response.headers["Cache-Control"]
        assert "Set-Cookie" not in response.headers  # ?lang= is for this answer only
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert badge_status(parse_badge(client.get(f"/unit/{OFFICE}/badge.svg?tanggal=2025-11-06&lang=en"))) \
        == "Online only"


@pytest.mark.parametrize("query, lang, message", [
    ("tanggal=2025-13-01", "id", "bukan tanggal yang valid"),
    ("tanggal=kemarin", "en", "is not a valid date"),
    ("tanggal=1999-01-01", "en", "too far from today"),
])
def test_bad_date_gives_a_400_badge_in_the_users_language(client, query, lang, message):
    response = client.get(f"/unit/{OFFICE}/badge.svg?{query}&lang={lang}")
    assert response.status_code == 400
    svg = parse_badge(response)
    assert message in svg.find(f"{SVG}title").text
    assert badge_status(svg) == ("Permintaan tidak valid" if lang == "id" else "Invalid request")


def test_unknown_unit_gives_a_404_badge(client):
    response = client.get("/unit/tidak-ada/badge.svg")
    assert response.status_code == 404
    assert "tidak-ada" in parse_badge(response).find(f"{SVG}title").text


def test_widget_shows_the_day_the_next_onsite_day_and_links_back_to_the_top_window(client):
    html = client.get(f"/unit/{OFFICE}/widget?tanggal=2025-11-06").get_data(as_text=True)
    assert "Kamis, 6 November 2025" in html and "Layanan daring saja" in html
    assert "Hari tatap muka berikutnya:" in html and "Jumat, 7 November 2025" in html
    links = re.findall(r'<a href="([^"]+)" target="_top">', html)
    assert links and set(links) == {f"/unit/{OFFICE}?tanggal=2025-11-06"}
    assert "site-header" not in html  # a card, not the whole page
    english = client.get(f"/unit/{OFFICE}/widget?tanggal=2025-11-06&lang=en")
    assert "Set-Cookie" not in english.headers
    assert "Next on-site day:" in english.get_data(as_text=True)
    assert f'href="/unit/{OFFICE}?tanggal=2025-11-06&amp;lang=en" target="_top"' in english.get_data(as_text=True)


def test_widget_bad_date_is_a_400_in_the_users_language(client):
    response = client.get(f"/unit/{OFFICE}/widget?tanggal=2025-02-30&lang=en")
    assert response.status_code == 400
    assert "is not a valid date" in response.get_data(as_text=True)


def frame_policy(response) -> str:
    directives = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return directives["frame-ancestors"]


def test_only_the_widget_may_be_framed_every_other_get_route_may_not(app, client):
    """Walks every GET route of the app (sample arguments as the language test)."""
    with app.app_context():
        f.holiday(date(2025, 11, 28), "Hari Jadi Kota Bekasi (uji)", kind="local")  # for its admin page
        db.session.commit()
        values = {name: make() for name, make in ARGS.items()}
        with app.test_request_context():
            urls = {rule.endpoint: url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
                    for rule in get_rules()}
    framable = []
    for endpoint, url in sorted(urls.items()):
        response = client.get(url)
        if frame_policy(response) == "*":
            assert "X-Frame-Options" not in response.headers, url
            framable.append(endpoint)
        else:
            assert frame_policy(response) == "'none'", url
            assert response.headers["X-Frame-Options"] == "DENY", url
    assert framable == ["public.unit_widget"]
    assert len(urls) > 40
    # Its errors stay framable (the frame shows them), the 404 of a page beside it does not.
    assert frame_policy(client.get("/unit/tidak-ada/widget")) == "*"
    assert frame_policy(client.get("/unit/tidak-ada")) == "'none'"


def test_unit_page_has_the_copy_paste_snippet_with_absolute_urls(client):
    html = client.get(f"/unit/{OFFICE}").get_data(as_text=True)
    badge = re.search(r'<textarea id="embed-badge"[^>]*readonly>(.*?)</textarea>', html, re.S).group(1)
    frame = re.search(r'<textarea id="embed-widget"[^>]*readonly>(.*?)</textarea>', html, re.S).group(1)
    assert f'&lt;img src=&#34;http://localhost/unit/{OFFICE}/badge.svg&#34;' in badge
    assert f'&lt;iframe src=&#34;http://localhost/unit/{OFFICE}/widget&#34;' in frame
    assert f'<img src="/unit/{OFFICE}/badge.svg" alt=' in html  # a preview of the badge
    english = client.get(f"/unit/{OFFICE}?lang=en").get_data(as_text=True)
    assert f"/unit/{OFFICE}/widget?lang=en" in english
