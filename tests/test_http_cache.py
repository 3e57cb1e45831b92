"""Public pages are cacheable: no cookie for anonymous visitors, ETag/304 from the data version,
Cache-Control, a server-side response cache, gzip, hashed static URLs and a limit on heavy URLs.
Staff pages and anything personal are never stored."""

from __future__ import annotations

import email.utils
import gzip
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

import pytest
from flask import request_started, template_rendered
from sqlalchemy import event, select

from portal import data_version
from portal.extensions import db
from portal.models import Report, ServiceUnit, User
from portal.overrides import set_override

from .conftest import DEMO_PASSWORD
from .staff import TODAY, build_world, sign_in
from .test_observability import logged, metric  # noqa: F401 - logged: the fixture

pytestmark = pytest.mark.config(TODAY=TODAY)
GZIP = {"Accept-Encoding": "gzip"}
# Forms to submit: their CSRF token needs a session.
ANONYMOUS_FORMS = {"reports.new", "survey.survey", "subscriptions.index", "subscriptions.confirm"}
STAFF_BLUEPRINTS = {"admin", "auth"}


@contextmanager
def rendered_templates(app):
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@contextmanager
def sql_statements(app):
    """The SQL statements run meanwhile: a 304 or a stored answer reads only the version row."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def version(app):
    with app.app_context():
        return data_version.current(db.session)


def demo_values(app) -> dict[str, str]:
    with app.app_context():
        unit = db.session.scalars(select(ServiceUnit).order_by(ServiceUnit.id)).first()
        report = db.session.scalars(select(Report).where(Report.visibility == "public", Report.is_spam.is_(False))
                                    .order_by(Report.id)).first()
        return {"slug": unit.slug, "opd_slug": unit.opd.slug, "code": report.code, "request_id": report.code, "fmt": "json",
                "service_code": "closed", "name": "description", "token": "bukan-token"}


def public_get_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS or rule.endpoint in ANONYMOUS_FORMS:
            continue
        yield rule


def fill(rule, values) -> str:
    if rule.endpoint.startswith("public.opd"):  # /opd/<slug>: an agency's slug, not a unit's
        values = {**values, "slug": values["opd_slug"]}
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{argument}>", values[argument], path)
        path = re.sub(rf"<any\([^)]*\):{argument}>", values[argument], path)
    return path


# --- 1. no session for anonymous visitors --------------------------------------------------------

@pytest.mark.demo
def test_no_public_get_route_sets_a_cookie_for_an_anonymous_visitor(app, client):
    values = demo_values(app)
    checked = []
    for rule in public_get_rules(app):
        url = fill(rule, values)
        response = client.get(url)
        assert response.status_code < 500, url
        assert "Set-Cookie" not in response.headers, (url, response.headers.get("Set-Cookie"))
        assert not client.get_cookie("session"), url
        checked.append(url)
    assert "/" in checked and "/jadwal" in checked and "/statistik" in checked and "/feed.atom" in checked


@pytest.mark.demo
@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_public_pages_carry_no_csrf_token_but_the_report_form_and_staff_pages_do(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "X-CSRFToken" not in page and "csrf_token" not in page
    form = client.get("/lapor")
    assert 'name="csrf_token"' in form.get_data(as_text=True)
    assert "session=" in form.headers["Set-Cookie"]
    assert form.headers["Cache-Control"] == "no-store"  # the token is this visitor's
    with app.app_context():
        city = db.session.scalars(select(User).where(User.role == "city_admin")).first().id
    sign_in(client, city)
    staff = client.get("/admin/ketersediaan")
    assert 'data-hx-headers=\'{"X-CSRFToken": "' in staff.get_data(as_text=True)


@pytest.mark.demo
def test_choosing_english_is_remembered_in_a_cookie_that_no_shared_cache_keeps(client):
    response = client.get("/?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    again = client.get("/statistik")  # the cookie chose English, nothing new is set
    assert "Set-Cookie" not in again.headers
    assert "Statistics" in again.get_data(as_text=True)
    assert "public" in again.headers["Cache-Control"]


def vary(response) -> set[str]:
    return {name.strip().lower() for name in response.headers.get("Vary", "").split(",") if name.strip()}


@pytest.mark.demo
def test_an_anonymous_answer_varies_on_cookie_only_when_the_language_cookie_changes_it(app, client):
    """A shared cache keys an answer by its URL and the request headers its Vary names. The
    language is chosen by a cookie, so an answer put in a language names Cookie (or a cache would
    give the Indonesian page to a visitor who chose English); an answer no cookie changes does
    not (or every visitor's cookies would split the cache), and an anonymous visitor's empty
    session adds nothing."""
    values = demo_values(app)
    for url in ("/", f"/unit/{values['slug']}", "/jadwal?hari=7", "/statistik", "/api/v1/status", "/feed.atom"):
        indonesian = client.get(url, headers=GZIP)
        client.set_cookie("lang", "en")
        english = client.get(url, headers=GZIP)
        client.delete_cookie("lang")
        assert english.data != indonesian.data, url  # what the Vary protects
        assert "cookie" in vary(indonesian) and "accept-encoding" in vary(indonesian), url
        # A 304 names the same headers as its 200.
        again = client.get(url, headers=GZIP | {"If-None-Match": indonesian.headers["ETag"]})
        assert again.status_code == 304 and vary(again) == vary(indonesian), url
    page = client.get("/", headers=GZIP)
    assert {"hx-request", "accept-encoding", "cookie"} <= vary(page)
    static = client.get(re.search(r'href="(/static/css/[^"]+)"', page.get_data(as_text=True) if
                                  page.headers.get("Content-Encoding") != "gzip" else
                                  gzip.decompress(page.data).decode()).group(1), headers=GZIP)
    assert static.status_code == 200 and "cookie" not in vary(static)
    health = client.get("/healthz")
    assert "cookie" not in vary(health) and "Set-Cookie" not in health.headers


@pytest.mark.demo
def test_if_modified_since_alone_answers_304_until_the_data_changes(app, client):
    first = client.get("/", headers=GZIP)
    since = first.headers["Last-Modified"]
    with rendered_templates(app) as templates:
        again = client.get("/", headers=GZIP | {"If-Modified-Since": since})
    assert again.status_code == 304 and templates == []
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.get("/", headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"}).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110): a stale tag gets the page.
    assert client.get("/", headers={"If-Modified-Since": since, "If-None-Match": '"stale"'}).status_code == 200
    if email.utils.parsedate_to_datetime(since).timestamp() >= time.time() - 1:
        time.sleep(1)  # Last-Modified has whole seconds: a change must fall in a later one
    with app.app_context():
        unit = db.session.scalars(select(ServiceUnit).order_by(ServiceUnit.id)).first()
        unit.phone = "021-000"
        db.session.commit()
    changed = client.get("/", headers={"If-Modified-Since": since})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


# --- 2. validators, 304 and Cache-Control ----------------------------------------------------------

@pytest.mark.demo
@pytest.mark.parametrize("url", ["/", "/jadwal?hari=7", "/statistik", "/statistik.csv", "/api/v1/status",
                                 "/api/v1/statistics", "/feed.atom", "/laporan", "/open311/v2/requests.json"])
def test_a_repeated_request_answers_304_without_rendering(app, client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong
    assert first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    with rendered_templates(app) as templates, sql_statements(app) as statements:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert templates == []
    assert len(statements) == 1 and "data_version" in statements[0]


@pytest.mark.demo
def test_the_unit_calendar_has_validators_too(app, client):
    slug = demo_values(app)["slug"]
    first = client.get(f"/unit/{slug}.ics")
    assert first.mimetype == "text/calendar"
    assert client.get(f"/unit/{slug}.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@pytest.mark.demo
@pytest.mark.config(PUBLIC_MAX_AGE=15)
def test_the_public_max_age_is_a_setting(client):
    assert client.get("/").headers["Cache-Control"] == "public, max-age=15"


@pytest.mark.demo
def test_a_staff_change_gives_a_new_etag_and_the_new_page(app, client):
    slug = demo_values(app)["slug"]
    first = client.get(f"/unit/{slug}")
    assert "Banjir di halaman kantor" not in first.get_data(as_text=True)
    with app.app_context():
        unit = db.session.scalars(select(ServiceUnit).filter_by(slug=slug)).one()
        actor = db.session.scalars(select(User).where(User.role == "city_admin")).first()
        set_override(unit, TODAY, TODAY, "closed", "Banjir di halaman kantor", actor)
        db.session.commit()
    after = client.get(f"/unit/{slug}", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != first.headers["ETag"]
    assert "Banjir di halaman kantor" in after.get_data(as_text=True)


@pytest.mark.demo
def test_the_etag_depends_on_the_day_the_language_and_htmx(app, client, hx):
    base = client.get("/jadwal?hari=7").headers["ETag"]
    assert client.get("/jadwal?hari=7", headers=hx).headers["ETag"] != base
    assert client.get("/jadwal?hari=7&lang=en").headers["ETag"] != base
    client.delete_cookie("lang")
    assert client.get("/jadwal?hari=8").headers["ETag"] != base
    app.config["TODAY"] = date(2025, 11, 6)  # "today" moves: the same URL says something else
    tomorrow = client.get("/jadwal?hari=7", headers={"If-None-Match": base})
    assert tomorrow.status_code == 200 and tomorrow.headers["ETag"] != base


@pytest.mark.demo
def test_staff_pages_and_personal_data_are_never_stored(app, client):
    code = demo_values(app)["code"]
    assert client.get("/admin/login").headers["Cache-Control"] == "no-store"
    assert client.get(f"/lapor/{code}").headers["Cache-Control"] == "no-store"
    assert client.get(f"/open311/v2/requests/{code}.json").headers["Cache-Control"] == "no-store"
    for url in ["/langganan", "/langganan/konfirmasi/bukan-token", "/langganan/berhenti/bukan-token"]:
        assert client.get(url).headers["Cache-Control"] == "no-store", url  # e-mail addresses, tokens
    with app.app_context():
        city = db.session.scalars(select(User).where(User.role == "city_admin")).first().id
    sign_in(client, city)
    for url in ["/admin/", "/admin/laporan", "/admin/audit", "/admin/pengguna"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert "ETag" not in response.headers, url


@pytest.mark.demo
def test_a_signed_in_visitor_gets_public_pages_fresh_and_private(app, client):
    with app.app_context():
        city = db.session.scalars(select(User).where(User.role == "city_admin")).first().id
    anonymous = client.get("/statistik").headers["ETag"]
    sign_in(client, city)
    response = client.get("/statistik", headers={"If-None-Match": anonymous})
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]


# --- 3. the server-side response cache -------------------------------------------------------------

@pytest.mark.demo
def test_a_rendered_page_is_reused_until_the_data_changes(app, client):
    slug = demo_values(app)["slug"]
    first = client.get(f"/unit/{slug}")
    with rendered_templates(app) as templates, sql_statements(app) as statements:
        second = client.get(f"/unit/{slug}")
    assert templates == [] and second.data == first.data
    assert len(statements) == 1 and "data_version" in statements[0]
    with app.app_context():
        unit = db.session.scalars(select(ServiceUnit).filter_by(slug=slug)).one()
        actor = db.session.scalars(select(User).where(User.role == "city_admin")).first()
        set_override(unit, TODAY, TODAY, "online", "Loket pindah ke layanan daring", actor)
        db.session.commit()
    with rendered_templates(app) as templates:
        third = client.get(f"/unit/{slug}")
    assert templates and "Loket pindah ke layanan daring" in third.get_data(as_text=True)


@pytest.mark.demo
def test_requests_arriving_together_render_a_page_once_per_process(app):
    """Right after a staff change many visitors ask for the same page at once: one thread
    renders it, the others wait for it and get the stored answer."""
    url = f"/unit/{demo_values(app)['slug']}"
    together = threading.Barrier(6)

    def fetch(_):
        client = app.test_client()
        together.wait()
        return client.get(url)

    with rendered_templates(app) as templates, ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(fetch, range(6)))
    assert [answer.status_code for answer in answers] == [200] * 6
    assert len({answer.data for answer in answers}) == 1
    assert templates.count("public/unit.html") == 1


@pytest.mark.demo
@pytest.mark.config(RESPONSE_CACHE=False)
def test_the_response_cache_can_be_switched_off(app, client):
    client.get("/laporan")
    with rendered_templates(app) as templates:
        client.get("/laporan")
    assert templates


# --- the data version ------------------------------------------------------------------------------

def test_a_public_write_bumps_the_version_and_a_private_one_or_a_rollback_does_not(app):
    with app.app_context():
        world = build_world()
        before = data_version.current(db.session)
        assert before is not None
        world.city.last_login_at = None
        world.city.failed_logins = 3  # a staff account: never on a public page
        db.session.commit()
        assert data_version.current(db.session) == before
        world.unit_a.name = world.unit_a.name  # saved unchanged: nothing to refresh
        db.session.commit()
        assert data_version.current(db.session) == before
        world.unit_a.phone = "021-000"
        db.session.rollback()
        assert data_version.current(db.session) == before
        world.unit_a.name = "Loket Baru"
        db.session.commit()
        after = data_version.current(db.session)
        assert after.token != before.token and after.changed_at >= before.changed_at


def test_a_bulk_statement_bumps_the_version(app):
    from sqlalchemy import update

    with app.app_context():
        world = build_world()
        before = data_version.current(db.session)
        db.session.execute(update(ServiceUnit).where(ServiceUnit.id == world.unit_b.id).values(name="Lain"))
        db.session.commit()
        assert data_version.current(db.session).token != before.token


# --- 4. compression --------------------------------------------------------------------------------

@pytest.mark.demo
@pytest.mark.parametrize("url", ["/", "/statistik.csv", "/api/v1/status", "/feed.atom"])
def test_text_is_gzipped_when_the_client_accepts_it_with_its_own_etag(client, url):
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3
    assert packed.headers["ETag"] != plain.headers["ETag"]  # two representations, two strong tags
    assert client.get(url, headers={**GZIP, "If-None-Match": packed.headers["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_small_and_non_text_answers_are_not_compressed(app, client):
    health = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in health.headers and health.headers["Cache-Control"] == "no-store"


@pytest.mark.demo
def test_staff_pages_are_gzipped_too_and_still_not_stored(app, client):
    with app.app_context():
        city = db.session.scalars(select(User).where(User.role == "city_admin")).first().id
    sign_in(client, city)
    response = client.get("/admin/audit", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(response.data)
    assert response.headers["Cache-Control"] == "no-store"


# --- static files ---------------------------------------------------------------------------------

@pytest.mark.demo
def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', page).group(1)
    js = re.search(r'src="(/static/vendor/htmx-[0-9.]+\.min\.js\?v=[0-9a-f]{12})"', page).group(1)
    for url in (css, js):
        response = client.get(url, headers=GZIP)
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["ETag"].startswith('W/"')
        assert "Accept-Ranges" not in response.headers
        response.close()
    stale = client.get("/static/css/portal.css?v=000000000000")
    assert "max-age=31536000" not in stale.headers["Cache-Control"]
    stale.close()


# --- 7. heavy URLs ---------------------------------------------------------------------------------

@pytest.mark.demo
@pytest.mark.config(RATELIMIT_ENABLED=True, HEAVY_RATE_LIMIT="3 per minute")
def test_heavy_urls_are_limited_per_address_with_retry_after_in_the_users_language(client):
    assert client.get("/jadwal?hari=7").status_code == 200
    assert client.get("/jadwal?hari=7").status_code == 200  # a cached answer costs nothing
    assert client.get("/statistik").status_code == 200
    assert client.get("/statistik.csv").status_code == 200
    limited = client.get("/jadwal?hari=14")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Terlalu banyak permintaan" in limited.get_data(as_text=True)
    english = client.get("/api/v1/statistics?lang=en")
    assert english.status_code == 429 and english.json["error"]["message"].startswith("Too many requests")
    assert client.get("/healthz").status_code == 200  # light URLs are not limited
    assert client.get("/").status_code == 200
    other = client.get("/jadwal?hari=14", environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert other.status_code == 200  # another address has its own allowance


# --- a repeated cached answer is replayed before Flask ----------------------------------------------

@contextmanager
def dispatched(app):
    """Requests that reached Flask (a request context, the before/after_request hooks)."""
    seen = []

    def record(sender, **extra):
        seen.append(sender)

    request_started.connect(record, app)
    try:
        yield seen
    finally:
        request_started.disconnect(record, app)


def without_request_id(response) -> dict:
    return {name: value for name, value in response.headers.items() if name != "X-Request-ID"}


@pytest.mark.demo
@pytest.mark.parametrize("conditional", [False, True], ids=["stored", "304"])
def test_a_repeated_cached_answer_is_replayed_before_flask_as_flask_gave_it(app, client, logged, conditional):
    url = f"/unit/{demo_values(app)['slug']}"
    etag = client.get(url, headers=GZIP).headers["ETag"]
    headers = {**GZIP, **({"If-None-Match": etag} if conditional else {})}
    from_cache = client.get(url, headers=headers)  # answered from the cache, every hook run
    counted = metric(client, "portal_http_requests_total", method="GET", route="/unit/<slug>",
                     status=str(from_cache.status_code))
    with dispatched(app) as requests, sql_statements(app) as statements:
        replayed = client.get(url, headers={**headers, "X-Request-ID": "replay-1"})
    assert requests == []  # no request context, no hooks, no ORM session
    assert len(statements) == 1 and "data_version" in statements[0]
    assert replayed.status_code == from_cache.status_code == (304 if conditional else 200)
    assert replayed.data == from_cache.data
    assert without_request_id(replayed) == without_request_id(from_cache)
    assert replayed.headers["X-Request-ID"] == "replay-1"
    assert logged[-1] == {**logged[-1], "route": "/unit/<slug>", "status": replayed.status_code,
                          "request_id": "replay-1"}
    assert metric(client, "portal_http_requests_total", method="GET", route="/unit/<slug>",
                  status=str(replayed.status_code)) == counted + 1


@pytest.mark.demo
def test_replayed_answers_give_way_to_a_staff_change_on_the_next_request(app, client):
    url = f"/unit/{demo_values(app)['slug']}"
    etag = client.get(url).headers["ETag"]
    for _ in range(3):  # rendered, stored, replayed
        assert client.get(url).headers["ETag"] == etag
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        unit = db.session.scalars(select(ServiceUnit).filter_by(slug=url.rsplit("/", 1)[1])).one()
        actor = db.session.scalars(select(User).where(User.role == "city_admin")).first()
        set_override(unit, TODAY, TODAY, "online", "Loket pindah ke layanan daring", actor)
        db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Loket pindah ke layanan daring" in changed.get_data(as_text=True)
    assert "Loket pindah ke layanan daring" in client.get(url).get_data(as_text=True)


@pytest.mark.demo
def test_a_replayed_answer_never_reaches_a_signed_in_visitor_or_a_language_choice(app, client):
    with app.app_context():
        city = db.session.scalars(select(User).where(User.role == "city_admin")).first().id
    etag = client.get("/statistik").headers["ETag"]
    for _ in range(2):
        client.get("/statistik")
        client.get("/statistik", headers={"If-None-Match": etag})
    english = client.get("/statistik?lang=en")
    assert english.status_code == 200 and "lang=en" in english.headers["Set-Cookie"]
    assert "private" in english.headers["Cache-Control"]
    client.get("/statistik?lang=id")  # back to Indonesian for what follows
    sign_in(client, city)
    with dispatched(app) as requests:
        response = client.get("/statistik", headers={"If-None-Match": etag})
    assert requests and response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]



@pytest.mark.demo
def test_answers_that_are_never_cached_do_not_read_the_data_version(app, client):
    for _ in range(3):
        with sql_statements(app) as statements:
            assert client.get("/healthz").status_code == 200
            assert client.get("/lapor").status_code == 200  # the report form: no-store
        assert not [statement for statement in statements if "data_version" in statement]
