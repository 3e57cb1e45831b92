"""Portal Layanan: which public service units of Kota Bekasi serve on-site, day by day."""

import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as defaults
from . import production
from .extensions import babel, csrf, db, init_migrations, limiter, login_manager
from .extensions import htmx as htmx_extension  # not "htmx": portal.htmx is a module


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config in layers, extensions, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_shipped_or_checkout("templates"),
        static_folder=_shipped_or_checkout("static"),
    )
    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    init_extensions(app)
    register_blueprints(app)

    from . import cli, errors, http_cache, observability, security, templating

    errors.register(app)
    observability.register(app)
    templating.register(app)
    security.register(app)
    cli.register(app)
    http_cache.register(app)  # last: its after_request runs first, before cookies are added

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _shipped_or_checkout(folder: str) -> str:
    """A source checkout keeps templates/ and static/ beside the package; a wheel carries them
    inside it (setup.py copies them at build time)."""
    inside = os.path.join(os.path.dirname(__file__), folder)
    return folder if os.path.isdir(inside) else f"../{folder}"


def load_config(app: Flask, test_config: dict | None) -> None:
    """Defaults, then instance/config.py, then the environment, then a test mapping."""
    app.config.from_object(defaults.Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if os.environ.get("RATELIMIT_STORAGE_URI"):
            app.config["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
        if os.environ.get("CACHE_REDIS_URL"):
            app.config["CACHE_REDIS_URL"] = os.environ["CACHE_REDIS_URL"]
        if os.environ.get("PORTAL_ENV"):
            app.config["PORTAL_ENV"] = os.environ["PORTAL_ENV"]
        from .mail.settings import from_environment as mail_from_environment

        mail_from_environment(app.config)  # MAIL_SERVER, MAIL_PORT, ... without the FLASK_ prefix
    else:
        app.config.update(test_config)
    production.check(app.config)  # before the development fallbacks below
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = defaults.database_uri(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = defaults.instance_secret_key(app.instance_path)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        from .ratelimit import default_uri

        app.config["RATELIMIT_STORAGE_URI"] = "memory://" if app.testing else default_uri(app.instance_path)
    if isinstance(app.config.get("TRUSTED_HOSTS"), str):  # FLASK_TRUSTED_HOSTS=a.example,b.example
        app.config["TRUSTED_HOSTS"] = [host.strip() for host in app.config["TRUSTED_HOSTS"].split(",")
                                       if host.strip()]


def init_extensions(app: Flask) -> None:
    from .i18n import install_template_gettext, select_locale

    db.init_app(app)
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true" or app.testing:  # not in a web worker
        init_migrations(app)
    csrf.init_app(app)
    limiter.init_app(app)
    htmx_extension.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from .auth import sessions

    sessions.configure(app)  # server-side revocation, timeouts, remember-me cookie settings


def register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .auth.views import bp as auth_bp
    from .feeds.views import bp as feeds_bp
    from .open311.views import bp as open311_bp
    from .ops.views import bp as ops_bp
    from .public.views import bp as public_bp
    from .reports.views import bp as reports_bp
    from .statistik.views import bp as statistik_bp
    from .subscriptions.views import bp as subscriptions_bp
    from .survey.views import bp as survey_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    app.register_blueprint(auth_bp, url_prefix="/admin")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(statistik_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(subscriptions_bp)


SQLITE_BUSY_TIMEOUT_MS = 20_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout for SQLite; other databases are left alone."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # A writer waits up to 20 s for another one (a surge of reports on one machine; it was 5 s,
        # and 8 of 200 reports sent at once on a busy machine got "database is locked") before
        # giving up (a 503 asking to send again, portal/errors.py); readers never wait (WAL).
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
