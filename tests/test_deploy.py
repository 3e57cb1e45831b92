"""The production setup as deployed, all on 127.0.0.1: nginx with deploy/nginx.conf (TLS) in front
of two gunicorn instances (gunicorn.conf.py, two workers each, PORTAL_ENV=production) on one
PostgreSQL server (tests/pg.py) and one Redis.

Needs Debian's nginx, redis-server, postgresql and openssl: skipped on a developer's machine
without them, never in CI (CI=true).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from itertools import cycle
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, select

from portal import create_app
from portal.extensions import db
from portal.models import Report, Role

from . import factories as f
from .conftest import IN_CI
from .pg import TemporaryPostgres, free_port

# pytest-xdist (--dist loadgroup): every test of the stack on one worker, so it is started once.
pytestmark = [pytest.mark.deploy, pytest.mark.xdist_group("deploy")]

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "admin@bekasikota.go.id"
PUBLIC_HOST = "layanan.bekasikota.go.id"
REPORT_LIMIT = 30  # FLASK_REPORT_RATE_LIMIT of the instances, per hour (a window far longer than the test)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def need(name: str, *extra_paths: str) -> str:
    found = shutil.which(name) or next((p for p in extra_paths if os.path.exists(p)), None)
    if found is None:
        if IN_CI:
            pytest.fail(f"{name} is missing in CI (apt-get install {name})")
        pytest.skip(f"{name} is not installed (apt-get install {name})")
    return found


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# --- HTTP, with a fresh connection per request (so requests spread over workers) -------------------

TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    cookies: list = field(default_factory=list)  # every Set-Cookie header

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(base: str, method: str, path: str, data: dict | None = None, headers: dict | None = None,
         timeout: float = 10) -> Answer:
    scheme, _, hostport = base.partition("://")
    host, _, port = hostport.partition(":")
    headers = dict(headers or {})
    if scheme == "https":  # nginx, as the public reaches it
        headers.setdefault("Host", PUBLIC_HOST)
        connection = http.client.HTTPSConnection(host, int(port), timeout=timeout, context=TLS)
    else:
        connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    body = urlencode(data).encode() if data is not None else None
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        pairs = response.getheaders()
        return Answer(response.status, {k.lower(): v for k, v in pairs}, response.read(),
                      [v for k, v in pairs if k.lower() == "set-cookie"])
    finally:
        connection.close()


@dataclass
class Browser:
    """A person's browser: its cookies go with it from one instance to the other."""

    cookies: dict = field(default_factory=dict)

    def request(self, base, method, path, data=None, headers=None) -> Answer:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = call(base, method, path, data, headers)
        for line in answer.cookies:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return answer

    def post_form(self, base, path, data) -> Answer:
        token = CSRF.search(self.request(base, "GET", path).text)
        assert token, f"no CSRF token in the form at {path}"
        return self.request(base, "POST", path, {**data, "csrf_token": token.group(1)})


# --- the stack -------------------------------------------------------------------------------------


@dataclass
class Instance:
    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


class Stack:
    def __init__(self, folder: Path, database_url: str, redis_url: str):
        self.folder = folder
        self.database_url = database_url
        self.redis_url = redis_url
        self.instances = [Instance(name, free_port(), folder / f"gunicorn-{name}.log") for name in ("a", "b")]
        self.nginx_http_port, self.nginx_https_port = free_port(), free_port()
        self.nginx: subprocess.Popen | None = None
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("FLASK_", "PROMETHEUS_", "PORTAL_")) and key not in (
                        "DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY")}
        self.env.update({
            "PORTAL_ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "FLASK_PUBLIC_URL": f"https://{PUBLIC_HOST}",
            # The public name, and 127.0.0.1 for probes and scrapes straight to an instance.
            "FLASK_TRUSTED_HOSTS": json.dumps([PUBLIC_HOST, "127.0.0.1"]),
            "RATELIMIT_STORAGE_URI": redis_url,
            "FLASK_PROXY_FIX": "1",
            "FLASK_REPORT_RATE_LIMIT": f"{REPORT_LIMIT} per hour",
            "WEB_CONCURRENCY": "2",
            "PORTAL_THREADS": "4",
        })

    @property
    def nginx_url(self) -> str:
        return f"https://127.0.0.1:{self.nginx_https_port}"

    def spawn(self, instance: Instance) -> None:
        env = {**self.env, "PORTAL_BIND": f"127.0.0.1:{instance.port}"}
        with open(instance.log, "ab") as log:
            instance.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, instance: Instance) -> None:
        try:
            wait_for(lambda: call(instance.url, "GET", "/readyz", timeout=2).status == 200
                     or instance.process.poll() is not None, 30, f"instance {instance.name}")
        except AssertionError:
            raise AssertionError(f"instance {instance.name} did not start:\n{instance.log_tail()}") from None
        assert instance.process.poll() is None, f"instance {instance.name} exited:\n{instance.log_tail()}"

    def start_instance(self, instance: Instance) -> None:
        self.spawn(instance)
        self.wait_ready(instance)

    def kill_instance(self, instance: Instance, sig=signal.SIGKILL) -> None:
        """The whole instance (master and workers) at once, as when its machine fails."""
        os.killpg(instance.process.pid, sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            instance.process.wait(timeout=30)

    def nginx_config(self) -> str:
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        a, b = self.instances
        replacements = {
            "server 127.0.0.1:8000 ": f"server 127.0.0.1:{a.port} ",
            "server 127.0.0.1:8001 ": f"server 127.0.0.1:{b.port} ",
            "listen 80;": f"listen 127.0.0.1:{self.nginx_http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.nginx_https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "/etc/letsencrypt/live/layanan.bekasikota.go.id/fullchain.pem": str(self.folder / "cert.pem"),
            "/etc/letsencrypt/live/layanan.bekasikota.go.id/privkey.pem": str(self.folder / "key.pem"),
            "/var/www/letsencrypt": str(self.folder / "acme"),
            "/srv/portal/static/": f"{ROOT / 'static'}/",
            "/var/log/nginx/portal-access.log": str(self.folder / "nginx-access.log"),
        }
        for old, new in replacements.items():
            assert old in site, f"deploy/nginx.conf no longer contains {old!r}: update tests/test_deploy.py"
            site = site.replace(old, new)
        temp = self.folder / "nginx-temp"
        return f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;  # the site's own access_log line applies
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""

    def start_nginx(self, binary: str) -> None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=layanan.bekasikota.go.id",
                        "-keyout", str(self.folder / "key.pem"), "-out", str(self.folder / "cert.pem")],
                       check=True, capture_output=True)
        (self.folder / "nginx-temp").mkdir()
        (self.folder / "acme").mkdir()
        config = self.folder / "nginx.conf"
        config.write_text(self.nginx_config())
        command = [binary, "-p", str(self.folder), "-c", str(config), "-e", str(self.folder / "nginx-error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.nginx = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: call(self.nginx_url, "GET", "/healthz", timeout=2).status == 200, 15, "nginx")

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        for instance in self.instances:
            if instance.process is not None and instance.process.poll() is None:
                os.killpg(instance.process.pid, signal.SIGCONT)
                os.killpg(instance.process.pid, signal.SIGTERM)
                instance.process.wait(timeout=30)


def start_redis(binary: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.5).close() or True, 10, "redis")
    return process, f"redis://127.0.0.1:{port}/0"


def seed(database_url: str) -> dict:
    """A unit, its agency and a city admin: what the checks below touch."""
    app = create_app({"TESTING": True, "SECRET_KEY": "seed", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        unit = f.unit("Loket Disdukcapil MPP", slug="disdukcapil-mpp")
        f.user(ADMIN, Role.CITY_ADMIN)
        db.session.commit()
        ids = {"opd": unit.opd_id, "unit": unit.slug}
        db.session.remove()
        db.engine.dispose()
    return ids


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = need("nginx", "/usr/sbin/nginx")
    redis_server = need("redis-server")
    need("openssl")
    postgres = TemporaryPostgres()
    if not postgres.available:
        if IN_CI:
            pytest.fail("PostgreSQL binaries are missing in CI (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    folder = tmp_path_factory.mktemp("deploy")
    redis, redis_url = start_redis(redis_server, folder)
    stack = None
    try:
        stack = Stack(folder, postgres.start(), redis_url)
        migrated = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "init-db"],
                                  cwd=ROOT, env=stack.env, capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr
        stack.ids = seed(stack.database_url)
        for instance in stack.instances:  # both at once
            stack.spawn(instance)
        for instance in stack.instances:
            stack.wait_ready(instance)
        stack.start_nginx(nginx)
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        redis.terminate()
        redis.wait(timeout=10)
        postgres.stop()


def submit_report(base: str, unit: str, headers: dict | None = None) -> Answer:
    """A report through Open311 (the same form and limit as /lapor); 201 carries its tracking code."""
    return call(base, "POST", "/open311/v2/requests.json", {
        "service_code": "online_unreachable",
        "attribute[unit]": unit,
        "description": "Situs layanan daring tidak dapat dibuka sejak pagi, muncul error 502.",
    }, headers)


def stored_codes(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(Report.code)))
    finally:
        engine.dispose()


# --- the checks ------------------------------------------------------------------------------------


def test_a_staff_change_through_one_instance_is_served_by_the_other(stack):
    a, b = stack.instances
    browser = Browser()
    signed_in = browser.post_form(a.url, "/admin/login", {"email": ADMIN, "password": f.PASSWORD})
    assert signed_in.status in (302, 303), signed_in.text[:500]
    assert browser.request(b.url, "GET", "/admin/opd").status == 200  # the session is valid on B too

    new_name = f"Dinas Kependudukan Uji {secrets.token_hex(3)}"
    saved = browser.post_form(a.url, f"/admin/opd/{stack.ids['opd']}", {
        "short_name": "Disdukcapil", "name": new_name, "kind": "dinas", "website": "", "phone": "",
    })
    assert saved.status in (302, 303), saved.text[:500]

    names = [opd["name"] for opd in json.loads(call(b.url, "GET", "/api/v1/opds").body)["data"]]
    assert new_name in names
    assert new_name in call(b.url, "GET", f"/unit/{stack.ids['unit']}").text


def test_the_report_rate_limit_is_shared_by_both_instances(stack):
    # Straight to the instances, as nginx would pass them: the same client address on both.
    client = {"X-Forwarded-For": "203.0.113.41"}
    answers = [submit_report(instance.url, stack.ids["unit"], client).status
               for _, instance in zip(range(REPORT_LIMIT + 1), cycle(stack.instances))]
    assert answers == [201] * REPORT_LIMIT + [429]
    # Another client is not affected.
    assert submit_report(stack.instances[1].url, stack.ids["unit"], {"X-Forwarded-For": "198.51.100.7"}).status == 201


def test_each_instance_is_ready_with_its_database_and_redis(stack):
    for instance in stack.instances:
        answer = call(instance.url, "GET", "/readyz")
        assert answer.status == 200
        assert json.loads(answer.body) == {"status": "ok", "database": "ok", "redis": "ok"}


def test_gunicorn_refuses_oversized_request_lines_and_headers_before_the_app(stack):
    a = stack.instances[0]
    assert call(a.url, "GET", "/?q=" + "a" * 5000).status == 414  # limit_request_line 4094
    assert call(a.url, "GET", "/", headers={f"X-Filler-{n}": "x" for n in range(70)}).status == 431
    assert not [line for line in a.log.read_text().splitlines() if '"status":5' in line]


def metric(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def test_metrics_add_up_every_worker_of_an_instance_and_stay_private(stack):
    a = stack.instances[0]

    def healthz_count():
        return metric(call(a.url, "GET", "/metrics").text, "portal_http_requests_total",
                      method="GET", route="/healthz", status="200")

    before = healthz_count()
    for _ in range(20):
        assert call(a.url, "GET", "/healthz").status == 200
    # The workers that served them die (as after max_requests or a crash) and gunicorn starts new
    # ones: the figures of the old workers stay in the instance's totals.
    old_workers = worker_pids(a.process.pid)
    assert len(old_workers) == 2
    for pid in old_workers:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: len(set(worker_pids(a.process.pid)) - set(old_workers)) == 2, 20, "new workers")
    wait_for(lambda: call(a.url, "GET", "/readyz", timeout=2).status == 200, 20, "instance a")
    assert healthz_count() - before == 20
    assert call(stack.nginx_url, "GET", "/metrics").status == 404


def test_requests_carry_a_request_id_and_one_json_log_line(stack):
    answer = call(stack.nginx_url, "GET", "/laporan?status=received")
    assert answer.status == 200
    request_id = answer.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, passed to the app
    lines = [json.loads(line) for instance in stack.instances
             for line in instance.log.read_text().splitlines() if request_id in line]
    assert len(lines) == 1
    assert lines[0]["route"] == "/laporan" and lines[0]["status"] == 200 and "received" not in json.dumps(lines[0])
    # nginx's line for it: the instance that answered, no URL, no client address.
    proxied = wait_for(lambda: [json.loads(line) for line in (stack.folder / "nginx-access.log").read_text()
                                .splitlines() if request_id in line], 5, "nginx's log line")
    assert len(proxied) == 1 and proxied[0]["status"] == 200
    assert proxied[0]["upstream"] in {f"127.0.0.1:{instance.port}" for instance in stack.instances}
    assert "laporan" not in json.dumps(proxied[0]) and "remote" not in json.dumps(proxied[0])


def test_static_files_come_from_nginx_with_a_long_cache(stack):
    for _ in range(3):
        answer = call(stack.nginx_url, "GET", "/static/css/portal.css", headers={"Accept-Encoding": "gzip"})
        assert answer.status == 200
        assert answer.headers.get("content-encoding") == "gzip"
        assert "max-age=86400" in answer.headers["cache-control"]
    versioned = call(stack.nginx_url, "GET", "/static/css/portal.css?v=1")
    assert "max-age=31536000" in versioned.headers["cache-control"]
    logged = [line for instance in stack.instances for line in instance.log.read_text().splitlines()
              if '"route":"/static/' in line]
    assert logged == []  # no instance saw them
    # Even with both instances stopped, nginx serves them.
    for instance in stack.instances:
        stack.kill_instance(instance, signal.SIGSTOP)
    try:
        assert call(stack.nginx_url, "GET", "/static/css/portal.css", timeout=5).status == 200
    finally:
        for instance in stack.instances:
            stack.kill_instance(instance, signal.SIGCONT)


def test_slow_clients_wait_in_nginx_not_in_the_app(stack):
    """More clients than the app has threads send a request body slowly: nginx holds them, and
    the app still answers everybody else at once."""
    app_threads = len(stack.instances) * int(stack.env["WEB_CONCURRENCY"]) * int(stack.env["PORTAL_THREADS"])
    slow = []
    try:
        for _ in range(app_threads + 4):
            connection = TLS.wrap_socket(socket.create_connection(("127.0.0.1", stack.nginx_https_port), timeout=5),
                                         server_hostname=PUBLIC_HOST)
            connection.sendall(f"POST /lapor HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\nContent-Length: 1000\r\n"
                               "Content-Type: application/x-www-form-urlencoded\r\n\r\nunit=".encode())
            slow.append(connection)
        started = time.monotonic()
        for _ in range(3):
            assert call(stack.nginx_url, "GET", "/healthz", timeout=5).status == 200
        assert time.monotonic() - started < 3
    finally:
        for connection in slow:
            connection.close()


def test_killing_one_instance_mid_load_loses_no_acknowledged_report(stack):
    a, b = stack.instances
    answers: list[tuple[int, str | None]] = []
    answered_before_the_kill: list[int] = []
    lock = threading.Lock()

    def resident(count: int) -> None:
        for _ in range(count):
            try:
                answer = submit_report(stack.nginx_url, stack.ids["unit"])
                code = json.loads(answer.body)[0]["service_request_id"] if answer.status == 201 else None
                outcome = (answer.status, code)
            except (OSError, http.client.HTTPException) as error:
                outcome = (0, repr(error))
            with lock:
                answers.append(outcome)
                kill_now = len(answers) == 6
            if kill_now:  # by the resident who got the 6th answer, while the others wait for theirs
                stack.kill_instance(b)
                answered_before_the_kill.append(len(answers))

    threads = [threading.Thread(target=resident, args=(8,)) for _ in range(3)]  # 24 < REPORT_LIMIT
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    acknowledged = {code for status, code in answers if status == 201}
    failed = [(status, code) for status, code in answers if status != 201]
    assert len(answers) == 24 and 24 - answered_before_the_kill[0] >= 6  # the load went on
    assert len(failed) <= 3, failed  # at most the requests B was answering when it died
    assert acknowledged <= stored_codes(stack.database_url)
    for _ in range(10):  # nginx keeps answering, from A
        assert call(stack.nginx_url, "GET", "/").status == 200
    assert submit_report(stack.nginx_url, stack.ids["unit"]).status == 201

    stack.start_instance(b)  # as systemd would (Restart=on-failure), for the tests that follow
