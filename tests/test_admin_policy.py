"""BKPSDM's policy phases (previewed before they are saved) and local holidays."""

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Holiday, PolicyPhase, Role
from portal.policy import PhaseDraft
from portal.schedule import RuleKind

from . import factories as f
from .staff import TODAY, database_state, phase_form_data, sign_in, staff_user

pytestmark = pytest.mark.config(TODAY=TODAY)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def city(app):
    """Three units (ordinary, essential, of an exempt OPD), Tahap I in November, a city admin."""
    with app.app_context():
        f.unit("Kantor Kelurahan Harapan Jaya", owner=f.opd("Kec. Bekasi Utara"))
        f.unit("Puskesmas Bekasi Utara", owner=f.opd("Dinkes"), essential=True)
        f.unit("Kantor Dinsos", owner=f.opd("Dinsos"))
        f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
        admin = staff_user("bkpsdm@bekasikota.go.id", Role.CITY_ADMIN, None)
        db.session.commit()
        sign_in_id = admin.id
    return sign_in_id


def fridays_draft(app, **changes) -> PhaseDraft:
    with app.app_context():
        dinsos = f.opd("Dinsos").id
    draft = PhaseDraft(name="Uji Jumat", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 16),
                       rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({4}), exempt_opd_ids=frozenset({dinsos}))
    return replace(draft, **changes)


def phases(app):
    with app.app_context():
        return [(p.name, p.starts_on, p.ends_on, p.rule) for p in db.session.scalars(
            select(PolicyPhase).order_by(PolicyPhase.starts_on))]


def test_preview_counts_the_units_that_change_on_which_days(app, client, city):
    """Fridays 9 and 16 Jan 2026 online: the essential unit and the exempt OPD's unit keep their
    hours, and a local holiday on the 16th closes everyone anyway: one unit on one day changes."""
    with app.app_context():
        f.holiday(date(2026, 1, 16), "Libur daerah uji", kind="local")
        db.session.commit()
    sign_in(client, city)
    with app.app_context():
        before = database_state()
    response = client.post("/admin/tahap/baru", data={**phase_form_data(fridays_draft(app)), "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 unit berubah status, pada 1 hari." in html
    assert re.search(r"Jumat, 9 Januari 2026</th><td class=\"num\">1</td>\s*<td><div>1 × .*Buka.*→.*Daring", html)
    assert "5 Jan 2026 sampai 16 Jan 2026 (12 hari, 3 unit aktif)" in html
    assert 'name="preview_token"' in html and "Simpan tahap" in html
    with app.app_context():
        assert database_state() == before  # a preview saves nothing


def test_phase_form_and_preview_answer_htmx_with_the_form_only(client, city, hx, app):
    sign_in(client, city)
    page = client.get("/admin/tahap/baru")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    response = client.post("/admin/tahap/baru", headers=hx,
                           data={**phase_form_data(fridays_draft(app)), "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<form id="phase-form"') and "Dampak tahap ini" in html
    assert "HX-Request" in response.headers["Vary"]


def test_saving_needs_the_preview_of_exactly_what_is_saved(app, client, city):
    sign_in(client, city)
    draft = fridays_draft(app)
    unseen = client.post("/admin/tahap/baru", data={**phase_form_data(draft), "save": "1"})
    assert unseen.status_code == 200 and "Isian Anda berubah sejak pratinjau" in unseen.get_data(as_text=True)
    changed = client.post("/admin/tahap/baru", data={
        **phase_form_data(replace(draft, wfh_weekdays=frozenset({0, 4}))), "save": "1",
        "preview_token": draft.token(None)})
    assert "Isian Anda berubah sejak pratinjau" in changed.get_data(as_text=True)
    assert len(phases(app)) == 1
    saved = client.post("/admin/tahap/baru", data={**phase_form_data(draft), "save": "1",
                                                   "preview_token": draft.token(None)})
    assert saved.status_code == 303 and saved.headers["Location"] == "/admin/tahap"
    assert ("Uji Jumat", date(2026, 1, 5), date(2026, 1, 16), "wfh_weekdays") in phases(app)
    with app.app_context():
        phase = db.session.scalar(select(PolicyPhase).filter_by(name="Uji Jumat"))
        assert [opd.short_name for opd in phase.exempt_opds] == ["Dinsos"] and phase.wfh_weekdays == "4"
    assert "Uji Jumat" in client.get("/?tanggal=2026-01-09").get_data(as_text=True)
    feed = ET.fromstring(client.get("/feed.atom").data)
    entry = feed.findall(f"{ATOM}entry")[0]
    assert entry.find(f"{ATOM}title").text == (
        "Tahap kebijakan baru “Uji Jumat”, 5 Jan 2026–16 Jan 2026: WFH setiap Jumat.")
    assert entry.find(f"{ATOM}link").get("href").endswith("/?tanggal=2026-01-05")


def test_an_overlapping_phase_needs_an_explicit_confirmation(app, client, city):
    sign_in(client, city)
    draft = fridays_draft(app, starts_on=date(2025, 11, 17), ends_on=date(2025, 12, 12))
    data = {**phase_form_data(draft), "save": "1", "preview_token": draft.token(None)}
    refused = client.post("/admin/tahap/baru", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Tahap ini tumpang-tindih dengan:" in html and "Tahap I (1 Nov 2025 – 30 Nov 2025)" in html
    assert "Konfirmasikan bahwa Anda sudah memeriksa tumpang-tindihnya." in html
    assert len(phases(app)) == 1
    assert client.post("/admin/tahap/baru", data={**data, "accept_overlap": "y"}).status_code == 303
    assert len(phases(app)) == 2


@pytest.mark.parametrize("changes, field, message", [
    ({"starts_on": date(2025, 11, 1)}, "starts_on", "“Tahap I” dimulai pada hari yang sama."),
    ({"ends_on": date(2026, 1, 1)}, "ends_on", "Tanggal akhir lebih awal dari tanggal mulai."),
    ({"wfh_weekdays": frozenset()}, "wfh_weekdays", "Pilih setidaknya satu hari kerja dari rumah."),
])
def test_impossible_phases_are_refused_clearly(app, client, city, changes, field, message):
    sign_in(client, city)
    draft = fridays_draft(app, **changes)
    response = client.post("/admin/tahap/baru", data={**phase_form_data(draft), "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'<a href="#{field}">' in html
    assert "Dampak tahap ini" not in html


def test_ending_a_phase_is_previewed_and_recorded_as_an_end(app, client, city):
    sign_in(client, city)
    with app.app_context():
        tahap = db.session.scalar(select(PolicyPhase).filter_by(name="Tahap I"))
        tahap_id, draft = tahap.id, PhaseDraft.of(tahap)
    form = client.get(f"/admin/tahap/{tahap_id}?akhiri=1").get_data(as_text=True)
    assert 'id="ends_on" name="ends_on" type="date" value="2025-11-05"' in form
    ended = replace(draft, ends_on=date(2025, 11, 12))
    preview = client.post(f"/admin/tahap/{tahap_id}", data={**phase_form_data(ended), "preview": "1"})
    assert "2 unit berubah status, pada 3 hari." in preview.get_data(as_text=True)  # 3 Thursdays back on-site
    saved = client.post(f"/admin/tahap/{tahap_id}", data={**phase_form_data(ended), "save": "1",
                                                          "preview_token": ended.token(tahap_id)})
    assert saved.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert (event.action, event.public, event.before["ends_on"], event.after["ends_on"]) == (
            "phase.end", True, "2025-11-30", "2025-11-12")
    assert "Hari kerja reguler" in client.get("/?tanggal=2025-11-20").get_data(as_text=True)


def test_only_a_phase_that_has_not_started_can_be_withdrawn(app, client, city):
    sign_in(client, city)
    with app.app_context():
        upcoming = f.phase("Tahap II", date(2025, 12, 1), date(2025, 12, 31), "fifty_fifty")
        running = db.session.scalar(select(PolicyPhase).filter_by(name="Tahap I"))
        db.session.commit()
        upcoming_id, running_id = upcoming.id, running.id
    assert "Batalkan tahap ini" in client.get(f"/admin/tahap/{upcoming_id}").get_data(as_text=True)
    assert "Batalkan tahap ini" not in client.get(f"/admin/tahap/{running_id}").get_data(as_text=True)
    assert client.post(f"/admin/tahap/{upcoming_id}/hapus").status_code == 400  # not confirmed
    refused = client.post(f"/admin/tahap/{running_id}/hapus", data={"confirm": "y"})
    assert refused.status_code == 400 and "Tahap ini sudah berjalan" in refused.get_data(as_text=True)
    assert client.post(f"/admin/tahap/{upcoming_id}/hapus", data={"confirm": "y"}).status_code == 303
    assert [name for name, *_ in phases(app)] == ["Tahap I"]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "phase.delete"


def test_phase_list_tells_which_phase_is_in_force(client, city, app):
    with app.app_context():
        f.phase("Tahap II", date(2025, 12, 1), date(2025, 12, 31), "fifty_fifty")
        db.session.commit()
    sign_in(client, city)
    html = client.get("/admin/tahap").get_data(as_text=True)
    assert html.index("Tahap II") < html.index("Tahap I<")
    assert "sedang berlaku" in html and "akan datang" in html


# --- holidays ------------------------------------------------------------------------------------


def test_a_local_closure_closes_every_unit_but_24_7_ones_and_is_public(app, client, city):
    with app.app_context():
        f.unit("Pos Damkar Bekasi Utara", owner=f.opd("Damkar"), essential=True, open_24_7=True, hours={})
        db.session.commit()
    sign_in(client, city)
    response = client.post("/admin/libur/baru", data={"day": "2025-11-24", "name": "Penutupan layanan: banjir"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/libur?tahun=2025"
    html = client.get("/?tanggal=2025-11-24").get_data(as_text=True)
    assert "Libur daerah: Penutupan layanan: banjir" in html
    assert html.count("st-row-closed") == 3 and html.count("st-row-open") == 1
    feed = ET.fromstring(client.get("/feed.atom").data)
    assert feed.findall(f"{ATOM}entry")[0].find(f"{ATOM}title").text.startswith(
        "Libur daerah atau penutupan layanan pada 24 Nov 2025: Penutupan layanan: banjir.")


def test_national_holidays_are_read_only(app, client, city):
    with app.app_context():
        national = f.holiday(date(2025, 12, 25), "Hari Raya Natal")
        db.session.commit()
        holiday_id = national.id
    sign_in(client, city)
    listing = client.get("/admin/libur?tahun=2025").get_data(as_text=True)
    assert "Hari Raya Natal" in listing and f"/admin/libur/{holiday_id}" not in listing
    with app.app_context():
        before = database_state()
    edit = client.post(f"/admin/libur/{holiday_id}", data={"day": "2025-12-26", "name": "Natal"})
    assert edit.status_code == 403 and "kalender resmi" in edit.get_data(as_text=True)
    assert client.post(f"/admin/libur/{holiday_id}/hapus").status_code == 403
    with app.app_context():
        assert database_state() == before


@pytest.mark.parametrize("day, message", [
    ("2025-12-25", "sudah merupakan hari libur: Hari Raya Natal"),
    ("2025-11-04", "hari yang sudah lewat tetap seperti saat diumumkan"),
    ("25-12-2025", "Tanggal tidak valid."),
])
def test_bad_local_holidays_are_refused(app, client, city, day, message):
    with app.app_context():
        f.holiday(date(2025, 12, 25), "Hari Raya Natal")
        db.session.commit()
    sign_in(client, city)
    response = client.post("/admin/libur/baru", data={"day": day, "name": "Uji"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Holiday).filter_by(name="Uji")) is None


def test_a_local_holiday_can_be_moved_and_withdrawn(app, client, city):
    with app.app_context():
        local = f.holiday(date(2025, 11, 28), "Hari Jadi (uji)", kind="local")
        db.session.commit()
        holiday_id = local.id
    sign_in(client, city)
    assert client.post(f"/admin/libur/{holiday_id}", data={"day": "2025-11-27", "name": "Hari Jadi Kota"}
                       ).status_code == 303
    assert "Libur daerah: Hari Jadi Kota" in client.get("/?tanggal=2025-11-27").get_data(as_text=True)
    assert client.post(f"/admin/libur/{holiday_id}/hapus").status_code == 303
    assert "Libur daerah: Hari Jadi Kota" not in client.get("/?tanggal=2025-11-27").get_data(as_text=True)
    with app.app_context():
        trail = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("holiday.%"))
                                   .order_by(AuditEvent.id)).all()
    assert trail == ["holiday.update", "holiday.delete"]


def test_saving_a_phase_unchanged_records_nothing(app, client, city):
    sign_in(client, city)
    with app.app_context():
        tahap = db.session.scalar(select(PolicyPhase).filter_by(name="Tahap I"))
        tahap_id, draft = tahap.id, PhaseDraft.of(tahap)
        before = database_state()
    response = client.post(f"/admin/tahap/{tahap_id}", data={**phase_form_data(draft), "save": "1",
                                                             "preview_token": draft.token(tahap_id)})
    assert response.status_code == 303
    with app.app_context():
        assert database_state() == before
