"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests in JSON and XML, POST
validated like the web form, the specification's error format, and never any personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Report, ServiceUnit

from . import factories as f
from .reporting import CODE, build_world, login, open311_data, stored

API = "/open311/v2"


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def test_discovery_names_the_specification_and_both_formats(client, world):
    data = client.get(f"{API}/discovery.json").get_json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert "attribute[unit]" in data["key_service"]  # how to give a location is documented
    xml = ET.fromstring(client.get(f"{API}/discovery.xml").data)
    assert xml.tag == "discovery"
    assert [e.text for e in xml.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]
    assert client.get(f"{API}/").headers["Location"].endswith("/open311/v2/discovery.json")


def test_footer_links_to_the_discovery_document(client, world):
    assert 'href="/open311/v2/discovery.json"' in client.get("/").get_data(as_text=True)


def test_one_service_per_category_in_json_and_xml(client, world):
    services = client.get(f"{API}/services.json").get_json()
    assert [s["service_code"] for s in services] == ["closed_though_open", "no_staff", "online_unreachable",
                                                     "long_wait", "wrong_info", "other"]
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services)
    assert services[0]["service_name"] == "Tutup padahal dijadwalkan buka"
    xml = ET.fromstring(client.get(f"{API}/services.xml?lang=en").data)
    assert xml.find("service/service_name").text == "Closed though scheduled to be open"
    assert xml.find("service/metadata").text == "true"


def test_service_definition_lists_units_and_attributes(client, world):
    definition = client.get(f"{API}/services/no_staff.json").get_json()
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["unit", "visited_at", "visibility", "consent"]
    assert {v["key"] for v in attributes["unit"]["values"]} == {"disdukcapil-mpp", "puskesmas-rawalumbu"}
    assert attributes["visited_at"]["datatype"] == "datetime"
    assert [v["key"] for v in attributes["visibility"]["values"]] == ["public", "anonymous", "confidential"]
    xml = ET.fromstring(client.get(f"{API}/services/no_staff.xml").data)
    assert xml.tag == "service_definition"
    assert len(xml.findall("attributes/attribute/values/value")) == 2 + 3 + 1


def test_a_request_posted_through_open311_gets_a_code_and_reaches_the_right_queue(app, client, world):
    response = client.post(f"{API}/requests.json", data=open311_data(world.unit_b))
    assert response.status_code == 201
    answer = response.get_json()
    code = answer[0]["service_request_id"]
    assert CODE.fullmatch(code) and f"/lapor/{code}" in answer[0]["service_notice"]
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.source == "open311" and report.opd.short_name == "Dinkes"
        assert report.category == "online_unreachable" and report.visibility == "public"
    login(client, world.admin_b)
    assert code in client.get("/admin/laporan").get_data(as_text=True)
    client.post("/admin/logout")
    for url in ("/laporan", f"/unit/{world.unit_b}", "/laporan/feed.atom", f"{API}/requests.json"):
        assert code in client.get(url).get_data(as_text=True), url


def test_a_post_loads_only_the_unit_it_names_whatever_the_number_of_units(app, client, world):
    """Report submission costs the same with 5 or 500 units: it reads the one unit named (or,
    for lat/long, the coordinates of all and the one found), never every unit with its agency,
    area and hours."""
    from sqlalchemy import event

    loaded = []

    def count(target, context):
        loaded.append(target)

    event.listen(ServiceUnit, "load", count)
    try:
        with app.app_context():
            owner = db.session.scalar(select(ServiceUnit).filter_by(slug=world.unit_b)).opd
            for n in range(30):
                f.unit(f"Loket tambahan {n}", owner=owner)
            db.session.commit()
        loaded.clear()
        assert client.post(f"{API}/requests.json", data=open311_data(world.unit_b)).status_code == 201
        assert len(loaded) == 1
        loaded.clear()
        near_b = {"attribute[unit]": None, "lat": "-6.2752", "long": "107.0061"}
        assert client.post(f"{API}/requests.json", data=open311_data(**near_b)).status_code == 201
        assert len(loaded) == 1
    finally:
        event.remove(ServiceUnit, "load", count)


def test_post_answers_xml_too(client, world):
    response = client.post(f"{API}/requests.xml", data=open311_data(address_id=None))
    xml = ET.fromstring(response.data)
    assert response.status_code == 201 and response.mimetype == "text/xml"
    assert CODE.fullmatch(xml.find("request/service_request_id").text)


def test_address_id_is_a_unit_slug(app, client, world):
    data = open311_data(**{"attribute[unit]": None, "address_id": world.unit_b})
    code = client.post(f"{API}/requests.json", data=data).get_json()[0]["service_request_id"]
    with app.app_context():
        assert db.session.scalar(select(Report).filter_by(code=code)).unit.slug == world.unit_b


def test_lat_long_finds_the_nearest_unit_within_the_distance(app, client, world):
    near_b = {"attribute[unit]": None, "lat": "-6.2752", "long": "107.0061"}  # about 25 m away
    code = client.post(f"{API}/requests.json", data=open311_data(**near_b)).get_json()[0]["service_request_id"]
    with app.app_context():
        assert db.session.scalar(select(Report).filter_by(code=code)).unit.slug == world.unit_b
    far = {"attribute[unit]": None, "lat": "-6.3500", "long": "107.1000"}
    response = client.post(f"{API}/requests.json", data=open311_data(**far))
    assert response.status_code == 400
    assert "Tidak ada unit layanan dalam jarak 300 m" in response.get_json()[0]["description"]


def test_contact_data_is_accepted_with_consent_and_never_returned(app, client, world):
    data = open311_data(first_name="Wulan", last_name="Sari", email="wulan@example.id",
                        phone="081299990000", **{"attribute[consent]": "true"})
    code = client.post(f"{API}/requests.json", data=data).get_json()[0]["service_request_id"]
    with app.app_context():
        contact = db.session.scalar(select(Report).filter_by(code=code)).contact
        assert (contact.name, contact.email, contact.phone) == ("Wulan Sari", "wulan@example.id", "+6281299990000")
    for url in (f"{API}/requests.json", f"{API}/requests.xml", f"{API}/requests/{code}.json",
                f"{API}/requests/{code}.xml", f"{API}/requests.json?service_request_id={code}"):
        body = client.get(url).get_data(as_text=True)
        assert code in body and "Wulan" not in body and "wulan@" not in body and "99990000" not in body, url


def test_visited_at_attribute_sets_the_visit(app, client, world):
    when = (datetime.now(UTC) - timedelta(days=2)).replace(hour=2, minute=30, second=0, microsecond=0)
    data = open311_data(**{"attribute[visited_at]": when.isoformat()})
    code = client.post(f"{API}/requests.json", data=data).get_json()[0]["service_request_id"]
    with app.app_context():
        report = db.session.scalar(select(Report).filter_by(code=code))
        assert report.visited_on == when.date() and report.visited_at.strftime("%H:%M") == "09:30"


@pytest.mark.parametrize("changes, argument", [
    ({"service_code": ""}, "service_code"),
    ({"service_code": "banjir"}, "service_code"),
    ({"description": ""}, "description"),
    ({"description": "pendek"}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"description": "<script>alert(1)</script> situs tidak bisa dibuka"}, "description"),
    ({"attribute[unit]": "tidak-ada"}, "attribute[unit]"),
    ({"attribute[unit]": None}, "attribute[unit]"),
    ({"attribute[unit]": None, "lat": "abc", "long": "107"}, "lat"),
    ({"attribute[unit]": None, "lat": "-6.2"}, "lat"),
    ({"attribute[unit]": None, "lat": "nan", "long": "inf"}, "lat"),
    ({"attribute[unit]": None, "lat": "123", "long": "107"}, "lat"),
    ({"attribute[visited_at]": "kemarin"}, "attribute[visited_at]"),
    ({"attribute[visited_at]": "2000-01-01T10:00:00+07:00"}, "attribute[visited_at]"),
    ({"attribute[visited_at]": "0001-01-01T00:00:00+14:00"}, "attribute[visited_at]"),
    ({"attribute[visited_at]": "9999-12-31T23:59:59-12:00"}, "attribute[visited_at]"),
    ({"attribute[visited_at]": "0001-01-01"}, "attribute[visited_at]"),
    ({"attribute[visibility]": "semua"}, "attribute[visibility]"),
    ({"email": "bukan-email", "attribute[consent]": "true"}, "email"),
    ({"phone": "12", "attribute[consent]": "true"}, "phone"),
    ({"email": "wulan@example.id"}, "attribute[consent]"),
    ({"first_name": "<b>x</b>", "attribute[consent]": "true"}, "first_name"),
])
def test_bad_posts_get_the_open311_error_format_and_store_nothing(app, client, world, changes, argument):
    before = stored(app)
    response = client.post(f"{API}/requests.json", data=open311_data(**changes))
    assert response.status_code == 400 and response.mimetype == "application/json"
    errors = response.get_json()
    assert isinstance(errors, list) and errors
    assert all(set(error) == {"code", "description"} and error["code"] == 400 for error in errors)
    assert any(argument in error["description"] for error in errors), errors
    assert stored(app) == before


def test_errors_in_xml_follow_the_specification(app, client, world):
    response = client.post(f"{API}/requests.xml", data=open311_data(description=""))
    xml = ET.fromstring(response.data)
    assert response.status_code == 400 and xml.tag == "errors"
    assert xml.find("error/code").text == "400" and "description" in xml.find("error/description").text


@pytest.mark.parametrize("url, status", [
    (f"{API}/requests/BKS-2222-2222.json", 404),
    (f"{API}/requests/BKS-2222-2222.xml", 404),
    (f"{API}/services/banjir.json", 404),
    (f"{API}/nothing.json", 404),
    (f"{API}/services.csv", 404),
    (f"{API}/requests.json?jurisdiction_id=jakarta.go.id", 404),
    (f"{API}/requests.json?status=pending", 400),
    (f"{API}/requests.json?service_code=banjir", 400),
    (f"{API}/requests.json?start_date=kemarin", 400),
    (f"{API}/requests.json?start_date=2025-01-01&end_date=2025-12-31", 400),
    (f"{API}/requests.json?start_date=2025-12-31&end_date=2025-12-01", 400),
    (f"{API}/requests.json?start_date=9999-12-31T00:00:00", 400),
    (f"{API}/requests.json?end_date=0001-01-01T00:00:00", 400),
    (f"{API}/requests.json?start_date=0001-01-01T00:00:00%2B14:00", 400),
    (f"{API}/requests.json?service_request_id=" + ",".join(["BKS-2222-2222"] * 101), 400),
])
def test_bad_gets_get_the_open311_error_format(client, world, url, status):
    response = client.get(url)
    assert response.status_code == status
    if url.split("?")[0].endswith(".xml"):
        assert ET.fromstring(response.data).tag == "errors"
    else:
        errors = response.get_json()
        assert errors[0]["code"] == status and errors[0]["description"]


def test_matching_jurisdiction_is_accepted(client, world):
    assert client.get(f"{API}/requests.json?jurisdiction_id=bekasikota.go.id").status_code == 200


def test_wrong_method_is_an_open311_error(client, world):
    response = client.delete(f"{API}/requests.json")
    assert response.status_code == 405 and response.get_json()[0]["code"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.fixture
def history(app, world):
    """Listed and unlisted reports over November and December 2025."""
    with app.app_context():
        a = db.session.scalar(select(ServiceUnit).filter_by(slug=world.unit_a))
        b = db.session.scalar(select(ServiceUnit).filter_by(slug=world.unit_b))
        made = {
            "nov_open": f.report(a, category="no_staff", created_at=datetime(2025, 11, 3, 3, tzinfo=UTC)),
            "nov_done": f.report(b, category="long_wait", status="resolved",
                                 created_at=datetime(2025, 11, 20, 3, tzinfo=UTC)),
            "dec_open": f.report(b, category="no_staff", created_at=datetime(2025, 12, 2, 3, tzinfo=UTC)),
            "dec_secret": f.report(b, visibility="confidential", description="Pungutan liar di loket.",
                                   created_at=datetime(2025, 12, 3, 3, tzinfo=UTC)),
            "dec_spam": f.report(b, is_spam=True, created_at=datetime(2025, 12, 4, 3, tzinfo=UTC)),
        }
        db.session.commit()
        return {name: report.code for name, report in made.items()}


def ids(response) -> list[str]:
    return [entry["service_request_id"] for entry in response.get_json()]


WINDOW = "start_date=2025-11-01T00:00:00%2B07:00&end_date=2025-12-31T00:00:00%2B07:00"


def test_requests_lists_listed_reports_newest_first_with_the_spec_fields(client, history):
    response = client.get(f"{API}/requests.json?{WINDOW}")
    assert ids(response) == [history["dec_open"], history["nov_done"], history["nov_open"]]
    entry = response.get_json()[0]
    assert set(entry) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                          "description", "agency_responsible", "service_notice", "requested_datetime",
                          "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                          "lat", "long", "media_url"}
    assert entry["requested_datetime"] == "2025-12-02T10:00:00+07:00"
    assert entry["expected_datetime"] == "2025-12-05T23:59:59+07:00"  # 3 working days
    assert (entry["address_id"], entry["agency_responsible"]) == ("puskesmas-rawalumbu", "Dinas Kesehatan")
    assert entry["lat"] == -6.275 and entry["status"] == "open"


@pytest.mark.parametrize("query, names", [
    ("service_code=no_staff", ["dec_open", "nov_open"]),
    ("service_code=no_staff,long_wait", ["dec_open", "nov_done", "nov_open"]),
    ("status=closed", ["nov_done"]),
    ("status=open", ["dec_open", "nov_open"]),
    ("status=open,closed", ["dec_open", "nov_done", "nov_open"]),
])
def test_requests_filters(client, history, query, names):
    assert ids(client.get(f"{API}/requests.json?{WINDOW}&{query}")) == [history[n] for n in names]


def test_requests_window_defaults_and_limits(client, history):
    assert ids(client.get(f"{API}/requests.json")) == []  # the last 90 days: nothing that recent
    start_only = ids(client.get(f"{API}/requests.json?start_date=2025-11-15T00:00:00%2B07:00"))
    assert start_only == [history["dec_open"], history["nov_done"]]


@pytest.mark.config(OPEN311_MAX_REQUESTS=2)
def test_requests_answer_at_most_the_maximum(client, history):
    assert len(ids(client.get(f"{API}/requests.json?{WINDOW}"))) == 2


def test_service_request_id_overrides_the_other_filters_but_never_lists_hidden_reports(client, history):
    wanted = ",".join([history["nov_open"], history["dec_secret"], history["dec_spam"],
                       history["dec_open"].lower()])
    assert ids(client.get(f"{API}/requests.json?service_request_id={wanted}&status=closed")) == [
        history["dec_open"], history["nov_open"]]


def test_one_request_by_id_and_a_confidential_one_without_its_description(client, history):
    entry = client.get(f"{API}/requests/{history['nov_done']}.json").get_json()[0]
    assert entry["service_request_id"] == history["nov_done"] and entry["status"] == "closed"
    xml = ET.fromstring(client.get(f"{API}/requests/{history['nov_done']}.xml").data)
    assert xml.find("request/status").text == "closed"
    secret = client.get(f"{API}/requests/{history['dec_secret']}.json").get_json()[0]
    assert secret["description"] is None
    assert "Pungutan" not in client.get(f"{API}/requests/{history['dec_secret']}.xml").get_data(as_text=True)


def test_status_notes_carry_the_latest_public_answer(app, client, history, world):
    login(client, world.admin_b)
    client.post(f"/admin/laporan/{history['dec_open']}/status",
                data={"status": "in_progress", "public_message": "Petugas jaga ditambah.",
                      "internal_note": "rahasia dapur"})
    entry = client.get(f"{API}/requests/{history['dec_open']}.json").get_json()[0]
    assert entry["status_notes"] == "Petugas jaga ditambah."
    assert "rahasia dapur" not in client.get(f"{API}/requests.json?{WINDOW}").get_data(as_text=True)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_open311_post_needs_no_csrf_token(client, world):
    assert client.post(f"{API}/requests.json", data=open311_data()).status_code == 201
