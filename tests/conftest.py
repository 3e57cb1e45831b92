"""Fixtures in flaskr's style: app (a fresh database per test), client, runner, auth, hx.

Every test that uses ``app`` runs on SQLite and on a real PostgreSQL server (started by
tests/pg.py). ``--db sqlite`` or ``--db postgresql`` narrows that. Without PostgreSQL binaries
the PostgreSQL runs are skipped on a developer's machine, and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from portal import create_app
from portal.extensions import db, limiter

from .pg import TemporaryPostgres

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Shared CI machines are slow and noisy: no per-example deadline, no "too slow" health check.
settings.register_profile("portal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("portal")
BACKENDS = ("sqlite", "postgresql")
DEMO_PASSWORD = "demo-password-123"


def pytest_addoption(parser):
    parser.addoption("--db", action="append", choices=BACKENDS, default=None,
                     help="run app tests on this database backend only (repeatable)")


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**settings): extra app settings for this test")
    config.addinivalue_line("markers", "demo: the test needs the Bekasi demo data")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("db") or BACKENDS
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    server = TemporaryPostgres()
    if not server.available:
        if IN_CI:
            pytest.fail("PostgreSQL binaries are missing in CI (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed on this machine (apt-get install postgresql)")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database(backend, request, tmp_path_factory):
    """A database URL for the backend, with the schema created once per session."""
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.engine.dispose()
        return url
    return None  # SQLite: a fresh file per test, see app()


def truncate_all() -> None:
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory):
    """An SQLite file with the demo data, seeded once and copied for each demo test."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        from portal.demo import seed

        db.create_all()
        seed(DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def app(backend, database, tmp_path, request):
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "SHOW_DEMO_BANNER": True,
    }
    demo = request.node.get_closest_marker("demo") is not None
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        if demo:
            shutil.copyfile(request.getfixturevalue("sqlite_demo_template"), path)
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    else:
        settings["SQLALCHEMY_DATABASE_URI"] = database
    for marker in reversed(list(request.node.iter_markers("config"))):
        settings.update(marker.kwargs)
    app = create_app(settings)
    with app.app_context():
        if backend == "sqlite":
            if not demo:
                db.create_all()
        else:
            truncate_all()
        if app.config.get("RATELIMIT_ENABLED", True):
            limiter.reset()
        if demo and backend != "sqlite":
            from portal.demo import seed

            seed(DEMO_PASSWORD)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def hx():
    """Headers htmx sends with a plain (not boosted) request."""
    return {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = "correct-horse-battery"):
        return self._client.post("/admin/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/admin/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def ctx(app):
    """An application context with a request context, for calling domain code directly."""
    with app.test_request_context():
        yield


THURSDAY_TAHAP_I = date(2025, 11, 6)
CHRISTMAS = date(2025, 12, 25)


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a skip there means a missing tool, and fails the run."""
    if IN_CI and _skipped:
        print(f"\nCI=true but {len(_skipped)} test(s) were skipped, e.g. {_skipped[:3]}")
        session.exitstatus = 1
