"""No reporter's name, phone number or e-mail address on any public page, feed, export or API.

Reports carrying unique markers come in through every channel (web form, Open311) and every
visibility, and staff answer and forward them. Then every public GET route of the application,
walked from ``app.url_map`` (so routes added later, such as the JSON API and the statistics
exports, are covered without touching this test), is fetched with every plausible value of its
URL arguments, and every same-site link found in the answers is followed. None may contain a
marker; a city admin's page shows them all (so the markers really are stored and renderable).
"""

from __future__ import annotations

import io
import re
from collections import deque
from itertools import product
from urllib.parse import urlsplit

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from portal.extensions import db
from portal.models import Kecamatan, Opd, Report, ReportCategory, ServiceUnit

from .reporting import build_world, code_of, form_data, login, open311_data

NAME = "Zulkarnaen Penandaunik"
PHONE = "0813 9753 1864"
EMAIL = "penanda.unik.7421@contoh.id"
# What would betray each marker, however it is formatted.
NEEDLES = ("penandaunik", "zulkarnaen", "97531864", "9753 1864", "9753-1864", "penanda.unik.7421",
           "penanda.unik.7421%40")
MAX_PAGES = 1500
PER_PATH = 12  # followed links per path: date navigation would otherwise never end
QUERY_VARIANTS = ("", "?lang=en", "?opd={opd}", "?unit={unit}", "?status=received", "?status=open")


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in NEEDLES if needle in lowered]


@pytest.fixture
def reports(app, client):
    """Marked reports through both channels, in every visibility, answered and forwarded."""
    with app.app_context():
        world = build_world()
    contact = {"name": NAME, "phone": PHONE, "email": EMAIL, "consent": "y"}
    codes = [code_of(client.post("/lapor", data=form_data(unit=unit, visibility=visibility, **contact)))
             for unit, visibility in ((world.unit_a, "public"), (world.unit_b, "anonymous"),
                                      (world.unit_a, "confidential"))]
    codes.append(code_of(client.post("/lapor", data=form_data(website="x", **contact))))  # honeypot
    api = client.post("/open311/v2/requests.json", data=open311_data(
        world.unit_b, first_name="Zulkarnaen", last_name="Penandaunik", phone=PHONE, email=EMAIL,
        **{"attribute[consent]": "true"}))
    assert api.status_code == 201
    codes.append(api.get_json()[0]["service_request_id"])
    login(client, world.city)
    answers = [(codes[0], "in_progress", "Petugas piket ditambah."), (codes[2], "resolved", "Sudah ditegur."),
               (codes[4], "resolved", "Situs sudah pulih.")]
    for code, status, message in answers:
        response = client.post(f"/admin/laporan/{code}/status", data={"status": status, "public_message": message,
                                                                     "internal_note": "catatan"})
        assert response.status_code == 303
    assert client.post(f"/admin/laporan/{codes[1]}/teruskan", data={"opd": "disdukcapil"}).status_code == 303
    for code in codes:  # positive control: staff with the right may see every marker
        page = client.get(f"/admin/laporan/{code}?kontak=1").get_data(as_text=True)
        assert NAME in page and "+6281397531864" in page and EMAIL in page, code
    client.post("/admin/logout")
    return world, codes


def argument_values(app, codes) -> dict[str, list[str]]:
    with app.app_context():
        slugs = [*db.session.scalars(select(ServiceUnit.slug)), *db.session.scalars(select(Opd.slug)),
                 *db.session.scalars(select(Kecamatan.slug))]
    return {
        "slug": slugs,
        "code": codes,
        "request_id": codes,
        "service_request_id": codes,
        "token": codes,
        "service_code": [c.value for c in ReportCategory],
        "fmt": ["json", "xml", "csv", "ics"],
        "format": ["json", "xml", "csv", "ics"],
        "ext": ["json", "xml", "csv", "ics"],
    }


def values_for(rule, name: str, known: dict[str, list[str]]) -> list[str]:
    converter = rule._converters[name]
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)
    if isinstance(converter, IntegerConverter):
        return ["1", "2", "3", "4", "5"]
    if name in known:
        return known[name]
    return sorted({value for values in known.values() for value in values})  # a new argument: try all


def public_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.rule.startswith("/admin"):
            yield rule


def seed_urls(app, codes, world) -> list[str]:
    known = argument_values(app, codes)
    urls = []
    with app.test_request_context():
        for rule in public_rules(app):
            names = sorted(rule.arguments)
            for combination in product(*(values_for(rule, name, known) for name in names)):
                from flask import url_for

                base = url_for(rule.endpoint, **dict(zip(names, combination)))
                variants = QUERY_VARIANTS if not names else ("", "?lang=en")
                urls.extend(base + v.format(opd="dinkes", unit=world.unit_b) for v in variants)
    return urls


LINK = re.compile(r'(?:href|src|action)="([^"#]+)')


def same_site_links(body: str) -> list[str]:
    found = []
    for raw in LINK.findall(body):
        url = raw.replace("&amp;", "&")
        parts = urlsplit(url)
        if parts.scheme and parts.netloc != "localhost":
            continue
        path = parts.path
        if not path.startswith("/") or path.startswith(("/admin", "/static")):
            continue
        found.append(path + (f"?{parts.query}" if parts.query else ""))
    return found


def readable_text(response) -> str:
    """What a visitor can read in an answer: the text, or every cell of a workbook."""
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return " ".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                        for value in row if value is not None)
    return response.get_data(as_text=True)


@pytest.mark.slow
def test_no_public_answer_contains_a_reporters_personal_data(app, reports):
    world, codes = reports
    client = app.test_client()  # a visitor: no staff session
    queue = deque(seed_urls(app, codes, world))
    seen: set[str] = set(queue)
    per_path: dict[str, int] = {}
    fetched, leaked, statuses = 0, [], {}
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        fetched += 1
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert 200 <= response.status_code < 500, (url, response.status)
        text = readable_text(response) + str(response.headers)
        if found := leaks(text):
            leaked.append((url, found))
        if response.mimetype in ("text/html", "application/atom+xml", "application/json", "text/xml"):
            for link in same_site_links(text):
                path = link.split("?")[0]
                if link not in seen and per_path.get(path, 0) < PER_PATH:
                    seen.add(link)
                    per_path[path] = per_path.get(path, 0) + 1
                    queue.append(link)
    assert leaked == []
    assert fetched < MAX_PAGES, "the walk did not finish: raise MAX_PAGES"
    # The walk did reach the places where reports are shown.
    for path in ("/laporan", "/feed.atom", "/laporan/feed.atom", "/open311/v2/requests.json", "/open311/v2/requests.xml",
                 f"/unit/{world.unit_a}", f"/lapor/{codes[0]}", f"/lapor/{codes[2]}",
                 f"/open311/v2/requests/{codes[4]}.json"):
        assert path in seen, path
    assert statuses.get(200, 0) > 30


def test_markers_are_stored_where_they_belong(app, reports):
    """The walk above is only meaningful if the data it looks for is really in the database."""
    _world, codes = reports
    with app.app_context():
        contacts = [db.session.scalar(select(Report).filter_by(code=code)).contact for code in codes]
        assert [(c.name, c.phone, c.email) for c in contacts] == [(NAME, "+6281397531864", EMAIL)] * 5
