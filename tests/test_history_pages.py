"""The history strip, the OPD page, the API and /statistik on constructed data: a confirmed report
breaks a day, a rejected one does not, a staff change made that morning does."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Override
from portal.overrides import set_override

from . import factories as f

TODAY = date(2025, 11, 10)  # a Monday; the window is 12 Aug – 9 Nov 2025
THURSDAY, FRIDAY = date(2025, 11, 6), date(2025, 11, 7)
FIRST = TODAY - timedelta(days=90)


def weekdays_in_window() -> int:
    return sum((FIRST + timedelta(days=n)).weekday() < 5 for n in range(90))


def at_local(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Bekasi (UTC+7) on ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=7)


def build():
    """An agency with two units: a confirmed and a rejected report about A, a same-day change at
    B on Friday morning, and a change for B announced the day before."""
    owner = f.opd("Disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
    owner.phone = "021-8825 0000"
    a = f.unit("Loket Disdukcapil Mal", owner=owner, slug="loket-a")
    b = f.unit("Loket Disdukcapil Kecamatan", owner=owner, slug="loket-b")
    other = f.unit("Loket Dinsos", owner=f.opd("Dinsos"), slug="loket-dinsos")
    staff = f.user("staff@disdukcapil.example", owner=owner)
    f.report(a, visited_on=THURSDAY, status="verified", created_at=at_local(THURSDAY, 12), code="BKS-AAAA-0001")
    f.report(a, visited_on=date(2025, 11, 5), status="rejected", created_at=at_local(date(2025, 11, 5), 12),
             code="BKS-AAAA-0002")
    f.report(a, visited_on=date(2025, 11, 4), status="received", created_at=at_local(date(2025, 11, 4), 12),
             code="BKS-AAAA-0003", description="Antrean tidak bergerak sejak pagi.")
    f.report(other, visited_on=THURSDAY, status="resolved", created_at=at_local(THURSDAY, 12), code="BKS-AAAA-0004")
    for day, made, reason in ((FRIDAY, at_local(FRIDAY, 8), "Listrik padam"),
                              (date(2025, 11, 3), at_local(date(2025, 10, 31), 15), "Rapat koordinasi")):
        override = set_override(b, day, day, "closed", reason, staff)
        override.created_at = made
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == override.id,
                                                            AuditEvent.object_type == "Override")).one()
        event.at = made
    db.session.commit()


pytestmark = pytest.mark.config(TODAY=TODAY)


@pytest.fixture
def world(app):
    with app.app_context():
        build()


def strip_bars(html: str, strip_id: str) -> list[tuple[str, str, str]]:
    """(day, classes, text) of every bar of a strip."""
    block = html.split(f'id="{strip_id}"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li class="bar ([^"]*)" tabindex="0" data-day="([\d-]+)">.*?<span class="bar-tip">(.*?)</span>',
                      block, re.S)


def test_the_unit_page_counts_a_confirmed_report_and_not_a_rejected_one(world, client):
    html = client.get("/unit/loket-a").get_data(as_text=True)
    days = weekdays_in_window()
    assert f"Hari layanan di lokasi ditepati: {days - 1} dari {days}," in html
    bars = strip_bars(html, "history-unit")
    assert len(bars) == 90 and bars[0][1] == FIRST.isoformat() and bars[-1][1] == "2025-11-09"
    broken = [(day, text) for classes, day, text in bars if "broken" in classes]
    assert [day for day, _text in broken] == ["2025-11-06"]
    assert "Kamis, 6 November 2025: Buka tatap muka." in broken[0][1]
    assert "1 laporan gangguan dikonfirmasi petugas (Tutup padahal dijadwalkan buka)" in broken[0][1]
    wednesday = next(text for classes, day, text in bars if day == "2025-11-05")
    assert "Hari tatap muka ditepati." in wednesday  # the rejected report breaks nothing
    assert 'href="/opd/disdukcapil"' in html  # the unit page links to its agency
    assert "<details class=\"history-definition\">" in html and 'id="history-unit-table"' in html


def test_a_staff_change_made_that_morning_breaks_the_day(world, client):
    html = client.get("/unit/loket-b?lang=en").get_data(as_text=True)
    days = weekdays_in_window()
    # Monday 3 Nov was closed the Friday before: not an on-site day, nothing broken.
    assert f"On-site service days kept: {days - 2} of {days - 1}," in html
    bars = strip_bars(html, "history-unit")
    broken = [(day, text) for classes, day, text in bars if "broken" in classes]
    assert [day for day, _text in broken] == ["2025-11-07"]
    assert "Friday, 7 November 2025: Closed." in broken[0][1]
    assert "Staff changed the status on the day itself, at 08:00; published that morning: open on-site." in broken[0][1]
    monday = next(text for classes, day, text in bars if day == "2025-11-03")
    assert "Closed" in monday and "Rapat koordinasi" in monday and "No disruption confirmed." in monday


def test_the_api_gives_the_same_figures_per_unit(world, client):
    history = client.get("/api/v1/units/loket-b").get_json()["data"]["history"]
    days = weekdays_in_window()
    assert (history["from"], history["to"]) == (FIRST.isoformat(), "2025-11-09")
    assert (history["onsite_days"], history["kept"], history["broken_days"]) == (days - 1, days - 2, 1)
    friday = next(day for day in history["days"] if day["date"] == "2025-11-07")
    assert friday == {"date": "2025-11-07", "status": "closed", "promised_status": "open", "promised_onsite": True,
                      "broken": True, "kept": False, "confirmed_reports": 0, "same_day_changes": 1}


def test_the_opd_page_shows_units_strip_figures_open_reports_and_contact(world, client):
    response = client.get("/opd/disdukcapil")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dinas Kependudukan dan Pencatatan Sipil" in html and "021-8825 0000" in html
    assert 'href="/unit/loket-a"' in html and 'href="/unit/loket-b"' in html and "loket-dinsos" not in html
    days = weekdays_in_window()
    assert f"Hari layanan di lokasi ditepati: {2 * days - 3} dari {2 * days - 1}," in html
    bars = strip_bars(html, "history-opd")
    assert len(bars) == 90
    assert [day for classes, day, _text in bars if "broken" in classes] == ["2025-11-06", "2025-11-07"]
    thursday = next(text for classes, day, text in bars if day == "2025-11-06")
    assert "Janji tidak ditepati di 1 unit: Loket Disdukcapil Mal." in thursday
    # Open reports only: the received one, not the rejected one nor another agency's.
    assert "BKS-AAAA-0003" in html and "BKS-AAAA-0002" not in html and "BKS-AAAA-0004" not in html
    assert 'href="/statistik?opd=disdukcapil&amp;dari=2025-08-12&amp;sampai=2025-11-09"' in html
    assert "Set-Cookie" not in response.headers  # cacheable like the other public pages
    again = client.get("/opd/disdukcapil", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_unknown_opd_is_a_clear_404(world, client):
    response = client.get("/opd/tidak-ada")
    assert response.status_code == 404
    assert "Tidak ada perangkat daerah (OPD) “tidak-ada”" in response.get_data(as_text=True)


def test_statistik_has_a_kept_column_and_csv_section(world, client):
    html = client.get("/statistik?dari=2025-11-01&sampai=2025-11-30").get_data(as_text=True)
    row = html.split('<tr data-opd="disdukcapil">', 1)[1].split("</tr>", 1)[0]
    # 1–9 Nov: 5 weekdays each, Monday 3 Nov closed at B: 9 on-site days, 7 kept.
    assert 'data-figure="kept">7/9 (77,8%)' in row
    assert 'href="/opd/disdukcapil"' in row
    text = client.get("/statistik.csv?dari=2025-11-01&sampai=2025-11-30").get_data(as_text=True)
    rows = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if r[0] == "opd_kept_days"]
    figures = {(r[1], r[7]): r[8] for r in rows}
    assert figures[("disdukcapil", "onsite_days")] == "9" and figures[("disdukcapil", "kept")] == "7"
    assert figures[("dinsos", "kept")] == "4"  # its resolved report on Thursday breaks that day
    assert {r[2] for r in rows} == {"2025-11-01"} and {r[3] for r in rows} == {"2025-11-09"}
    api = client.get("/api/v1/statistics?from=2025-11-01&to=2025-11-30").get_json()["kept_onsite_days"]
    assert (api["from"], api["to"]) == ("2025-11-01", "2025-11-09")
    assert {row["opd"]: (row["onsite_days"], row["kept"]) for row in api["opds"]} == {
        "disdukcapil": (9, 7), "dinsos": (5, 4)}


def test_reports_list_links_the_agency_page(world, client):
    html = client.get("/laporan").get_data(as_text=True)
    assert 'href="/opd/disdukcapil"' in html


@pytest.mark.config(RESPONSE_CACHE=False)
def test_the_opd_page_reads_a_fixed_number_of_queries_whatever_its_units(app, world, client):
    from .test_http_cache import sql_statements

    def queries() -> int:
        with sql_statements(app) as statements:
            assert client.get("/opd/disdukcapil").status_code == 200
        return len(statements)

    before = queries()
    with app.app_context():
        owner = f.opd("Disdukcapil")
        for n in range(4):
            f.unit(f"Loket Tambahan {n}", owner=owner, slug=f"loket-tambahan-{n}")
        db.session.commit()
    assert queries() == before


def test_an_agency_without_units_has_a_page_without_a_strip(app, client):
    with app.app_context():
        f.opd("Inspektorat", "Inspektorat Daerah")
        db.session.commit()
    response = client.get("/opd/inspektorat?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This agency has no active service unit." in html
    assert "On-site service days kept: no on-site day was published in this period." in html
    assert 'id="history-opd"' not in html
