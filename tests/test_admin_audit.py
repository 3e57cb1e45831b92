"""The staff's audit trail: who changed what and when, filtered; each OPD sees its own events."""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent

from .staff import TODAY, build_world, sign_in

pytestmark = pytest.mark.config(TODAY=TODAY)


@pytest.fixture
def world(app, client):
    with app.app_context():
        w = build_world()
        ids = SimpleNamespace(unit_a=w.unit_a.id, unit_b=w.unit_b.id, admin_a=w.admin_a.id, admin_b=w.admin_b.id,
                              city=w.city.id)
    # Each admin changes one of her units; the city admin renames admin A.
    for admin, unit in ((ids.admin_a, ids.unit_a), (ids.admin_b, ids.unit_b)):
        sign_in(client, admin)
        client.post(f"/admin/ketersediaan/{unit}/2025-11-20", data={"status": "closed", "reason": f"Alasan {unit}"})
    sign_in(client, ids.city)
    client.post(f"/admin/pengguna/{ids.admin_a}", data={
        "email": "petugas.a@bekasikota.go.id", "name": "Ratna Sari", "role": "opd_admin", "opd_id": 1,
        "is_active_account": "y"})
    sign_in(client, None)
    return ids


def entries(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split())
            for item in re.findall(r"<li>\s*<strong>(.*?)</li>", html, re.S)]


def test_city_admin_sees_every_change_with_before_and_after(client, world):
    sign_in(client, world.city)
    response = client.get("/admin/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    shown = entries(html)
    assert len(shown) == 4 and shown[0].startswith("Akun diubah")
    assert any(item.startswith("Ketersediaan layanan diubah : Kantor Dinsos Bintara") for item in shown)
    # Before and after, readably: the renamed account.
    assert re.search(r"<th scope=\"row\">Nama</th><td><del>Petugas A</del></td><td><ins>Ratna Sari</ins></td>", html)


def test_an_opd_admin_sees_only_her_agencys_events(client, world):
    sign_in(client, world.admin_b)
    html = client.get("/admin/audit").get_data(as_text=True)
    shown = entries(html)
    assert len(shown) == 1 and "Kantor Dinsos Bintara" in shown[0] and "Alasan" in shown[0]
    assert "Loket Rahasia Kranji" not in html and "Ratna Sari" not in html
    assert client.get("/admin/audit?opd=disdukcapil").status_code == 403
    assert client.get("/admin/audit?unit=loket-rahasia-kranji").status_code == 403
    # Naming a user of another agency shows nothing of hers.
    assert entries(client.get(f"/admin/audit?pengguna={world.admin_a}").get_data(as_text=True)) == []


def test_filters_narrow_the_trail(app, client, world):
    sign_in(client, world.city)
    by_action = entries(client.get("/admin/audit?aksi=override.create").get_data(as_text=True))
    assert len(by_action) == 3  # two in the editor, one built with the world
    by_unit = entries(client.get("/admin/audit?unit=kantor-dinsos-bintara").get_data(as_text=True))
    assert len(by_unit) == 1
    by_user = entries(client.get(f"/admin/audit?pengguna={world.admin_a}").get_data(as_text=True))
    assert len(by_user) == 2
    with app.app_context():
        first, second = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).limit(2)).all()
        first.at = datetime(2025, 11, 1, 16, 30, tzinfo=UTC)  # 1 November, 23.30 in Bekasi (WIB)
        second.at = datetime(2025, 11, 1, 17, 30, tzinfo=UTC)  # already 2 November, 00.30 WIB
        db.session.commit()
    assert len(entries(client.get("/admin/audit?dari=2025-11-01&sampai=2025-11-01").get_data(as_text=True))) == 1
    assert len(entries(client.get("/admin/audit?dari=2025-11-02&sampai=2025-11-02").get_data(as_text=True))) == 1
    assert len(entries(client.get("/admin/audit?sampai=2025-10-31").get_data(as_text=True))) == 0


@pytest.mark.parametrize("query", ["aksi=hapus.semua", "dari=kemarin", "dari=2025-11-02&sampai=2025-11-01",
                                   "pengguna=999", "halaman=0", "unit=tidak-ada"])
def test_bad_filters_are_a_400(client, world, query):
    sign_in(client, world.city)
    assert client.get(f"/admin/audit?{query}").status_code == 400


def test_the_trail_answers_htmx_with_the_results_only(client, world, hx):
    sign_in(client, world.city)
    response = client.get("/admin/audit?aksi=user.update", headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "Akun diubah" in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_trail_pages_by_fifty(app, client, world):
    with app.app_context():
        for number in range(60):
            db.session.add(AuditEvent(action="unit.update", object_type="ServiceUnit", opd_id=None,
                                      summary=f"uji {number}"))
        db.session.commit()
    sign_in(client, world.city)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert len(entries(first)) == 50 and "64 catatan." in first and 'href="/admin/audit?halaman=2"' in first
    assert len(entries(client.get("/admin/audit?halaman=2").get_data(as_text=True))) == 14


def test_the_unit_page_names_the_agency_never_the_person(client, world):
    html = client.get("/unit/loket-rahasia-kranji").get_data(as_text=True)
    changes = re.findall(r"<li>(Diubah oleh .*?)</li>", html)
    assert len(changes) == 2
    assert all(change.startswith("Diubah oleh Disdukcapil, ") for change in changes)
    assert "20 Nov 2025: tutup, alasan: Alasan" in changes[0]
    assert "Ratna" not in html and "petugas.a@" not in html
