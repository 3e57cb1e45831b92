"""Anonymity is a property of the report, not of its current visibility.

A report filed anonymous keeps its reporter hidden from every agency for good, whatever staff
later do to it (make it confidential, mark it spam, answer it, forward it): only city admins see
the contact data, on request, and each view is audited. The test walks every visibility a report
can be filed with, through every sequence of changes staff can make, and asks every role for the
contact data and for its erasure.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Report

from .reporting import build_world, code_of, form_data, login

CONTACT = {"name": "Sutisna Rahasiawati", "phone": "0812 4455 6677", "email": "sutisna.rahasia@contoh.id",
           "consent": "y"}
NEEDLES = ("Sutisna", "4455", "sutisna.rahasia")

# What staff can do to a report after it was filed: (who does it, method, path suffix, data).
STEPS = {
    "hide_by_opd": ("opd", "/rahasiakan", {}),
    "hide_by_city": ("city", "/rahasiakan", {}),
    "spam": ("opd", "/spam", {"spam": "1"}),
    "answer": ("opd", "/status", {"status": "in_progress", "public_message": "Sedang ditangani."}),
    "forward": ("city", "/teruskan", {"opd": "dinkes"}),
}
SEQUENCES = [(), ("hide_by_opd",), ("hide_by_city",), ("spam",), ("answer",), ("forward",),
             ("answer", "hide_by_opd"), ("forward", "hide_by_opd"), ("spam", "hide_by_opd", "forward")]


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def responsible_admin(app, world, code: str) -> str:
    with app.app_context():
        opd_id = db.session.scalar(select(Report.opd_id).filter_by(code=code))
    return world.admin_a if opd_id == world.opd_a else world.admin_b


def other_admin(app, world, code: str) -> str:
    return world.admin_b if responsible_admin(app, world, code) == world.admin_a else world.admin_a


def as_user(client, email: str) -> None:
    client.post("/admin/logout")
    login(client, email)


def shows_contact(html: str) -> bool:
    return any(needle in html for needle in NEEDLES)


def contact_views(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .filter_by(action="report.contact_view"))


@pytest.mark.parametrize("sequence", SEQUENCES, ids=lambda s: "+".join(s) or "as_filed")
@pytest.mark.parametrize("filed", ["public", "anonymous", "confidential"])
def test_contact_data_follows_how_the_report_was_filed_through_every_change(app, client, world, filed, sequence):
    code = code_of(client.post("/lapor", data=form_data(visibility=filed, **CONTACT)))
    for step in sequence:
        who, suffix, data = STEPS[step]
        as_user(client, world.city if who == "city" else responsible_admin(app, world, code))
        response = client.post(f"/admin/laporan/{code}{suffix}", data=data)
        assert response.status_code == 303, (step, response.status_code)

    anonymous = filed == "anonymous"
    # The responsible agency: sees the contact only if the report was not filed anonymous.
    as_user(client, responsible_admin(app, world, code))
    views = contact_views(app)
    page = client.get(f"/admin/laporan/{code}?kontak=1")
    assert page.status_code == 200
    assert shows_contact(page.get_data(as_text=True)) is not anonymous
    assert contact_views(app) == views + (0 if anonymous else 1)
    if anonymous:
        assert "Laporan anonim" in page.get_data(as_text=True)
        assert client.post(f"/admin/laporan/{code}/hapus-kontak").status_code == 403
    # Another agency: never (403 before anything is shown).
    as_user(client, other_admin(app, world, code))
    assert client.get(f"/admin/laporan/{code}?kontak=1").status_code == 403
    assert client.post(f"/admin/laporan/{code}/hapus-kontak").status_code == 403
    # A city admin: always, on request, and the view is audited.
    as_user(client, world.city)
    views = contact_views(app)
    assert not shows_contact(client.get(f"/admin/laporan/{code}").get_data(as_text=True))
    assert shows_contact(client.get(f"/admin/laporan/{code}?kontak=1").get_data(as_text=True))
    assert contact_views(app) == views + 1
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.contact.name == CONTACT["name"]  # nobody erased it on the way
        assert report.filed_anonymous is anonymous


def test_the_opd_never_reads_an_anonymous_reporter_in_its_staff_pages(app, client, world):
    """The queue, the audit trail and their downloads of the agency show no contact data either."""
    code = code_of(client.post("/lapor", data=form_data(visibility="anonymous", **CONTACT)))
    login(client, world.admin_a)
    assert client.post(f"/admin/laporan/{code}/rahasiakan").status_code == 303
    for url in ("/admin/laporan", "/admin/laporan?status=all", f"/admin/laporan?q={code}", "/admin/audit",
                f"/admin/laporan/{code}", f"/admin/laporan/{code}?kontak=1"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not shows_contact(response.get_data(as_text=True)), url


def test_a_city_admin_may_erase_an_anonymous_reporters_contact_on_request(app, client, world):
    code = code_of(client.post("/lapor", data=form_data(visibility="anonymous", **CONTACT)))
    login(client, world.city)
    assert client.post(f"/admin/laporan/{code}/rahasiakan").status_code == 303
    assert client.post(f"/admin/laporan/{code}/hapus-kontak").status_code == 303
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.contact.name is None and report.contact.purged_at is not None
        assert report.filed_anonymous and report.visibility == "confidential"
