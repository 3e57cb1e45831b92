"""Staff handle reports at /admin/laporan: each OPD sees its own, answers in public, notes
internally, marks spam; city admins see all and forward; contact data stays need-to-know;
everything is audited; the purge command erases contact data after the retention period."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Report, ServiceUnit

from . import factories as f
from .reporting import build_world, code_of, form_data, login, stored

ATOM = "{http://www.w3.org/2005/Atom}"
CONTACT = {"name": "Rahmat Hidayat", "phone": "+6281355550101", "email": "rahmat@example.id"}


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def make(app, slug: str, **fields) -> str:
    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug=slug))
        code = f.report(unit, **fields).code
        db.session.commit()
        return code


def snapshot(app, code: str) -> dict:
    """Everything a refused request must leave as it was."""
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        return {
            "report": (report.status, report.opd_id, report.is_spam, report.visibility,
                       report.first_response_at, report.closed_at),
            "contact": (report.contact.name, report.contact.purged_at) if report.contact else None,
            "updates": len(report.updates),
            "events": db.session.query(AuditEvent).count(),
        }


def queue_codes(html: str) -> set[str]:
    return set(re.findall(r'href="/admin/laporan/(BKS-[\w-]+)"', html))


# --- who sees what ------------------------------------------------------------------------------

def test_a_report_from_the_form_reaches_the_queue_of_the_responsible_opd_only(app, client, world):
    code = code_of(client.post("/lapor", data=form_data(unit=world.unit_b)))
    login(client, world.admin_b)
    assert code in queue_codes(client.get("/admin/laporan").get_data(as_text=True))
    client.post("/admin/logout")
    login(client, world.admin_a)
    assert code not in queue_codes(client.get("/admin/laporan").get_data(as_text=True))
    client.post("/admin/logout")
    login(client, world.city)
    assert code in queue_codes(client.get("/admin/laporan").get_data(as_text=True))
    assert code in queue_codes(client.get("/admin/laporan?opd=dinkes").get_data(as_text=True))
    assert code not in queue_codes(client.get("/admin/laporan?opd=disdukcapil").get_data(as_text=True))


def test_queue_filters_by_status_spam_and_text(app, client, world):
    open_code = make(app, world.unit_a, description="Antrean KTP-el tidak bergerak dua jam.")
    done = make(app, world.unit_a, status="resolved")
    spam = make(app, world.unit_a, is_spam=True)
    login(client, world.admin_a)
    assert queue_codes(client.get("/admin/laporan").get_data(as_text=True)) == {open_code}
    assert queue_codes(client.get("/admin/laporan?status=all").get_data(as_text=True)) == {open_code, done}
    assert queue_codes(client.get("/admin/laporan?status=resolved").get_data(as_text=True)) == {done}
    assert queue_codes(client.get("/admin/laporan?spam=1").get_data(as_text=True)) == {spam}
    assert queue_codes(client.get("/admin/laporan?q=ktp-el").get_data(as_text=True)) == {open_code}
    assert queue_codes(client.get(f"/admin/laporan?q={open_code.lower()}").get_data(as_text=True)) == {open_code}
    assert client.get("/admin/laporan?status=nope").status_code == 400


def test_queue_fragment_answers_the_same_url(app, client, world, hx):
    code = make(app, world.unit_a)
    login(client, world.admin_a)
    page = client.get("/admin/laporan")
    fragment = client.get("/admin/laporan", headers=hx)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    assert "<html" in page.get_data(as_text=True) and 'data-hx-history="false"' in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert queue_codes(fragment.get_data(as_text=True)) == {code}


@pytest.mark.config(TODAY="2025-11-14")
def test_overdue_badge_counts_working_days_and_holidays(app, client, world):
    monday = datetime(2025, 11, 10, 2, tzinfo=UTC)  # 09.00 in Bekasi
    with app.app_context():
        f.holiday(datetime(2025, 11, 12).date(), "Libur daerah (uji)", kind="local")
        db.session.commit()
    late = make(app, world.unit_a, created_at=monday - timedelta(days=7))  # due Thu 6 Nov
    due_today = make(app, world.unit_a, created_at=monday)  # Tue, (Wed holiday), Thu, Fri: due Fri 14
    answered = make(app, world.unit_a, created_at=monday - timedelta(days=7),
                    first_response_at=monday - timedelta(days=6))
    login(client, world.admin_a)
    html = client.get("/admin/laporan?status=all").get_data(as_text=True)
    rows = {code: row for code, row in re.findall(r'(BKS-[\w-]+)</a>(.*?)</th>', html, re.S)}
    assert "Terlambat" in rows[late]
    assert "Terlambat" not in rows[due_today] and "Terlambat" not in rows[answered]
    assert queue_codes(client.get("/admin/laporan?terlambat=1").get_data(as_text=True)) == {late}
    app.config["TODAY"] = "2025-11-17"
    assert queue_codes(client.get("/admin/laporan?terlambat=1").get_data(as_text=True)) == {late, due_today}


# --- authorization --------------------------------------------------------------------------------

ACTIONS = [
    ("get", "/admin/laporan/{code}", None),
    ("get", "/admin/laporan/{code}?kontak=1", None),
    ("post", "/admin/laporan/{code}/status", {"status": "in_progress", "public_message": "Sedang kami cek."}),
    ("post", "/admin/laporan/{code}/spam", {"spam": "1"}),
    ("post", "/admin/laporan/{code}/rahasiakan", {}),
    ("post", "/admin/laporan/{code}/teruskan", {"opd": "disdukcapil", "note": "Salah OPD"}),
    ("post", "/admin/laporan/{code}/hapus-kontak", {}),
]


@pytest.mark.parametrize("method, url, data", ACTIONS)
def test_anonymous_visitors_are_sent_to_login_and_change_nothing(app, client, world, method, url, data):
    code = make(app, world.unit_b, contact=CONTACT)
    before = snapshot(app, code)
    response = getattr(client, method)(url.format(code=code), data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    assert snapshot(app, code) == before


@pytest.mark.parametrize("method, url, data", ACTIONS)
def test_the_admin_of_another_opd_gets_403_and_changes_nothing(app, client, world, method, url, data):
    code = make(app, world.unit_b, contact=CONTACT)
    login(client, world.admin_a)
    before = snapshot(app, code)
    response = getattr(client, method)(url.format(code=code), data=data)
    assert response.status_code == 403
    assert CONTACT["name"] not in response.get_data(as_text=True)
    assert snapshot(app, code) == before


def test_an_opd_admin_may_not_forward_even_its_own_reports(app, client, world):
    code = make(app, world.unit_b)
    login(client, world.admin_b)
    before = snapshot(app, code)
    assert client.post(f"/admin/laporan/{code}/teruskan", data={"opd": "disdukcapil"}).status_code == 403
    assert snapshot(app, code) == before


@pytest.mark.parametrize("method, url, data", ACTIONS)
def test_a_city_admin_may_do_everything(app, client, world, method, url, data):
    code = make(app, world.unit_b, contact=CONTACT)
    login(client, world.city)
    before = snapshot(app, code)
    response = getattr(client, method)(url.format(code=code), data=data)
    assert response.status_code in (200, 303)
    if method == "post":
        assert snapshot(app, code) != before


def test_unknown_report_in_the_staff_area_is_a_404(client, world):
    login(client, world.city)
    assert client.get("/admin/laporan/BKS-2222-2222").status_code == 404


# --- answering ------------------------------------------------------------------------------------

def test_answer_moves_status_sets_first_response_and_is_public(app, client, world):
    code = code_of(client.post("/lapor", data=form_data(unit=world.unit_a)))
    login(client, world.admin_a)
    response = client.post(f"/admin/laporan/{code}/status", data={
        "status": "in_progress", "public_message": "Petugas tambahan dijadwalkan mulai besok.",
        "internal_note": "Koordinasi dengan Kabid Pelayanan, nomor HP beliau 0811-000."})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/laporan/{code}"
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.status == "in_progress" and report.first_response_at is not None
        first = report.first_response_at
        actions = db.session.scalars(select(AuditEvent.action).filter_by(object_id=report.id,
                                                                         object_type="Report")).all()
        assert sorted(actions) == ["report.create", "report.note", "report.update"]
    client.post(f"/admin/laporan/{code}/status", data={"status": "resolved",
                                                       "public_message": "Sudah ditangani."})
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.first_response_at == first  # the FIRST answer counts for the statistics
        assert report.status == "resolved" and report.closed_at is not None
    public = client.get(f"/lapor/{code}").get_data(as_text=True)
    assert "Petugas tambahan dijadwalkan" in public and "Sudah ditangani." in public
    assert "Kabid Pelayanan" not in public
    feed = client.get("/laporan/feed.atom").get_data(as_text=True)
    assert f"Laporan {code}: Ditindaklanjuti. Jawaban: Petugas tambahan dijadwalkan mulai besok." in feed
    assert "Kabid Pelayanan" not in feed and "Petugas Disdukcapil" not in feed
    entry = [e for e in ET.fromstring(feed.encode()).findall(f"{ATOM}entry")
             if "Sudah ditangani" in e.find(f"{ATOM}title").text][0]
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Disdukcapil"
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/lapor/{code}")


@pytest.mark.parametrize("status, message", [("rejected", "alasan penolakan"),
                                             ("resolved", "tindakan yang telah dilakukan")])
def test_closing_without_a_public_answer_is_refused(app, client, world, status, message):
    code = make(app, world.unit_a)
    login(client, world.admin_a)
    before = snapshot(app, code)
    response = client.post(f"/admin/laporan/{code}/status", data={"status": status, "public_message": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.split('id="public_message-field"')[1].split("</div>")[0]
    assert snapshot(app, code) == before


def test_status_form_errors_come_back_as_a_fragment_for_htmx(app, client, world, hx):
    code = make(app, world.unit_a)
    login(client, world.admin_a)
    response = client.post(f"/admin/laporan/{code}/status", data={"status": "received"}, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<form id="status-form"') and "<html" not in html
    assert "Ubah status, atau tulis jawaban atau catatan." in html
    ok = client.post(f"/admin/laporan/{code}/status", headers=hx,
                     data={"status": "verified", "public_message": "Terverifikasi."})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == f"/admin/laporan/{code}"


def test_answers_to_a_confidential_report_never_reach_the_feed(app, client, world):
    code = make(app, world.unit_a, visibility="confidential")
    login(client, world.admin_a)
    client.post(f"/admin/laporan/{code}/status", data={"status": "resolved", "public_message": "Sudah beres."})
    assert code not in client.get("/laporan/feed.atom").get_data(as_text=True)
    assert "Sudah beres." in client.get(f"/lapor/{code}").get_data(as_text=True)  # the code holder sees it


def test_marking_spam_takes_the_report_out_of_every_public_place(app, client, world):
    code = code_of(client.post("/lapor", data=form_data(unit=world.unit_a)))
    login(client, world.admin_a)
    client.post(f"/admin/laporan/{code}/status", data={"status": "verified", "public_message": "Dicek."})
    assert code in client.get("/laporan/feed.atom").get_data(as_text=True)
    assert client.post(f"/admin/laporan/{code}/spam", data={"spam": "1"}).status_code == 303
    client.get(f"/admin/laporan/{code}")  # shows (and clears) the flash message naming the code
    for url in ("/laporan/feed.atom", "/laporan", f"/unit/{world.unit_a}", "/open311/v2/requests.json"):
        assert code not in client.get(url).get_data(as_text=True), url
    assert queue_codes(client.get("/admin/laporan").get_data(as_text=True)) == set()
    assert code in queue_codes(client.get("/admin/laporan?spam=1").get_data(as_text=True))
    client.post(f"/admin/laporan/{code}/spam", data={"spam": "0"}, follow_redirects=True)
    assert code in client.get("/laporan").get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).filter_by(action="report.spam")).all()
        assert [e.after["is_spam"] for e in events] == [True, False]


def test_hiding_makes_a_report_confidential(app, client, world):
    code = code_of(client.post("/lapor", data=form_data(unit=world.unit_a)))
    login(client, world.admin_a)
    assert client.post(f"/admin/laporan/{code}/rahasiakan").status_code == 303
    client.get(f"/admin/laporan/{code}")  # shows (and clears) the flash message naming the code
    assert code not in client.get("/laporan").get_data(as_text=True)
    assert code not in client.get("/laporan/feed.atom").get_data(as_text=True)


def test_city_admin_forwards_a_report_to_another_opd(app, client, world):
    code = make(app, world.unit_a)
    login(client, world.city)
    response = client.post(f"/admin/laporan/{code}/teruskan", data={"opd": "dinkes", "note": "Puskesmas"})
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.opd.short_name == "Dinkes" and report.unit.slug == world.unit_a
        event = db.session.scalar(select(AuditEvent).filter_by(action="report.reassign"))
        assert (event.before["opd"], event.after["opd"], event.public) == ("Disdukcapil", "Dinkes", False)
    assert "Diteruskan ke Dinas Kesehatan" in client.get(f"/lapor/{code}").get_data(as_text=True)
    client.post("/admin/logout")
    login(client, world.admin_a)
    assert client.get(f"/admin/laporan/{code}").status_code == 403
    client.post("/admin/logout")
    login(client, world.admin_b)
    assert code in queue_codes(client.get("/admin/laporan").get_data(as_text=True))


def test_forwarding_to_an_unknown_opd_is_a_400(app, client, world):
    code = make(app, world.unit_a)
    login(client, world.city)
    before = snapshot(app, code)
    assert client.post(f"/admin/laporan/{code}/teruskan", data={"opd": "atlantis"}).status_code == 400
    assert client.post(f"/admin/laporan/{code}/teruskan", data={"opd": "disdukcapil"}).status_code == 400
    response = client.post(f"/admin/laporan/{code}/teruskan", data={"opd": ""})
    assert response.status_code == 400 and "Pilih OPD tujuan" in response.get_data(as_text=True)
    assert snapshot(app, code) == before


# --- contact data ----------------------------------------------------------------------------------

def test_contact_data_is_shown_on_request_to_the_responsible_opd_and_each_view_is_audited(app, client, world):
    code = make(app, world.unit_a, contact=CONTACT)
    login(client, world.admin_a)
    page = client.get(f"/admin/laporan/{code}").get_data(as_text=True)
    assert CONTACT["name"] not in page and "Tampilkan" in page
    page = client.get(f"/admin/laporan/{code}?kontak=1").get_data(as_text=True)
    assert all(value in page for value in CONTACT.values())
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="report.contact_view"))
        assert event.actor.email == world.admin_a and not event.public
        assert CONTACT["name"] not in str(event.after)


def test_anonymous_reporter_is_hidden_from_the_opd_but_not_from_city_admins(app, client, world):
    code = make(app, world.unit_a, visibility="anonymous", contact=CONTACT)
    login(client, world.admin_a)
    page = client.get(f"/admin/laporan/{code}?kontak=1").get_data(as_text=True)
    assert CONTACT["name"] not in page and "Laporan anonim" in page
    before = snapshot(app, code)
    assert client.post(f"/admin/laporan/{code}/hapus-kontak").status_code == 403
    assert snapshot(app, code) == before
    client.post("/admin/logout")
    login(client, world.city)
    assert CONTACT["name"] in client.get(f"/admin/laporan/{code}?kontak=1").get_data(as_text=True)


def test_contact_data_is_erased_on_request_and_the_report_stays(app, client, world):
    code = make(app, world.unit_a, contact=CONTACT)
    login(client, world.admin_a)
    assert client.post(f"/admin/laporan/{code}/hapus-kontak").status_code == 303
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert (report.contact.name, report.contact.phone, report.contact.email) == (None, None, None)
        assert report.contact.purged_at is not None and report.description
    assert "telah dihapus" in client.get(f"/admin/laporan/{code}").get_data(as_text=True)


# --- retention ------------------------------------------------------------------------------------

@pytest.mark.config(REPORT_CONTACT_RETENTION_DAYS=30)
def test_purge_command_erases_contact_data_after_the_retention_period(app, client, runner, world):
    now = datetime.now(UTC)
    old_closed = make(app, world.unit_a, contact=CONTACT, status="resolved",
                      created_at=now - timedelta(days=60), closed_at=now - timedelta(days=31))
    recent_closed = make(app, world.unit_a, contact=CONTACT, status="rejected",
                         created_at=now - timedelta(days=60), closed_at=now - timedelta(days=29))
    old_open = make(app, world.unit_a, contact=CONTACT, created_at=now - timedelta(days=90))
    old_spam = make(app, world.unit_a, contact=CONTACT, is_spam=True, created_at=now - timedelta(days=31))
    web = code_of(client.post("/lapor", data=form_data(name="Tono", consent="y")))
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=web))
        report.status, report.closed_at = "resolved", now - timedelta(days=40)
        db.session.commit()
        assert db.session.scalar(select(AuditEvent.ip).filter_by(object_id=report.id, action="report.create"))
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "3 report(s)" in result.output
    with app.app_context():
        contacts = {r.code: r.contact for r in db.session.scalars(select(Report))}
        assert {code for code, contact in contacts.items() if contact.purged_at} == {old_closed, old_spam, web}
        assert contacts[recent_closed].name == CONTACT["name"] and contacts[old_open].email == CONTACT["email"]
        assert contacts[old_closed].name is None and contacts[old_closed].report.description
        report = db.session.scalar(select(Report).filter_by(code=web))
        assert db.session.scalar(select(AuditEvent.ip).filter_by(object_id=report.id, action="report.create")) is None
        erased = db.session.scalars(select(AuditEvent).filter_by(action="report.contact_erase")).all()
        assert len(erased) == 3 and {e.after["reason"] for e in erased} == {"retention"}
    assert "0 report(s)" in runner.invoke(args=["purge-personal-data"]).output  # idempotent
    assert stored(app)["reports"] == 5
