"""No input gets a 500, and a refused request stores nothing: hypothesis walks every route of
``app.url_map`` with generated values for every query parameter and form field the portal reads.

Where the names come from (so that a new parameter or field is walked without editing this file):
- what the route itself reads: a first request records every name the view (and its forms) looks
  up in ``request.args`` and ``request.form``; half of the generated names are drawn from these;
- query parameters and raw form fields of the whole portal: every ``date_arg("…")``, ``request.args.get("…")``,
  ``request.form.get("…")``… in the portal's source, the statistics' page and API names, and the
  parameters of the OpenAPI document;
- form fields: every field of every WTForms class (subclasses of PortalForm), and the fields of the
  forms a page actually shows (its GET answer, parsed), which also give each POST valid defaults so
  that one hostile value meets otherwise sensible input.

Signed in as a city admin (every permission). Bounded: WALK_EXAMPLES examples per route and method
(default 10), well under a minute per backend.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

import portal
from portal import create_app
from portal.api.openapi import PATHS
from portal.extensions import db
from portal.forms import PortalForm
from portal.statistik.query import API_ARGS, PAGE_ARGS

from .staff import TODAY, build_world, database_state, sign_in

EXAMPLES = int(os.environ.get("WALK_EXAMPLES", "10"))
SOURCE_ARG = re.compile(r"(?:date_arg|int_arg|text_arg|choice_arg|slug_arg|args\.get|args\.getlist|form\.get|"
                        r"form\.getlist|values\.get|comma_list|number)\(\s*\"([^\"]+)\"")
# Answers whose refusal legitimately stores something: a failed login counts the failure.
STORES_ON_REFUSAL = {"auth.login"}
# Not walked: signing out would end the walk's own session (it takes no input).
NOT_WALKED = {"static", "auth.logout"}


def all_subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | all_subclasses(sub)
    return found


def parameter_names() -> list[str]:
    names = set(PAGE_ARGS.values()) | set(API_ARGS.values())
    for path in Path(portal.__file__).parent.rglob("*.py"):
        names |= set(SOURCE_ARG.findall(path.read_text(encoding="utf-8")))
    for operations in PATHS.values():
        for operation in operations.values():
            names |= {parameter["name"] for parameter in operation.get("parameters", [])
                      if parameter.get("in") == "query"}
    return sorted(names)


def form_field_names() -> list[str]:
    import portal.admin.views  # noqa: F401  (imports every staff form)
    import portal.reports.views  # noqa: F401

    names = set()
    for form_class in all_subclasses(PortalForm):
        names |= {name for name in dir(form_class)
                  if getattr(getattr(form_class, name), "field_class", None) is not None}
    return sorted(names)


def walked_rules() -> list[tuple[Rule, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    pairs = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_WALKED
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda pair: (pair[0].rule, pair[1]))


QUERY_NAMES = parameter_names()
FORM_NAMES = sorted(set(form_field_names()) | set(QUERY_NAMES))
RULES = walked_rules()

class RecordingMultiDict(ImmutableMultiDict):
    """request.args and request.form that remember which names the code asked for."""

    asked: set[str] = set()

    def get(self, key, *args, **kwargs):
        RecordingMultiDict.asked.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        RecordingMultiDict.asked.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        RecordingMultiDict.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        RecordingMultiDict.asked.add(key)
        return super().__contains__(key)


EXTREME_DATES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                 "9999-12-31T00:00:00", "1899-12-31", "3000-01-01"]
HOSTILE = ["", " ", "0", "-1", "99999999999999999999", "²", "1e309", "NaN", "inf", "0001-01-01", "9999-12-31",
           "2025-02-30", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "25:61", "23:59:60",
           "x" * 5000, "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "=HYPERLINK(\"x\")",
           "\u202eevil", "a\u200bb", "\r\n", "\ufeff", "ʕ•ᴥ•ʔ", "true", "y", "on", "json", "xml", "en", "id"]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(EXTREME_DATES),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
)


class FormFields(HTMLParser):
    """The named fields of the POST forms of a page, with their first value (a valid default)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_post_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_post_form = (attrs.get("method") or "").lower() == "post"
        if not self._in_post_form or not attrs.get("name"):
            if tag == "option" and self._select and self._select not in self.fields:
                self.fields[self._select] = attrs.get("value") or ""
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and name in self.fields:
                return
            self.fields[name] = attrs.get("value") or ("y" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_post_form = False


def path_values(world) -> dict[str, str]:
    return {"unit_id": str(world.unit_a.id), "day": "2025-11-12", "override_id": str(world.override_a.id),
            "code": world.report_a.code, "holiday_id": str(world.holiday.id), "opd_id": str(world.opd_a.id),
            "user_id": str(world.admin_a.id), "phase_id": str(world.phase.id), "slug": world.unit_a.slug,
            "answer_id": str(world.answer_a.id),
            "name": "description", "request_id": world.report_a.code, "service_code": "no_staff",
            "fmt": "json", "opd_slug": world.opd_a.slug, "token": "bukan-token"}


def build_path(rule: Rule, values: dict[str, str]) -> str:
    if rule.endpoint.startswith("public.opd"):  # /opd/<slug>: an agency's slug, not a unit's
        values = {**values, "slug": values["opd_slug"]}
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[^<>:]+:)?{argument}>", values[argument], path)
        path = re.sub(rf"<any\([^)]*\):{argument}>", values[argument], path)
    return path


@pytest.mark.config(TODAY=TODAY)
@pytest.mark.parametrize("rule, method", RULES, ids=[f"{method} {rule.rule}" for rule, method in RULES])
def test_generated_input_never_gets_a_500_and_a_refusal_stores_nothing(app, client, rule, method, monkeypatch):
    monkeypatch.setattr(app.request_class, "parameter_storage_class", RecordingMultiDict)
    with app.app_context():
        world = build_world()
        paths = path_values(world)
        city = world.city.id
    path = build_path(rule, paths)
    sign_in(client, city)
    defaults: dict[str, str] = {}
    if method == "POST" and "GET" in rule.methods:
        parser = FormFields()
        parser.feed(client.get(path).get_data(as_text=True))
        defaults = {name: value for name, value in parser.fields.items() if name != "csrf_token"}
    RecordingMultiDict.asked = set()
    client.open(path, method=method)  # which names does this route read?
    sign_in(client, city)
    asked = sorted(RecordingMultiDict.asked | set(defaults))
    everything = st.sampled_from(FORM_NAMES if method == "POST" else QUERY_NAMES)
    names = st.one_of(st.sampled_from(asked), everything) if asked else everything

    @settings(max_examples=EXAMPLES, database=None, suppress_health_check=list(HealthCheck))
    @given(chosen=st.dictionaries(names, VALUES, min_size=1, max_size=4),
           in_query=st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=2))
    def walk(chosen, in_query):
        sign_in(client, city)
        if method == "GET":
            response = client.get(path, query_string={**in_query, **chosen})
        else:
            response = client.open(path, method=method, query_string=in_query, data={**defaults, **chosen})
        assert response.status_code < 500, (method, path, chosen, in_query, response.status_code)
        with app.app_context():
            after = database_state()  # one read per example: compared, then the next "before"
        if response.status_code >= 400 and rule.endpoint not in STORES_ON_REFUSAL:
            assert after == state["before"], (method, path, chosen, response.status_code)
        state["before"] = after

    with app.app_context():
        state = {"before": database_state()}
    walk()


def test_every_405_names_the_allowed_methods(app, client):
    """RFC 9110: a 405 answer carries Allow; for every route, asked with a method it does not take."""
    with app.app_context():
        paths = path_values(build_world())
    checked = 0
    for rule in {rule.rule: rule for rule, _method in RULES}.values():
        refused = sorted({"GET", "POST", "PUT", "DELETE", "PATCH"} - rule.methods)
        for method in refused[:2]:
            response = client.open(build_path(rule, paths), method=method)
            if response.status_code == 405:  # another rule at the same path may take the method
                assert response.headers.get("Allow"), (method, rule.rule)
                assert set(response.headers["Allow"].split(", ")) >= rule.methods - {"HEAD", "OPTIONS"}
                checked += 1
    assert checked > 50
