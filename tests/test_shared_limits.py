"""Rate limits hold across the workers of the production command (`gunicorn -w 4 wsgi:app`)
without Redis: the counters live in an SQLite file every worker opens (portal/ratelimit.py)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal import create_app
from portal.extensions import db
from portal.ratelimit import SQLiteStorage

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def send(port: int, method: str, path: str, form: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture
def server(tmp_path):
    """gunicorn with four workers on a free local port, an empty SQLite database and the default
    (file) rate-limit storage in a temporary folder."""
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "shared-limits-test",
           "RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'ratelimit.sqlite3'}",
           "FLASK_WTF_CSRF_ENABLED": "false"}
    command = [str(GUNICORN), "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"]
    if (ROOT / "gunicorn.conf.py").exists():
        command[1:1] = ["-c", "gunicorn.conf.py"]
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if send(port, "GET", "/healthz") == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.2)
        time.sleep(1)  # let every worker boot, so that requests really spread over all four
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_login_and_lookup_limits_hold_across_four_gunicorn_workers(server):
    logins = [send(server, "POST", "/admin/login", {"email": f"x{i}@example.org", "password": "x"})
              for i in range(30)]
    assert logins.count(429) == 10 and logins[:20] == [400] * 20  # "20 per minute", not 20 per worker
    lookups = [send(server, "GET", "/open311/v2/requests/BKS-2222-2222.json") for _ in range(70)]
    assert lookups.count(429) == 10 and lookups[:60] == [404] * 60  # "60 per minute"


def test_the_file_storage_counts_hits_from_several_processes(tmp_path):
    uri = f"sqlite:///{tmp_path / 'counters.sqlite3'}"
    script = ("import sys; from portal.ratelimit import SQLiteStorage; s = SQLiteStorage(sys.argv[1]); "
              "[s.incr('k', 60) for _ in range(200)]")
    workers = [subprocess.Popen([sys.executable, "-c", script, uri], cwd=ROOT) for _ in range(4)]
    assert [worker.wait(timeout=60) for worker in workers] == [0] * 4
    storage = SQLiteStorage(uri)
    assert storage.get("k") == 800 and storage.get_expiry("k") > time.time()
    storage.clear("k")
    assert storage.get("k") == 0


def test_without_a_setting_the_counters_are_a_file_in_the_instance_folder(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                      "RATELIMIT_ENABLED": False})  # not enabled: the file is not created here
    assert app.config["RATELIMIT_STORAGE_URI"] == f"sqlite:///{Path(app.instance_path) / 'ratelimit.sqlite3'}"
