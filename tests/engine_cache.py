"""Tests build a new app for every test, and Flask-SQLAlchemy a new SQLAlchemy engine for each app.
An engine keeps the SQL it compiled for each statement (its dialect is part of the cache key), so
a new engine compiles every query of the test again: about a fifth of a small test's time. Within
a test run, apps on the same database URL with the same engine options share one engine.

The ``app`` fixture gives every test of a worker the same URL per backend (tests/conftest.py), and
disposes the engine's connections after each test, as before: the database is put back in its
state between tests, the connections are new, only the compiled SQL is kept. Databases in memory
(``sqlite://``) are never shared: each app must keep its own.
"""

from __future__ import annotations

import inspect

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

_original = getattr(SQLAlchemy, "_make_engine", None)
_engines: dict = {}


def _key(options: dict) -> str | None:
    url = make_url(options["url"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return repr(sorted((name, repr(value)) for name, value in options.items()))


def _shared_make_engine(self, bind_key, options, app):
    key = _key(options)
    if key is None:
        return _original(self, bind_key, options, app)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = _original(self, bind_key, options, app)
    return engine


def install() -> None:
    if _original is not None and list(inspect.signature(_original).parameters) == [
            "self", "bind_key", "options", "app"]:
        SQLAlchemy._make_engine = _shared_make_engine
