"""Fixtures in flaskr's style: app (a fresh database per test), client, runner, auth, hx.

Every test that uses ``app`` runs on SQLite and on a real PostgreSQL server (started by
tests/pg.py). ``--db sqlite`` or ``--db postgresql`` narrows that. Without PostgreSQL binaries
the PostgreSQL runs are skipped on a developer's machine, and fail in CI (CI=true).

Cheap by construction (see README "Tests"): the schema and the demo data are built once per
process, then copied for each test. SQLite: a copy of a template file. PostgreSQL: one server
for the whole run (shared by the pytest-xdist workers), a database per test made with
``CREATE DATABASE ... TEMPLATE`` from the worker's empty or demo template database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db, limiter

from . import engine_cache, release_cache, route_cache, template_cache
from .pg import ResettableDatabase, TemporaryPostgres

engine_cache.install()
release_cache.install()
route_cache.install()
template_cache.install()

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Shared CI machines are slow and noisy: no per-example deadline, no "too slow" health check.
settings.register_profile("portal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("portal")
BACKENDS = ("sqlite", "postgresql")
DEMO_PASSWORD = "demo-password-123"
SHM = "/dev/shm"


def pytest_addoption(parser):
    parser.addoption("--db", action="append", choices=BACKENDS, default=None,
                     help="run app tests on this database backend only (repeatable)")


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**settings): extra app settings for this test")
    config.addinivalue_line("markers", "demo: the test needs the Bekasi demo data")
    config.addinivalue_line("markers", "backends(*names): run only on these databases (behaviour of one)")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("db") or BACKENDS
        only = metafunc.definition.get_closest_marker("backends")
        if only is not None:  # @pytest.mark.backends("sqlite"): behaviour of one database only
            backends = [backend for backend in backends if backend in only.args]
        metafunc.parametrize("backend", backends, scope="session")


def wants_postgresql(config) -> bool:
    return "postgresql" in (config.getoption("db") or BACKENDS)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist: one PostgreSQL server for all workers, started by the controller."""
    config = node.config
    if os.environ.get("TEST_DATABASE_URL") or not wants_postgresql(config):
        return
    server = getattr(config, "portal_postgres", None)
    if server is None:
        server = config.portal_postgres = TemporaryPostgres()
        if server.available:
            server.start()
    if server.url:
        node.workerinput["portal_postgres_url"] = server.url


# pytest-xdist's groups (--dist loadgroup), by path: every browser test on one worker (one browser,
# one live server), every deploy test on one worker (one nginx stack). The xdist_group marks alone
# do nothing under pytest 9 (xdist 3.8 renames the test through an attribute pytest no longer
# reads), so the scheduler is told here; the marks stay for when that is fixed.
XDIST_GROUPS = {"tests/e2e/": "browser", "tests/test_deploy.py::": "deploy"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for prefix, group in XDIST_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return super()._split_scope(nodeid)

    return PathGroupScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The long tests (marked slow) first: pytest-xdist hands the others out last, and as they
    are short both workers finish at about the same time (a long test near the end held one
    worker busy for seconds while the other was done)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_unconfigure(config):
    server = getattr(config, "portal_postgres", None)
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(request):
    """The URL of a PostgreSQL database on a server where the tests may create databases."""
    url = os.environ.get("TEST_DATABASE_URL") or getattr(request.config, "workerinput", {}).get(
        "portal_postgres_url")
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


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def build_database(url: str, demo: bool) -> None:
    """Create the schema (and the demo data) in the database at url."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        if demo:
            from portal.demo import seed

            seed(DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()


class SqliteDatabases:
    """Template files with the empty schema and with the demo data, copied for each test."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.templates: dict[bool, Path] = {}

    def fresh(self, demo: bool) -> str:
        """The worker's test database, a new copy of a template. Always the same path, so that
        the apps of a worker share one engine (tests/engine_cache.py); the previous test's app
        has closed its connections, and a connection left open keeps the old file."""
        if demo not in self.templates:
            template = self.folder / ("demo.sqlite3" if demo else "empty.sqlite3")
            build_database(f"sqlite:///{template}", demo)
            self.templates[demo] = template
        path = self.folder / "test.sqlite3"
        for leftover in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.templates[demo], path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresDatabases:
    """Template databases (empty schema, demo data) of this worker on the shared server; each
    test gets the worker's test database in the state of one of them: put back by undoing what
    the previous test changed (tests/pg.py ResettableDatabase), or else copied again from the
    template (CREATE DATABASE ... TEMPLATE)."""

    def __init__(self, server_url: str):
        self.base = make_url(server_url)
        self.prefix = f"{self.base.database}_{worker_name()}"
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.templates: dict[bool, tuple[str, dict, str]] = {}
        self.current: dict[bool, ResettableDatabase] = {}  # a test database per template

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str = "template0") -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def fresh(self, demo: bool) -> str:
        if demo not in self.templates:
            template = f"{self.prefix}_{'demo' if demo else 'empty'}"
            self._create(template)
            build_database(self._url(template), demo)
            self.templates[demo] = (template, *ResettableDatabase.describe(self._url(template), snapshot=demo))
        name = f"{self.prefix}_test_{'demo' if demo else 'empty'}"
        template, expected, query = self.templates[demo]
        current = self.current.get(demo)
        if current is not None and current.reset():
            return self._url(name)
        if current is not None:
            current.close()
        self._create(name, template)
        self.current[demo] = ResettableDatabase(self._url(name), dict(expected), query)
        return self._url(name)

    def close(self) -> None:
        for current in self.current.values():
            current.close()
        with self.admin.connect() as connection:
            for name in [*(f"{self.prefix}_test_{kind}" for kind in ("demo", "empty")),
                         *(template for template, *_ in self.templates.values())]:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def database(backend, request, tmp_path_factory):
    """Makes a fresh database for each test of this backend: ``database.fresh(...)``."""
    if backend == "postgresql":
        databases = PostgresDatabases(request.getfixturevalue("postgres_url"))
    else:
        # In memory (tmpfs) where there is one: SQLite syncs the file on every commit and close.
        folder = (Path(tempfile.mkdtemp(prefix="portal-sqlite-", dir=SHM)) if os.path.isdir(SHM)
                  else tmp_path_factory.mktemp("sqlite-templates"))
        databases = SqliteDatabases(folder)
    yield databases
    databases.close()


@pytest.fixture
def app(backend, database, request):
    """An app on a fresh database of its own: empty, or with the demo data under
    @pytest.mark.demo; @pytest.mark.config(KEY=value) adds settings."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "SHOW_DEMO_BANNER": True,
    }
    demo = request.node.get_closest_marker("demo") is not None
    settings["SQLALCHEMY_DATABASE_URI"] = database.fresh(demo)
    for marker in reversed(list(request.node.iter_markers("config"))):
        settings.update(marker.kwargs)
    app = create_app(settings)
    with app.app_context():
        if app.config.get("RATELIMIT_ENABLED", True):
            limiter.reset()
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
