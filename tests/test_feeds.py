"""Atom feeds as a feed reader sees them (feedparser): the record of availability, per language,
per unit and per agency, and the separate feed of disruption-report events."""

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Opd, Role, ServiceUnit, User
from portal.overrides import remove_override, set_override
from portal.policy import PhaseDraft, save_phase
from portal.reports.service import record_created
from portal.reports.triage import change_status
from portal.schedule import RuleKind, Status

from . import factories as f


def parse(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


def ids(feed) -> list[str]:
    return [entry.id for entry in feed.entries]


def kinds(feed) -> set[str]:
    return {entry.id.split(":", 2)[2].split("/")[0] for entry in feed.entries}


@pytest.mark.demo
def test_both_feeds_parse_and_keep_their_ids_whatever_the_host_header(client):
    runs = []
    for host in ("localhost", "evil.example"):
        runs.append({url: parse(client, url, base_url=f"http://{host}")
                     for url in ("/feed.atom", "/feed.atom?lang=en", "/laporan/feed.atom")})
    first, second = runs
    for url in first:
        assert first[url].feed.id == second[url].feed.id
        assert ids(first[url]) == ids(second[url])
        assert first[url].entries, url
        assert all(entry_id.startswith("tag:layanan.bekasikota.go.id,2025:") for entry_id in ids(first[url]))
        assert "evil.example" not in first[url].feed.id
    availability, english, reports = (first[url] for url in ("/feed.atom", "/feed.atom?lang=en", "/laporan/feed.atom"))
    assert availability.feed.id == "tag:layanan.bekasikota.go.id,2025:feed/availability/id"
    assert english.feed.id != availability.feed.id
    assert english.feed.language == "en" and availability.feed.language == "id"
    self_links = {url: next(link.href for link in first[url].feed.links if link.rel == "self") for url in first}
    assert self_links["/feed.atom"].endswith("/feed.atom")
    assert self_links["/feed.atom?lang=en"].endswith("/feed.atom?lang=en")
    # The same objects in both languages, each worded in its feed's language.
    assert ids(english) == ids(availability)
    assert any("Tahap II" in entry.title for entry in availability.entries)
    assert any("Phase II" in entry.title for entry in english.entries)
    # Availability: phases, holidays and staff changes; reports only in their own feed.
    assert kinds(availability) == {"phase", "holiday", "override"}
    assert kinds(reports) == {"report-event"}


@pytest.mark.demo
def test_every_entry_link_of_the_demo_feeds_opens_a_page(client):
    paths = set()
    for url in ("/feed.atom", "/laporan/feed.atom", "/unit/disdukcapil-mpp/feed.atom"):
        feed = parse(client, url)
        assert feed.feed.link  # the page the feed is about
        paths.add(urlsplit(feed.feed.link).path)
        for entry in feed.entries:
            link = urlsplit(entry.link)
            paths.add(link.path + ("?" + link.query if link.query else ""))
    for path in sorted(paths):
        assert client.get(path).status_code == 200, path


@pytest.mark.demo
def test_times_are_in_bekasi_time(client):
    response = client.get("/feed.atom").get_data(as_text=True)
    assert "<updated>" in response
    stamps = [line.strip() for line in response.splitlines() if "<updated>" in line or "<published>" in line]
    assert stamps and all("+07:00<" in stamp for stamp in stamps)


def test_a_phase_is_one_entry_that_an_edit_updates(app, client):
    with app.app_context():
        admin = f.user("admin@bekasikota.go.id", Role.CITY_ADMIN, owner=f.opd("BKPSDM"))
        draft = PhaseDraft(name="Tahap I", name_en="Phase I", starts_on=date(2025, 11, 1),
                           ends_on=date(2025, 11, 30), rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({3}))
        phase = save_phase(draft, None, admin)
        db.session.commit()
        phase_id = phase.id
    before = parse(client, "/feed.atom")
    assert ids(before) == [f"tag:layanan.bekasikota.go.id,2025:phase/{phase_id}"]
    assert "Tahap I" in before.entries[0].title and "1 Nov 2025" in before.entries[0].title
    with app.app_context():
        from portal.models import PolicyPhase

        phase = db.session.get(PolicyPhase, phase_id)
        admin = db.session.scalar(select(User).filter_by(email="admin@bekasikota.go.id"))
        save_phase(PhaseDraft(**{**PhaseDraft.of(phase).__dict__, "ends_on": date(2025, 11, 20)}), phase, admin)
        db.session.commit()
    after = parse(client, "/feed.atom")
    assert ids(after) == ids(before)
    assert after.entries[0].updated_parsed >= before.entries[0].updated_parsed
    assert "20 Nov 2025" in after.entries[0].title
    assert after.entries[0].author == "admin kota (BKPSDM)"


def test_a_withdrawn_override_stays_the_same_entry_and_says_so(app, client):
    with app.app_context():
        unit = f.unit("Loket Kranji", owner=f.opd("Disdukcapil"))
        staff = f.user("staf@bekasikota.go.id", owner=unit.opd)
        override = set_override(unit, date(2025, 11, 5), date(2025, 11, 5), Status.CLOSED,
                                "Pemadaman listrik", actor=staff)
        db.session.commit()
    created = parse(client, "/feed.atom")
    with app.app_context():
        from portal.models import Override

        override = db.session.scalars(select(Override)).one()
        remove_override(override, actor=override.created_by)
        db.session.commit()
    withdrawn = parse(client, "/feed.atom")
    assert ids(created) == ids(withdrawn) and len(ids(created)) == 1
    assert created.entries[0].title == "Loket Kranji: 5 Nov 2025: tutup, alasan: Pemadaman listrik"
    assert "dibatalkan" in withdrawn.entries[0].title
    assert withdrawn.entries[0].author == "Disdukcapil"  # the agency, never the person
    assert "staf@" not in client.get("/feed.atom").get_data(as_text=True)


def test_national_holidays_are_entries_dated_at_the_start_of_their_year(app, client):
    with app.app_context():
        f.holiday(date(2025, 12, 25), "Hari Raya Natal")
        db.session.commit()
    feed = parse(client, "/feed.atom")
    assert [entry.title for entry in feed.entries] == ["25 Des 2025: Hari Raya Natal (Hari libur nasional)"]
    assert feed.entries[0].updated == "2025-01-01T00:00:00+07:00"
    assert feed.entries[0].link.endswith("/?tanggal=2025-12-25")


def test_unit_and_agency_feeds_hold_what_changes_their_days(app, client):
    with app.app_context():
        disdukcapil, rsud = f.opd("Disdukcapil"), f.opd("RSUD")
        loket = f.unit("Loket Kranji", owner=disdukcapil)
        other = f.unit("Loket Bintara", owner=disdukcapil)
        igd = f.unit("IGD RSUD", owner=rsud, essential=True, open_24_7=True)
        f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
        f.holiday(date(2025, 12, 25), "Hari Raya Natal")
        staff = f.user("staf@bekasikota.go.id", owner=disdukcapil)
        set_override(loket, date(2025, 11, 5), date(2025, 11, 5), Status.CLOSED, "Pemadaman listrik", actor=staff)
        set_override(other, date(2025, 11, 6), date(2025, 11, 6), Status.ONLINE, "Jaringan putus", actor=staff)
        db.session.commit()
    loket_feed = parse(client, "/unit/loket-kranji/feed.atom")
    assert kinds(loket_feed) == {"phase", "holiday", "override"}
    assert [entry.title for entry in loket_feed.entries if ":override/" in entry.id] == [
        "Loket Kranji: 5 Nov 2025: tutup, alasan: Pemadaman listrik"]
    # An essential unit open 24 hours: no phase, no holiday changes its days.
    assert parse(client, "/unit/igd-rsud/feed.atom").entries == []
    opd_feed = parse(client, "/opd/disdukcapil/feed.atom")
    assert sorted(e.title for e in opd_feed.entries if ":override/" in e.id) == [
        "Loket Bintara: 6 Nov 2025: layanan daring saja, alasan: Jaringan putus",
        "Loket Kranji: 5 Nov 2025: tutup, alasan: Pemadaman listrik"]
    assert parse(client, "/opd/rsud/feed.atom").entries == []
    # Each feed is its own: ids differ, and the English one too.
    feed_ids = {parse(client, url).feed.id for url in (
        "/feed.atom", "/unit/loket-kranji/feed.atom?lang=id", "/unit/loket-kranji/feed.atom?lang=en",
        "/opd/disdukcapil/feed.atom?lang=id", "/opd/disdukcapil/feed.atom?lang=en")}
    assert len(feed_ids) == 5


def test_unknown_unit_or_agency_feed_is_a_404_in_the_visitors_language(client):
    response = client.get("/unit/tidak-ada/feed.atom")
    assert response.status_code == 404 and "tidak-ada" in response.get_data(as_text=True)
    response = client.get("/opd/tidak-ada/feed.atom?lang=en")
    assert response.status_code == 404 and "There is no agency" in response.get_data(as_text=True)


@pytest.mark.demo
def test_unit_page_links_its_feeds_and_announces_them_for_feed_readers(app, client):
    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug="disdukcapil-mpp"))
        opd_slug = db.session.get(Opd, unit.opd_id).slug
    page = client.get("/unit/disdukcapil-mpp").get_data(as_text=True)
    head = page.split("</head>")[0]
    assert 'type="application/atom+xml"' in head and 'href="/unit/disdukcapil-mpp/feed.atom"' in head
    body = page.split("</head>")[1]
    assert 'href="/unit/disdukcapil-mpp/feed.atom"' in body
    assert f'href="/opd/{opd_slug}/feed.atom"' in body
    english = client.get("/unit/disdukcapil-mpp?lang=en").get_data(as_text=True)
    assert 'href="/unit/disdukcapil-mpp/feed.atom?lang=en"' in english


def test_report_feed_has_public_events_only_and_no_personal_data(app, client):
    with app.app_context():
        unit = f.unit("Loket Bintara", owner=f.opd("Disdukcapil"))
        staff = f.user("staf@bekasikota.go.id", owner=unit.opd)
        listed = f.report(unit, contact={"name": "Nama Rahasia", "phone": "0811", "email": "r@example.org"})
        record_created(listed)
        hidden = f.report(unit, visibility="confidential", description="Rahasia sekali, jangan tampil.")
        record_created(hidden)
        db.session.flush()
        change_status(listed, staff, "in_progress", public_message="Petugas sudah kami tegur.")
        db.session.commit()
        listed_code = listed.code
        hidden_code = hidden.code
    feed = parse(client, "/laporan/feed.atom")
    assert [entry.author for entry in feed.entries] == ["Disdukcapil", "Warga"]
    assert all(listed_code in entry.title for entry in feed.entries)
    assert "Petugas sudah kami tegur." in feed.entries[0].title
    body = client.get("/laporan/feed.atom").get_data(as_text=True)
    for secret in ("Nama Rahasia", "0811", "r@example.org", hidden_code, "Rahasia sekali", "staf@"):
        assert secret not in body
    assert parse(client, "/feed.atom").entries == []  # reports are not availability


@pytest.mark.config(PUBLIC_URL="https://layanan.example.go.id")
def test_ids_come_from_the_public_address_and_never_from_the_host_header(app, client):
    with app.app_context():
        f.holiday(date(2025, 12, 25), "Hari Raya Natal")
        db.session.commit()
    feed = parse(client, "/feed.atom", base_url="http://127.0.0.1:8000")
    assert feed.feed.id == "tag:layanan.example.go.id,2025:feed/availability/id"
    assert feed.entries[0].id.startswith("tag:layanan.example.go.id,2025:holiday/")
    assert feed.entries[0].link.startswith("https://layanan.example.go.id/")


@pytest.mark.config(FEED_TAG_AUTHORITY="bekasikota.go.id", PUBLIC_URL="https://baru.example.go.id")
def test_the_tag_authority_can_be_kept_when_the_portal_moves(client):
    assert parse(client, "/feed.atom").feed.id == "tag:bekasikota.go.id,2025:feed/availability/id"


def test_only_holidays_the_pages_still_show_are_listed(app, client):
    with app.app_context():
        today = date.fromisoformat(str(app.config.get("TODAY") or datetime.now().date()))
        f.holiday(today - timedelta(days=4 * 366), "Libur lama")
        f.holiday(date(today.year + 1, 1, 1), "Tahun Baru depan")
        db.session.commit()
    assert parse(client, "/feed.atom").entries == []


def test_report_list_announces_the_report_feed(client):
    page = client.get("/laporan").get_data(as_text=True)
    head, body = page.split("</head>")
    assert 'href="/laporan/feed.atom"' in head and 'href="/laporan/feed.atom"' in body
    assert 'href="/laporan/feed.atom?lang=en"' in client.get("/laporan?lang=en").get_data(as_text=True)


def test_withdrawn_phases_and_local_holidays_stay_listed_as_withdrawn(app, client):
    from portal.policy import delete_local_holiday, delete_phase, save_local_holiday

    with app.app_context():
        admin = f.user("admin@bekasikota.go.id", Role.CITY_ADMIN, owner=f.opd("BKPSDM"))
        phase = save_phase(PhaseDraft(name="Uji Jumat", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 16),
                                      rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({4})), None, admin)
        holiday = save_local_holiday(None, date(2025, 11, 24), "Penutupan layanan: banjir", None, admin)
        db.session.commit()
        created = parse(client, "/feed.atom")
        delete_phase(phase, admin)
        delete_local_holiday(holiday, admin)
        db.session.commit()
    withdrawn = parse(client, "/feed.atom")
    assert sorted(ids(withdrawn)) == sorted(ids(created)) and len(ids(created)) == 2
    assert sorted(entry.title for entry in withdrawn.entries) == [
        "Libur daerah pada 24 Nov 2025 (Penutupan layanan: banjir) dibatalkan; aturan biasa berlaku kembali.",
        "Tahap kebijakan “Uji Jumat” (5 Jan 2026–16 Jan 2026) dibatalkan sebelum dimulai."]
    assert all(entry.link.split("?")[1].startswith("tanggal=") for entry in withdrawn.entries)
    assert [entry.updated for entry in withdrawn.entries] != [entry.updated for entry in created.entries]


def test_a_phase_older_than_the_trail_is_dated_at_its_first_day(app, client):
    with app.app_context():
        f.phase("Pola kerja normal", date(2025, 1, 1), date(2025, 10, 31), "regular")
        db.session.commit()
    entry = parse(client, "/feed.atom").entries[0]
    assert entry.updated == "2025-01-01T00:00:00+07:00"
    assert entry.title == "Tahap kebijakan “Pola kerja normal”, 1 Jan 2025–31 Okt 2025"
    assert entry.author == "admin kota (BKPSDM)"


def test_the_opd_page_macros_link_the_agency_feed(app):
    """For the OPD page of another branch: what its template includes."""
    with app.app_context():
        agency = f.opd("Disdukcapil")
        db.session.commit()
        with app.test_request_context("/?lang=en"):
            from flask import render_template_string

            html = render_template_string('{% from "feeds/_links.html" import opd_head_link, opd_follow %}'
                                          "{{ opd_head_link(opd) }}{{ opd_follow(opd) }}", opd=agency)
    assert html.count('href="/opd/disdukcapil/feed.atom?lang=en"') == 2
    assert 'rel="alternate" type="application/atom+xml"' in html and "Follow changes" in html
