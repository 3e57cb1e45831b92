"""Agencies, units and staff accounts: city admins manage them; an OPD admin keeps her own units'
details current. Every change is in the audit trail with before and after; passwords never are."""

from datetime import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Kelurahan, Opd, ServiceUnit, User

from . import factories as f
from .staff import TODAY, build_world, lock, sign_in

pytestmark = pytest.mark.config(TODAY=TODAY)


@pytest.fixture
def world(app):
    with app.app_context():
        w = build_world()
        return SimpleNamespace(unit_a=w.unit_a.id, unit_b=w.unit_b.id, opd_a=w.opd_a.id, admin_a=w.admin_a.id,
                               admin_b=w.admin_b.id, city=w.city.id, kecamatan=w.unit_a.kecamatan_id)


def last_event(app, action_prefix: str) -> AuditEvent:
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like(f"{action_prefix}%"))
                                  .order_by(AuditEvent.id.desc()))
        db.session.expunge(event)
        return event


def details(**changes) -> dict:
    data = {"address": "Jl. Ir. H. Juanda No. 100", "phone": "021 8800 0001", "whatsapp": "", "email": "",
            "online_channel_url": "https://disdukcapil.bekasikota.go.id", "online_channel_name": "Adminduk daring",
            "services": "KTP-el\nKartu Keluarga", "opens_0": "08:00", "closes_0": "15:00", "opens_5": "08:00",
            "closes_5": "12:00"}
    return {**data, **changes}


def test_opd_admin_updates_her_units_details_and_the_public_sees_them(app, client, world):
    sign_in(client, world.admin_a)
    form = client.get(f"/admin/unit/{world.unit_a}").get_data(as_text=True)
    assert 'name="address"' in form and 'name="essential"' not in form and 'name="opd_id"' not in form
    response = client.post(f"/admin/unit/{world.unit_a}", data=details(essential="y", name="Nama Lain"))
    assert response.status_code == 303
    with app.app_context():
        unit = db.session.get(ServiceUnit, world.unit_a)
        assert unit.address == "Jl. Ir. H. Juanda No. 100" and unit.service_list == ["KTP-el", "Kartu Keluarga"]
        assert unit.weekly_hours() == {0: (time(8), time(15)), 5: (time(8), time(12))}
        assert not unit.essential and unit.name == "Loket Rahasia Kranji"  # not hers to change
    page = client.get("/unit/loket-rahasia-kranji").get_data(as_text=True)
    assert "Jl. Ir. H. Juanda No. 100" in page and "Adminduk daring" in page
    event = last_event(app, "unit.")
    assert event.action == "unit.update" and event.actor_id == world.admin_a
    assert event.before["address"] == "Jl. Contoh No. 1" and event.after["address"] == "Jl. Ir. H. Juanda No. 100"
    assert event.before["hours"]["1"] == "08:00-15:00" and "1" not in event.after["hours"]


@pytest.mark.parametrize("changes, message", [
    ({"opens_2": "09:00"}, "Isi jam buka dan jam tutup, atau kosongkan keduanya (tutup)."),
    ({"opens_0": "15:00", "closes_0": "08:00"}, "Jam tutup harus setelah jam buka."),
    ({"email": "bukan-email"}, "Alamat e-mail tidak valid."),
    ({"online_channel_url": "bukan alamat"}, "URL tidak valid."),
    ({"address": ""}, "Kolom ini wajib diisi."),
])
def test_bad_unit_details_are_refused_and_nothing_is_lost(app, client, world, changes, message):
    sign_in(client, world.admin_a)
    response = client.post(f"/admin/unit/{world.unit_a}", data=details(**changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ServiceUnit, world.unit_a).address == "Jl. Contoh No. 1"


def test_unit_list_of_an_opd_admin_holds_her_units_only(client, world):
    sign_in(client, world.admin_b)
    html = client.get("/admin/unit").get_data(as_text=True)
    assert "Kantor Dinsos Bintara" in html and "Loket Rahasia Kranji" not in html
    assert "Unit baru" not in html


def test_city_admin_creates_a_unit_and_its_address_name_stays_unique(app, client, world):
    sign_in(client, world.city)
    data = {**details(), "slug": "loket-baru", "name": "Loket Baru", "opd_id": world.opd_a,
            "kecamatan_id": world.kecamatan, "kelurahan_id": 0, "rotation_group": "B", "active": "y"}
    assert client.post("/admin/unit/baru", data=data).status_code == 303
    assert "Loket Baru" in client.get("/unit/loket-baru").get_data(as_text=True)
    again = client.post("/admin/unit/baru", data=data)
    assert again.status_code == 400 and "Nama alamat ini sudah dipakai unit lain." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceUnit).filter_by(slug="loket-baru")) == 1
    assert last_event(app, "unit.").action == "unit.create"


def test_city_admin_moves_a_unit_and_deactivates_it(app, client, world):
    sign_in(client, world.city)
    with app.app_context():
        dinsos = db.session.scalar(select(Opd.id).filter_by(slug="dinsos"))
    data = {**details(), "name": "Loket Rahasia Kranji", "opd_id": dinsos, "kecamatan_id": world.kecamatan,
            "kelurahan_id": 0, "rotation_group": "A"}  # "active" unticked
    assert client.post(f"/admin/unit/{world.unit_a}", data=data).status_code == 303
    assert client.get("/unit/loket-rahasia-kranji").status_code == 404
    with app.app_context():
        opds = db.session.scalars(select(AuditEvent.opd_id).where(AuditEvent.action == "unit.update")).all()
    assert sorted(opds) == sorted([world.opd_a, dinsos])  # both agencies see the move in their trail


def test_a_kelurahan_must_lie_in_the_units_kecamatan(app, client, world):
    with app.app_context():
        other = f.kecamatan("Jatiasih")
        kelurahan = Kelurahan(slug="jatirasa", name="Jatirasa", kecamatan=other)
        db.session.add(kelurahan)
        db.session.commit()
        kelurahan_id = kelurahan.id
    sign_in(client, world.city)
    data = {**details(), "name": "Loket Rahasia Kranji", "opd_id": world.opd_a, "kecamatan_id": world.kecamatan,
            "kelurahan_id": kelurahan_id, "rotation_group": "A", "active": "y"}
    response = client.post(f"/admin/unit/{world.unit_a}", data=data)
    assert response.status_code == 400
    assert "Kelurahan ini tidak berada di kecamatan yang dipilih." in response.get_data(as_text=True)


def test_city_admin_adds_and_renames_an_agency(app, client, world):
    sign_in(client, world.city)
    assert client.post("/admin/opd/baru", data={"slug": "dishub", "short_name": "Dishub",
                                                "name": "Dinas Perhubungan", "kind": "dinas"}).status_code == 303
    bad = client.post("/admin/opd/baru", data={"slug": "Dishub Kota", "short_name": "X", "name": "X",
                                               "kind": "dinas"})
    assert bad.status_code == 400 and "huruf kecil, angka dan tanda hubung" in bad.get_data(as_text=True)
    assert client.post(f"/admin/opd/{world.opd_a}", data={
        "short_name": "Disdukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil", "kind": "dinas",
        "slug": "dicoba-diganti"}).status_code == 303
    with app.app_context():
        opd = db.session.get(Opd, world.opd_a)
        assert opd.slug == "disdukcapil" and opd.name == "Dinas Kependudukan dan Pencatatan Sipil"
    event = last_event(app, "opd.")
    assert event.before["name"] == "Dinas Disdukcapil" and event.after["name"].startswith("Dinas Kependudukan")


# --- staff accounts ------------------------------------------------------------------------------


def new_account(**changes) -> dict:
    return {"email": "Staf.Baru@BekasiKota.go.id", "name": "Staf Baru", "role": "opd_admin", "opd_id": "1",
            "password": "kata-sandi-panjang", "password_confirm": "kata-sandi-panjang", **changes}


def test_a_new_account_signs_in_and_its_password_is_never_recorded(app, client, world):
    sign_in(client, world.city)
    assert client.post("/admin/pengguna/baru", data=new_account()).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="staf.baru@bekasikota.go.id"))
        assert user.opd_id == 1 and user.password_hash.startswith("scrypt:")
        trail = " ".join(repr((e.before, e.after, e.summary)) for e in db.session.scalars(select(AuditEvent)))
        assert "kata-sandi-panjang" not in trail
    sign_in(client, None)
    assert client.post("/admin/login", data={"email": "staf.baru@bekasikota.go.id",
                                             "password": "kata-sandi-panjang"}).status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"password_confirm": "lain-sekali-123"}, "Kedua kata sandi tidak sama."),
    ({"password": "pendek", "password_confirm": "pendek"}, "Isian harus 10 sampai 200 karakter."),
    ({"opd_id": "0"}, "Pilih OPD tempat admin ini bertugas."),
    ({"email": "petugas.a@BEKASIKOTA.go.id"}, "E-mail ini sudah dipakai akun lain."),
    ({"role": "superuser"}, "Pilihan tidak valid."),
])
def test_bad_accounts_are_refused(app, client, world, changes, message):
    sign_in(client, world.city)
    response = client.post("/admin/pengguna/baru", data=new_account(**changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_a_deactivated_account_is_signed_out_at_once(app, client, world):
    admin = app.test_client()
    sign_in(admin, world.city)
    sign_in(client, world.admin_a)
    assert client.get("/admin/").status_code == 200
    response = admin.post(f"/admin/pengguna/{world.admin_a}", data={
        "email": "petugas.a@bekasikota.go.id", "name": "Petugas A", "role": "opd_admin", "opd_id": world.opd_a})
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 302  # her open session ends
    event = last_event(app, "user.")
    assert event.action == "user.deactivate"
    assert (event.before["is_active_account"], event.after["is_active_account"]) == (True, False)


def test_a_city_admin_cannot_lock_herself_out(app, client, world):
    sign_in(client, world.city)
    for changes in ({"role": "opd_admin", "opd_id": world.opd_a, "is_active_account": "y"},
                    {"role": "city_admin", "opd_id": 0}):
        response = client.post(f"/admin/pengguna/{world.city}", data={
            "email": "bkpsdm@bekasikota.go.id", "name": "Bkpsdm", **changes})
        assert response.status_code == 400 and "akun Anda sendiri" in response.get_data(as_text=True)
    with app.app_context():
        me = db.session.get(User, world.city)
        assert me.is_city_admin and me.is_active


def test_password_reset_and_unlock_are_recorded_without_the_password(app, client, world):
    with app.app_context():
        lock(db.session.get(User, world.admin_a))
        db.session.commit()
    sign_in(client, world.city)
    page = client.get(f"/admin/pengguna/{world.admin_a}").get_data(as_text=True)
    assert "5 kali gagal masuk" in page
    assert client.post(f"/admin/pengguna/{world.admin_a}/buka-kunci").status_code == 303
    assert client.post(f"/admin/pengguna/{world.admin_a}/buka-kunci").status_code == 400  # nothing left to forget
    mismatch = client.post(f"/admin/pengguna/{world.admin_a}/sandi", data={
        "sandi-password": "kata-sandi-baru-1", "sandi-password_confirm": "kata-sandi-baru-2"})
    assert mismatch.status_code == 400 and "Kedua kata sandi tidak sama." in mismatch.get_data(as_text=True)
    assert client.post(f"/admin/pengguna/{world.admin_a}/sandi", data={
        "sandi-password": "kata-sandi-baru-1", "sandi-password_confirm": "kata-sandi-baru-1"}).status_code == 303
    with app.app_context():
        user = db.session.get(User, world.admin_a)
        assert user.check_password("kata-sandi-baru-1") and user.failed_logins == 0
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == world.admin_a)
                                    .where(AuditEvent.action.like("user.%")).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["user.unlock", "user.password_reset"]
        assert "kata-sandi-baru" not in repr([(e.before, e.after, e.summary) for e in events])
