"""Two app processes on one database: a staff change made through one is seen on the very next
request to the other, whatever either has cached (their own files, or one shared Redis)."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import create_app
from portal.extensions import db

from . import factories as f
from .staff import TODAY, build_world
from .test_scale_out import redis_url  # noqa: F401 - the fixture: a throwaway redis-server

ROOT = Path(__file__).resolve().parents[1]
SERVE = """
import json, os, sys
from werkzeug.serving import make_server
from portal import create_app
app = create_app(json.loads(os.environ["PORTAL_TEST_SETTINGS"]))
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(settings: dict) -> tuple[subprocess.Popen, str]:
    import json

    port = free_port()
    env = {**os.environ, "PORTAL_TEST_SETTINGS": json.dumps(settings), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return process, base
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the app process did not start")


def get(url: str, etag: str | None = None) -> tuple[int, str, str]:
    """GET with the Host a reverse proxy would send to every instance."""
    headers = {"Host": "layanan.example.test", **({"If-None-Match": etag} if etag else {})}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["ETag"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["ETag"], ""


@pytest.fixture
def shared_database(tmp_path):
    uri = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        db.create_all()
        world = build_world()
        ids = {"unit": world.unit_a.id, "slug": world.unit_a.slug, "email": world.admin_a.email}
        db.session.remove()
        db.engine.dispose()
    return uri, ids


@pytest.mark.slow  # starts two app processes
@pytest.mark.parametrize("cache", ["files", "redis"])
def test_a_staff_change_through_one_instance_is_seen_on_the_next_request_to_the_other(
        cache, shared_database, tmp_path, request):
    uri, ids = shared_database
    settings = {"SECRET_KEY": "shared", "SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False, "TODAY": TODAY.isoformat()}
    if cache == "redis":
        shared = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": request.getfixturevalue("redis_url")}
        first_cache = second_cache = shared
    else:  # each instance its own files, as on two machines
        first_cache = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "cache-1")}
        second_cache = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "cache-2")}
    processes = []
    try:
        first, first_url = start({**settings, **first_cache})
        processes.append(first)
        second, second_url = start({**settings, **second_cache})
        processes.append(second)
        page = f"/unit/{ids['slug']}"

        status, etag, body = get(second_url + page)
        assert status == 200 and "Pipa air pecah" not in body
        assert get(second_url + page, etag)[0] == 304
        assert get(second_url + page)[1] == etag  # a stored answer, the same validator
        assert get(second_url + page, etag)[0] == 304  # both now replayed before Flask
        assert get(second_url + page)[1] == etag
        assert get(first_url + page)[1] == etag  # the other instance agrees on it

        staff = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        login = staff.open(first_url + "/admin/login", urllib.parse.urlencode(
            {"email": ids["email"], "password": f.PASSWORD}).encode(), timeout=10)
        assert "/admin/login" not in login.url
        saved = staff.open(f"{first_url}/admin/ketersediaan/{ids['unit']}/{TODAY.isoformat()}",
                           urllib.parse.urlencode({"status": "closed", "reason": "Pipa air pecah"}).encode(),
                           timeout=10)
        assert saved.status == 200 and "/admin/ketersediaan" in saved.url

        status, new_etag, body = get(second_url + page, etag)
        assert status == 200 and new_etag != etag
        assert "Pipa air pecah" in body
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()
