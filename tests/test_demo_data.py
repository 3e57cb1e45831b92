"""The demo as a Bekasi official reads it: front desks on-site on WFH Thursdays, as the
neighbouring Kabupaten Bekasi kept them; every staff change made on its day, at office hours,
by the agency that owns the unit."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from portal.clock import local
from portal.extensions import db
from portal.models import AuditEvent, Override, ReportUpdate, ServiceUnit

from .test_public import unit_rows

pytestmark = pytest.mark.demo

THURSDAY_TAHAP_I = "2025-11-13"
FRONT_DESKS = ("disdukcapil-mpp", "disdukcapil-kantor-dinas", "mpp-dpmptsp", "gerai-bapenda-di-mpp")
OFFICE_HOURS = (time(8, 0), time(16, 0))


def test_disdukcapil_front_desks_and_mpp_counters_serve_on_site_on_a_tahap_1_thursday(client):
    rows = dict((slug, status) for status, slug in unit_rows(client.get(f"/?tanggal={THURSDAY_TAHAP_I}").get_data(as_text=True)))
    assert {slug: rows[slug] for slug in FRONT_DESKS} == {slug: "open" for slug in FRONT_DESKS}
    # ... while an ordinary office goes online that day.
    assert rows["kantor-dinas-sosial"] == "online"
    page = client.get(f"/unit/disdukcapil-mpp?tanggal={THURSDAY_TAHAP_I}").get_data(as_text=True)
    assert "Unit layanan esensial" in page


def test_every_agency_kabupaten_bekasi_kept_on_site_has_its_units_on_site(app):
    with app.app_context():
        units = db.session.scalars(select(ServiceUnit)).all()
        kept = {"Disdukcapil", "DPMPTSP", "Dishub", "RSUD", "Satpol PP", "BPBD", "Dinkes"}
        not_essential = [u.slug for u in units if u.opd.short_name in kept and not u.essential]
        assert not_essential == []


def test_no_demo_event_is_stamped_after_the_day_it_changed_nor_at_the_seeding_time(app):
    seeded_after = datetime(2026, 1, 1, tzinfo=UTC)  # the demo's story ends with 2025
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        assert events
        assert [e.id for e in events if e.at.replace(tzinfo=UTC) >= seeded_after] == []
        overrides = db.session.scalars(select(Override)).all()
        assert len(overrides) >= 3
        for override in overrides:
            assert local(override.created_at).date() <= override.starts_on
            for event in db.session.scalars(select(AuditEvent).filter_by(object_type="Override",
                                                                          object_id=override.id)):
                assert local(event.at).date() <= override.starts_on, (override.unit.slug, event.at)
                assert event.actor is not None and event.actor.opd_id == override.unit.opd_id


def test_staff_answers_and_changes_are_made_in_office_hours_on_working_days(app):
    with app.app_context():
        moments = [u.at for u in db.session.scalars(select(ReportUpdate))]
        moments += [e.at for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id.is_not(None)))]
        assert len(moments) > 20
        outside = [local(m) for m in moments
                   if local(m).weekday() >= 5 or not OFFICE_HOURS[0] <= local(m).time() < OFFICE_HOURS[1]]
        assert outside == []


def test_the_override_of_a_kelurahan_is_made_by_its_kecamatan(app):
    with app.app_context():
        unit = db.session.scalar(select(ServiceUnit).filter_by(slug="kantor-kelurahan-jakasampurna"))
        override = db.session.scalar(select(Override).filter_by(unit_id=unit.id))
        assert override.starts_on == date(2025, 12, 8)
        assert override.created_by.opd.short_name == "Kec. Bekasi Barat"


def test_every_report_answer_comes_from_the_reported_units_agency(app):
    with app.app_context():
        answers = db.session.scalars(select(ReportUpdate)).all()
        assert answers
        assert [(u.report.code, u.actor.email) for u in answers if u.actor.opd_id != u.report.opd_id] == []
