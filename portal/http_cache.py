"""HTTP caching: validators, Cache-Control, a server-side cache of public responses, gzip,
hashed static URLs and a rate limit on the heaviest public URLs.

A public response is the same for every anonymous visitor, so it is keyed by what it depends on:
the data version (one row in the database, replaced by every write a public page may show,
see portal/data_version.py), today's date in Bekasi, the code release, the host and URL, the
language and the htmx headers. From that key come

- a strong ``ETag`` (``"…-gz"`` for the gzip variant) and ``Last-Modified``: a matching
  ``If-None-Match`` answers 304 before any rendering;
- the entry in the response cache (Flask-Caching: Redis when ``CACHE_REDIS_URL`` is set, else
  files in instance/cache shared by the workers of one machine), so a rendered page is reused
  by every worker and instance until the data version changes.

Only anonymous requests take part: a request with a cookie other than the language cookie
(a staff session, a form's CSRF session) is answered fresh and ``private``. Staff pages, forms,
tracking pages and anything with personal data get ``Cache-Control: no-store``.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import perf_counter

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response

from . import clock, data_version, observability
from .extensions import cache, db, limiter
from .i18n import LANG_COOKIE, language_consulted, select_locale

log = logging.getLogger(__name__)

# Blueprints and endpoints that are never stored by anyone (personal data, CSRF forms, staff).
NO_STORE_BLUEPRINTS = {"admin", "auth", "subscriptions"}  # subscriptions: e-mail addresses, tokens
NO_STORE_ENDPOINTS = {
    "reports.new",  # the report form carries a CSRF token bound to the visitor's session
    "reports.track",  # a report found by its tracking code: its description may be personal
    "reports.find",
    "survey.survey",  # the survey form: CSRF token of the visitor's session, the device cookie
    "survey.thanks",  # shows the visitor's own flash message
    "open311.request_detail",  # the Open311 view of the same
    "public.healthz",  # a probe wants the truth now
    "ops.readyz",
    "ops.metrics",
}
# Expensive public GETs: a per-IP limit (HEAVY_RATE_LIMIT) on responses that had to be rendered.
HEAVY_ENDPOINTS = {"public.grid", "statistik.index", "statistik.csv", "statistik.records_csv",
                   "api.statistics", "api.output_records", "api.ikm"}
HEAVY_SUFFIXES = (".csv", ".xlsx")

COMPRESSIBLE = {"text/html", "text/css", "text/csv", "text/plain", "text/calendar", "text/xml",
                "text/javascript", "application/javascript", "application/json",
                "application/xml", "application/atom+xml", "image/svg+xml"}
NOT_STORED_HEADERS = {"set-cookie", "content-length", "date", "content-encoding"}
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")
HTMX_ENVIRON = tuple("HTTP_" + name.upper().replace("-", "_") for name in HTMX_HEADERS)
# Set by answer_from_cache on a 304 or a stored answer: (key, status, gzip variant), for Replay.
REPLAY_ENVIRON_KEY = "portal.http_cache.answer"
VERSION_ENVIRON_KEY = "portal.http_cache.version"  # the data version Replay read for this request
# Headers that may differ between two answers of the same key: never replayed.
NOT_REPLAYED_HEADERS = {"x-request-id"}
MAX_REPLAY_PATHS = 10000  # paths a worker remembers as answered from the cache (then it starts afresh)


@dataclass
class Entry:
    """What the cache keeps of a rendered response: both encodings, so a hit compresses nothing."""
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bytes | None = None


@dataclass
class State:
    key: str
    etag: str
    last_modified: datetime
    hit: bool = False
    vary: set[str] = field(default_factory=set)


def register(app: Flask) -> None:
    app.config.setdefault("CACHE_KEY_PREFIX", "portal:")
    if not app.config.get("CACHE_TYPE"):
        app.config["CACHE_TYPE"] = default_cache_type(app)
    if app.config["CACHE_TYPE"] == "FileSystemCache":
        app.config.setdefault("CACHE_DIR", os.path.join(app.instance_path, "cache"))
    cache.init_app(app)
    app.session_interface = SessionInterface()
    app.extensions["portal_release"] = release_id(app)
    app.before_request(answer_from_cache)
    app.after_request(finish_response)
    app.teardown_request(render_done)
    if app.config["RESPONSE_REPLAY_BYTES"] > 0:
        app.wsgi_app = Replay(app, app.wsgi_app)
    app.url_defaults(hashed_static_url)
    app.get_send_file_max_age = lambda filename: static_max_age(app, filename)
    limit_heavy_routes(app)


def default_cache_type(app: Flask) -> str:
    """Redis when configured (CACHE_REDIS_URL, or the limiter's Redis), else files shared by the
    workers of this machine; one process's memory under tests."""
    if not app.config.get("CACHE_REDIS_URL"):
        limiter_storage = app.config.get("RATELIMIT_STORAGE_URI") or ""
        if limiter_storage.startswith(("redis://", "rediss://")):
            app.config["CACHE_REDIS_URL"] = limiter_storage
    if app.config.get("CACHE_REDIS_URL"):
        return "RedisCache"
    return "SimpleCache" if app.testing else "FileSystemCache"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, except that merely looking into the empty session of a
    visitor who sent no session cookie (Flask-Login does on every request) adds no
    ``Vary: Cookie``: that visitor's answer does not depend on a session."""

    def save_session(self, app, session, response):
        if not session and not session.modified and self.get_cookie_name(app) not in request.cookies:
            session.accessed = False
        super().save_session(app, session, response)


# --- which requests and responses may be shared ------------------------------------------------

def no_store() -> bool:
    return request.blueprint in NO_STORE_BLUEPRINTS or request.endpoint in NO_STORE_ENDPOINTS


def anonymous_public_request() -> bool:
    """A GET of a public page by a visitor without a session: the same answer for everyone."""
    return (request.method in ("GET", "HEAD") and request.endpoint is not None
            and request.endpoint != "static" and not no_store()
            and all(name == LANG_COOKIE for name in request.cookies))


def cache_key(version: data_version.Version) -> str:
    return compute_key(version.token, clock.today().isoformat(), current_app.extensions["portal_release"],
                       select_locale(), [request.headers.get(name, "") for name in HTMX_HEADERS],
                       request.scheme, request.host, request.path, request.query_string)


def compute_key(token: str, today: str, release: str, locale: str, htmx: list[str], scheme: str,
                host: str, path: str, query_string: bytes) -> str:
    parts = [
        token,
        today,  # "today" changes the answer of most pages
        release,
        locale,
        *htmx,
        scheme,  # absolute links (feeds, iCal, Open311) name scheme and host
        host,
        path,
        query_string.decode("latin-1"),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def last_modified(version: data_version.Version) -> datetime:
    """The later of the last change and the start of today in Bekasi (pages change at midnight)."""
    midnight = datetime.combine(clock.today(), time(0), tzinfo=clock.zone()).astimezone(UTC)
    return max(version.changed_at, midnight).replace(microsecond=0)


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def etag_for(state: State, gzipped: bool) -> str:
    return state.etag + ("-gz" if gzipped else "")


# --- before the view: 304 or a stored response -------------------------------------------------

def answer_from_cache():
    """Answer 304 to a matching If-None-Match, or the stored response, without rendering."""
    if not anonymous_public_request():
        return None
    # Read just before by Replay (the same request): not twice.
    version = request.environ.pop(VERSION_ENVIRON_KEY, None) or data_version.current(db.session)
    if version is None:
        return None
    key = cache_key(version)
    state = g.http_cache = State(key=key, etag=key, last_modified=last_modified(version))
    for gzipped in (False, True):
        if request.if_none_match.contains_weak(etag_for(state, gzipped)):
            state.hit = True
            request.environ[REPLAY_ENVIRON_KEY] = (key, 304, gzipped)
            return not_modified(state, gzipped)
    # If-Modified-Since counts only without If-None-Match (RFC 9110, 13.1.3). Dates have whole
    # seconds: two changes within one second look alike to it (an ETag tells them apart).
    if (not request.if_none_match and request.if_modified_since is not None
            and state.last_modified <= request.if_modified_since):
        state.hit = True
        return not_modified(state, compressible_endpoint() and accepts_gzip())
    entry = cache_get(key)
    if entry is None and wait_for_the_same_render(key):
        entry = cache_get(key)
    if entry is not None:
        state.hit = True
        request.environ[REPLAY_ENVIRON_KEY] = (key, 200, accepts_gzip())
        return from_entry(entry, state)
    return None


# Keys being rendered by a thread of this process: the others asking for one wait for it.
_rendering: dict[str, threading.Event] = {}
_rendering_lock = threading.Lock()
RENDER_WAIT_SECONDS = 20  # below gunicorn's worker timeout (30 s)


def wait_for_the_same_render(key: str) -> bool:
    """One render per key at a time in this process: a thread of the same worker rendering it
    already is waited for (then its stored answer is served), else this thread becomes the one
    that renders. Without it, 32 requests arriving together right after a staff change rendered
    the same page up to 32 times over, each holding its memory (four two-year statistics at once
    took a worker from 143 to 250 MB). True when another render was waited for."""
    if not current_app.config["RESPONSE_CACHE"]:
        return False
    with _rendering_lock:
        running = _rendering.get(key)
        if running is None:
            _rendering[key] = threading.Event()
            g.http_cache_rendering = key
    if running is None:
        return False
    running.wait(RENDER_WAIT_SECONDS)
    return True


def render_done(_error=None) -> None:
    """teardown_request: the waiting threads go on (the answer is stored by then, or will not be)."""
    key = g.pop("http_cache_rendering", None)
    if key is not None:
        with _rendering_lock:
            event = _rendering.pop(key, None)
        if event is not None:
            event.set()


def not_modified(state: State, gzipped: bool) -> Response:
    """304 with the tag the client holds (its copy is the plain or the gzip variant)."""
    response = Response(status=304)
    set_validators(response, state, gzipped)
    # The Vary of this endpoint's 200 (every header that may change it until one was rendered).
    for header in _vary_of.get(request.endpoint, (*HTMX_HEADERS, "Accept-Encoding", "Cookie")):
        response.vary.add(header)
    return response


# The Vary of the last answer each endpoint rendered: a 304 names the same headers as its 200.
_vary_of: dict[str, tuple[str, ...]] = {}


def compressible_endpoint() -> bool:
    return "Accept-Encoding" in _vary_of.get(request.endpoint, ("Accept-Encoding",))


def from_entry(entry: Entry, state: State) -> Response:
    response = Response(status=entry.status, headers=entry.headers)
    gzipped = entry.gzipped is not None and accepts_gzip()
    response.set_data(entry.gzipped if gzipped else entry.body)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if entry.gzipped is not None:
        response.vary.add("Accept-Encoding")
    set_validators(response, state, gzipped)
    return response


def set_validators(response: Response, state: State, gzipped: bool) -> None:
    response.set_etag(etag_for(state, gzipped))
    response.last_modified = state.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_MAX_AGE"]


# --- after the view: headers, storing, compression --------------------------------------------

def finish_response(response: Response) -> Response:
    """Cache-Control for every answer; validators and storing for shareable ones; gzip."""
    if request.endpoint == "static":
        if response.cache_control.max_age == current_app.config["STATIC_MAX_AGE"]:
            response.cache_control.immutable = True
        return compress(response, weak_etag=True)
    state: State | None = g.get("http_cache")
    if state is not None and state.hit:
        return keep_private_if_remembering_language(response)  # built by answer_from_cache
    if no_store() or session.modified:
        response.headers["Cache-Control"] = "no-store"
        return compress(response)
    if (state is not None and response.status_code == 200 and response.is_streamed
            and "Set-Cookie" not in response.headers and not response.direct_passthrough):
        # A streamed download (too big to keep): validators and public caching, never stored.
        if language_consulted():
            response.vary.add("Cookie")
        _vary_of[request.endpoint] = tuple(response.vary)
        set_validators(response, state, gzipped=False)
        return keep_private_if_remembering_language(response)
    shareable = (state is not None and response.status_code == 200
                 and "Set-Cookie" not in response.headers and not response.is_streamed
                 and not response.direct_passthrough)
    if not shareable:
        if request.method in ("GET", "HEAD") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"
        return compress(response)
    body = response.get_data()
    gzipped = gzip_body(body) if compressible(response, body) else None
    # The language cookie changes an answer put in a language: a shared cache must key on it
    # (stored with the entry, so that a hit and a 304 say the same).
    if language_consulted():
        response.vary.add("Cookie")
    _vary_of[request.endpoint] = tuple(response.vary) + (("Accept-Encoding",) if gzipped is not None else ())
    if current_app.config["RESPONSE_CACHE"]:
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in NOT_STORED_HEADERS]
        cache_set(state.key, Entry(response.status_code, headers, body, gzipped))
    if gzipped is not None:
        response.vary.add("Accept-Encoding")
        if accepts_gzip():
            response.set_data(gzipped)
            response.headers["Content-Encoding"] = "gzip"
    set_validators(response, state, gzipped=gzipped is not None and accepts_gzip())
    return keep_private_if_remembering_language(response)


def keep_private_if_remembering_language(response: Response) -> Response:
    """?lang= sets the language cookie (portal/i18n.py, after this hook): not for shared caches."""
    remembered = g.get("remember_lang")
    if remembered and request.cookies.get(LANG_COOKIE) != remembered:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def compressible(response: Response, body: bytes) -> bool:
    return (response.mimetype in COMPRESSIBLE and len(body) >= current_app.config["GZIP_MIN_SIZE"]
            and "Content-Encoding" not in response.headers)


def gzip_body(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)  # mtime 0: the same bytes every time


_static_gzip: dict[tuple[str, str], bytes] = {}


def compress(response: Response, weak_etag: bool = False) -> Response:
    """gzip a text response of GZIP_MIN_SIZE bytes or more when the client accepts it.

    The gzip variant gets its own ETag ("…-gz"), or a weak one for static files, whose
    revalidation Werkzeug compares weakly."""
    streamed = response.is_streamed and not (weak_etag and response.direct_passthrough)  # a file
    if response.status_code != 200 or streamed or request.method not in ("GET", "HEAD"):
        return response
    if response.mimetype not in COMPRESSIBLE or "Content-Encoding" in response.headers:
        return response
    if response.content_length is not None and response.content_length < current_app.config["GZIP_MIN_SIZE"]:
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip():
        return response
    etag, weak = response.get_etag()
    memo_key = (request.path, etag) if weak_etag and etag else None
    original = response.response  # a static file's wrapper: closed once read
    if memo_key and memo_key in _static_gzip:
        gzipped = _static_gzip[memo_key]
    else:
        response.direct_passthrough = False
        body = response.get_data()
        gzipped = gzip_body(body) if len(body) >= current_app.config["GZIP_MIN_SIZE"] else None
        if memo_key and gzipped is not None:
            _static_gzip[memo_key] = gzipped
    if hasattr(original, "close"):
        original.close()
    if gzipped is None:
        return response
    response.direct_passthrough = False
    response.set_data(gzipped)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("Accept-Ranges", None)  # ranges would count bytes of the plain file
    if etag:
        response.set_etag(etag if weak_etag or weak else etag + "-gz", weak=weak_etag or weak)
    return response


# --- the response cache (a failing cache is a miss, never an error) ----------------------------

def cache_get(key: str) -> Entry | None:
    if not current_app.config["RESPONSE_CACHE"]:
        return None
    try:
        entry = cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down or a damaged file: render instead
        current_app.logger.warning("response cache unavailable", exc_info=True)
        return None
    return entry if isinstance(entry, Entry) else None


def cache_set(key: str, entry: Entry) -> None:
    if len(entry.body) > current_app.config["RESPONSE_CACHE_MAX_BYTES"]:
        return
    try:
        cache.set(key, entry)
    except Exception:  # noqa: BLE001
        current_app.logger.warning("response cache unavailable", exc_info=True)


# --- static files: a content hash in the URL, cached for a year --------------------------------

_static_hashes: dict[str, tuple[int, str]] = {}


def static_hash(app: Flask, filename: str) -> str | None:
    path = os.path.join(app.static_folder, filename)
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None
    known = _static_hashes.get(path)
    if known and known[0] == mtime:
        return known[1]
    with open(path, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()[:12]
    _static_hashes[path] = (mtime, digest)
    return digest


def hashed_static_url(endpoint: str, values: dict) -> None:
    """url_for('static', filename=...) gets ?v=<content hash>: a new file is a new URL."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        digest = static_hash(current_app, values["filename"])
        if digest:
            values["v"] = digest


def static_max_age(app: Flask, filename: str | None) -> int | None:
    """A year for a URL naming the file's current content; revalidate anything else."""
    if filename and request.args.get("v") and request.args.get("v") == static_hash(app, filename):
        return app.config["STATIC_MAX_AGE"]
    return None


# --- the release: a new deployment changes every key and ETag ----------------------------------

def release_id(app: Flask) -> str:
    """A hash of the code, templates, catalogs and static files this process serves."""
    digest = hashlib.sha256()
    package = os.path.dirname(__file__)
    for root in (package, app.template_folder and os.path.join(app.root_path, app.template_folder),
                 app.static_folder):
        if not root or not os.path.isdir(root):
            continue
        for folder, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".py", ".html", ".po", ".css", ".js", ".svg", ".csv")):
                    path = os.path.join(folder, name)
                    digest.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as file:
                        digest.update(file.read())
    return digest.hexdigest()[:16]


# --- heavy URLs: a per-IP limit on what had to be rendered -------------------------------------

def rendered(response: Response) -> bool:
    """Only rendered answers count against the heavy limit: 304s and cache hits cost nothing."""
    state = g.get("http_cache")
    return not (state is not None and state.hit)


_HEAVY = limiter.shared_limit(lambda: current_app.config["HEAVY_RATE_LIMIT"], scope="heavy-get",
                              deduct_when=rendered)
_heavy_views: dict = {}  # view -> its limited wrapper, made once per process (the limiter is global)


def limit_heavy_routes(app: Flask) -> None:
    """HEAVY_RATE_LIMIT per IP address, shared by all heavy URLs: listed ones and downloads."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint.split(".")[0] in NO_STORE_BLUEPRINTS or endpoint not in app.view_functions:
            continue
        if endpoint in HEAVY_ENDPOINTS or rule.rule.endswith(HEAVY_SUFFIXES):
            view = app.view_functions[endpoint]
            if view not in _heavy_views.values():
                if view not in _heavy_views:
                    _heavy_views[view] = _HEAVY(view)
                app.view_functions[endpoint] = _heavy_views[view]


# --- replay: a cached answer again, before Flask -------------------------------------------------

class Replay:
    """WSGI middleware (inside ProxyFix) that answers a repeated cache hit or 304 of this process
    without Flask: no request context, no before/after_request hooks, no ORM session.

    The first time a key is answered from the cache (answer_from_cache: a stored response or a
    304, with every hook of the app run), the finished answer is kept in this process's memory,
    status, headers and body, under that key and the variant asked for (gzip or not; which ETag
    matched). The next GET with the same key gets exactly those bytes; only X-Request-ID is made
    afresh, and the request is counted in the metrics and written to the request log like any
    other. The key is computed as answer_from_cache computes it, from the data version read on
    every request (a change is seen on the next request, on every instance), so a replayed answer
    is always the one the app would give. Anything else (a cookie other than the language one,
    ?lang=, If-Modified-Since alone, HEAD, any other method, a key not seen yet) goes to Flask,
    and so does, without even reading the version, a path this worker has never answered from
    the cache (/healthz, forms, staff pages, a first visit).
    Heavy URLs: a stored answer or a 304 never counted against HEAVY_RATE_LIMIT and does not here.

    Memory: at most RESPONSE_REPLAY_BYTES of bodies per process (then it starts afresh), and
    everything is dropped when the data version changes."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.budget = app.config["RESPONSE_REPLAY_BYTES"]
        self.answers: dict[tuple, tuple[str, list, bytes, str]] = {}
        self.size = 0
        self.token: str | None = None
        # Paths Flask has answered from the cache: only these are worth a look before Flask.
        self.paths: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        started = perf_counter()
        if environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        if environ.get("PATH_INFO") not in self.paths:  # /healthz, a form, a first visit: Flask
            return self.capture(environ, start_response)
        try:
            wanted = self.replay_key(environ)
        except SecurityError:  # a Host not in TRUSTED_HOSTS: Flask answers 400
            wanted = None
        except Exception:  # noqa: BLE001 - the database unreachable, say: Flask answers, as it can
            log.warning("response replay unavailable", exc_info=True)
            wanted = None
        if wanted is None:
            return self.wsgi_app(environ, start_response)
        answer = self.answers.get(wanted)
        if answer is not None:
            status, headers, body, route = answer
            rid = observability.request_id_of(environ)
            start_response(status, [*headers, (observability.REQUEST_ID_HEADER, rid)])
            observability.record(route, "GET", int(status[:3]), perf_counter() - started, rid)
            return [body]
        return self.capture(environ, start_response)

    def replay_key(self, environ) -> tuple | None:
        """(key, status, gzip variant) this request would be answered from the cache with, as
        answer_from_cache decides; None when it cannot be answered here."""
        app = self.app
        req = app.request_class(environ)
        if any(name != LANG_COOKIE for name in req.cookies) or "lang" in req.args:
            return None
        if req.if_modified_since is not None and not req.if_none_match:
            return None
        if app.config["TRUSTED_HOSTS"] is not None:
            req.trusted_hosts = app.config["TRUSTED_HOSTS"]
        with app.app_context():
            version = data_version.read(db.engine)
            if version is None:
                return None
            today = clock.today().isoformat()
        environ[VERSION_ENVIRON_KEY] = version
        token = version.token
        if token != self.token:  # the answers of older versions will never be asked for again
            with self.lock:
                if self.token is not None:
                    self.answers, self.size = {}, 0
                self.token = token
        languages = app.config["LANGUAGES"]
        remembered = req.cookies.get(LANG_COOKIE)
        locale = remembered if remembered in languages else app.config["BABEL_DEFAULT_LOCALE"]
        key = compute_key(token, today, app.extensions["portal_release"], locale,
                          [environ.get(name, "") for name in HTMX_ENVIRON], req.scheme, req.host, req.path,
                          req.query_string)
        for gzipped in (False, True):
            if req.if_none_match.contains_weak(key + ("-gz" if gzipped else "")):
                return (key, 304, gzipped)
        return (key, 200, req.accept_encodings["gzip"] > 0)

    def capture(self, environ, start_response):
        """Let Flask answer; keep the answer when it came from the cache."""
        seen: list = []

        def remember(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.wsgi_app(environ, remember)
        answered = environ.get(REPLAY_ENVIRON_KEY)
        if answered is None or not seen or environ.get("REQUEST_METHOD") != "GET":
            return result
        if environ.get("PATH_INFO") not in self.paths:
            with self.lock:
                if len(self.paths) >= MAX_REPLAY_PATHS:
                    self.paths = set()
                self.paths.add(environ.get("PATH_INFO"))
        status, headers = seen
        names = {name.lower() for name, _ in headers}
        if (int(status[:3]) != answered[1] or "set-cookie" in names or "retry-after" in names
                or any(name.startswith("x-ratelimit") for name in names)):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        kept = [(name, value) for name, value in headers if name.lower() not in NOT_REPLAYED_HEADERS]
        route = environ.get(observability.ROUTE_ENVIRON_KEY, observability.UNMATCHED_ROUTE)
        # An answer of an older data version (changed meanwhile) is kept too: no later key matches it.
        with self.lock:
            if self.size + len(body) > self.budget:
                self.answers, self.size = {}, 0
            if len(body) <= self.budget:
                self.answers[answered] = (status, kept, body, route)
                self.size += len(body)
        return [body]
