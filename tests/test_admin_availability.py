"""The availability editor: OPD staff change their units' days, one cell or many at once, with a
reason the public reads; every change is on the public record and can be taken back."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Override, ServiceUnit
from portal.overrides import set_override

from . import factories as f
from .html_tables import unit_row
from .staff import TODAY, build_world, database_state, sign_in

pytestmark = pytest.mark.config(TODAY=TODAY)
ATOM = "{http://www.w3.org/2005/Atom}"
THURSDAY = "2025-11-13"  # Tahap I: non-essential units are online only


@pytest.fixture
def world(app):
    with app.app_context():
        w = build_world()
        return SimpleNamespace(
            unit_a=w.unit_a.id, unit_b=w.unit_b.id, override_a=w.override_a.id, admin_a=w.admin_a.id,
            admin_b=w.admin_b.id, city=w.city.id, kecamatan=w.unit_a.kecamatan.slug,
        )


def cell(html: str, unit_id: int, day: str) -> str:
    """The text of one cell of the editor's grid, without tags."""
    found = re.search(rf'<a id="cell-{unit_id}-{day}"[^>]*>(.*?)</a>', html, re.S)
    assert found, f"no editable cell for unit {unit_id} on {day}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def cell_url(unit_id: int, day: str, **query) -> str:
    args = "&".join(f"{key}={value}" for key, value in {"mulai": "2025-11-10", "hari": 7, **query}.items())
    return f"/admin/ketersediaan/{unit_id}/{day}?{args}"


def overrides_of(app, unit_id):
    with app.app_context():
        return [(o.starts_on, o.ends_on, o.status, o.reason) for o in db.session.scalars(
            select(Override).where(Override.unit_id == unit_id).order_by(Override.starts_on))]


def actions(app, unit_id=None):
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if unit_id is not None:
            query = query.where(AuditEvent.unit_id == unit_id)
        return db.session.scalars(query).all()


# --- the grid ----------------------------------------------------------------------------------


def test_grid_shows_her_units_days_with_status_and_reason(client, world):
    sign_in(client, world.admin_a)
    response = client.get("/admin/ketersediaan?mulai=2025-11-10&hari=7")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert "Loket Rahasia Kranji" in html and "Kantor Dinsos Bintara" not in html
    assert cell(html, world.unit_a, "2025-11-10") == "✓ Buka reguler"
    assert cell(html, world.unit_a, THURSDAY) == "⌨ Daring aturan tahap"
    assert cell(html, world.unit_a, "2025-11-12") == "✕ Tutup ✎ diubah petugas"
    assert "Diubah oleh petugas unit: Pemadaman listrik" in html  # the full reason, in the title
    assert response.headers["Vary"].count("HX-Request") == 1


def test_grid_answers_htmx_with_the_results_only(client, world, hx):
    sign_in(client, world.admin_a)
    response = client.get("/admin/ketersediaan?mulai=2025-11-17", headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "<table" in html
    assert 'id="mulai" name="mulai" value="2025-11-17" required data-hx-swap-oob="true"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_city_admin_pages_through_units_and_filters_by_kecamatan(client, world):
    with client.application.app_context():
        for number in range(26):
            f.unit(f"Kantor Kelurahan Uji {number:02d}", kec=f.kecamatan("Jatiasih"))
        db.session.commit()
    sign_in(client, world.city)
    first = client.get("/admin/ketersediaan").get_data(as_text=True)
    assert "28 unit dari" in first and "halaman 1 dari 2" in first
    second = client.get("/admin/ketersediaan?halaman=2").get_data(as_text=True)
    assert first.count('<tr id="unit-') == 25 and second.count('<tr id="unit-') == 3
    only = client.get(f"/admin/ketersediaan?kecamatan={world.kecamatan}").get_data(as_text=True)
    assert only.count('<tr id="unit-') == 2


@pytest.mark.parametrize("query", ["mulai=2025-13-01", "hari=0", "hari=x", "halaman=0", "kecamatan=atlantis"])
def test_bad_grid_arguments_are_a_400(client, world, query):
    sign_in(client, world.admin_a)
    assert client.get(f"/admin/ketersediaan?{query}").status_code == 400


def test_an_opd_admin_cannot_filter_the_grid_by_another_opd(client, world):
    sign_in(client, world.admin_a)
    assert client.get("/admin/ketersediaan?opd=dinsos").status_code == 403


# --- one cell ----------------------------------------------------------------------------------


def test_cell_form_is_a_page_without_javascript_and_a_dialog_fragment_with_htmx(client, world, hx):
    sign_in(client, world.admin_a)
    page = client.get(cell_url(world.unit_a, THURSDAY))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert '<h1 id="cell-title"' in html and "data-hx-post" not in html
    assert "Kamis, 13 November 2025" in html and "Layanan daring saja" in html
    fragment = client.get(cell_url(world.unit_a, THURSDAY), headers=hx)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and '<h2 id="cell-title"' in body
    assert f'data-hx-post="/admin/ketersediaan/{world.unit_a}/{THURSDAY}?mulai=2025-11-10&amp;hari=7"' in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_plain_form_saves_and_goes_back_to_the_same_grid(app, client, world):
    sign_in(client, world.admin_a)
    response = client.post(cell_url(world.unit_a, THURSDAY), data={
        "status": "limited", "opens": "08:00", "closes": "12:00", "ends_on": "2025-11-14",
        "reason": "  Separuh loket karena pelatihan  "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/ketersediaan?mulai=2025-11-10&hari=7#unit-{world.unit_a}"
    assert (date(2025, 11, 13), date(2025, 11, 14), "limited", "Separuh loket karena pelatihan") in overrides_of(
        app, world.unit_a)
    grid = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tersimpan: Loket Rahasia Kranji, 13 Nov 2025–14 Nov 2025." in grid
    assert cell(grid, world.unit_a, "2025-11-14") == "◐ Terbatas ✎ diubah petugas"


def test_htmx_save_refreshes_the_table_behind_the_dialog(app, client, world, hx):
    sign_in(client, world.admin_a)
    response = client.post(cell_url(world.unit_a, THURSDAY), headers=hx,
                           data={"status": "closed", "reason": "Banjir"})
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#results" and response.headers["HX-Reswap"] == "innerHTML"
    saved = json.loads(response.headers["HX-Trigger-After-Settle"])["portal:saved"]
    assert saved["focus"] == f"cell-{world.unit_a}-{THURSDAY}"
    assert saved["message"] == "Tersimpan: Loket Rahasia Kranji, 13 Nov 2025."
    html = response.get_data(as_text=True)
    assert "<html" not in html and cell(html, world.unit_a, THURSDAY) == "✕ Tutup ✎ diubah petugas"


def test_a_change_without_reason_is_refused_with_a_message(app, client, world, hx):
    sign_in(client, world.admin_a)
    before = overrides_of(app, world.unit_a)
    plain = client.post(cell_url(world.unit_a, THURSDAY), data={"status": "closed", "reason": "   "})
    assert plain.status_code == 400
    assert "Tuliskan alasannya: warga membacanya di halaman unit." in plain.get_data(as_text=True)
    htmx = client.post(cell_url(world.unit_a, THURSDAY), headers=hx, data={"status": "closed"})
    assert htmx.status_code == 200  # htmx swaps only 2xx: the dialog shows the errors
    assert "Tuliskan alasannya" in htmx.get_data(as_text=True) and "HX-Retarget" not in htmx.headers
    assert overrides_of(app, world.unit_a) == before


@pytest.mark.parametrize("data, message", [
    ({"status": "open", "opens": "08:00"}, "Isi jam buka dan jam tutup"),
    ({"status": "open", "opens": "15:00", "closes": "08:00"}, "Jam tutup harus setelah jam buka."),
    ({"status": "open", "opens": "8 pagi", "closes": "12:00"}, "Waktu tidak valid."),
    ({"status": "maybe"}, "Pilihan tidak valid."),
    ({"status": "closed", "ends_on": "2025-11-12"}, "Tanggal akhir lebih awal dari tanggal mulai."),
    ({"status": "closed", "ends_on": "2027-01-01"}, "Satu perubahan paling banyak mencakup 366 hari."),
    ({"status": "closed", "reason": "x" * 301}, "Isian maksimal 300 karakter."),
])
def test_bad_cell_input_is_a_400_with_the_reason(app, client, world, data, message):
    sign_in(client, world.admin_a)
    response = client.post(cell_url(world.unit_a, THURSDAY), data={"reason": "Alasan", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(overrides_of(app, world.unit_a)) == 1


def test_past_days_stay_as_they_were_published(app, client, world):
    sign_in(client, world.admin_a)
    page = client.get(cell_url(world.unit_a, "2025-11-04")).get_data(as_text=True)
    assert "Hari yang sudah lewat tidak dapat diubah" in page and 'name="reason"' not in page
    response = client.post(cell_url(world.unit_a, "2025-11-04"), data={"status": "closed", "reason": "Lupa"})
    assert response.status_code == 400 and len(overrides_of(app, world.unit_a)) == 1
    grid = client.get("/admin/ketersediaan?mulai=2025-11-03&hari=7").get_data(as_text=True)
    assert f'id="cell-{world.unit_a}-2025-11-04"' not in grid and f'id="cell-{world.unit_a}-2025-11-05"' in grid


@pytest.mark.parametrize("day", ["2025-02-30", "kemarin", "20251113"])
def test_a_bad_date_in_the_cell_address_is_a_400(client, world, day):
    sign_in(client, world.admin_a)
    assert client.get(f"/admin/ketersediaan/{world.unit_a}/{day}").status_code == 400


def test_removing_a_change_restores_the_rule(app, client, world):
    sign_in(client, world.admin_a)
    page = client.get(cell_url(world.unit_a, "2025-11-12")).get_data(as_text=True)
    assert "Pemadaman listrik" in page and "Hapus perubahan ini" in page
    response = client.post(f"/admin/ketersediaan/perubahan/{world.override_a}/hapus?mulai=2025-11-10&hari=7")
    assert response.status_code == 303 and overrides_of(app, world.unit_a) == []
    grid = client.get(response.headers["Location"]).get_data(as_text=True)
    assert cell(grid, world.unit_a, "2025-11-12") == "✓ Buka reguler"
    assert actions(app, world.unit_a) == ["override.create", "override.delete"]


def test_withdrawing_a_change_that_already_began_keeps_the_past_days(app, client, world):
    with app.app_context():
        unit = db.session.get(ServiceUnit, world.unit_a)
        running = set_override(unit, date(2025, 11, 3), date(2025, 11, 7), "online", "Renovasi", actor=None)
        db.session.commit()
        running_id = running.id
    sign_in(client, world.admin_a)
    page = client.get(cell_url(world.unit_a, "2025-11-06")).get_data(as_text=True)
    assert "Tarik kembali mulai hari ini" in page
    assert client.post(f"/admin/ketersediaan/perubahan/{running_id}/hapus").status_code == 303
    assert (date(2025, 11, 3), date(2025, 11, 4), "online", "Renovasi") in overrides_of(app, world.unit_a)
    assert actions(app, world.unit_a)[-1] == "override.shorten"
    public = client.get("/unit/loket-rahasia-kranji").get_data(as_text=True)
    assert "perubahan (layanan daring saja) ditarik mulai 5 Nov 2025" in public


def test_a_new_change_replaces_older_ones_it_covers(app, client, world):
    sign_in(client, world.admin_a)
    client.post(cell_url(world.unit_a, "2025-11-12"), data={"status": "online", "ends_on": "2025-11-14",
                                                            "reason": "Server antrean rusak"})
    assert overrides_of(app, world.unit_a) == [
        (date(2025, 11, 12), date(2025, 11, 14), "online", "Server antrean rusak")]
    page = client.get("/unit/loket-rahasia-kranji").get_data(as_text=True)
    assert "menggantikan perubahan sebelumnya untuk tanggal ini" in page


# --- several units at once ------------------------------------------------------------------------


def test_city_admin_closes_every_unit_of_a_kecamatan(app, client, world):
    sign_in(client, world.city)
    response = client.post("/admin/ketersediaan/massal", data={
        "kecamatan": world.kecamatan, "starts_on": "2025-11-14", "ends_on": "2025-11-14", "action": "set",
        "status": "closed", "reason": "Banjir"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/ketersediaan?mulai=2025-11-14"
    for unit_id in (world.unit_a, world.unit_b):
        assert (date(2025, 11, 14), date(2025, 11, 14), "closed", "Banjir") in overrides_of(app, unit_id)
    html = client.get("/?tanggal=2025-11-14").get_data(as_text=True)
    assert html.count("Diubah oleh admin kota (BKPSDM): Banjir") == 2  # a city admin decided, not the unit
    feed = ET.fromstring(client.get("/feed.atom").data)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert "Kantor Dinsos Bintara: 14 Nov 2025: tutup, alasan: Banjir" in titles


def test_opd_admin_changes_all_her_units_and_no_other(app, client, world):
    with app.app_context():
        f.unit("Gerai Kranji di MPP", owner=f.opd("Disdukcapil"))
        db.session.commit()
    sign_in(client, world.admin_a)
    form = client.get("/admin/ketersediaan/massal").get_data(as_text=True)
    assert "Semua unit saya" in form and "Semua unit di kecamatan" not in form
    response = client.post("/admin/ketersediaan/massal", data={
        "all_mine": "y", "starts_on": "2025-11-17", "ends_on": "2025-11-18", "action": "set",
        "status": "online", "reason": "Pemeliharaan gedung"})
    assert response.status_code == 303
    with app.app_context():
        changed = db.session.scalars(select(ServiceUnit.name).join(Override).where(
            Override.reason == "Pemeliharaan gedung").order_by(ServiceUnit.name)).all()
    assert changed == ["Gerai Kranji di MPP", "Loket Rahasia Kranji"]


@pytest.mark.parametrize("unit_id", ["99999999999999999999999", "-1", "0"])
def test_bulk_change_for_a_unit_id_out_of_range_is_refused_in_words(app, client, world, unit_id):
    sign_in(client, world.admin_a)
    with app.app_context():
        before = database_state()
    response = client.post("/admin/ketersediaan/massal", data={
        "units": [str(world.unit_a), unit_id], "starts_on": "2025-11-14", "ends_on": "2025-11-14",
        "action": "set", "status": "closed", "reason": "Banjir"})
    assert response.status_code == 400
    assert "Salah satu unit yang dipilih tidak ada" in response.get_data(as_text=True)
    with app.app_context():
        assert database_state() == before


def test_opd_admin_cannot_use_the_kecamatan_scope(app, client, world):
    sign_in(client, world.admin_a)
    with app.app_context():
        before = database_state()
    response = client.post("/admin/ketersediaan/massal", data={
        "kecamatan": world.kecamatan, "starts_on": "2025-11-14", "ends_on": "2025-11-14", "action": "set",
        "status": "closed", "reason": "Banjir"})
    assert response.status_code == 403
    with app.app_context():
        assert database_state() == before


def test_bulk_clear_removes_changes_inside_the_days_and_keeps_longer_ones(app, client, world):
    with app.app_context():
        unit = db.session.get(ServiceUnit, world.unit_a)
        set_override(unit, date(2025, 11, 11), date(2025, 11, 20), "limited", "Renovasi", actor=None)
        set_override(unit, date(2025, 11, 13), date(2025, 11, 13), "closed", "Listrik padam", actor=None)
        db.session.commit()
    sign_in(client, world.admin_a)
    response = client.post("/admin/ketersediaan/massal", data={
        "units": str(world.unit_a), "starts_on": "2025-11-12", "ends_on": "2025-11-14", "action": "clear"})
    assert response.status_code == 303
    assert overrides_of(app, world.unit_a) == [(date(2025, 11, 11), date(2025, 11, 20), "limited", "Renovasi")]
    grid = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 perubahan dihapus (12 Nov 2025–14 Nov 2025)" in grid
    assert "1 perubahan melewati rentang tanggal ini dan tidak dihapus" in grid


def test_bulk_without_units_or_reason_is_refused(app, client, world):
    sign_in(client, world.admin_a)
    response = client.post("/admin/ketersediaan/massal", data={
        "starts_on": "2025-11-14", "ends_on": "2025-11-14", "action": "set", "status": "closed"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Pilih setidaknya satu unit." in html and "Tuliskan alasannya" in html
    assert len(overrides_of(app, world.unit_a)) == 1


@pytest.mark.parametrize("units", ["999999", "abc"])
def test_bulk_with_an_unknown_unit_is_a_400(app, client, world, units):
    sign_in(client, world.admin_a)
    response = client.post("/admin/ketersediaan/massal", data={
        "units": units, "starts_on": "2025-11-14", "ends_on": "2025-11-14", "action": "set",
        "status": "closed", "reason": "Banjir"})
    assert response.status_code == 400


# --- done when: the public sees it at once, and the record keeps both --------------------------


def ics_event(ics: str, uid: str) -> str:
    """The VEVENT with this UID, unfolded."""
    blocks = ics.replace("\r\n ", "").split("BEGIN:VEVENT")
    return next(block for block in blocks if f"UID:{uid}@" in block)


def test_an_override_is_public_at_once_with_its_reason_and_removing_it_restores_the_rule(app, client, world):
    sign_in(client, world.admin_a)
    assert client.post(cell_url(world.unit_a, THURSDAY), data={
        "status": "closed", "reason": "Pemadaman listrik PLN"}).status_code == 303
    slug = "loket-rahasia-kranji"

    listed = unit_row(client.get(f"/?tanggal={THURSDAY}").get_data(as_text=True), slug=slug)
    assert 'st-row-closed' in listed and "Diubah oleh petugas unit: Pemadaman listrik PLN" in listed
    page = client.get(f"/unit/{slug}").get_data(as_text=True)
    assert re.search(r"Kamis, 13 November 2025</time></th>\s*<td><span class=\"badge st-closed\"", page)
    assert re.search(r"Diubah oleh Disdukcapil, <time datetime=\"[^\"]+\+07:00\">\d+ \w+ \d{4} \d\d\.\d\d</time>: "
                     r"13 Nov 2025: tutup, alasan: Pemadaman listrik PLN", page)
    assert "petugas.a" not in page and "Petugas A" not in page  # the agency, never the person
    event = ics_event(client.get(f"/unit/{slug}.ics").get_data(as_text=True), f"{slug}-2025-11-13")
    assert "SUMMARY:Tutup — Loket Rahasia Kranji" in event and "Pemadaman listrik PLN" in event
    feed = ET.fromstring(client.get("/feed.atom").data)
    newest = feed.findall(f"{ATOM}entry")[0]
    assert newest.find(f"{ATOM}title").text == f"Loket Rahasia Kranji: 13 Nov 2025: tutup, alasan: Pemadaman listrik PLN"
    assert newest.find(f"{ATOM}author/{ATOM}name").text == "Disdukcapil"

    with app.app_context():
        override_id = db.session.scalar(select(Override.id).where(Override.reason == "Pemadaman listrik PLN"))
    assert client.post(f"/admin/ketersediaan/perubahan/{override_id}/hapus").status_code == 303
    listed = unit_row(client.get(f"/?tanggal={THURSDAY}").get_data(as_text=True), slug=slug)
    assert 'st-row-online' in listed and "Tahap I" in listed
    event = ics_event(client.get(f"/unit/{slug}.ics").get_data(as_text=True), f"{slug}-2025-11-13")
    assert "SUMMARY:Layanan daring saja" in event and "Pemadaman" not in event
    assert "dibatalkan; aturan reguler berlaku kembali" in client.get(f"/unit/{slug}").get_data(as_text=True)

    with app.app_context():
        trail = db.session.scalars(select(AuditEvent).where(AuditEvent.unit_id == world.unit_a)
                                   .order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id, e.public) for e in trail[-2:]] == [
            ("override.create", world.admin_a, True), ("override.delete", world.admin_a, True)]
        assert trail[-2].after["reason"] == "Pemadaman listrik PLN" and trail[-1].before["status"] == "closed"


# --- CSRF ---------------------------------------------------------------------------------------


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(app, client, world, hx):
    sign_in(client, world.admin_a)
    with app.app_context():
        before = database_state()
    for token in (None, "forged"):
        data = {"status": "closed", "reason": "Banjir"} | ({"csrf_token": token} if token else {})
        response = client.post(cell_url(world.unit_a, THURSDAY), data=data)
        assert response.status_code == 400
        assert "tidak ada yang diubah" in response.get_data(as_text=True)
    assert client.post(f"/admin/ketersediaan/perubahan/{world.override_a}/hapus").status_code == 400
    with app.app_context():
        assert database_state() == before

    page = client.get("/admin/ketersediaan").get_data(as_text=True)
    header_token = re.search(r'data-hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    htmx = client.post(cell_url(world.unit_a, THURSDAY), headers={**hx, "X-CSRFToken": header_token},
                       data={"status": "closed", "reason": "Banjir"})
    assert htmx.status_code == 200 and "HX-Retarget" in htmx.headers
    form = client.get(cell_url(world.unit_a, "2025-11-14")).get_data(as_text=True)
    field_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    plain = client.post(cell_url(world.unit_a, "2025-11-14"),
                        data={"status": "closed", "reason": "Banjir", "csrf_token": field_token})
    assert plain.status_code == 303
    assert len(overrides_of(app, world.unit_a)) == 3
