"""What people read: every audit action and field in words (both languages), the right role named
for a change, a unit's change list with availability changes only, sentences that do not repeat."""

import html as html_lib
import re
from datetime import date, time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal import outputs
from portal.admin.audit_log import ACTION_LABELS, FIELD_LABELS
from portal.extensions import db
from portal.models import AuditEvent, Report, ServiceUnit, User
from portal.overrides import set_override
from portal.reports import service, triage

from .staff import TODAY, build_world, sign_in

PORTAL = Path(__file__).resolve().parent.parent / "portal"
ACTION = re.compile(r'"((?:login|user|opd|unit|phase|holiday|override|report|outputs|indicator|costs|suggestion)'
                    r'\.(?!id")[a-z_]+)"')


def test_every_action_the_code_records_has_a_label():
    recorded = {match for path in PORTAL.rglob("*.py") for match in ACTION.findall(path.read_text())}
    assert len(recorded) > 30
    assert sorted(recorded - set(ACTION_LABELS)) == []


@pytest.fixture
def trail(app, client):
    """One event of every kind staff and residents cause, made by the real functions."""
    with app.app_context():
        w = build_world()
        report = db.session.get(Report, w.report_a.id)
        service.record_created(report)
        city, admin_a = db.session.get(User, w.city.id), db.session.get(User, w.admin_a.id)
        triage.change_status(report, admin_a, "in_progress", public_message="Petugas piket ditambah.",
                             internal_note="Hubungi kepala loket.")
        triage.record_contact_view(report, city)
        triage.erase_contact(report, None, reason="retention")
        triage.reassign(report, city, w.opd_b, note="Salah alamat")
        triage.set_spam(report, city, True)
        set_override(w.unit_a, date(2025, 11, 19), date(2025, 11, 19), "limited", "Server SIAK", admin_a,
                     opens=time(8), closes=time(12))
        indicator = outputs.add_indicator(w.opd_a, "KTP-el tercetak", "keping", "ktp-el-tercetak", admin_a)
        outputs.save_day(w.opd_a, date(2025, 11, 4), "wfh", 12, 12, 10, {indicator: 40}, admin_a)
        outputs.save_day(w.opd_a, date(2025, 11, 4), "wfh", 12, 12, 11, {indicator: 41}, admin_a)
        outputs.save_costs(w.opd_a, date(2025, 10, 1), {"electricity": 1_000_000, "water": None,
                                                        "fuel": None, "consumables": None}, admin_a)
        db.session.commit()
        return SimpleNamespace(city=w.city.id)


def audit_page(client, lang: str) -> str:
    pages = []
    for number in (1, 2):
        pages.append(client.get(f"/admin/audit?halaman={number}&lang={lang}").get_data(as_text=True))
    return html_lib.unescape("".join(pages))


@pytest.mark.config(TODAY=TODAY)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_audit_trail_names_every_action_field_and_value_in_words(client, trail, lang):
    sign_in(client, trail.city)
    page = audit_page(client, lang)
    headings = re.findall(r"<li>\s*<strong>([^<]*)</strong>", page)
    assert len(headings) >= 12
    assert [h for h in headings if re.fullmatch(r"[a-z_]+\.[a-z_]+", h)] == []
    fields = re.findall(r'<th scope="row">([^<]*)</th>', page)
    assert fields and [f for f in fields if "_" in f or f in FIELD_LABELS] == []
    for raw in ("no_staff", "closed_though_open", "in_progress", "has_contact", ">retention<", ">wfh<", ">web<"):
        assert raw not in page
    assert not re.search(r"\b\d{2}[:.]\d{2}[:.]\d{2}\b", page), "times are shown without seconds"
    if lang == "id":
        assert "Laporan dijawab" in page and "Kategori" in page and "Dari rumah (WFH)" in page
        assert "08.00" in page and "Oktober 2025" in page and "akhir masa simpan" in page
    else:
        assert "Report answered" in page and "Category" in page and "From home (WFH)" in page
        assert "08:00" in page and "October 2025" in page


@pytest.mark.config(TODAY=TODAY)
def test_a_city_admins_change_is_credited_to_the_city_not_the_units_staff(app, client):
    with app.app_context():
        w = build_world()
        set_override(w.unit_b, date(2025, 11, 6), date(2025, 11, 6), "closed", "Banjir", db.session.get(User, w.city.id))
        db.session.commit()
        slug_a, slug_b = w.unit_a.slug, w.unit_b.slug
    page = client.get(f"/unit/{slug_b}?tanggal=2025-11-06").get_data(as_text=True)
    assert "Diubah oleh admin kota (BKPSDM): Banjir" in page and "petugas unit: Banjir" not in page
    assert "Diubah oleh admin kota (BKPSDM), " in page  # the recent changes list
    page = client.get(f"/unit/{slug_a}?tanggal=2025-11-12").get_data(as_text=True)
    assert "Diubah oleh petugas unit: Pemadaman listrik" in page  # made by the unit's own agency


@pytest.mark.demo
def test_a_units_recent_changes_are_availability_changes_only(app, client):
    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug="kantor-kelurahan-harapan-baru"))
        reported = db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.unit_id == unit.id, AuditEvent.public.is_(True), AuditEvent.action.like("report.%")))
        assert reported is not None  # the demo has public report events for this unit
    page = client.get("/unit/kantor-kelurahan-harapan-baru").get_data(as_text=True)
    changes = page.split('id="changes-heading"')[1].split("</section>")[0]
    assert "Kantor tergenang banjir" in changes
    assert "Warga" not in changes and "Laporan" not in changes


@pytest.mark.demo
def test_the_tahap_2_reason_says_50_50_once(client):
    page = client.get("/unit/kantor-dinas-sosial?tanggal=2025-12-02").get_data(as_text=True)
    assert "pola 50-50" in page and "pola 50-50: pola 50-50" not in page
    assert "separuh pegawai bekerja di kantor" in page


@pytest.mark.config(TODAY=TODAY)
def test_the_editor_for_another_day_does_not_say_today(app, client):
    with app.app_context():
        w = build_world()
        ids = SimpleNamespace(unit=w.unit_a.id, admin=w.admin_a.id)
    sign_in(client, ids.admin)
    page = client.get(f"/admin/ketersediaan/{ids.unit}/2025-11-20").get_data(as_text=True)
    assert "untuk tanggal ini saja" in page and "hari ini saja" not in page


def test_open311_discovery_says_its_limits_in_the_readers_language(client):
    indonesian = client.get("/open311/v2/discovery.json").get_json()["key_service"]
    assert "per menit" in indonesian and "minute" not in indonesian
    english = client.get("/open311/v2/discovery.json?lang=en").get_json()["key_service"]
    assert "No API key is needed" in english and "per minute" in english



@pytest.mark.demo
def test_dates_on_pages_are_machine_readable_in_bekasi_time(client):
    page = client.get("/unit/disdukcapil-mpp?tanggal=2025-11-20").get_data(as_text=True)
    assert '<time datetime="2025-11-20">Kamis, 20 November 2025</time>' in page
    # The change was decided the day before, at 14.20 WIB.
    assert '<time datetime="2025-11-19T14:20:00+07:00">19 Nov 2025 14.20</time>' in page
    listing = client.get("/laporan").get_data(as_text=True)
    assert re.search(r'<time datetime="2025-\d\d-\d\dT\d\d:\d\d:00\+07:00">', listing)
