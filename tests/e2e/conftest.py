"""Browser tests: a live server with the demo data, driven by Debian's Chromium via Playwright.

Playwright's own browsers are never downloaded: we launch /usr/bin/chromium. Without it the
tests are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db

from ..conftest import DEMO_PASSWORD, IN_CI

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # pytest-xdist (--dist loadgroup): every browser test on one worker, so the run starts
            # one browser and one live server.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The portal with the demo data, served on a free local port for the whole session.

    CSRF and the rate limits are on, as in production."""
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    app = create_app({
        "TESTING": False,
        "SECRET_KEY": "e2e-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "TODAY": "2025-11-05",
        "RATELIMIT_ENABLED": True,
        # The production storage (a counter file), but in this run's folder, not in instance/.
        "RATELIMIT_STORAGE_URI": f"sqlite:///{path.parent / 'ratelimit.sqlite3'}",
    })
    with app.app_context():
        from portal.demo import seed

        db.create_all()
        seed(DEMO_PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page (360 px wide) with JavaScript on."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser):
    """A phone-sized page with JavaScript off: every page must still work."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/admin/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/**")
