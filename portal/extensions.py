"""Extension singletons, bound to the app in create_app() with init_app()."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from . import ratelimit  # noqa: F401  registers the sqlite:// rate-limit storage with `limits`

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
cache = Cache()  # rendered public responses (portal/http_cache.py)
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_migrations(app) -> None:
    """Alembic through Flask-Migrate (`flask db …`, `flask init-db`, the migration tests): bound
    for the command line and tests only, since importing it costs every web worker about 10 MB
    it never uses."""
    if "migrate" in app.extensions:
        return
    import os

    from flask_migrate import Migrate

    Migrate(render_as_batch=True).init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
