"""One language per page: every public and staff page, rendered in Indonesian and in English,
shows no message of the other language (taken from the catalog: an Indonesian page shows no
English msgid whose translation differs, an English page no Indonesian translation).

Every GET route of the app is visited (a new route fails ``test_every_get_route_is_visited``
until it has sample arguments in ``ARGS``), with the demo data and a city admin signed in."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from werkzeug.routing import Rule

from portal import create_app
from portal.extensions import db
from portal.models import Holiday, Opd, PolicyPhase, Report, ServiceUnit, User

from . import factories as f
from .staff import sign_in

pytestmark = [pytest.mark.demo, pytest.mark.config(TODAY=date(2025, 11, 12))]

CATALOG = Path(__file__).resolve().parent.parent / "portal/translations/id/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}")
# Names that are the same on purpose in both languages' pages (the language switch, proper names).
SAME_ON_PURPOSE = {"Bahasa Indonesia", "English"}
# Extra pages beyond one visit per route: the states a citizen or staff member meets.
VARIANTS = [
    "/?tanggal=2025-11-13", "/?tanggal=2025-12-02", "/?tanggal=2025-12-25", "/?tanggal=2025-11-14&status=online",
    "/jadwal?mulai=2025-11-10&hari=7", "/jadwal?mulai=2025-12-01&hari=31",
    "/unit/disdukcapil-mpp?tanggal=2025-11-20", "/unit/kantor-dinas-sosial?tanggal=2025-12-02",
    "/unit/kantor-kelurahan-harapan-baru?tanggal=2025-11-14", "/unit/rsud-igd?tanggal=2025-12-25",
    "/statistik?dari=2025-09-01&sampai=2025-12-31", "/statistik?opd=disdukcapil",
    "/survei?unit=disdukcapil-mpp", "/laporan?status=resolved", "/admin/audit?aksi=report.create", "/admin/audit?aksi=override.create",
    "/admin/laporan?status=closed", "/unit/tidak-ada", "/?tanggal=bukan-tanggal",
]


def fragments(message: str) -> list[str]:
    """The literal parts of a message (between placeholders) of at least two words. Those of two
    words (labels such as "Unit layanan") count when they make up a whole text on the page; longer
    ones anywhere (short phrases such as "tutup pukul" also occur in residents' reports)."""
    parts = [" ".join(part.split()) for part in PLACEHOLDER.split(message)]
    return [part.strip(" .,:;–-") for part in parts if len(part.split()) >= 2 and len(part) >= 10]


def catalog_pairs() -> list[tuple[str, str]]:
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(msgid, msgstr) for msgid, msgstr in zip(ids, strings) if msgstr and msgid != msgstr]
    return pairs


PAIRS = catalog_pairs()


def foreign_phrases(lang: str) -> set[str]:
    """Phrases of the other language that never appear in this language's own messages."""
    own = " \n ".join(" ".join((msgstr if lang == "id" else msgid).split()) for msgid, msgstr in PAIRS)
    phrases = {part for msgid, msgstr in PAIRS for part in fragments(msgid if lang == "id" else msgstr)}
    return {p for p in phrases if p not in own and p not in SAME_ON_PURPOSE}


class Text(HTMLParser):
    """What a reader sees or hears: text outside scripts and styles, and the labelling attributes."""

    ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        self.chunks += [value for name, value in attrs if name in self.ATTRIBUTES and value]
        if tag == "meta" and dict(attrs).get("name") == "description":
            self.chunks.append(dict(attrs).get("content") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = Text()
    parser.feed(html)
    # Chunks stay apart: "Open data API" + "Open311 API" must not read as "API Open311".
    return " ¦ ".join(" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip())


def get_rules() -> list[Rule]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint != "static"), key=lambda rule: rule.rule)


# Sample values of URL arguments, from the demo (plus one local holiday).
ARGS = {
    "unit_id": lambda: db.session.scalar(select(ServiceUnit.id).filter_by(slug="disdukcapil-mpp")),
    "day": lambda: "2025-11-20",
    "slug": lambda: "disdukcapil-mpp",
    "code": lambda: db.session.scalar(select(Report.code).where(Report.first_response_at.is_not(None),
                                                                  Report.visibility == "public",
                                                                  Report.is_spam.is_(False)).order_by(Report.id)),
    "holiday_id": lambda: db.session.scalar(select(Holiday.id).filter_by(kind="local")),
    "opd_id": lambda: db.session.scalar(select(Opd.id).filter_by(slug="disdukcapil")),
    "user_id": lambda: db.session.scalar(select(User.id).filter_by(email="disdukcapil@demo.bekasikota.go.id")),
    "phase_id": lambda: db.session.scalar(select(PolicyPhase.id).where(PolicyPhase.rule == "fifty_fifty")),
    "request_id": lambda: ARGS["code"](),
    "service_code": lambda: "no_staff",
    "fmt": lambda: "json",
    "token": lambda: subscription_token(),  # a confirmation link (the unsubscribe page answers 404 to it)
}


def subscription_token() -> str:
    from portal.subscriptions import service
    from portal.subscriptions.models import Subscriber, SubscriptionTarget

    subscriber = Subscriber(email="warga@example.org", email_hash="0" * 64, language="id", nonce="n" * 32,
                            confirmations_sent=0)
    subscriber.targets.append(SubscriptionTarget(unit_id=ARGS["unit_id"]()))
    db.session.add(subscriber)
    db.session.commit()
    return service.serializer(service.CONFIRM_SALT).dumps([subscriber.id, subscriber.nonce])


def test_every_get_route_is_visited():
    for rule in get_rules():
        assert set(rule.arguments) <= set(ARGS), f"add {set(rule.arguments) - set(ARGS)} to ARGS"


def pages(app) -> list[str]:
    from flask import url_for

    with app.app_context():
        f.holiday(date(2025, 11, 28), "Hari Jadi Kota Bekasi (uji)", kind="local")
        db.session.commit()
        values = {name: make() for name, make in ARGS.items()}
        with app.test_request_context():
            # /opd/<slug> takes an agency's slug, not a unit's.
            urls = [url_for(rule.endpoint, **{arg: "disdukcapil" if rule.endpoint.startswith("public.opd") and arg == "slug"
                                              else values[arg] for arg in rule.arguments}) for rule in get_rules()]
    return urls + VARIANTS


@pytest.mark.slow
# The words of a page do not depend on the database: one backend (every route is also walked on
# PostgreSQL by tests/test_robustness.py and tests/test_input_walk.py).
@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_speaks_one_language(app, client, lang):
    with app.app_context():
        city = db.session.scalar(select(User.id).filter_by(email="admin@demo.bekasikota.go.id"))
    sign_in(client, city)
    foreign = foreign_phrases(lang)
    assert len(foreign) > 300
    mixed, html_pages = {}, 0
    signed_out = ["/admin/login", "/", "/lapor"]
    for url in [u for u in pages(app) if u not in signed_out] + [None] + signed_out:
        if url is None:
            sign_in(client, None)
            continue
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        html_pages += 1
        text = visible_text(response.get_data(as_text=True))
        found = sorted(p for p in foreign if (f"¦ {p} ¦" in f"¦ {text} ¦" if len(p.split()) < 3 else p in text))
        if found:
            mixed[url] = found
    # Forms answered with errors (the messages of WTForms and ours).
    for url, data in (("/lapor", {"description": "x"}), ("/admin/login", {"email": "bukan-email"})):
        response = client.post(f"{url}?lang={lang}", data=data)
        assert response.status_code in (200, 400, 429), (url, response.status_code)
        found = sorted(p for p in foreign if p in visible_text(response.get_data(as_text=True)))
        if found:
            mixed[f"POST {url}"] = found
    assert html_pages > 40
    assert mixed == {}, "\n".join(f"{url}: {found}" for url, found in mixed.items())
