"""Big grids stay cheap and bounded: /jadwal shows 50 units a page (?halaman=), the staff editor
25; each distinct reason of a day is worded once per request, not once per cell."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal import availability
from portal.extensions import db
from portal.models import Role

from . import factories as f

pytestmark = pytest.mark.config(TODAY="2025-11-05")
WEEK = "mulai=2025-11-03&hari=7"


@pytest.fixture
def many_units(app):
    """120 units of one agency in one kecamatan; Thursdays are WFH days (Tahap I)."""
    def build(count: int):
        with app.app_context():
            opd, kec = f.opd("Disdukcapil"), f.kecamatan()
            f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
            for n in range(count):
                f.unit(f"Loket {n:03d}", owner=opd, kec=kec, essential=n % 10 == 0, rotation_group="AB"[n % 2])
            f.user("kota@bekasikota.go.id", Role.CITY_ADMIN, None)
            db.session.commit()
    return build


def unit_rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row" class="unit-col">(?:<a [^>]*>)?(Loket \d+)', html)


def test_the_schedule_shows_50_units_a_page_and_links_the_next_page(client, many_units):
    many_units(120)
    html = client.get(f"/jadwal?{WEEK}").get_data(as_text=True)
    assert unit_rows(html) == [f"Loket {n:03d}" for n in range(50)]
    assert "120 unit" in html and "halaman 1 dari 3" in html
    next_page = re.search(r'href="([^"]*halaman=2[^"]*)" data-hx-get=[^>]*rel="next"', html).group(1).replace("&amp;", "&")
    assert "mulai=2025-11-03" in next_page and "hari=7" in next_page
    last = client.get(f"/jadwal?{WEEK}&halaman=3").get_data(as_text=True)
    assert unit_rows(last) == [f"Loket {n:03d}" for n in range(100, 120)]
    assert 'rel="next"' not in re.sub(r'<nav class="daynav".*?</nav>', "", last, flags=re.S)
    assert unit_rows(client.get(f"/jadwal?{WEEK}&halaman=9").get_data(as_text=True)) == []


def test_a_page_of_the_schedule_is_also_an_htmx_fragment(client, hx, many_units):
    many_units(60)
    response = client.get(f"/jadwal?{WEEK}&halaman=2", headers=hx)
    html = response.get_data(as_text=True)
    assert "<html" not in html and unit_rows(html) == [f"Loket {n:03d}" for n in range(50, 60)]
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("bad", ["0", "abc", "-1"])
def test_a_bad_page_number_is_a_clear_400(client, many_units, bad):
    many_units(3)
    response = client.get(f"/jadwal?{WEEK}&halaman={bad}")
    assert response.status_code == 400 and "halaman" in response.get_data(as_text=True)


def counting(monkeypatch, name: str) -> list:
    calls = []
    original = getattr(availability, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(availability, name, counted)
    return calls


@pytest.mark.config(RESPONSE_CACHE=False)  # the second request must render, not come from the cache
@pytest.mark.parametrize("url, login", [(f"/jadwal?{WEEK}", False), (f"/admin/ketersediaan?{WEEK}", True)])
def test_the_reasons_are_worded_once_per_request_whatever_the_number_of_units(client, auth, many_units,
                                                                             monkeypatch, url, login):
    many_units(50)
    if login:
        auth.login("kota@bekasikota.go.id")
    assert client.get(url).status_code == 200
    explained = counting(monkeypatch, "_explain")
    translated = counting(monkeypatch, "_")
    html = client.get(url).get_data(as_text=True)
    cells = html.count('class="cell st-')
    assert cells >= 25 * 7
    # A week has a handful of reasons: regular hours, no hours at the weekend, the WFH Thursday,
    # the essential unit on that Thursday.
    assert 0 < len(explained) <= 6
    assert len(translated) <= 12
