"""Several app instances: rate limits are shared through Redis, and client addresses come from
the reverse proxy's X-Forwarded-For header when PROXY_FIX is set."""

import shutil
import socket
import subprocess
import time

import pytest

from portal import create_app
from portal.extensions import db

from .conftest import IN_CI


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is missing in CI (apt-get install redis-server)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def instance(database_uri: str, **settings):
    # CSRF off: a request with a bad token is refused before the login view and its limit run.
    app = create_app({"TESTING": True, "SECRET_KEY": "shared", "SQLALCHEMY_DATABASE_URI": database_uri,
                      "RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False, **settings})
    with app.app_context():
        db.create_all()
    return app


def failed_logins(client, count, **kwargs):
    """Wrong passwords for ``count`` different accounts (one account would soon have to wait)."""
    return [client.post("/admin/login", data={"email": f"x{i}@example.org", "password": "x"}, **kwargs).status_code
            for i in range(count)]


@pytest.mark.slow
def test_two_instances_share_the_login_rate_limit_through_redis(redis_url, tmp_path):
    uri = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first = instance(uri, RATELIMIT_STORAGE_URI=redis_url)
    second = instance(uri, RATELIMIT_STORAGE_URI=redis_url)
    with first.app_context():
        from portal.extensions import limiter

        limiter.reset()
    assert failed_logins(first.test_client(), 12) == [400] * 12
    codes = failed_logins(second.test_client(), 10)
    assert codes[:8] == [400] * 8 and codes[8:] == [429, 429]  # 20 per minute across both instances


@pytest.mark.slow
def test_behind_a_proxy_each_client_address_has_its_own_limit(tmp_path):
    app = instance(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", PROXY_FIX=1)
    client = app.test_client()
    assert failed_logins(client, 20, headers={"X-Forwarded-For": "203.0.113.7"}) == [400] * 20
    assert failed_logins(client, 1, headers={"X-Forwarded-For": "203.0.113.7"}) == [429]
    assert failed_logins(client, 1, headers={"X-Forwarded-For": "198.51.100.9"}) == [400]
