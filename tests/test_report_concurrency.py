"""Many residents press "send" at the same moment, against a served app (werkzeug in threads),
on SQLite and on PostgreSQL: every report is stored with its own code, and one submission sent
many times at once is still one report."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Report

from .reporting import CODE, build_world, form_data, stored


@pytest.fixture
def served(app):
    with app.app_context():
        build_world()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()
    server.server_close()


def post(port: int, data: dict) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", "/lapor", urlencode(data),
                           {"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def post_all_at_once(port: int, payloads: list[dict]) -> list:
    """POST every payload from its own thread, all released together."""
    start = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)

    def send(index: int) -> None:
        try:
            start.wait()
            results[index] = post(port, payloads[index])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.slow
def test_200_reports_sent_at_once_are_all_stored_with_distinct_codes(app, served):
    results = post_all_at_once(served, [form_data(description=f"Loket tutup tanpa pemberitahuan, warga ke-{i}.")
                                        for i in range(200)])
    assert all(isinstance(result, tuple) and result[0] == 303 for result in results), \
        [result for result in results if not (isinstance(result, tuple) and result[0] == 303)][:5]
    shown = [CODE.search(location).group(0) for _status, location in results]
    assert len(set(shown)) == 200
    with app.app_context():
        rows = db.session.execute(select(Report.code, Report.description)).all()
    assert len(rows) == 200
    assert {code for code, _ in rows} == set(shown)  # every code shown points at a stored report
    assert len({description for _, description in rows}) == 200


@pytest.mark.slow
def test_one_submission_sent_twenty_times_at_once_is_one_report(app, served):
    data = form_data()
    results = post_all_at_once(served, [data] * 20)
    assert {result[0] for result in results} == {303}
    assert len({location for _status, location in results}) == 1
    assert stored(app)["reports"] == 1


@pytest.mark.backends("sqlite")  # SQLite's single write lock; PostgreSQL writers do not lock each other out
def test_a_report_that_cannot_get_the_database_in_time_gets_a_503_and_can_be_sent_again(app, client, monkeypatch):
    """Another writer holds SQLite's write lock longer than the busy timeout: the resident gets a
    503 in her language with Retry-After, nothing half-saved, and the same form sent again works."""
    import sqlite3

    import portal

    with app.app_context():
        build_world()
        path = db.engine.url.database
        monkeypatch.setattr(portal, "SQLITE_BUSY_TIMEOUT_MS", 50)
        db.engine.dispose()  # new connections with the short timeout
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        busy = client.post("/lapor", data=form_data())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "5"
    assert "Portal sedang sangat sibuk" in busy.get_data(as_text=True)
    assert stored(app)["reports"] == 0
    again = client.post("/lapor", data=form_data())
    assert again.status_code == 303
    assert stored(app)["reports"] == 1
    with app.app_context():
        db.engine.dispose()  # the next test's connections get the normal timeout again
