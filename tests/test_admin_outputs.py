"""The staff's daily output page: who may enter what, the day's form, indicators and costs."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, OperationalCost, OutputDay, OutputIndicator, Role

from . import factories as f

pytestmark = pytest.mark.config(TODAY="2025-11-10")


@pytest.fixture
def agencies(app):
    with app.app_context():
        a, b = f.opd("Disdukcapil"), f.opd("DPMPTSP")
        db.session.add(OutputIndicator(opd=a, slug="dokumen-terbit", name="Dokumen terbit", unit_of_measure="dokumen"))
        db.session.add(OutputIndicator(opd=b, slug="izin-terbit", name="Izin terbit", unit_of_measure="izin"))
        f.user("admin-a@bekasikota.go.id", Role.OPD_ADMIN, a)
        f.user("admin-b@bekasikota.go.id", Role.OPD_ADMIN, b)
        f.user("bkpsdm@bekasikota.go.id", Role.CITY_ADMIN, None)
        db.session.commit()
        return {"dokumen": db.session.scalar(select(OutputIndicator.id).filter_by(slug="dokumen-terbit")),
                "izin": db.session.scalar(select(OutputIndicator.id).filter_by(slug="izin-terbit"))}


def day_data(indicators, opd="disdukcapil", **changes):
    key = "dokumen" if opd == "disdukcapil" else "izin"
    data = {"opd": opd, "day": "2025-11-06", "mode": "wfh", "staff_on_duty": "40", "reports_due": "40",
            "reports_submitted": "36", f"q_{indicators[key]}": "120"}
    data.update(changes)
    return data


def counts(app) -> dict:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (OutputDay, OutputIndicator, OperationalCost, AuditEvent)}


WRITES = [
    ("/admin/output", lambda ind: day_data(ind, opd="dpmptsp")),
    ("/admin/output/indikator", lambda ind: {"opd": "dpmptsp", "name": "Izin reklame terbit", "unit_of_measure": "izin"}),
    ("/admin/output/biaya", lambda ind: {"opd": "dpmptsp", "month": "2025-10", "electricity": "5000000"}),
]


@pytest.mark.parametrize("url, data", WRITES)
def test_anonymous_visitors_are_sent_to_the_login(client, app, agencies, url, data):
    before = counts(app)
    response = client.post(url, data=data(agencies))
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get("/admin/output").status_code == 302
    assert counts(app) == before


@pytest.mark.parametrize("url, data", WRITES)
def test_an_opd_admin_cannot_write_for_another_agency(client, auth, app, agencies, url, data):
    auth.login("admin-a@bekasikota.go.id")
    before = counts(app)
    assert client.post(url, data=data(agencies)).status_code == 403
    assert counts(app) == before
    assert client.get("/admin/output?opd=dpmptsp").status_code == 403
    assert client.get("/admin/output/template.csv?opd=dpmptsp").status_code == 403


@pytest.mark.parametrize("url, data", WRITES)
def test_a_city_admin_writes_for_any_agency(client, auth, app, agencies, url, data):
    auth.login("bkpsdm@bekasikota.go.id")
    before = counts(app)
    assert client.post(url, data=data(agencies)).status_code == 303
    after = counts(app)
    assert after["AuditEvent"] == before["AuditEvent"] + 1
    assert sum(after.values()) == sum(before.values()) + 2  # the change and its audit event


def test_opd_admin_enters_the_day_and_corrects_it(client, auth, app, agencies):
    auth.login("admin-a@bekasikota.go.id")
    page = client.get("/admin/output").get_data(as_text=True)
    assert "Dokumen terbit (dokumen)" in page and 'name="opd-choice"' not in page
    response = client.post("/admin/output", data=day_data(agencies))
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/output?opd=disdukcapil&tanggal=2025-11-06&mode=wfh"
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="120"' in form and "tersimpan" in form
    client.post("/admin/output", data=day_data(agencies, reports_submitted="38"))
    with app.app_context():
        day = db.session.scalar(select(OutputDay))
        assert (day.staff_on_duty, day.reports_submitted, day.quantities[0].quantity) == (40, 38, 120)
        events = db.session.scalars(select(AuditEvent).filter_by(action="outputs.entry").order_by(AuditEvent.id)).all()
        assert [e.before is None for e in events] == [True, False]
        assert events[1].before["reports_submitted"] == 36 and events[1].after["reports_submitted"] == 38
        assert events[1].opd_id == day.opd_id


def test_saving_the_same_values_again_changes_nothing(client, auth, app, agencies):
    auth.login("admin-a@bekasikota.go.id")
    client.post("/admin/output", data=day_data(agencies))
    before = counts(app)
    response = client.post("/admin/output", data=day_data(agencies), follow_redirects=True)
    assert "Tidak ada yang berubah" in response.get_data(as_text=True)
    assert counts(app) == before


@pytest.mark.parametrize("changes, message", [
    ({"day": "2025-11-11"}, "belum terjadi"),
    ({"reports_submitted": "41"}, "tidak boleh lebih dari laporan wajib"),
    ({"reports_due": "41", "reports_submitted": "41"}, "tidak boleh lebih dari pegawai yang bertugas"),
    ({"staff_on_duty": "0"}, "minimal 1"),
    ({"q_QUANTITY": "-3"}, "Angka harus antara 0 dan 1000000000."),
    ({"q_QUANTITY": ""}, "wajib diisi"),
])
def test_bad_day_values_are_a_400_and_store_nothing(client, auth, app, agencies, changes, message):
    auth.login("admin-a@bekasikota.go.id")
    changes = {k.replace("QUANTITY", str(agencies["dokumen"])): v for k, v in changes.items()}
    response = client.post("/admin/output", data=day_data(agencies, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(app)["OutputDay"] == 0


def test_form_errors_for_htmx_are_the_form_fragment_with_200(client, auth, hx, app, agencies):
    auth.login("admin-a@bekasikota.go.id")
    response = client.post("/admin/output", data=day_data(agencies, reports_submitted="41"), headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="day-form-box">') and "<header" not in html
    assert "tidak boleh lebih dari laporan wajib" in html


def test_a_saved_day_answers_htmx_with_a_redirect(client, auth, hx, agencies):
    auth.login("admin-a@bekasikota.go.id")
    response = client.post("/admin/output", data=day_data(agencies), headers=hx)
    assert response.headers["HX-Redirect"] == "/admin/output?opd=disdukcapil&tanggal=2025-11-06&mode=wfh"


def test_the_page_shows_missing_days_of_the_last_two_weeks(client, auth, agencies):
    auth.login("admin-a@bekasikota.go.id")
    client.post("/admin/output", data=day_data(agencies, day="2025-11-07", mode="wfo"))
    page = client.get("/admin/output").get_data(as_text=True)
    # 28 Oct – 10 Nov has 10 working days; one has a record.
    assert page.count("belum diisi") == 9


def test_city_admin_chooses_the_agency_first(client, auth, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    page = client.get("/admin/output").get_data(as_text=True)
    assert "Pilih perangkat daerah" in page and 'id="day-form-box"' not in page
    assert 'id="day-form-box"' in client.get("/admin/output?opd=dpmptsp").get_data(as_text=True)
    assert client.get("/admin/output?opd=tidak-ada").status_code == 404


def test_indicator_codes_are_unique_within_an_agency(client, auth, app, agencies):
    auth.login("admin-a@bekasikota.go.id")
    response = client.post("/admin/output/indikator", data={"opd": "disdukcapil", "name": "Dokumen terbit",
                                                           "unit_of_measure": "dokumen"})
    assert response.status_code == 400
    assert "sudah memiliki indikator dengan kode “dokumen-terbit”" in response.get_data(as_text=True)
    response = client.post("/admin/output/indikator", data={"opd": "disdukcapil", "name": "KIA terbit",
                                                           "unit_of_measure": "kartu", "slug": "kia-terbit"})
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="indicator.create"))
        assert event.after == {"slug": "kia-terbit", "name": "KIA terbit", "unit_of_measure": "kartu"}


def test_monthly_cost_is_stored_corrected_and_cleared(client, auth, app, agencies):
    auth.login("admin-a@bekasikota.go.id")
    client.post("/admin/output/biaya", data={"opd": "disdukcapil", "month": "2025-10", "electricity": "5000000",
                                             "water": "700000"})
    client.post("/admin/output/biaya", data={"opd": "disdukcapil", "month": "2025-10", "electricity": "4800000"})
    with app.app_context():
        rows = db.session.execute(select(OperationalCost.category, OperationalCost.amount)).all()
        assert rows == [("electricity", 4_800_000)]
        event = db.session.scalars(select(AuditEvent).filter_by(action="costs.update").order_by(AuditEvent.id.desc())).first()
        assert event.before == {"electricity": 5_000_000, "water": 700_000}
    response = client.post("/admin/output/biaya", data={"opd": "disdukcapil", "month": "2025-12"})
    assert response.status_code == 400 and "belum dimulai" in response.get_data(as_text=True)
