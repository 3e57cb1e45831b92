"""The home page stays cheap and bounded at any number of units: it lists 120 units a page
(?halaman=; a city the size of the demo, 107 units, fits on one), while the counts per status,
the banner and the timeline cover every unit; the same few SQL statements whatever the number of
units, and each distinct reason worded once per request."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import event

from portal import availability
from portal.extensions import db
from portal.overrides import set_override
from portal.public.views import HOME_UNITS_PER_PAGE

from . import factories as f
from .html_tables import unit_row

pytestmark = pytest.mark.config(TODAY="2025-11-06")  # a WFH Thursday of Tahap I
THURSDAY = "tanggal=2025-11-06"


@pytest.fixture
def many_units(app):
    """Units of one agency in one kecamatan, every tenth essential; Thursdays are WFH days."""
    def build(count: int, first: int = 0, agency: str = "Disdukcapil"):
        with app.app_context():
            opd, kec = f.opd(agency), f.kecamatan()
            if first == 0:
                f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
            for n in range(first, first + count):
                f.unit(f"Loket {n:03d}", owner=opd, kec=kec, essential=n % 10 == 0, rotation_group="AB"[n % 2])
            db.session.commit()
    return build


def unit_rows(html: str) -> list[tuple[str, str]]:
    """(status, unit name) of every unit row of the list."""
    return re.findall(r'class="unit-row st-row-(\w+)">\s*<div class="unit-main">\s*<a class="unit-name" '
                      r'href="/unit/[\w-]+">(Loket \d+)</a>', html)


def pager_link(html: str, rel: str) -> str | None:
    found = re.search(rf'<nav class="pager".*?href="([^"]*)"[^>]*rel="{rel}"', html, re.S)
    return found and found.group(1).replace("&amp;", "&")


def test_the_home_page_lists_120_units_a_page_and_counts_every_unit(client, many_units):
    many_units(130)
    html = client.get(f"/?{THURSDAY}").get_data(as_text=True)
    assert HOME_UNITS_PER_PAGE == 120
    assert [name for _, name in unit_rows(html)] == [f"Loket {n:03d}" for n in range(120)]
    assert "Unit 1–120 dari 130." in html and "halaman 1 dari 2" in html
    # The counts speak of all 130 units, not of the page: 13 essential ones on-site, 117 online.
    counts = re.search(r'<ul class="counts".*?</ul>', html, re.S).group(0)
    assert re.search(r"Semua <strong>130</strong>", counts)
    assert re.search(r"Buka tatap muka</span> <strong>13</strong>", counts)
    assert re.search(r"Layanan daring saja</span> <strong>117</strong>", counts)
    assert pager_link(html, "prev") is None
    following = pager_link(html, "next")
    assert "halaman=2" in following and THURSDAY in following
    last = client.get(following).get_data(as_text=True)
    assert unit_rows(last) == [("open" if n % 10 == 0 else "online", f"Loket {n:03d}") for n in range(120, 130)]
    assert "Unit 121–130 dari 130." in last and pager_link(last, "next") is None
    assert "halaman=2" not in pager_link(last, "prev")  # back to the first page: no halaman at all


def test_a_short_list_has_no_pager(client, many_units):
    many_units(5)
    html = client.get(f"/?{THURSDAY}").get_data(as_text=True)
    assert len(unit_rows(html)) == 5 and "5 unit ditampilkan." in html
    assert '<nav class="pager"' not in html


def test_the_status_filter_pages_the_units_with_that_status_and_its_links_start_at_page_one(client, many_units):
    many_units(250)  # 25 essential units on-site, 225 online
    html = client.get(f"/?{THURSDAY}&status=online&halaman=2").get_data(as_text=True)
    rows = unit_rows(html)
    assert len(rows) == 105 and {status for status, _ in rows} == {"online"}
    assert "Unit 121–225 dari 225." in html
    counts = re.search(r'<ul class="counts".*?</ul>', html, re.S).group(0)
    assert "halaman=" not in counts  # another status has other pages
    opened = client.get(f"/?{THURSDAY}&status=open").get_data(as_text=True)
    assert len(unit_rows(opened)) == 25 and '<nav class="pager"' not in opened


def test_a_page_of_the_list_is_also_an_htmx_fragment(client, hx, many_units):
    many_units(125)
    response = client.get(f"/?{THURSDAY}&halaman=2", headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert [name for _, name in unit_rows(html)] == [f"Loket {n:03d}" for n in range(120, 125)]


@pytest.mark.parametrize("bad", ["0", "abc", "-1", "1.5"])
def test_a_bad_page_number_is_a_clear_400(client, many_units, bad):
    many_units(3)
    response = client.get(f"/?halaman={bad}")
    assert response.status_code == 400 and "“halaman” harus bilangan bulat" in response.get_data(as_text=True)


def test_a_page_past_the_last_is_a_404_that_says_how_many_pages_there_are(client, many_units):
    many_units(130)
    response = client.get(f"/?{THURSDAY}&halaman=3")
    assert response.status_code == 404
    assert "Tidak ada halaman 3: daftar ini punya 2 halaman." in response.get_data(as_text=True)
    english = client.get(f"/?{THURSDAY}&halaman=3&lang=en")
    assert english.status_code == 404
    assert "There is no page 3: this list has 2 pages." in english.get_data(as_text=True)
    # No unit matches: the first page still answers, and says so.
    empty = client.get("/?q=tidak-ada-unit-ini&lang=id")
    assert empty.status_code == 200 and "Tidak ada unit yang cocok" in empty.get_data(as_text=True)


def test_units_that_differ_in_one_fact_keep_their_own_status_and_reason(app, client, many_units):
    """Units with the same facts share one answer; a unit with an override, an exempt agency,
    other hours or no hours that day gets its own."""
    many_units(20)
    with app.app_context():
        phase = db.session.scalar(db.select(availability.PolicyPhase))
        dinsos, kec = f.opd("Dinsos"), f.kecamatan()
        phase.exempt_opds.append(f.opd("Bapenda"))
        f.unit("Loket Bapenda", owner=f.opd("Bapenda"), kec=kec)
        f.unit("Loket Siang", owner=dinsos, kec=kec, hours={3: (time(13), time(17))}, essential=True)
        f.unit("Loket Senin", owner=dinsos, kec=kec, hours={0: (time(8), time(12))})
        f.unit("Loket Malam", owner=dinsos, kec=kec, open_24_7=True)
        flooded = f.unit("Loket Banjir", owner=dinsos, kec=kec, essential=True)
        set_override(flooded, date(2025, 11, 6), date(2025, 11, 6), "closed", "Kantor kebanjiran", actor=None)
        db.session.commit()
    html = client.get(f"/?{THURSDAY}").get_data(as_text=True)
    expected = {  # name: (status, words of its reason)
        "Loket 001": ("online", "Tahap I"), "Loket 000": ("open", "08.00–15.00"),
        "Loket Bapenda": ("open", "dikecualikan"), "Loket Siang": ("open", "13.00–17.00"),
        "Loket Senin": ("closed", "Tidak ada layanan pada hari Kamis"),
        "Loket Malam": ("online", "24 jam"),  # 24/7, not essential
        "Loket Banjir": ("closed", "Kantor kebanjiran"),
    }
    for name, (status, reason) in expected.items():
        row = unit_row(html, name=name)
        assert f"st-row-{status}" in row and reason in row, name


@pytest.fixture
def statements(app):
    counted = []
    with app.app_context():
        engine = db.engine

    def count(*args, **kwargs):
        counted.append(1)

    event.listen(engine, "before_cursor_execute", count)
    yield counted
    event.remove(engine, "before_cursor_execute", count)


@pytest.mark.config(RESPONSE_CACHE=False)  # every request renders
def test_the_home_page_costs_the_same_few_statements_and_reasons_at_any_number_of_units(
        client, many_units, statements, monkeypatch):
    many_units(10)
    assert client.get(f"/?{THURSDAY}").status_code == 200
    statements.clear()
    assert client.get(f"/?{THURSDAY}").status_code == 200
    few = len(statements)
    many_units(240, first=10, agency="Dinsos")  # a second agency's 240 units
    statements.clear()
    explained = []
    original = availability._explain
    monkeypatch.setattr(availability, "_explain", lambda day: explained.append(1) or original(day))
    html = client.get(f"/?{THURSDAY}").get_data(as_text=True)
    assert len(unit_rows(html)) == 120
    assert len(statements) == few <= 14
    # The essential units' and the others' reasons on a WFH Thursday: two distinct reasons.
    assert len(explained) == 2
