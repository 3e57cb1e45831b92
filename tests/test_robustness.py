"""Bad input anywhere gets a 4xx, never a 500: every GET route of the app (public, API, Open311
and, signed in as a city admin, the staff area) with hostile path and query values.

Every hostile value goes into the path and into each query parameter of ``PARAMS``, one parameter
at a time. A parameter the route never asks for by name (``request.args.get("…")``, ``in``,
``[…]``, a form bound to ``request.args``) is only ever handled generically (copied into links,
checked for NUL characters, counted), whatever its name: one request carrying all of those at once
stands for each of them, so the walk sends one request per value with every parameter, plus one
per parameter the route asks for (recorded as in tests/test_input_walk.py, on a request without
parameters and on the one with all of them)."""

import pytest
from werkzeug.routing import Rule

from portal import create_app

from .staff import build_world, sign_in
from .test_input_walk import RecordingMultiDict

HOSTILE = ["", "%00", "x" * 400, "../../etc/passwd", "<script>alert(1)</script>", "-1", "0",
           "99999999999999999999", "2025-02-30", "1900-01-01", "9999-12-31", "NaN", "ʕ•ᴥ•ʔ", "' OR 1=1 --"]
PARAMS = ["aksi", "category", "dari", "date", "days", "essential", "from", "halaman", "hari", "kategori",
          "kecamatan", "limit", "mulai", "offset", "opd", "pengguna", "q", "sampai", "spam", "status",
          "tahun", "tanggal", "terlambat", "unit", "akhiri", "kontak", "lang", "mode", "next", "unit_q",
          "indikator", "urut", "kode", "service_code", "start_date", "end_date", "service_request_id",
          "jurisdiction_id"]


def get_rules() -> list[Rule]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint != "static"), key=lambda rule: rule.rule)


RULES = get_rules()


def fill(rule: Rule, value: str) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", value or "x").replace(f"<int:{argument}>", "123456")
        path = path.replace(f"<path:{argument}>", value or "x")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.rule)
def test_no_get_route_answers_500_to_hostile_input(app, client, rule, monkeypatch):
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingMultiDict)
    with app.app_context():
        world = build_world()
        sign_in(client, world.city)  # the staff pages too, with every permission
    asked_somewhere = set()
    for value in HOSTILE:
        value = value.replace("%00", "\x00")
        url = fill(rule, value)
        RecordingMultiDict.asked = set()
        for query in ({}, dict.fromkeys(PARAMS, value)):
            response = client.get(url, query_string=query)
            assert response.status_code < 500, (url, "every parameter" if query else "none", value,
                                                response.status_code)
        asked = sorted(RecordingMultiDict.asked.intersection(PARAMS))
        asked_somewhere.update(asked)
        for param in asked:
            response = client.get(url, query_string={param: value})
            assert response.status_code < 500, (url, param, value, response.status_code)
    assert "lang" in asked_somewhere, rule.rule  # the recording works: every answer reads the language
