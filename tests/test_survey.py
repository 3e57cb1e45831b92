"""The satisfaction survey (/survei), its poster, and the IKM where the public reads it: /statistik,
the unit page, /api/v1/ikm and the CSV. One answer per visit and device; bad input refused field by
field with nothing stored; no respondent profile and no unmoderated suggestion is ever public."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import segno
from sqlalchemy import func, select

from portal import ikm
from portal.extensions import db
from portal.models import Report, Role, SurveyResponse
from portal.survey import demo as survey_demo

from . import factories as f
from .staff import sign_in

TODAY = date(2025, 11, 10)  # a Monday of Tahap I
THURSDAY = date(2025, 11, 6)  # a WFH Thursday: non-essential units serve online only
TUESDAY = date(2025, 11, 4)
pytestmark = pytest.mark.config(TODAY=TODAY, SURVEY_MIN_SAMPLE=30)

PROFILE = {"age_band": "60+", "sex": "P", "education": "s2+", "occupation": "wirausaha"}
PROFILE_WORDS = ("S2 ke atas", "Wirausaha", "60 tahun atau lebih", "Perempuan")


@pytest.fixture
def world(app):
    with app.app_context():
        opd = f.opd("Dinsos", "Dinas Sosial")
        other = f.opd("Disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
        f.unit("Kantor Dinsos Bintara", owner=opd, slug="dinsos-bintara",
               services="Rekomendasi PBI-JK\nSurat keterangan tidak mampu")
        f.unit("Gerai Disdukcapil MPP", owner=other, slug="disdukcapil-mpp", essential=True, services="KTP-el")
        f.phase("Tahap I", date(2025, 11, 1), date(2025, 11, 30), "wfh_weekdays", wfh_weekdays="3")
        f.user("admin.dinsos@bekasikota.go.id", Role.OPD_ADMIN, opd)
        f.user("kota@bekasikota.go.id", Role.CITY_ADMIN, None)
        db.session.commit()
    return "dinsos-bintara"


def form_data(**changes) -> dict:
    data = {"service": "Rekomendasi PBI-JK", "visited_on": THURSDAY.isoformat(), "mode": "online",
            **{key: "3" for key in ikm.ELEMENTS}, "u3": "2", "suggestion": "", "website": "",
            "submission_token": "tok-" + "a" * 20}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def answers(app) -> list[SurveyResponse]:
    with app.app_context():
        return db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()


def add_answers(app, count: int, unit_slug: str = "dinsos-bintara", scores=(4, 4, 3, 4, 3, 4, 4, 3, 3),
                day: date = TUESDAY, wfh: bool = False, mode: str = "onsite", **fields) -> None:
    with app.app_context():
        from portal.models import ServiceUnit

        unit = db.session.scalar(select(ServiceUnit).filter_by(slug=unit_slug))
        for _ in range(count):
            db.session.add(SurveyResponse(unit_id=unit.id, opd_id=unit.opd_id, service="", visited_on=day,
                                          mode=mode, wfh_day=wfh, **dict(zip(ikm.ELEMENTS, scores)), **fields))
        db.session.commit()


# --- the form ---------------------------------------------------------------------------------------


def test_the_survey_is_a_full_page_with_the_regulations_nine_elements_and_the_units_services(client, world):
    response = client.get("/survei?unit=dinsos-bintara")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html and "HX-Request" in response.headers["Vary"]
    for name in ("Persyaratan", "Sistem, mekanisme, dan prosedur", "Waktu penyelesaian", "Biaya/tarif",
                 "Produk spesifikasi jenis pelayanan", "Kompetensi pelaksana", "Perilaku pelaksana",
                 "Sarana dan prasarana", "Penanganan pengaduan, saran dan masukan"):
        assert name in html
    assert "Tidak sesuai" in html and "Sangat sesuai" in html and "Dikelola dengan baik" in html
    assert '<option value="Rekomendasi PBI-JK">' in html and "Surat keterangan tidak mampu" in html
    assert 'name="website"' in html and re.search(r'name="submission_token" type="hidden" value="[\w-]{20,}"', html)
    assert "nama" not in re.findall(r'name="(\w+)"', html)  # never a name field
    assert response.headers["Cache-Control"] == "no-store"


def test_the_device_cookie_is_set_by_the_survey_only_and_sent_back_to_it_only(client, world):
    cookie = next(c for c in client.get("/survei?unit=dinsos-bintara").headers.getlist("Set-Cookie")
                  if c.startswith("skm_perangkat="))
    assert "Path=/survei" in cookie and "HttpOnly" in cookie and "Max-Age=86400" in cookie
    fresh = client.application.test_client()
    for url in ("/", "/unit/dinsos-bintara", "/statistik", "/unit/dinsos-bintara/poster", "/api/v1/ikm"):
        assert "Set-Cookie" not in fresh.get(url).headers, url


def test_without_a_unit_the_survey_asks_for_one_and_an_unknown_unit_is_a_400(client, world):
    html = client.get("/survei").get_data(as_text=True)
    assert '<option value="dinsos-bintara">' in html and 'method="get"' in html
    response = client.get("/survei?unit=tidak-ada")
    assert response.status_code == 400 and "tidak-ada" in response.get_data(as_text=True)
    assert client.post("/survei", data=form_data()).status_code == 400


def test_an_answer_is_stored_with_the_visit_its_mode_and_whether_it_was_a_wfh_day(app, client, world):
    response = client.post("/survei?unit=dinsos-bintara", data=form_data(**PROFILE))
    assert response.status_code == 303 and response.headers["Location"] == "/survei/terima-kasih?unit=dinsos-bintara"
    [answer] = answers(app)
    assert answer.visited_on == THURSDAY and answer.mode == "online" and answer.wfh_day  # Thursday of Tahap I
    assert answer.scores() == (3, 3, 2, 3, 3, 3, 3, 3, 3) and answer.service == "Rekomendasi PBI-JK"
    assert (answer.age_band, answer.sex, answer.education, answer.occupation) == ("60+", "P", "s2+", "wirausaha")
    assert answer.suggestion is None and not answer.is_spam
    assert "Terima kasih" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/survei?unit=dinsos-bintara", data=form_data(visited_on=TUESDAY.isoformat(), submission_token="t" * 20))
    assert not answers(app)[1].wfh_day  # a Tuesday is no WFH day
    client.post("/survei?unit=disdukcapil-mpp", data=form_data(service="KTP-el", submission_token="u" * 20))
    assert not answers(app)[2].wfh_day  # an essential unit serves on-site on Thursdays too


def test_htmx_gets_the_form_fragment_with_errors_and_a_redirect_header_on_success(app, client, world, hx):
    response = client.post("/survei?unit=dinsos-bintara", data=form_data(u1=None), headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="survey-form"' in html
    assert 'id="u1-error"' in html and "HX-Request" in response.headers["Vary"]
    response = client.post("/survei?unit=dinsos-bintara", data=form_data(), headers=hx)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/survei/terima-kasih")
    assert len(answers(app)) == 1


def test_a_double_submit_is_one_answer(app, client, world):
    first = client.post("/survei?unit=dinsos-bintara", data=form_data())
    second = client.post("/survei?unit=dinsos-bintara", data=form_data())
    assert first.status_code == second.status_code == 303
    assert len(answers(app)) == 1
    assert "sudah" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_one_answer_per_visit_and_device_even_with_a_fresh_form(app, client, world):
    client.get("/survei?unit=dinsos-bintara")  # the device cookie
    client.post("/survei?unit=dinsos-bintara", data=form_data(submission_token="a" * 20))
    client.post("/survei?unit=dinsos-bintara", data=form_data(submission_token="b" * 20, u1="1"))
    assert len(answers(app)) == 1 and answers(app)[0].u1 == 3  # the first answer counts
    client.post("/survei?unit=dinsos-bintara", data=form_data(submission_token="c" * 20,
                                                              visited_on=TUESDAY.isoformat()))
    other_device = app.test_client()
    other_device.get("/survei?unit=dinsos-bintara")
    other_device.post("/survei?unit=dinsos-bintara", data=form_data(submission_token="d" * 20))
    assert len(answers(app)) == 3  # another visit, another device
    assert all(answer.device_key and len(answer.device_key) == 64 for answer in answers(app))
    assert client.get_cookie("skm_perangkat", path="/survei").value not in {a.device_key for a in answers(app)}


@pytest.mark.parametrize("changes, field", [
    ({"u3": None}, "u3"),
    ({"u5": "5"}, "u5"),
    ({"u9": "0"}, "u9"),
    ({"mode": "telepati"}, "mode"),
    ({"mode": None}, "mode"),
    ({"service": "Layanan yang tidak ada"}, "service"),
    ({"visited_on": "2025-11-11"}, "visited_on"),  # tomorrow
    ({"visited_on": "2025-01-02"}, "visited_on"),  # too long ago
    ({"visited_on": "kemarin"}, "visited_on"),
    ({"suggestion": "<script>alert(1)</script> bagus"}, "suggestion"),
    ({"suggestion": "x" * 1001}, "suggestion"),
    ({"suggestion": "antre\u202elama"}, "suggestion"),
    ({"sex": "X"}, "sex"),
    ({"age_band": "17"}, "age_band"),
    ({"education": "s9"}, "education"),
    ({"occupation": "raja"}, "occupation"),
])
def test_bad_input_gets_400_beside_the_field_and_stores_nothing(app, client, world, changes, field):
    response = client.post("/survei?unit=dinsos-bintara", data=form_data(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert f'href="#{field}"' in html  # the summary links to the field
    assert answers(app) == []


def test_a_honeypot_or_link_spam_answer_is_kept_apart_and_not_counted(app, client, world):
    client.post("/survei?unit=dinsos-bintara", data=form_data(website="http://spam.example"))
    links = "lihat http://a.example http://b.example http://c.example"
    client.post("/survei?unit=dinsos-bintara", data=form_data(submission_token="s" * 20, suggestion=links))
    assert [(a.is_spam, a.spam_reason) for a in answers(app)] == [(True, "honeypot"), (True, "links")]
    body = client.get("/api/v1/ikm?from=2025-11-01&to=2025-11-30").get_json()
    assert body["data"][0]["respondents"] == 0


@pytest.mark.config(RATELIMIT_ENABLED=True, SURVEY_RATE_LIMIT="2 per minute")
def test_answers_are_rate_limited_per_address(app, client, world):
    statuses = [client.post("/survei?unit=dinsos-bintara", data=form_data(submission_token=f"{n}" * 20)).status_code
                for n in range(1, 4)]
    assert statuses == [303, 303, 429]


# --- publishing -------------------------------------------------------------------------------------


A, B = (4, 4, 3, 4, 3, 4, 4, 3, 3), (3, 3, 2, 4, 3, 3, 3, 3, 2)  # the worked example of tests/test_ikm.py


def worked_example(app, wanting: int = 0) -> None:
    """18 answers A and 12 answers B: IKM 82.22 (B) by hand; ``wanting`` B answers fewer."""
    add_answers(app, 18, scores=A)
    add_answers(app, 12 - wanting, scores=B)


def test_the_index_is_published_from_the_minimum_sample_with_its_count(app, client, world):
    worked_example(app, wanting=1)
    page = client.get("/statistik?dari=2025-11-01&sampai=2025-11-30").get_data(as_text=True)
    section = page[page.index('id="h-ikm"'):]
    assert "terlalu sedikit jawaban" in section and "82,22" not in section
    assert client.get("/api/v1/ikm?from=2025-11-01&to=2025-11-30").get_json()["data"][0]["note"] == "too_few"
    add_answers(app, 1, scores=B)
    page = client.get("/statistik?dari=2025-11-01&sampai=2025-11-30").get_data(as_text=True)
    section = page[page.index('id="h-ikm"'):]
    assert "82,22" in section and ">B</abbr>" in section
    assert re.search(r"82,22</strong>.*?</td><td class=\"num\">30</td>", section)


def test_the_ikm_workbook_holds_the_csv_figures_as_numbers(app, client, world):
    from .test_xlsx import csv_rows, same_cell, workbook

    worked_example(app)
    query = "dari=2025-11-01&sampai=2025-11-30"
    expected = csv_rows(client.get(f"/statistik/ikm.csv?{query}"))
    response = client.get(f"/statistik/ikm.xlsx?{query}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = workbook(response.data)["Data"]
    cells = list(sheet.iter_rows())
    assert [cell.value for cell in cells[0]] == expected[0] and len(cells) == len(expected)
    for row, line in zip(cells[1:], expected[1:]):
        assert all(same_cell(text, cell) for text, cell in zip(line, row)), line
    ikm_column = expected[0].index("ikm")
    assert any(isinstance(row[ikm_column].value, float) and row[ikm_column].value == 82.22 for row in cells[1:])
    assert "ikm.xlsx" in client.get(f"/statistik?{query}").get_data(as_text=True)


def test_the_csv_and_the_api_carry_the_same_table_as_the_page(app, client, world):
    worked_example(app)
    add_answers(app, 30, scores=(2,) * 9, day=THURSDAY, wfh=True, mode="online")
    body = client.get("/api/v1/ikm?from=2025-11-01&to=2025-11-30").get_json()
    response = client.get("/statistik/ikm.csv?dari=2025-11-01&sampai=2025-11-30")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(body["data"])
    for row, item in zip(rows, body["data"]):
        assert row["split"] == item["split"] and int(row["respondents"]) == item["respondents"]
        assert (row["ikm"] or None) == (None if item["ikm"] is None else str(item["ikm"]))
    city = {item["split"]: item for item in body["data"] if item["scope"] == "city" and item["phase"] == ""}
    assert city["all"]["respondents"] == 60
    assert city["wfh_day"]["ikm"] == 50.0 and city["wfh_day"]["grade"] == "D"
    assert city["other_day"]["ikm"] == 82.22 and city["onsite"]["ikm"] == 82.22
    page = client.get("/statistik?dari=2025-11-01&sampai=2025-11-30").get_data(as_text=True)
    assert 'id="fig-ikm-wfh"><strong>50,00</strong>' in page
    assert 'id="fig-ikm-other"><strong>82,22</strong>' in page
    assert 'id="chart-ikm-wfh"' in page and "<rect" in page[page.index('id="chart-ikm-wfh"'):]
    opd = client.get("/api/v1/ikm?from=2025-11-01&to=2025-11-30&opd=dinsos").get_json()
    assert {item["scope"] for item in opd["data"]} == {"opd", "unit"}
    unit = client.get("/api/v1/ikm?from=2025-11-01&to=2025-11-30&unit=dinsos-bintara").get_json()
    assert {item["unit"] for item in unit["data"]} == {"dinsos-bintara"}
    assert client.get("/api/v1/ikm?unit=tidak-ada").status_code == 400
    assert client.get("/api/v1/ikm?opd=disdukcapil&unit=dinsos-bintara").status_code == 404


def test_the_unit_page_shows_its_index_and_links_to_the_survey_and_the_poster(app, client, world):
    worked_example(app)
    html = client.get("/unit/dinsos-bintara").get_data(as_text=True)
    assert 'href="/survei?unit=dinsos-bintara"' in html and 'href="/unit/dinsos-bintara/poster"' in html
    assert "82,22" in html


def test_the_poster_carries_a_qr_code_of_the_survey_address(client, world):
    html = client.get("/unit/dinsos-bintara/poster").get_data(as_text=True)
    url = "http://localhost/survei?unit=dinsos-bintara"
    expected = segno.make(url, error="m", micro=False).svg_inline(scale=8, border=2, dark="#000", light="#fff",
                                                                  omitsize=True)
    assert expected in html and url in html and "Kantor Dinsos Bintara" in html
    assert "poster.css" in html


def test_a_resolved_report_invites_the_reporter_to_the_survey(app, client, world):
    with app.app_context():
        from portal.models import ServiceUnit

        unit = db.session.scalar(select(ServiceUnit).filter_by(slug="dinsos-bintara"))
        report = f.report(unit)
        code = report.code
        db.session.commit()
    assert "/survei?unit=dinsos-bintara" not in client.get(f"/lapor/{code}").get_data(as_text=True)
    with app.app_context():
        db.session.scalar(select(Report).filter_by(code=code)).status = "resolved"
        db.session.commit()
    assert 'href="/survei?unit=dinsos-bintara"' in client.get(f"/lapor/{code}").get_data(as_text=True)


def public_texts(client) -> str:
    urls = ["/unit/dinsos-bintara", "/statistik?dari=2025-11-01&sampai=2025-11-30",
            "/statistik/ikm.csv?dari=2025-11-01&sampai=2025-11-30", "/api/v1/ikm?from=2025-11-01&to=2025-11-30",
            "/api/v1/ikm?unit=dinsos-bintara", "/api/v1/units/dinsos-bintara", "/statistik.csv", "/feed.atom",
            "/?lang=en", "/unit/dinsos-bintara?lang=en"]
    return "\n".join(client.get(url).get_data(as_text=True) for url in urls)


def test_no_respondent_profile_nor_unmoderated_suggestion_is_ever_public(app, client, world):
    add_answers(app, 40, suggestion="Saran RAHASIA-123 tentang loket", **PROFILE)
    text = public_texts(client)
    for word in PROFILE_WORDS + ("60 or older", "Self-employed", "Female", "Master (S2)", "RAHASIA-123"):
        assert word not in text, word
    for key in ("age_band", "sex", "education", "occupation", "wirausaha", "suggestion"):
        assert f'"{key}"' not in text and f",{key}," not in text
    with app.app_context():  # staff show one suggestion publicly
        answer = db.session.scalars(select(SurveyResponse)).first()
        answer.suggestion, answer.suggestion_state = "Tambah kursi tunggu", "approved"
        db.session.commit()
    html = client.get("/unit/dinsos-bintara").get_data(as_text=True)
    assert "Tambah kursi tunggu" in html and "RAHASIA-123" not in html


def test_staff_of_the_units_agency_show_and_hide_suggestions(app, client, world):
    add_answers(app, 1, suggestion="Mohon tambah loket")
    with app.app_context():
        from portal.models import User

        admin = db.session.scalar(select(User).filter_by(email="admin.dinsos@bekasikota.go.id"))
        answer_id = db.session.scalar(select(SurveyResponse.id))
    sign_in(client, admin)
    queue = client.get("/admin/saran").get_data(as_text=True)
    assert "Mohon tambah loket" in queue and "Kantor Dinsos Bintara" in queue
    assert "Mohon tambah loket" not in app.test_client().get("/unit/dinsos-bintara").get_data(as_text=True)
    response = client.post(f"/admin/saran/{answer_id}", data={"state": "approved"})
    assert response.status_code == 303
    assert "Mohon tambah loket" in app.test_client().get("/unit/dinsos-bintara").get_data(as_text=True)
    client.post(f"/admin/saran/{answer_id}", data={"state": "hidden"})
    assert "Mohon tambah loket" not in app.test_client().get("/unit/dinsos-bintara").get_data(as_text=True)
    assert client.post(f"/admin/saran/{answer_id}", data={"state": "publish-everything"}).status_code == 400
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Saran survei dimoderasi" in audit


# --- demo data -----------------------------------------------------------------------------------------


@pytest.mark.demo
def test_demo_answers_are_many_deterministic_idempotent_and_show_slower_wfh_days(app, client):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(SurveyResponse))
        assert count == survey_demo.COUNT >= 3000
        assert survey_demo.seed_survey() == 0
        rows = db.session.execute(select(SurveyResponse.wfh_day, SurveyResponse.u3, SurveyResponse.opd_id,
                                         SurveyResponse.created_at, SurveyResponse.visited_on)).all()
        from portal.models import Opd

        slower = set(db.session.scalars(select(Opd.id).where(Opd.slug.in_(survey_demo.SLOWER_ON_WFH))))
    wfh = [r.u3 for r in rows if r.opd_id in slower and r.wfh_day]
    other = [r.u3 for r in rows if r.opd_id in slower and not r.wfh_day]
    assert len(wfh) >= 30 and sum(wfh) / len(wfh) < sum(other) / len(other) - 0.2
    assert all(survey_demo.FIRST_DAY <= r.visited_on <= survey_demo.LAST_DAY for r in rows)
    assert all(r.created_at.astimezone(ZoneInfo("Asia/Jakarta")).date() == r.visited_on for r in rows)
    body = client.get("/api/v1/ikm?from=2025-09-01&to=2025-12-31").get_json()
    published = [item for item in body["data"] if item["ikm"] is not None]
    assert published and all(item["respondents"] >= body["min_sample"] for item in published)
    assert {item["grade"] for item in published} <= {"A", "B", "C"}
    assert json.dumps(body).count('"too_few"') > 0  # small units and splits stay unpublished


def test_the_opd_partial_shows_the_agencys_index_for_the_opd_page(app, world):
    worked_example(app)
    from flask import render_template_string

    from portal.models import Opd

    with app.test_request_context("/opd/dinsos"):
        opd = db.session.scalar(select(Opd).filter_by(slug="dinsos"))
        html = render_template_string('{% include "survey/_opd_ikm.html" %}', opd=opd)
    assert "82,22" in html and ">B</abbr>" in html and "30" in html
    assert 'href="/statistik?opd=dinsos#ikm"' in html


@pytest.mark.demo
@pytest.mark.parametrize("start, end", [(date(2025, 9, 1), date(2025, 12, 31)), (date(2025, 11, 5), date(2025, 11, 20)),
                                        (date(2024, 1, 1), date(2025, 12, 30))])
def test_the_database_adds_up_the_same_tallies_as_the_answers_one_by_one(app, start, end):
    """The published IKM is summed by the database (service.load_groups); summing each answer in
    Python (ikm.summarize over service.load_answers) is the definition it must equal, for the
    city, an OPD and a unit, with partly answered forms and spam among the demo answers."""
    from portal import stats
    from portal.models import Opd, ServiceUnit
    from portal.survey import service

    with app.app_context():
        some = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id).limit(40)).all()
        for n, answer in enumerate(some):
            if n % 3 == 0:
                answer.u2 = None
            if n % 7 == 0:
                answer.u1 = answer.u2 = answer.u3 = answer.u4 = answer.u5 = None
                answer.u6 = answer.u7 = answer.u8 = answer.u9 = None
            if n % 11 == 0:
                answer.is_spam = True
        # A phase inside another one: on its days it is the one in force (the one that started last).
        f.phase("Sisipan", date(2025, 11, 10), date(2025, 11, 14), "wfh_weekdays", wfh_weekdays="1")
        db.session.commit()
        phases = stats.load_phases()
        assert len(phases) >= 3
        unit = db.session.get(ServiceUnit, some[0].unit_id)
        opd = db.session.get(Opd, unit.opd_id)
        for scope in ({}, {"opd_id": opd.id}, {"unit_id": unit.id}):
            by_answer = ikm.summarize(service.load_answers(start, end, **scope), start=start, end=end,
                                      phases=phases, min_sample=30, units=bool(scope))
            in_range = ikm.phases_in(phases, start, end)
            groups = service.load_groups(start, end, in_range, **scope, units=bool(scope))
            by_group = ikm.summarize_groups(groups, start=start, end=end, phases=in_range, min_sample=30,
                                            units=bool(scope))
            assert by_group == by_answer
            assert by_answer.indexes or start.year == 2024 and not scope
