"""What operators see: one JSON log line per request without personal data, Prometheus metrics
for this machine or a token holder, liveness (/healthz) and readiness (/readyz)."""

from __future__ import annotations

import json
import logging
import re

import pytest

from portal import create_app
from portal.observability import log as request_log

from .reporting import build_world, code_of, form_data, open311_data


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[dict] = []

    def emit(self, record):
        self.records.append(json.loads(record.getMessage()))


@pytest.fixture
def logged():
    handler = Lines()
    request_log.addHandler(handler)
    yield handler.records
    request_log.removeHandler(handler)


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def metric(client, name: str, **labels) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    match = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_one_json_line_per_request_names_the_route_not_the_path(client, world, logged):
    response = client.post("/lapor", data=form_data(name="Siti Rahayu", phone="081234567890",
                                                    email="siti@example.org", consent="y"))
    code = code_of(response)
    client.get(f"/lapor/{code}?ref=BKS-SECRET-QUERY")
    post, track = logged[-2:]
    assert post["method"] == "POST" and post["route"] == "/lapor" and post["status"] == 303
    assert track == {**track, "method": "GET", "route": "/lapor/<code>", "status": 200}
    assert set(track) == {"time", "event", "method", "route", "status", "duration_ms", "request_id"}
    assert isinstance(track["duration_ms"], float) and track["duration_ms"] >= 0
    everything = json.dumps(logged)
    for secret in (code, "BKS-SECRET-QUERY", "Siti", "081234567890", "siti@example.org", "127.0.0.1"):
        assert secret not in everything


def test_an_unknown_address_is_logged_without_its_path(client, logged):
    assert client.get("/lapor-palsu/BKS-AAAA-BBBB").status_code == 404
    assert logged[-1]["route"] == "(unmatched)" and "BKS-AAAA" not in json.dumps(logged[-1])


def test_the_proxys_request_id_is_logged_and_echoed(client, logged):
    response = client.get("/healthz", headers={"X-Request-ID": "8f14e45fceea167a5a36dedd4bea2543"})
    assert response.headers["X-Request-ID"] == "8f14e45fceea167a5a36dedd4bea2543"
    assert logged[-1]["request_id"] == "8f14e45fceea167a5a36dedd4bea2543"


@pytest.mark.parametrize("given", [None, "", "a" * 129, "{\"json\": 1}", "id with spaces", "<script>"])
def test_a_missing_or_malformed_request_id_is_replaced(client, logged, given):
    response = client.get("/healthz", headers={} if given is None else {"X-Request-ID": given})
    generated = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated) and logged[-1]["request_id"] == generated


@pytest.mark.config(RATELIMIT_ENABLED=True, REPORT_RATE_LIMIT="1 per minute")
def test_refused_requests_are_logged_too(client, world, logged):
    client.post("/open311/v2/requests.json", data=open311_data())
    assert client.post("/open311/v2/requests.json", data=open311_data()).status_code == 429
    assert logged[-1]["status"] == 429 and logged[-1]["route"] == "/open311/v2/requests.<any(json, xml):fmt>"


def test_metrics_count_requests_by_route_and_status_and_reports_by_channel(client, world):
    labels = {"method": "GET", "route": "/unit/<slug>", "status": "200"}
    before = {
        "unit": metric(client, "portal_http_requests_total", **labels),
        "missing": metric(client, "portal_http_requests_total", method="GET", route="/unit/<slug>", status="404"),
        "web": metric(client, "portal_reports_received_total", source="web"),
        "open311": metric(client, "portal_reports_received_total", source="open311"),
        "timed": metric(client, "portal_http_request_duration_seconds_count", route="/unit/<slug>"),
    }
    client.get("/unit/disdukcapil-mpp")
    client.get("/unit/puskesmas-rawalumbu")
    client.get("/unit/tidak-ada")
    token = form_data()["submission_token"]
    client.post("/lapor", data=form_data(submission_token=token))
    client.post("/lapor", data=form_data(submission_token=token))  # a double submit: one report
    client.post("/open311/v2/requests.json", data=open311_data())
    client.post("/open311/v2/requests.json", data=open311_data(description="pendek"))  # refused
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert metric(client, "portal_http_requests_total", **labels) - before["unit"] == 2
    assert metric(client, "portal_http_requests_total", method="GET", route="/unit/<slug>",
                  status="404") - before["missing"] == 1
    assert metric(client, "portal_reports_received_total", source="web") - before["web"] == 1
    assert metric(client, "portal_reports_received_total", source="open311") - before["open311"] == 1
    assert metric(client, "portal_http_request_duration_seconds_count", route="/unit/<slug>") - before["timed"] == 3


def test_invented_methods_do_not_grow_the_metrics(client, logged):
    assert client.open("/", method="BREW").status_code == 405
    assert logged[-1]["method"] == "other"
    assert "BREW" not in client.get("/metrics").get_data(as_text=True)


def test_metrics_are_refused_to_other_machines_and_through_a_proxy(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 403
    assert "hanya" in response.get_data(as_text=True)  # in the user's language (Indonesian)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.config(METRICS_TOKEN="s3cret-scrape-token")
def test_with_a_token_the_metrics_need_it_from_anywhere(client):
    assert client.get("/metrics").status_code == 401  # even from localhost
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    right = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert right.status_code == 200 and b"portal_http_requests_total" in right.data


def test_readiness_with_the_database_and_no_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["database"] == "unavailable"


@pytest.mark.config(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
def test_not_ready_when_a_configured_redis_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
    assert "127.0.0.1:9" not in response.get_data(as_text=True)  # a URL may hold a password


def test_liveness_stays_as_it_was(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}
