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
