"""The JSON API: its OpenAPI document is valid, and every endpoint's real answers (success and
error) validate against it; CORS for GET; errors are JSON with a clear message."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec

from portal.extensions import db
from portal.models import Report, ReportContact, ReportUpdate

from . import stats_data

pytestmark = pytest.mark.config(TODAY=stats_data.TODAY)

# Every documented path with at least one call per documented status code.
CASES = [
    ("/api/v1/openapi.json", 200),
    ("/api/v1/opds", 200),
    ("/api/v1/opds?lang=fr", 400),
    ("/api/v1/opds?lang=en&lang=id", 400),
    ("/api/v1/statistics?from=", 400),
    ("/api/v1/reports?offset=", 400),
    ("/api/v1/units", 200),
    ("/api/v1/units?opd=disdukcapil&essential=false&q=loket", 200),
    ("/api/v1/units?essential=maybe", 400),
    ("/api/v1/units?opd=tidak-ada", 400),
    ("/api/v1/units/loket-disdukcapil", 200),
    ("/api/v1/units/loket-disdukcapil?from=2025-11-06&days=14", 200),
    ("/api/v1/units/loket-disdukcapil?days=0", 400),
    ("/api/v1/units/tidak-ada", 404),
    ("/api/v1/status", 200),
    ("/api/v1/status?date=2025-11-06&lang=en", 200),
    ("/api/v1/status?date=2025-11-06&status=online&opd=disdukcapil", 200),
    ("/api/v1/status?date=06-11-2025", 400),
    ("/api/v1/status?status=asleep", 400),
    ("/api/v1/statistics", 200),
    ("/api/v1/statistics?from=2025-09-01&to=2025-12-31&opd=disdukcapil&indicator=dokumen-terbit&sort=-ratio", 200),
    ("/api/v1/statistics?from=2025-12-01&to=2025-11-01", 400),
    ("/api/v1/statistics?sort=salary", 400),
    ("/api/v1/output-records?from=2025-09-01&to=2025-12-31", 200),
    ("/api/v1/output-records?from=2025-09-01&to=2025-12-31&opd=disdukcapil&limit=2&offset=1", 200),
    ("/api/v1/output-records?limit=0", 400),
    ("/api/v1/reports", 200),
    ("/api/v1/reports?opd=disdukcapil&category=no_staff&status=resolved&limit=2", 200),
    ("/api/v1/reports?status=lost", 400),
    ("/api/v1/reports?limit=9999", 400),
    ("/api/v1/ikm", 200),
    ("/api/v1/ikm?from=2025-09-01&to=2025-12-31&opd=disdukcapil&lang=en", 200),
    ("/api/v1/ikm?unit=loket-disdukcapil", 200),
    ("/api/v1/ikm?unit=tidak-ada", 400),
    ("/api/v1/ikm?opd=dpmptsp&unit=loket-disdukcapil", 404),
]


@pytest.fixture
def data(app):
    with app.app_context():
        stats_data.build()
        report = db.session.query(Report).filter_by(code="R1").one()
        report.contact = ReportContact(name="Siti Rahmawati", phone="081234567890", email="siti@example.com")
        report.updates.append(ReportUpdate(at=report.first_response_at, status="resolved",
                                           public_message="Petugas sudah kembali melayani.",
                                           internal_note="Catatan internal rahasia"))
        db.session.commit()


@pytest.fixture
def spec(client, data):
    return client.get("/api/v1/openapi.json").get_json()


def operation_for(spec: dict, path: str) -> dict:
    for template, item in sorted(spec["paths"].items(), key=lambda kv: "{" in kv[0]):
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return item["get"]
    raise AssertionError(f"{path} is not documented")


def validator(spec: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": spec["components"]}, format_checker=FormatChecker())


def test_openapi_document_is_valid(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.")


def test_every_api_route_is_documented_and_exercised(app, spec):
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert routes == set(spec["paths"])
    exercised = {(template, str(status)) for template in spec["paths"] for url, status in CASES
                 if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), url.split("?")[0])}
    documented = {(template, status) for template, item in spec["paths"].items() for status in item["get"]["responses"]}
    assert documented <= exercised


@pytest.mark.parametrize("url, status", CASES)
def test_responses_validate_against_the_openapi_document(client, spec, url, status):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    responses = operation_for(spec, url.split("?")[0])["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    errors = sorted(validator(spec, schema).iter_errors(response.get_json()), key=str)
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_errors_are_json_with_a_message_in_the_asked_language(client, data):
    response = client.get("/api/v1/status?date=2025-02-30")
    assert response.status_code == 400
    assert "bukan tanggal yang valid" in response.get_json()["error"]["message"]
    english = client.get("/api/v1/status?date=2025-02-30&lang=en").get_json()
    assert "is not a valid date" in english["error"]["message"]
    missing = client.get("/api/v1/tidak-ada")
    assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404
    assert missing.headers["Access-Control-Allow-Origin"] == "*"


def test_status_on_a_thursday_of_tahap_1_says_online_and_why(client, data):
    doc = client.get("/api/v1/status?date=2025-11-06&opd=disdukcapil").get_json()
    assert doc["phase"] == "Tahap I"
    assert [(row["unit"], row["status"]) for row in doc["data"]] == [("loket-disdukcapil", "online")]
    assert "Tahap I" in doc["data"][0]["reason"] and doc["data"][0]["decided_by"] == "phase"
    assert doc["counts"] == {"open": 0, "limited": 0, "online": 1, "closed": 0}


def test_public_reports_carry_no_personal_data_and_skip_confidential_and_spam(client, data):
    response = client.get("/api/v1/reports?limit=500")
    codes = [item["code"] for item in response.get_json()["data"]]
    assert sorted(codes) == ["R1", "R2", "R3", "R6", "R7"]  # R4 confidential, R5 spam
    assert response.get_json()["total"] == 5
    body = response.get_data(as_text=True)
    for secret in ("Siti", "081234567890", "siti@example.com", "Catatan internal"):
        assert secret not in body
    r1 = next(item for item in response.get_json()["data"] if item["code"] == "R1")
    assert r1["updates"] == [{"at": "2025-11-03T15:00:00+07:00", "status": "resolved",
                              "message": "Petugas sudah kembali melayani."}]  # Bekasi time, as Open311 says it


def test_api_and_open311_give_the_same_moments_in_bekasi_time(client, data):
    api = {item["code"]: item for item in client.get("/api/v1/reports?limit=500").get_json()["data"]}
    open311 = {item["service_request_id"]: item for item in client.get("/open311/v2/requests.json").get_json()}
    shared = set(api) & set(open311)
    assert shared
    for code in shared:
        assert api[code]["created_at"] == open311[code]["requested_datetime"]
        assert api[code]["created_at"].endswith("+07:00")
        for moment in (api[code]["first_response_at"], api[code]["closed_at"], *(u["at"] for u in api[code]["updates"])):
            assert moment is None or moment.endswith("+07:00")


def test_output_records_are_paged_by_day_record(client, data):
    first = client.get("/api/v1/output-records?from=2025-09-01&to=2025-12-31&limit=3").get_json()
    rest = client.get("/api/v1/output-records?from=2025-09-01&to=2025-12-31&limit=10&offset=3").get_json()
    assert first["total"] == rest["total"] == 8
    records = first["data"] + rest["data"]
    assert [(r["date"], r["opd"], r["mode"]) for r in records][:3] == [
        ("2025-10-01", "disdukcapil", "wfo"), ("2025-10-02", "disdukcapil", "wfo"), ("2025-11-06", "disdukcapil", "wfh")]
    assert len(records) == 8
    dec = [r for r in records if r["date"] == "2025-12-01" and r["mode"] == "wfh"][0]
    assert {o["indicator"]: o["quantity"] for o in dec["outputs"]} == {"dokumen-terbit": 10, "surat-naskah-diproses": 5}


def test_docs_page_lists_every_endpoint_and_links_the_document(client, spec):
    response = client.get("/api/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "text/html" in response.content_type
    assert 'href="/api/v1/openapi.json"' in html
    for path in spec["paths"]:
        assert f"GET {path}" in html
    assert "/statistik.csv" in html


@pytest.mark.parametrize("value", ["", "%20", "%0A", "%09%20"])
def test_an_empty_or_blank_argument_is_refused_not_taken_as_absent(client, data, value):
    """The API takes what its document says (a date is a date): ``to`` of a blank or a line break
    is a 400 with the reason, not the default range (schemathesis sent ``?to=%0A``)."""
    response = client.get(f"/api/v1/statistics?to={value}")
    assert response.status_code == 400
    assert "kosong" in response.get_json()["error"]["message"]
