"""A resident reports a disruption at /lapor, gets a tracking code, follows the report at
/lapor/KODE, and reads the public list /laporan; bad input is refused field by field."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Report, ServiceUnit

from . import factories as f
from .reporting import CODE, build_world, code_of, form_data, stored

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def test_report_form_is_a_full_page_with_units_grouped_by_agency(client, world):
    response = client.get("/lapor")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html and "HX-Request" in response.headers["Vary"]
    assert '<optgroup label="Disdukcapil"><option value="disdukcapil-mpp">' in html
    assert '<optgroup label="Dinkes"><option value="puskesmas-rawalumbu">' in html
    assert 'name="website"' in html and 'class="hp"' in html  # the honeypot, hidden from people
    assert re.search(r'name="submission_token" type="hidden" value="[\w-]{20,}"', html)
    assert "UU 27/2022" in html  # the privacy notice


def test_unit_page_link_prefills_the_unit(client, world):
    unit_page = client.get("/unit/disdukcapil-mpp").get_data(as_text=True)
    assert 'href="/lapor?unit=disdukcapil-mpp"' in unit_page
    html = client.get("/lapor?unit=disdukcapil-mpp").get_data(as_text=True)
    assert '<option selected value="disdukcapil-mpp">' in html


def test_unknown_unit_in_the_link_is_a_400(client, world):
    response = client.get("/lapor?unit=tidak-ada")
    assert response.status_code == 400
    assert "Unit layanan “tidak-ada” tidak dikenal" in response.get_data(as_text=True)


def test_a_report_is_stored_before_its_code_is_shown(app, client, world):
    response = client.post("/lapor", data=form_data())
    assert response.status_code == 303
    code = code_of(response)
    assert response.headers["Location"] == f"/lapor/{code}"
    with app.app_context():  # already committed when the redirect leaves the server
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.unit.slug == "disdukcapil-mpp" and report.opd.short_name == "Disdukcapil"
        assert report.status == "received" and report.source == "web" and report.contact is None
    page = client.get(f"/lapor/{code}").get_data(as_text=True)
    assert code in page and "Laporan Anda telah diterima" in page
    assert "Kantor tutup pukul 10.00" in page and "Tutup padahal dijadwalkan buka" in page


def test_the_same_submission_twice_makes_one_report_with_the_same_code(app, client, world):
    data = form_data()
    first = client.post("/lapor", data=data)
    second = client.post("/lapor", data=data)
    assert code_of(first) == code_of(second)
    assert stored(app)["reports"] == 1
    assert "sudah diterima sebelumnya" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_two_different_submissions_get_two_codes(app, client, world):
    codes = {code_of(client.post("/lapor", data=form_data())) for _ in range(2)}
    assert len(codes) == 2 and stored(app)["reports"] == 2


def test_contact_data_is_kept_apart_with_the_consent_time(app, client, world):
    response = client.post("/lapor", data=form_data(name="Siti Aminah", phone="0812-3456-7890",
                                                    email="siti@example.id", consent="y"))
    code = code_of(response)
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert (report.contact.name, report.contact.phone, report.contact.email) == (
            "Siti Aminah", "+6281234567890", "siti@example.id")
        assert report.contact.consent_at is not None
        event = db.session.scalar(select(AuditEvent).filter_by(action="report.create"))
        assert "Siti" not in str(event.after) and "6281234567890" not in str(event.after)


def test_contact_without_consent_is_refused_next_to_the_consent_box(app, client, world):
    response = client.post("/lapor", data=form_data(email="siti@example.id"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    field = html.split('id="consent-field"')[1].split("</div>")[0]
    assert "Berikan persetujuan Anda" in field
    assert stored(app)["reports"] == 0


LONG = "x" * 2001


@pytest.mark.parametrize("changes, field, message", [
    ({"unit": ""}, "unit", "Pilih unit layanan yang Anda datangi"),
    ({"unit": "tidak-ada"}, "unit", "Pilih unit layanan dari daftar"),
    ({"unit": "12345"}, "unit", "Pilih unit layanan dari daftar"),
    ({"visited_on": ""}, "visited_on", "Kolom ini wajib diisi"),
    ({"visited_on": "kemarin"}, "visited_on", "Tanggal tidak valid"),
    ({"visited_on": "2025-02-30"}, "visited_on", "Tanggal tidak valid"),
    ({"visited_on": "2999-01-01"}, "visited_on", "tidak boleh di masa depan"),
    ({"visited_on": "2000-01-01"}, "visited_on", "90 hari terakhir"),
    ({"visited_at": "25:99"}, "visited_at", "Waktu tidak valid"),
    ({"category": ""}, "category", "Pilih jenis gangguannya"),
    ({"category": "banjir"}, "category", "Pilihan tidak valid"),
    ({"description": ""}, "description", "Kolom ini wajib diisi"),
    ({"description": "pendek"}, "description", "20 sampai 2000 karakter"),
    ({"description": LONG}, "description", "20 sampai 2000 karakter"),
    ({"description": "<script>alert('xss')</script> kantor tutup lama"}, "description", "tanpa tag atau kode HTML"),
    ({"description": "Kantor tutup <img src=x onerror=alert(1)> tanpa kabar"}, "description", "tanpa tag atau kode HTML"),
    ({"description": "Kantor tutup sejak pagi\x1b[31m tanpa pemberitahuan"}, "description", "tidak diperbolehkan"),
    ({"visibility": "semua"}, "visibility", "Pilihan tidak valid"),
    ({"name": "<b>Budi</b>", "consent": "y"}, "name", "tanpa tag atau kode HTML"),
    ({"name": "B" * 121, "consent": "y"}, "name", "maksimal 120 karakter"),
    ({"phone": "nomor saya", "consent": "y"}, "phone", "Isi nomor telepon atau WhatsApp"),
    ({"phone": "0812", "consent": "y"}, "phone", "Isi nomor telepon atau WhatsApp"),
    ({"email": "bukan-email", "consent": "y"}, "email", "Alamat e-mail tidak valid"),
    ({"email": "a@b", "consent": "y"}, "email", "Alamat e-mail tidak valid"),
])
def test_bad_input_is_a_400_with_the_error_next_to_the_field_and_nothing_stored(
        app, client, world, changes, field, message):
    before = stored(app)
    response = client.post("/lapor", data=form_data(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    block = html.split(f'id="{field}-field"')[1].split('<div class="checked"')[0]
    assert message in block, block
    assert f'aria-invalid="true"' in block or field in ("category", "visibility")
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert f'href="#{field}' in summary
    assert stored(app) == before
    assert "<script>alert" not in html  # what was typed comes back escaped


def test_wrong_types_in_the_body_are_a_400_not_a_500(app, client, world):
    data = form_data()
    data["category"] = ["closed_though_open", "no_staff"]  # a list where one value is expected
    data["visited_on"] = "2025-11-06T10:00"
    response = client.post("/lapor", data=data)
    assert response.status_code == 400
    assert stored(app)["reports"] == 0


@pytest.mark.config(TODAY="2025-11-06")
def test_a_time_later_today_is_refused(app, client, world, monkeypatch):
    from datetime import UTC, datetime

    from portal.reports import forms

    monkeypatch.setattr(forms, "now", lambda: datetime(2025, 11, 6, 3, 0, tzinfo=UTC))  # 10.00 in Bekasi
    response = client.post("/lapor", data=form_data(visited_on="2025-11-06", visited_at="12:00"))
    assert response.status_code == 400
    assert "Jam kunjungan tidak boleh di masa depan" in response.get_data(as_text=True)
    assert client.post("/lapor", data=form_data(visited_on="2025-11-06", visited_at="09:45")).status_code == 303


def test_htmx_checks_one_field_and_answers_only_its_block(client, world, hx):
    response = client.post("/lapor/periksa/description", data=form_data(description="pendek"), headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.strip().startswith('<div class="checked" id="description-check"')
    assert "20 sampai 2000 karakter" in html and "<html" not in html
    assert 'id="unit-field"' not in html  # only the asked field
    fine = client.post("/lapor/periksa/description", data=form_data(), headers=hx).get_data(as_text=True)
    assert 'class="error"' not in fine


def test_htmx_check_of_an_unknown_field_is_a_404(client, world, hx):
    assert client.post("/lapor/periksa/password", data=form_data(), headers=hx).status_code == 404


def test_htmx_submit_with_errors_answers_the_form_fragment_with_200(app, client, world, hx):
    response = client.post("/lapor", data=form_data(description=""), headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert "error-summary" in html and "Kolom ini wajib diisi" in html
    assert stored(app)["reports"] == 0


def test_htmx_submit_that_succeeds_redirects_with_hx_redirect(app, client, world, hx):
    response = client.post("/lapor", data=form_data(), headers=hx)
    assert response.status_code == 204
    assert CODE.fullmatch(response.headers["HX-Redirect"].removeprefix("/lapor/"))


def test_unit_search_narrows_the_list_and_keeps_the_chosen_unit(client, world, hx):
    html = client.get("/lapor/unit?unit_q=puskesmas&unit=disdukcapil-mpp", headers=hx).get_data(as_text=True)
    assert 'value="puskesmas-rawalumbu"' in html
    assert '<option selected value="disdukcapil-mpp">' in html  # chosen before, kept
    html = client.get("/lapor/unit?unit_q=rawalumbu", headers=hx).get_data(as_text=True)
    assert "(1 ditemukan)" in html and "disdukcapil-mpp" not in html


def test_unit_list_opened_without_htmx_leads_to_the_report_form(client, world):
    response = client.get("/lapor/unit?unit_q=puskesmas&unit=disdukcapil-mpp")
    assert response.status_code == 303 and response.location == "/lapor?unit=disdukcapil-mpp"
    assert client.get("/lapor/unit?unit=tidak-ada").location == "/lapor"


@pytest.mark.config(RATELIMIT_ENABLED=True, REPORT_RATE_LIMIT="3 per minute")
def test_reports_are_limited_per_address(app, client, world):
    codes = [client.post("/lapor", data=form_data()).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    assert stored(app)["reports"] == 3
    # Open311 shares the same counter.
    response = client.post("/open311/v2/requests.json", data={"service_code": "no_staff"})
    assert response.status_code == 429
    assert response.get_json()[0]["code"] == 429


@pytest.mark.config(RATELIMIT_ENABLED=True, REPORT_LOOKUP_RATE_LIMIT="6 per minute")
def test_every_tracking_code_url_shares_one_lookup_limit_per_address(app, client, world):
    """Guessing codes is as slow on Open311 as on the tracking page: one counter for all of them."""
    code = code_of(client.post("/lapor", data=form_data()))
    lookups = [f"/lapor/{code}", "/lapor/BKS-2222-2222", f"/open311/v2/requests/{code}.json",
               "/open311/v2/requests/BKS-3333-3333.xml", f"/lapor/cari?kode={code}"]
    assert [client.get(url).status_code < 429 for url in lookups] == [True] * 5
    # A list of codes counts one lookup per code; a list without codes is not a lookup.
    assert client.get("/open311/v2/requests.json?service_request_id=BKS-4444-4444,BKS-5555-5555"
                      ).status_code == 429
    assert client.get("/open311/v2/requests.json").status_code == 200
    for url in (f"/lapor/{code}", f"/open311/v2/requests/{code}.json", f"/open311/v2/requests/{code}.xml"):
        assert client.get(url).status_code == 429, url
    other = client.get(f"/open311/v2/requests/{code}.json", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_form_needs_its_csrf_token(app, client, world):
    assert client.post("/lapor", data=form_data()).status_code == 400
    page = client.get("/lapor").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/lapor", data=form_data(csrf_token=token)).status_code == 303


def test_honeypot_submission_is_kept_as_spam_and_never_public(app, client, world):
    response = client.post("/lapor", data=form_data(website="http://spam.example"))
    code = code_of(response)  # a person who filled it by mistake still gets a working code
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.is_spam and report.spam_reason == "honeypot"
    assert client.get(f"/lapor/{code}").status_code == 200
    assert code not in client.get("/laporan").get_data(as_text=True)
    assert code not in client.get("/laporan/feed.atom").get_data(as_text=True)
    assert code not in client.get("/unit/disdukcapil-mpp").get_data(as_text=True)


def test_a_description_full_of_links_is_spam(app, client, world):
    links = "Promo murah https://a.example https://b.example https://c.example kunjungi sekarang"
    code = code_of(client.post("/lapor", data=form_data(description=links)))
    with app.app_context():
        assert db.session.scalar(select(Report.spam_reason).filter_by(code=code)) == "links"


# --- following a report -----------------------------------------------------------------------

def test_the_code_is_found_whatever_the_case_and_dashes(app, client, world):
    code = code_of(client.post("/lapor", data=form_data()))
    for typed in (code.lower(), code.replace("-", ""), code[4:], f" {code.lower().replace('-', ' ')} "):
        response = client.get("/lapor/cari", query_string={"kode": typed})
        assert response.status_code == 303 and response.headers["Location"] == f"/lapor/{code}", typed
    response = client.get(f"/lapor/{code.lower().replace('-', '')}")
    assert response.status_code == 301 and response.headers["Location"] == f"/lapor/{code}"


@pytest.mark.parametrize("url", ["/lapor/BKS-2222-2222", "/lapor/BKS-0000-OOOO", "/lapor/%3Cscript%3E",
                                 "/lapor/cari?kode=BKS-2222-2222", "/lapor/cari?kode=xyz"])
def test_an_unknown_code_is_a_404_with_a_clear_message(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Tidak ada laporan dengan kode pelacakan" in html and "tidak memuat 0, 1, I, L, O, atau U" in html
    assert "<script>" not in html


def test_an_empty_lookup_is_a_400(client, world):
    response = client.get("/lapor/cari?kode=")
    assert response.status_code == 400
    assert "Masukkan kode pelacakan" in response.get_data(as_text=True)


def test_tracking_page_shows_the_timeline_and_time_to_first_answer(app, client, world):
    from portal.models import User
    from portal.reports import triage

    code = code_of(client.post("/lapor", data=form_data()))
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        staff = db.session.scalar(select(User).filter_by(email=world.admin_a))
        triage.change_status(report, staff, "verified", "Laporan kami verifikasi bersama kepala unit.",
                             internal_note="Kepala unit sedang cuti, cek lagi Senin.")
        triage.change_status(report, staff, "rejected", "Hari itu memang cuti bersama.")
        report.first_response_at = report.created_at + timedelta(hours=5)
        db.session.commit()
    html = client.get(f"/lapor/{code}").get_data(as_text=True)
    timeline = html.split('class="timeline"')[1]
    assert timeline.index("Diterima") < timeline.index("Diverifikasi") < timeline.index("Ditolak")
    assert "Laporan kami verifikasi bersama kepala unit." in timeline
    assert "<strong>Alasan:</strong> Hari itu memang cuti bersama." in timeline
    assert "setelah 5 jam" in html
    assert "Kepala unit sedang cuti" not in html  # internal notes stay internal


def test_unanswered_report_shows_its_deadline_in_working_days(app, client, world):
    from datetime import UTC, datetime

    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug=world.unit_a))
        friday = datetime(2025, 11, 7, 3, 0, tzinfo=UTC)  # Friday 10.00 in Bekasi
        f.holiday(datetime(2025, 11, 11).date(), "Libur daerah (uji)", kind="local")
        code = f.report(unit, created_at=friday).code
        db.session.commit()
    app.config["TODAY"] = "2025-11-12"
    html = client.get(f"/lapor/{code}").get_data(as_text=True)
    # Mon 10, (Tue 11 is a holiday), Wed 12, Thu 13: due on Thursday, not overdue yet.
    assert "paling lambat Kamis, 13 November 2025 (3 hari kerja)" in html and "Terlambat" not in html
    app.config["TODAY"] = "2025-11-14"
    assert "Terlambat" in client.get(f"/lapor/{code}").get_data(as_text=True)


def test_confidential_report_is_followed_by_code_but_never_listed(app, client, world):
    code = code_of(client.post("/lapor", data=form_data(visibility="confidential",
                                                        description="Petugas meminta uang tambahan di loket 3.")))
    page = client.get(f"/lapor/{code}").get_data(as_text=True)
    assert "bersifat rahasia" in page and "Diterima" in page
    assert "uang tambahan" not in page  # the description stays with the agency
    for url in ("/laporan", "/unit/disdukcapil-mpp", "/laporan/feed.atom", "/open311/v2/requests.json"):
        body = client.get(url).get_data(as_text=True)
        assert code not in body and "uang tambahan" not in body, url


# --- the public list ----------------------------------------------------------------------------

@pytest.fixture
def listed(app, world):
    """Reports of both agencies in several states (created with the factory)."""
    from datetime import UTC, datetime

    with app.app_context():
        a = db.session.scalar(select(ServiceUnit).filter_by(slug=world.unit_a))
        b = db.session.scalar(select(ServiceUnit).filter_by(slug=world.unit_b))
        made = {
            "a_open": f.report(a, category="no_staff", created_at=datetime(2025, 11, 3, 3, tzinfo=UTC)),
            "a_done": f.report(a, status="resolved", category="long_wait",
                               created_at=datetime(2025, 11, 20, 3, tzinfo=UTC)),
            "b_open": f.report(b, category="online_unreachable", created_at=datetime(2025, 12, 2, 3, tzinfo=UTC)),
            "b_anon": f.report(b, visibility="anonymous", created_at=datetime(2025, 12, 3, 3, tzinfo=UTC)),
            "b_secret": f.report(b, visibility="confidential", created_at=datetime(2025, 12, 4, 3, tzinfo=UTC)),
            "b_spam": f.report(b, is_spam=True, created_at=datetime(2025, 12, 5, 3, tzinfo=UTC)),
        }
        db.session.commit()
        return {name: report.code for name, report in made.items()}


def codes_in(html: str) -> set[str]:
    return set(re.findall(r'class="report-code" href="/lapor/(BKS-[\w-]+)"', html))


def test_public_list_shows_listed_reports_only(client, listed):
    assert codes_in(client.get("/laporan").get_data(as_text=True)) == {
        listed[name] for name in ("a_open", "a_done", "b_open", "b_anon")}


@pytest.mark.parametrize("query, names", [
    ("opd=disdukcapil", {"a_open", "a_done"}),
    ("unit=puskesmas-rawalumbu", {"b_open", "b_anon"}),
    ("status=resolved", {"a_done"}),
    ("kategori=online_unreachable", {"b_open"}),
    ("dari=2025-11-15&sampai=2025-12-02", {"a_done", "b_open"}),
    ("dari=2025-12-03", {"b_anon"}),
])
def test_public_list_filters(client, listed, query, names):
    response = client.get(f"/laporan?{query}")
    assert response.status_code == 200
    assert codes_in(response.get_data(as_text=True)) == {listed[n] for n in names}


@pytest.mark.parametrize("query, message", [
    ("opd=tidak-ada", "OPD “tidak-ada” tidak dikenal"),
    ("status=selesai", "Status “selesai” tidak dikenal"),
    ("kategori=banjir", "Kategori “banjir” tidak dikenal"),
    ("dari=kemarin", "bukan tanggal yang valid"),
    ("dari=2025-12-05&sampai=2025-12-01", "Tanggal awal tidak boleh sesudah tanggal akhir"),
    ("halaman=0", "harus bilangan bulat"),
])
def test_public_list_bad_filters_are_400(client, listed, query, message):
    response = client.get(f"/laporan?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.config(REPORTS_PER_PAGE=3)
def test_public_list_pages(client, listed):
    first = client.get("/laporan").get_data(as_text=True)
    second = client.get("/laporan?halaman=2").get_data(as_text=True)
    assert len(codes_in(first)) == 3 and len(codes_in(second)) == 1
    assert 'href="/laporan?halaman=2"' in first and "Halaman 1 dari 2" in first
    assert codes_in(client.get("/laporan?halaman=9").get_data(as_text=True)) == set()


def test_public_list_fragment_answers_the_same_url(client, listed, hx):
    page = client.get("/laporan?opd=disdukcapil")
    fragment = client.get("/laporan?opd=disdukcapil", headers=hx)
    for response in (page, fragment):
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    assert codes_in(body) == codes_in(page.get_data(as_text=True)) == {listed["a_open"], listed["a_done"]}


def test_unit_page_lists_its_recent_public_reports(client, listed):
    html = client.get("/unit/puskesmas-rawalumbu").get_data(as_text=True)
    section = html.split('id="reports-heading"')[1]
    assert codes_in(section) == {listed["b_open"], listed["b_anon"]}
    assert 'href="/laporan?unit=puskesmas-rawalumbu"' in section


def test_new_public_report_is_listed_on_the_unit_page_and_in_the_report_feed(app, client, world):
    code = code_of(client.post("/lapor", data=form_data()))
    client.get(f"/lapor/{code}")  # the tracking page shows (and clears) the flash naming the code
    assert codes_in(client.get("/laporan").get_data(as_text=True)) == {code}
    unit_page = client.get("/unit/disdukcapil-mpp").get_data(as_text=True)
    assert codes_in(unit_page.split('id="reports-heading"')[1]) == {code}
    assert code not in client.get("/feed.atom").get_data(as_text=True)  # availability only
    feed = ET.fromstring(client.get("/laporan/feed.atom").data)
    entries = [e for e in feed.findall(f"{ATOM}entry") if code in e.find(f"{ATOM}title").text]
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}title").text == (
        f"Gerai Disdukcapil MPP: Laporan baru {code}: Tutup padahal dijadwalkan buka")
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/lapor/{code}")


def test_english_report_pages(client, listed):
    html = client.get("/laporan?lang=en").get_data(as_text=True)
    assert "Reports of service disruptions" in html and "Not answered yet" in html
    assert "Report a service disruption" in client.get("/lapor").get_data(as_text=True)


@pytest.mark.demo
def test_demo_has_realistic_reports_and_seeding_again_adds_none(app):
    from portal.demo import seed

    from .conftest import DEMO_PASSWORD

    with app.app_context():
        reports = db.session.scalars(select(Report)).all()
        assert len(reports) >= 30
        assert {r.status for r in reports} >= {"received", "verified", "in_progress", "resolved", "rejected"}
        assert {r.visibility for r in reports} == {"public", "anonymous", "confidential"}
        assert all(r.created_at.year == 2025 and r.created_at.month in (11, 12) for r in reports)
        answered = [r for r in reports if r.first_response_at]
        assert len(answered) >= 15 and all(r.first_response_at > r.created_at for r in answered)
        assert any(r.contact for r in reports)
        seed(DEMO_PASSWORD)
        assert db.session.query(Report).count() == len(reports)



def test_a_code_that_exists_already_is_replaced_by_a_fresh_one(app, client, world, monkeypatch):
    from portal.reports import service

    first = code_of(client.post("/lapor", data=form_data()))
    offered = iter([first, first, "BKS-ZZZZ-ZZZZ"])
    monkeypatch.setattr(service.codes, "new_code", lambda prefix: next(offered))
    assert code_of(client.post("/lapor", data=form_data())) == "BKS-ZZZZ-ZZZZ"
    assert stored(app)["reports"] == 2


@pytest.mark.parametrize("method, url, data", [
    ("get", "/laporan?opd=%00", None),
    ("get", "/laporan?unit=a%00b", None),
    ("get", "/?opd=%00", None),
    ("get", "/unit/%00", None),
    ("get", "/lapor/%00", None),
    ("get", "/open311/v2/requests/%00.json", None),
    ("post", "/lapor", {"unit": "disdukcapil-mpp\x00", "description": "x"}),
    ("post", "/open311/v2/requests.json", {"service_code": "no_staff", "attribute[unit]": "a\x00"}),
    ("post", "/admin/login", {"email": "a\x00@b.id", "password": "x"}),
])
def test_a_nul_character_anywhere_is_a_400_never_a_500(app, client, world, method, url, data):
    before = stored(app)
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 400
    assert stored(app) == before
