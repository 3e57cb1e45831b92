"""The public pages with the Bekasi demo data: what a citizen sees, and bad input."""

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from portal import availability
from portal.extensions import db
from portal.models import ServiceUnit
from portal.overrides import set_override
from portal.schedule import Status

from . import factories as f

pytestmark = pytest.mark.demo


def unit_rows(html: str) -> list[tuple[str, str]]:
    """(unit slug, status) for every unit row of the list page."""
    return re.findall(r'class="unit-row st-row-(\w+)">\s*<div class="unit-main">\s*<a class="unit-name" '
                      r'href="/unit/([\w-]+)', html)


def statuses(app, day):
    with app.test_request_context():
        units = db.session.scalars(availability.unit_query()).unique().all()
        return {row.unit.slug: (row.unit, row.day) for row in availability.statuses_on(units, day)}


def test_demo_has_the_real_opds_and_at_least_60_units_in_all_12_kecamatan(app):
    with app.app_context():
        units = db.session.scalars(select(ServiceUnit)).all()
        assert len(units) >= 60
        assert len({u.kecamatan.name for u in units}) == 12
        shorts = {u.opd.short_name for u in units}
        for name in ("Disdukcapil", "DPMPTSP", "Dinkes", "RSUD", "Damkar", "Dinsos", "Disnaker",
                     "Dishub", "Bapenda", "BKPSDM"):
            assert name in shorts
        assert sum(1 for u in units if u.name.startswith("Kantor Kelurahan")) == 56


def test_thursday_of_tahap_1_every_non_essential_unit_is_online_and_names_tahap_1(app, client):
    day = date(2025, 11, 6)
    by_slug = statuses(app, day)
    with app.test_request_context():
        for slug, (unit, result) in by_slug.items():
            if unit.essential:
                assert result.status is Status.OPEN, slug
                assert unit.open_24_7 or (result.opens, result.closes) == unit.weekly_hours()[day.weekday()]
            else:
                assert result.status is Status.ONLINE, slug
                assert "Tahap I" in availability.explain(result)
    html = client.get("/?tanggal=2025-11-06").get_data(as_text=True)
    rows = unit_rows(html)
    assert len(rows) == len(by_slug)
    assert {status for status, slug in rows if not by_slug[slug][0].essential} == {"online"}
    assert "Kamis: ASN WFH — unit layanan penting tetap buka" in html
    assert "Kamis, 6 November 2025" in html


def test_christmas_closes_every_unit_that_is_not_24_7(app, client):
    by_slug = statuses(app, date(2025, 12, 25))
    for slug, (unit, result) in by_slug.items():
        if unit.open_24_7:
            assert result.status is Status.OPEN
        else:
            assert result.status is Status.CLOSED, slug
            assert result.holiday.name == "Hari Raya Natal"
    html = client.get("/?tanggal=2025-12-25").get_data(as_text=True)
    assert html.count("Hari Raya Natal") >= sum(1 for u, _ in by_slug.values() if not u.open_24_7)


def test_a_december_weekday_follows_the_50_50_rule(app, client):
    by_slug = statuses(app, date(2025, 12, 3))
    for slug, (unit, result) in by_slug.items():
        if unit.essential:
            assert result.status is Status.OPEN
        elif result.override is None:
            assert result.status is Status.LIMITED, slug
    html = client.get("/?tanggal=2025-12-03").get_data(as_text=True)
    assert "Pola 50-50" in html and "Tatap muka terbatas" in html


def test_thursday_before_the_trial_follows_regular_hours(app):
    for slug, (unit, result) in statuses(app, date(2025, 10, 30)).items():
        assert result.status is Status.OPEN, slug
        assert result.source.value in ("regular",)


def test_override_shows_on_the_list_the_unit_page_and_the_ics(app, client):
    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug="kantor-dinas-sosial"))
        set_override(unit, date(2025, 11, 4), date(2025, 11, 4), Status.CLOSED,
                     "Pemadaman listrik PLN", actor=None)
        db.session.commit()
    html = client.get("/?tanggal=2025-11-04").get_data(as_text=True)
    assert ("closed", "kantor-dinas-sosial") in unit_rows(html)
    assert "Diubah oleh petugas unit: Pemadaman listrik PLN" in html
    page = client.get("/unit/kantor-dinas-sosial?tanggal=2025-11-03").get_data(as_text=True)
    assert "Pemadaman listrik PLN" in page
    app.config["TODAY"] = date(2025, 11, 3)
    ics = client.get("/unit/kantor-dinas-sosial.ics").get_data(as_text=True)
    event = ics.split("UID:kantor-dinas-sosial-2025-11-04@")[1].split("END:VEVENT")[0]
    unfolded = event.replace("\r\n ", "")
    assert "Pemadaman listrik PLN" in unfolded
    assert "DTSTART;VALUE=DATE:20251104" in ics.replace("\r\n ", "")


def test_unit_page_shows_the_next_14_days_and_the_next_onsite_day(client):
    page = client.get("/unit/kantor-dinas-sosial?tanggal=2025-11-06").get_data(as_text=True)
    assert page.count('<tr class="st-row-') == 14
    assert "Hari tatap muka berikutnya:" in page
    assert "Jumat, 7 November 2025" in page
    assert "openstreetmap.org" in page
    assert "Kanal daring" in page


def test_ics_is_a_calendar_of_the_next_60_days(app, client):
    app.config["TODAY"] = date(2025, 11, 1)
    response = client.get("/unit/puskesmas-jatiasih.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR")
    assert body.count("BEGIN:VEVENT") == 60
    assert "UID:puskesmas-jatiasih-2025-12-30@" in body
    assert "DTSTART;TZID=Asia/Jakarta:20251106T073000" in body  # essential: open on Thursday


def test_jadwal_shows_units_by_days(client):
    html = client.get("/jadwal?mulai=2025-11-03&hari=7").get_data(as_text=True)
    assert html.count('<td class="cell') == 7 * html.count('<th scope="row" class="unit-col">')
    assert "Kam 6/11" in html
    assert client.get("/jadwal?mulai=2025-12-01&hari=31").status_code == 200


def test_filters_by_opd_kecamatan_status_and_text(client):
    rows = unit_rows(client.get("/?tanggal=2025-11-06&opd=dinkes").get_data(as_text=True))
    assert rows and all(slug.startswith(("puskesmas", "dinas-kesehatan")) for _, slug in rows)
    rows = unit_rows(client.get("/?tanggal=2025-11-06&kecamatan=jatiasih").get_data(as_text=True))
    assert len(rows) == 1 + 6 + 1 + 1  # kecamatan office, 6 kelurahan, a puskesmas and a damkar post
    response = client.get("/?tanggal=2025-11-06&status=open")
    assert response.status_code == 200
    rows = unit_rows(response.get_data(as_text=True))
    assert rows and {status for status, _ in rows} == {"open"}
    assert 'value="open" selected' in response.get_data(as_text=True)
    rows = unit_rows(client.get("/?tanggal=2025-11-06&q=KTP").get_data(as_text=True))
    assert {slug for _, slug in rows} >= {"disdukcapil-kantor-dinas", "disdukcapil-mpp"}
    rows = unit_rows(client.get("/?q=%25_%25").get_data(as_text=True))  # LIKE wildcards are literal
    assert rows == []


@pytest.mark.parametrize("url, code, message", [
    ("/?tanggal=bukan-tanggal", 400, "bukan tanggal yang valid"),
    ("/?tanggal=99999-01-01", 400, "bukan tanggal yang valid"),
    ("/?tanggal=2025-02-30", 400, "bukan tanggal yang valid"),
    ("/?tanggal=1900-01-01", 400, "terlalu jauh"),
    ("/?opd=tidak-ada", 400, "OPD “tidak-ada” tidak dikenal"),
    ("/?kecamatan=atlantis", 400, "Kecamatan “atlantis” tidak dikenal"),
    ("/?status=buka", 400, "Status “buka” tidak dikenal"),
    ("/unit/tidak-ada", 404, "Tidak ada unit layanan"),
    ("/unit/tidak-ada.ics", 404, "Tidak ada unit layanan"),
    ("/jadwal?hari=0", 400, "harus bilangan bulat"),
    ("/jadwal?hari=abc", 400, "harus bilangan bulat"),
    ("/jadwal?mulai=2025-13-01", 400, "bukan tanggal yang valid"),
    ("/halaman-yang-tidak-ada", 404, "tidak ada atau sudah dipindahkan"),
])
def test_bad_input_gets_a_clear_indonesian_error(client, url, code, message):
    response = client.get(url)
    assert response.status_code == code
    assert message in response.get_data(as_text=True)


def test_list_and_fragment_answer_the_same_url(client, hx):
    page = client.get("/?tanggal=2025-11-06&opd=dinkes")
    fragment = client.get("/?tanggal=2025-11-06&opd=dinkes", headers=hx)
    for response in (page, fragment):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    assert unit_rows(body) == unit_rows(page.get_data(as_text=True))
    assert 'data-hx-swap-oob="true"' in body  # the date field follows the prev/next links


def test_boosted_and_history_restore_requests_get_the_full_page(client, hx):
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        body = client.get("/jadwal?mulai=2025-11-03", headers={**hx, **extra}).get_data(as_text=True)
        assert "<html" in body


def test_grid_fragment_has_vary(client, hx):
    response = client.get("/jadwal?mulai=2025-11-03", headers=hx)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in response.get_data(as_text=True)


def test_english_is_available_and_remembered(client):
    response = client.get("/?tanggal=2025-11-06&lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Thursday, 6 November 2025" in html
    assert "Phase I" in html
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    html = client.get("/unit/disdukcapil-mpp").get_data(as_text=True)
    assert '<html lang="en">' in html and "Online channel" in html
    html = client.get("/?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in html


def test_pages_say_the_data_is_demo_data(client):
    for url in ("/", "/jadwal", "/unit/rsud-igd"):
        assert "Data demo." in client.get(url).get_data(as_text=True)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_day_navigation_links_to_the_previous_and_next_day(client):
    html = client.get("/?tanggal=2025-11-06&opd=dinkes").get_data(as_text=True)
    assert 'href="/?tanggal=2025-11-05&amp;opd=dinkes"' in html
    assert 'href="/?tanggal=2025-11-07&amp;opd=dinkes"' in html


def test_24_7_unit_shows_24_hours(client):
    html = client.get("/unit/rsud-igd?tanggal=2025-12-25").get_data(as_text=True)
    assert "24 jam" in html and "Hari Raya Natal, tetapi unit ini buka 24 jam setiap hari." in html


def test_unit_from_factory_with_an_override_on_a_saturday(app, client):
    with app.app_context():
        unit = f.unit("Loket Uji", owner=f.opd("Disdukcapil"))
        set_override(unit, date(2025, 11, 8), date(2025, 11, 8), Status.OPEN, "Layanan Sabtu",
                     actor=None, opens=time(8), closes=time(12))
        db.session.commit()
    html = client.get("/unit/loket-uji?tanggal=2025-11-07").get_data(as_text=True)
    assert "Sabtu, 8 November 2025" in html and "08.00–12.00" in html


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)
