"""Importing daily output from CSV (staff page and `flask import-outputs`): bad files are
rejected line by line and store nothing; the same file twice stores its lines once."""

from __future__ import annotations

import io
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, OutputDay, OutputIndicator, OutputQuantity, Role

from . import factories as f
from .html_tables import parse

pytestmark = pytest.mark.config(TODAY="2025-11-10")

HEADER = "date,opd,mode,indicator,quantity,staff_on_duty,reports_due,reports_submitted"
GOOD = "\n".join([
    HEADER,
    "2025-11-06,disdukcapil,wfh,dokumen-terbit,120,40,40,35",
    "2025-11-06,disdukcapil,wfh,surat-naskah-diproses,30,40,40,35",
    "2025-11-07,disdukcapil,wfo,dokumen-terbit,200,42,42,42",
    "2025-11-07,dpmptsp,wfo,izin-terbit,12,20,20,19",
]) + "\n"


@pytest.fixture
def agencies(app):
    with app.app_context():
        a, b = f.opd("Disdukcapil"), f.opd("DPMPTSP")
        for opd, slug in ((a, "dokumen-terbit"), (a, "surat-naskah-diproses"), (b, "izin-terbit")):
            db.session.add(OutputIndicator(opd=opd, slug=slug, name=slug.replace("-", " "), unit_of_measure="buah"))
        f.user("admin-a@bekasikota.go.id", Role.OPD_ADMIN, a)
        f.user("bkpsdm@bekasikota.go.id", Role.CITY_ADMIN, None)
        db.session.commit()


def stored(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(OutputDay)),
                db.session.scalar(select(func.count()).select_from(OutputQuantity)))


def upload(client, text: str, action: str = "check", name: str = "output.csv", encoding: str = "utf-8"):
    return client.post("/admin/output/impor", data={"action": action, "file": (io.BytesIO(text.encode(encoding)), name)},
                       content_type="multipart/form-data")


def rejected_lines(page: str) -> dict[str, str]:
    rows = parse(page).tables.get("rejected", [])
    return {row[0]: row[2] for row in rows[1:]}


def test_dry_run_shows_what_would_be_stored_and_stores_nothing(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    response = upload(client, GOOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 baris baru, 0 koreksi, 0 sudah tersimpan, 0 ditolak" in html
    assert "Simpan 4 baris ini" in html
    assert stored(app) == (0, 0)


def test_import_stores_everything_once_and_the_same_file_again_stores_nothing(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    response = upload(client, GOOD, action="import")
    assert response.status_code == 303
    assert stored(app) == (3, 4)  # three day records (Disdukcapil WFH, WFO; DPMPTSP WFO), four quantities
    assert upload(client, GOOD, action="import").status_code == 303
    assert stored(app) == (3, 4)
    again = client.get("/admin/output/impor").get_data(as_text=True)
    assert "0 baris baru, 0 dikoreksi, 4 tidak berubah" in again
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).filter_by(action="outputs.import")).all()
        # One event per agency and import; the second import is on the record too.
        assert len(events) == 4
        assert {e.after["new"] for e in events} == {3, 1, 0}
        assert all(e.actor.email == "bkpsdm@bekasikota.go.id" for e in events)


def test_dry_run_then_store_sends_the_checked_file_again(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    page = upload(client, GOOD).get_data(as_text=True)
    checked = page.split('<textarea name="content" hidden aria-hidden="true">')[1].split("</textarea>")[0]
    assert unescape(checked) == GOOD
    response = client.post("/admin/output/impor", data={"action": "import", "content": unescape(checked),
                                                         "filename": "output.csv"})
    assert response.status_code == 303
    assert stored(app) == (3, 4)


def test_a_changed_quantity_corrects_the_stored_value_and_is_audited(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    upload(client, GOOD, action="import")
    corrected = GOOD.replace("2025-11-07,disdukcapil,wfo,dokumen-terbit,200,", "2025-11-07,disdukcapil,wfo,dokumen-terbit,210,")
    html = upload(client, corrected).get_data(as_text=True)
    assert "0 baris baru, 1 koreksi, 3 sudah tersimpan" in html
    assert "quantity 200 → 210" in html
    upload(client, corrected, action="import")
    assert stored(app) == (3, 4)
    with app.app_context():
        quantity = db.session.scalar(select(OutputQuantity.quantity).join(OutputQuantity.indicator)
                                     .join(OutputQuantity.output_day)
                                     .where(OutputIndicator.slug == "dokumen-terbit", OutputDay.day == date(2025, 11, 7)))
        assert quantity == 210
        events = db.session.scalars(select(AuditEvent).filter_by(action="outputs.import")).all()
        changes = [change for event in events for change in event.after["changes"]]
        assert [(c["line"], c["before"]["quantity"], c["after"]["quantity"]) for c in changes] == [(4, 200, 210)]


@pytest.mark.parametrize("line, reason", [
    ("2025-11-06,disdukcapil,wfh,dokumen-terbit,-4,40,40,35", "Kolom quantity tidak boleh negatif (-4)."),
    ("2025-11-06,disdukcapil,wfh,dokumen-terbit,banyak,40,40,35", "Kolom quantity: “banyak” bukan bilangan bulat."),
    ("2025-11-06,dinas-rahasia,wfh,dokumen-terbit,4,40,40,35", "Perangkat daerah (OPD) “dinas-rahasia” tidak dikenal."),
    ("2025-11-06,disdukcapil,wfh,izin-terbit,4,40,40,35", "Disdukcapil tidak memiliki indikator output “izin-terbit”."),
    ("2025-11-31,disdukcapil,wfh,dokumen-terbit,4,40,40,35", "“2025-11-31” bukan tanggal yang valid"),
    ("2025-11-11,disdukcapil,wfh,dokumen-terbit,4,40,40,35", "Tanggal 2025-11-11 belum terjadi"),
    ("2025-11-06,disdukcapil,wfh,dokumen-terbit,4,40,40,41", "Laporan masuk (41) tidak boleh lebih dari laporan wajib (40)."),
    ("2025-11-06,disdukcapil,wfh,dokumen-terbit,4,40,41,30", "Laporan wajib (41) tidak boleh lebih dari pegawai yang bertugas (40)."),
    ("2025-11-06,disdukcapil,kantor,dokumen-terbit,4,40,40,30", "Mode kerja “kantor” tidak dikenal"),
    ("2025-11-06,disdukcapil,wfh,dokumen-terbit,4,0,0,0", "Pegawai yang bertugas minimal 1."),
    ("2025-11-06,disdukcapil,wfh,dokumen-terbit,4,40", "Baris ini berisi 6 nilai, seharusnya 8."),
])
def test_a_bad_line_is_rejected_with_its_reason_and_nothing_is_stored(client, auth, app, agencies, line, reason):
    auth.login("bkpsdm@bekasikota.go.id")
    text = GOOD + line + "\n"
    response = upload(client, text, action="import")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert reason in rejected_lines(html)["6"]  # the header is line 1
    assert "ditolak: tidak ada yang disimpan" in html
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("header, message", [
    ("date,opd,mode,indicator,quantity,staff_on_duty,reports_due", "Kolom yang tidak ada: reports_submitted."),
    (HEADER + ",catatan", "Kolom yang tidak dikenal: catatan."),
    ("tanggal;opd;mode", "Kolom yang tidak ada: date, indicator, quantity"),
])
def test_wrong_columns_reject_the_whole_file(client, auth, app, agencies, header, message):
    auth.login("bkpsdm@bekasikota.go.id")
    html = upload(client, header + "\n2025-11-06,disdukcapil\n", action="import").get_data(as_text=True)
    assert message in html
    assert "Baris pertama harus: " + HEADER in html
    assert stored(app) == (0, 0)


def test_excel_files_with_semicolons_a_bom_and_day_month_year_dates_are_read(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    text = "\ufeff" + HEADER.replace(",", ";") + "\r\n06/11/2025;disdukcapil;WFH;dokumen-terbit;120;40;40;35\r\n"
    response = upload(client, text, action="import")
    assert response.status_code == 303
    with app.app_context():
        day = db.session.scalar(select(OutputDay))
        assert (day.day, day.mode, day.reports_submitted) == (date(2025, 11, 6), "wfh", 35)


def test_a_file_that_is_not_utf8_is_refused_with_advice(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    html = upload(client, HEADER + "\n2025-11-06,disdukcapil,wfh,dokumen-terbit,1,1,1,1 café\n",
                  encoding="latin-1").get_data(as_text=True)
    assert "CSV UTF-8" in html


def test_the_same_line_twice_in_one_file_is_rejected(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    text = GOOD + "2025-11-07,dpmptsp,wfo,izin-terbit,12,20,20,19\n"
    html = upload(client, text).get_data(as_text=True)
    assert "sudah ada di baris 5" in rejected_lines(html)["6"]


def test_staff_numbers_must_agree_within_a_day_and_mode(client, auth, app, agencies):
    auth.login("bkpsdm@bekasikota.go.id")
    text = GOOD.replace("surat-naskah-diproses,30,40,40,35", "surat-naskah-diproses,30,41,40,35")
    html = upload(client, text).get_data(as_text=True)
    assert "baris 2" in rejected_lines(html)["3"]


def test_an_opd_admin_imports_only_for_its_own_agency(client, auth, app, agencies):
    auth.login("admin-a@bekasikota.go.id")
    response = upload(client, GOOD, action="import")
    assert response.status_code == 400
    assert "hanya dapat mengisi output perangkat daerah Anda sendiri" in rejected_lines(response.get_data(as_text=True))["5"]
    assert stored(app) == (0, 0)
    own = "\n".join(GOOD.splitlines()[:4]) + "\n"
    assert upload(client, own, action="import").status_code == 303
    assert stored(app) == (2, 3)


def test_import_page_needs_a_login_and_a_file(client, auth, agencies):
    assert client.get("/admin/output/impor").status_code == 302
    auth.login("admin-a@bekasikota.go.id")
    page = client.get("/admin/output/impor").get_data(as_text=True)
    assert "staff_on_duty" in page and "/admin/output/template.csv" in page
    response = client.post("/admin/output/impor", data={"action": "check"})
    assert response.status_code == 400
    assert "Pilih berkas CSV." in response.get_data(as_text=True)


def test_template_lists_the_agency_indicators_to_fill_in(client, auth, agencies):
    auth.login("admin-a@bekasikota.go.id")
    response = client.get("/admin/output/template.csv")
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines == [HEADER, "2025-11-10,disdukcapil,wfo,dokumen-terbit,,,,",
                     "2025-11-10,disdukcapil,wfo,surat-naskah-diproses,,,,"]
    assert "attachment" in response.headers["Content-Disposition"]


def test_command_line_import_with_dry_run(runner, app, agencies, tmp_path):
    path = tmp_path / "output.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-outputs", str(path), "--dry-run"])
    assert result.exit_code == 0 and "Dry run, nothing stored: 4 new" in result.output
    assert stored(app) == (0, 0)
    result = runner.invoke(args=["import-outputs", str(path)])
    assert result.exit_code == 0 and "Imported: 4 new" in result.output
    result = runner.invoke(args=["import-outputs", str(path)])
    assert "0 new, 0 corrected, 4 already stored" in result.output
    assert stored(app) == (3, 4)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "outputs.import")) == 4


def test_command_line_import_of_a_bad_file_fails_and_stores_nothing(runner, app, agencies, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "2025-11-06,disdukcapil,wfh,dokumen-terbit,-1,40,40,35\n", encoding="utf-8")
    result = runner.invoke(args=["import-outputs", str(path)])
    assert result.exit_code == 1
    assert "line 6: Kolom quantity tidak boleh negatif (-1)." in result.output
    assert stored(app) == (0, 0)
