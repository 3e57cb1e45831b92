"""Configuration defaults; instance/config.py and the environment override them."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


class Defaults:
    # Set SECRET_KEY in production; without it a random key is kept in instance/secret_key.
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # filled in by load_config(): SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    PORTAL_TIMEZONE = "Asia/Jakarta"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set FLASK_SESSION_COOKIE_SECURE=true behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Staff sessions (portal/auth/sessions.py): "keep me signed in" lasts at most this many days
    # (its cookie is Secure whenever SESSION_COOKIE_SECURE is); a session without it ends after
    # STAFF_IDLE_MINUTES without a request, and any session STAFF_SESSION_HOURS after sign-in.
    STAFF_REMEMBER_DAYS = 14
    STAFF_IDLE_MINUTES = 30
    STAFF_SESSION_HOURS = 12

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # The largest request body accepted (CSV imports are the largest): 413 beyond it.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024

    # Rate-limit counters: None = an SQLite file in instance/ shared by every worker of this
    # machine (portal/ratelimit.py); redis://host:6379 to share them between machines.
    # Tests get per-process memory unless they choose a storage.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True

    # Login throttling (portal/auth/throttle.py): attempts per address, and failed sign-ins per
    # account and address and per address; beyond them that address waits. Never an account lock.
    LOGIN_RATE_LIMIT = "20 per minute; 100 per hour"
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes; 20 per day"
    LOGIN_FAILURES_PER_ADDRESS = "30 per hour"
    # Staff accounts list: flag an account with at least this many failures since its last sign-in.
    LOGIN_NOTICE_FAILURES = 5

    # How far a date in a public URL may be from today (the schedule is not a calendar of eternity).
    MAX_DAYS_FROM_TODAY = 3 * 366
    # Days shown in the unit page and exported in its iCalendar file.
    UNIT_PAGE_DAYS = 14
    UNIT_ICS_DAYS = 60

    # Demo data banner: on as long as the database holds the seeded demo.
    SHOW_DEMO_BANNER = True

    # Disruption reports (laporan gangguan) and the Open311 API.
    REPORT_CODE_PREFIX = "BKS"  # tracking codes look like BKS-7K4Q-2M9D
    # Working days for a first public answer: later reports are overdue in triage and late in
    # the statistics.
    REPORT_RESPONSE_TARGET_DAYS = 3
    REPORT_RATE_LIMIT = "10 per minute; 60 per hour"  # new reports per IP, form and Open311 together
    REPORT_LOOKUP_RATE_LIMIT = "60 per minute"  # tracking-page views per IP (codes are not guessable)
    REPORT_VALIDATE_RATE_LIMIT = "240 per minute"  # inline form checks per IP
    REPORT_CONTACT_RETENTION_DAYS = 180  # contact data erased this long after a report is closed
    REPORT_MAX_AGE_DAYS = 90  # how long ago the visit may have been
    REPORT_SPAM_MAX_LINKS = 2  # a description with more web links is treated as spam
    REPORTS_PER_PAGE = 20
    # Citizen satisfaction survey (SKM/IKM, PermenPANRB 14/2017), /survei.
    SURVEY_MIN_SAMPLE = 30  # no IKM figure is published for fewer respondents than this
    SURVEY_RATE_LIMIT = "10 per minute; 60 per hour"  # survey answers per IP
    SURVEY_MAX_AGE_DAYS = 90  # how long ago the visit may have been
    SURVEY_PUBLIC_SUGGESTIONS = 5  # approved suggestions shown on a unit page
    OPEN311_JURISDICTION = "bekasikota.go.id"
    OPEN311_CONTACT = "Pemerintah Kota Bekasi, https://bekasikota.go.id"
    OPEN311_MAX_DISTANCE_M = 300  # lat/long is matched to the nearest unit within this distance
    OPEN311_MAX_REQUESTS = 1000  # requests per answer (the specification's upper bound)

    # Production mode (PORTAL_ENV=production): unsafe settings stop the start (portal/production.py).
    PORTAL_ENV = "development"
    PUBLIC_URL = None
    # /metrics: with a token, Prometheus sends "Authorization: Bearer TOKEN"; without, localhost only.
    METRICS_TOKEN = None
    REQUEST_LOG = True  # one JSON line per request on stderr (portal/observability.py)

    # Behind a reverse proxy: number of proxies that set X-Forwarded-* headers (0 = none).
    PROXY_FIX = 0

    # The portal's public address, e.g. https://layanan.bekasikota.go.id (no trailing slash): feeds,
    # Open311, OpenAPI, iCal and e-mails link there. None (development): the request's own address.
    PUBLIC_URL = None
    # The authority of the Atom feeds' tag: ids (portal/feeds): never change it once published.
    # None: PUBLIC_URL's host name, else layanan.bekasikota.go.id (never the request's Host header).
    FEED_TAG_AUTHORITY = None
    # Host names the portal answers to (Flask's setting; a leading dot allows subdomains); any other
    # Host header gets a 400. None accepts every host: set it in production.
    TRUSTED_HOSTS = None
    # HTTP caching of public pages (portal/http_cache.py, README "Caching").
    PUBLIC_MAX_AGE = 60  # seconds browsers and proxies may reuse a public page without asking
    RESPONSE_CACHE = True  # keep rendered public responses, keyed by the data version
    CACHE_TYPE = None  # RedisCache with CACHE_REDIS_URL, else FileSystemCache in instance/cache
    CACHE_REDIS_URL = None
    CACHE_DEFAULT_TIMEOUT = 600  # an entry of an old data version is never read; this frees it
    CACHE_THRESHOLD = 2000  # entries kept by the file and memory caches
    RESPONSE_CACHE_MAX_BYTES = 4 * 1024 * 1024  # larger responses are rendered every time
    # Repeated cache hits and 304s replayed before Flask, kept per worker process (0: off).
    RESPONSE_REPLAY_BYTES = 16 * 1024 * 1024
    GZIP_MIN_SIZE = 1024  # text responses from this size are gzip'd when the client accepts it
    STATIC_MAX_AGE = 365 * 24 * 3600  # static URLs carry a content hash (?v=)
    HEAVY_RATE_LIMIT = "120 per minute"  # rendered /jadwal, /statistik*, CSV, statistics API per IP

    # E-mail (portal/mail, portal/subscriptions). MAIL_* also come from the environment without
    # the FLASK_ prefix (portal/mail/settings.py). Messages wait in a queue table for send-mail.
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting (port 587)
    MAIL_USE_SSL = False  # TLS from the start (port 465)
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "Portal Layanan Kota Bekasi <noreply@localhost>"
    MAIL_TIMEOUT = 30  # seconds for each SMTP operation
    MAIL_MAX_ATTEMPTS = 10  # then the message is kept as dead for operators
    MAIL_RETRY_SECONDS = 60  # first retry after a failure, doubling each time...
    MAIL_RETRY_MAX_SECONDS = 6 * 3600  # ...up to this
    MAIL_BATCH = 1000  # messages sent by one run of send-mail at most
    MAIL_DEAD_KEEP_DAYS = 30  # dead messages (with their address) are erased after this
    SUBSCRIBE_CONFIRM_HOURS = 48  # the confirmation link expires; unconfirmed rows are erased then
    SUBSCRIBE_CONFIRMATIONS_PER_DAY = 5  # confirmation e-mails to one address per day at most
    SUBSCRIBE_RATE_LIMIT = "10 per minute; 60 per hour"  # subscription form posts per IP address
    SUBSCRIBE_NOTIFY_DAYS = 14  # a staff change of a day this far ahead (from today) is e-mailed


def database_uri(instance_path: str) -> str:
    """The database URL from DATABASE_URL, else an SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg explicitly.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")


def instance_secret_key(instance_path: str) -> str:
    """A random secret key kept in instance/secret_key, created on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
