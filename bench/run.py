"""make bench: the portal served over HTTP by gunicorn, driven by wrk, on SQLite and (when its
binaries are installed) a throwaway PostgreSQL server.

Every figure is measured in the same run and given as a ratio to /__bench/hello, a hello-world
route of the same app served the same way (bench/benchwsgi.py), because this machine is shared
and noisy: compare within a run, not across runs. hello-world is measured again right before
each URL, and the URL's ratio is to that run (the load of a shared machine drifts within a run). The targets of issue 8 are printed beside the
figures with pass/fail; nothing here is a test.

Data: `flask --app portal bench-data` (500 units, 60 OPDs, 100k disruption reports, and 1M or
100k output records), generated once and cached in bench/.cache/ (SQLite files; a PostgreSQL
cluster directory), keyed by the code that shapes the data. Every run works on a copy.

Settings (environment): BENCH_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_WORKERS (4),
BENCH_BACKENDS ("sqlite,postgresql"), BENCH_RECORDS ("1000000,100000"), BENCH_REPORTS (100000). Any FLASK_* variable
reaches the app (e.g. to raise a rate limit of another branch).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
BIG, SMALL = (int(n) for n in os.environ.get("BENCH_RECORDS", "1000000,100000").split(","))
UNITS, OPDS = 500, 60
REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
TODAY = "2025-11-06"  # a WFH Thursday of Tahap I, inside the generated two years
TWO_YEARS = "/statistik?dari=2024-01-01&sampai=2025-12-30"
# Cold two-year requests per server, of which the median counts. The single warm-up request reaches
# one of the 4 workers; a worker's first two-year render costs ~20 ms more than its next ones (7 Dec
# 2026: 182-184 ms, then 160-164), which a live site's workers have long paid when a staff change
# comes. With 5 requests the median was often a first render; with 15, at most 4 of them are.
TWO_YEAR_REQUESTS = 15
HELLO = "/__bench/hello"
# The load runs measure cost, not the per-address limits (one wrk address would hit them at
# once); the cold runs render every request; /healthz under attack runs with the defaults.
LOAD_SETTINGS = {"FLASK_HEAVY_RATE_LIMIT": "1000000 per minute", "FLASK_REPORT_RATE_LIMIT": "1000000 per minute"}
COLD_SETTINGS = {**LOAD_SETTINGS, "FLASK_RESPONSE_CACHE": "false"}


# --- data, cached ------------------------------------------------------------------------------


def data_key() -> str:
    """Changes when the schema or the generator changes (then the cache is rebuilt)."""
    digest = hashlib.sha256()
    for folder in ("portal/models", "portal/migrations/versions", "portal/demo"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    digest.update(f"{UNITS} {OPDS} {REPORTS}".encode())
    return digest.hexdigest()[:10]


def flask(database_url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": "bench"}
    subprocess.run([str(BIN / "flask"), "--app", "portal", *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def generate(database_url: str, records: int) -> None:
    started = time.perf_counter()
    flask(database_url, "init-db")
    flask(database_url, "bench-data", "--units", str(UNITS), "--opds", str(OPDS), "--records", str(records),
          "--reports", str(REPORTS))
    print(f"   generated {records:,} records in {time.perf_counter() - started:.0f} s", flush=True)


def sqlite_dataset(records: int, work: Path) -> str:
    cached = CACHE / f"sqlite-{records}-{data_key()}.sqlite3"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob(f"sqlite-{records}-*.sqlite3"):
            old.unlink()
        partial = cached.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        generate(f"sqlite:///{partial}", records)
        partial.rename(cached)
    copy = work / f"sqlite-{records}.sqlite3"
    shutil.copyfile(cached, copy)
    return f"sqlite:///{copy}"


class Postgres:
    """A PostgreSQL cluster kept in bench/.cache/ (generated once), started for the run; each
    run works on databases copied from the generated ones (CREATE DATABASE ... TEMPLATE)."""

    def __init__(self):
        from tests.pg import find_bin_dir, free_port

        self.bin = find_bin_dir()
        self.port = free_port()
        self.data = CACHE / f"pg-{data_key()}"
        self.socket_dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.copies: list[str] = []

    def run(self, *args: str) -> None:
        command = [os.path.join(self.bin, args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://portal@/{name}?host={self.socket_dir}&port={self.port}"

    def start(self) -> None:
        fresh = not (self.data / "bench-ready").exists()
        if fresh:
            CACHE.mkdir(parents=True, exist_ok=True)
            for old in CACHE.glob("pg-*"):
                shutil.rmtree(old, ignore_errors=True)
            if os.geteuid() == 0:  # initdb runs as the postgres user: it must own the folder
                self.data.mkdir(mode=0o700)
                subprocess.run(["chown", "postgres", str(self.data)], check=True)
            self.run("initdb", "-D", str(self.data), "-U", "portal", "-A", "trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync")
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres", str(self.socket_dir), str(self.data)], check=True)
        self.run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.socket_dir / "log"), "-o",
                 f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' -c max_connections=200 "
                 "-c shared_buffers=128MB", "start")
        if fresh:
            for records in (BIG, SMALL):
                self.run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "portal",
                         f"bench_{records}")
                generate(self.url(f"bench_{records}"), records)
            self.sql("postgres", "CHECKPOINT")
            (self.data / "bench-ready").write_text("generated\n")

    def sql(self, database: str, statement: str) -> None:
        self.run("psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "portal", "-d", database,
                 "-v", "ON_ERROR_STOP=1", "-qc", statement)

    def dataset(self, records: int) -> str:
        name = f"run_{records}_{os.getpid()}"
        self.sql("postgres", f'CREATE DATABASE "{name}" TEMPLATE "bench_{records}"')
        self.sql(name, "ANALYZE")
        self.copies.append(name)
        return self.url(name)

    def stop(self) -> None:
        for name in self.copies:
            try:
                self.sql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except subprocess.CalledProcessError:
                pass
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.socket_dir, ignore_errors=True)


# --- the server -----------------------------------------------------------------------------


class Server:
    """gunicorn serving bench/benchwsgi.py (the portal plus the hello route) on a free port."""

    def __init__(self, database_url: str, settings: dict | None = None, options: list[str] | None = None):
        from tests.pg import free_port

        self.port = free_port()
        command = [str(BIN / "gunicorn")]
        config = ROOT / "gunicorn.conf.py"
        if config.exists():
            command += ["-c", str(config)]
        else:
            command += ["--worker-class", "sync", "--timeout", "120"]
        command += ["-b", f"127.0.0.1:{self.port}", "-w", str(WORKERS), "--pythonpath", str(BENCH),
                    *(options or []), "benchwsgi:app"]
        self.folder = Path(tempfile.mkdtemp(prefix="bench-server-"))  # its own cache and counters
        env = {**os.environ, "DATABASE_URL": database_url, "FLASK_SECRET_KEY": "bench-secret-key",
               "FLASK_TODAY": TODAY, "FLASK_CACHE_DIR": str(self.folder / "cache"),
               "FLASK_RATELIMIT_STORAGE_URI": f"sqlite:///{self.folder / 'ratelimit.sqlite3'}", **(settings or {})}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.port, HELLO).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        raise RuntimeError("gunicorn did not start:\n" + self.log.read().decode(errors="replace")[-3000:])

    def peak_rss_mb(self) -> list[float]:
        """VmHWM (peak resident memory) of each worker, in MB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        peaks = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return peaks

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server: its live workers, the ones it replaced, itself."""
        tick = os.sysconf("SC_CLK_TCK")

        def times(pid, fields):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return sum(int(stat[i]) for i in fields) / tick  # utime stime [cutime cstime]

        pid = self.process.pid
        total = times(pid, (11, 12, 13, 14))
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            try:
                total += times(child, (11, 12))
            except OSError:
                pass  # ended meanwhile: counted in the parent's cutime once reaped
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    seconds: float


def get(port: int, path: str, headers: dict | None = None, source: str | None = None) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300,
                                            source_address=(source, 0) if source else None)
    started = time.perf_counter()
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body, seconds)


# --- wrk ----------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float = 0.0
    p50: float = 0.0  # milliseconds
    p99: float = 0.0
    requests: int = 0
    bytes_read: float = 0.0
    non_2xx: int = 0
    errors: int = 0
    cpu_ms: float = 0.0  # the server's CPU per request (compare mode)
    raw: str = field(default="", repr=False)


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
SIZES = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def settle(port: int) -> None:
    """Wait until the server has answered what an earlier run left queued (sync workers keep
    working on requests wrk has given up on), so that each run starts on an idle server."""
    deadline = time.monotonic() + 120
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        quick = quick + 1 if get(port, HELLO).seconds < 0.05 else 0


def wrk(port: int, path: str, *, connections: int = CONNECTIONS, seconds: int = SECONDS, script: str | None = None,
        headers: dict | None = None, env: dict | None = None) -> Load:
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", "30s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(BENCH / "lua" / script)]
    command.append(f"http://127.0.0.1:{port}{path}")
    settle(port)
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})}).stdout
    load = Load(raw=out)
    load.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    for pct, attr in (("50", "p50"), ("99", "p99")):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        if match:
            setattr(load, attr, float(match.group(1)) * UNITS_MS[match.group(2)])
    match = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", out)
    load.requests, load.bytes_read = int(match.group(1)), float(match.group(2)) * SIZES[match.group(3)]
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    load.non_2xx = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    load.errors = sum(int(n) for n in match.groups()) if match else 0
    return load


# --- one backend ------------------------------------------------------------------------------------


def scalar(database_url: str, sql: str):
    """One value read straight from the benchmark's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        value = connection.execute(text(sql)).scalar()
    engine.dispose()
    return value


def first_unit(database_url: str) -> str:
    return scalar(database_url, "SELECT slug FROM service_unit WHERE active ORDER BY id LIMIT 1")


def count_reports(database_url: str) -> int:
    return scalar(database_url, "SELECT count(*) FROM report")


def first_visit_bytes(port: int) -> int:
    """/ and the static files it links, as a browser with an empty cache fetches them (gzip accepted)."""
    gz = {"Accept-Encoding": "gzip"}
    page = get(port, "/", gz)
    html = gzip.decompress(page.body) if page.headers.get("content-encoding") == "gzip" else page.body
    assets = set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', html))
    return len(page.body) + sum(len(get(port, asset.decode(), gz).body) for asset in assets)


def cold_ms(port: int, path: str, times: int) -> list[float]:
    """Latency of requests sent one after the other to a server without the response cache
    (COLD_SETTINGS): every one renders, as right after a staff change."""
    settle(port)
    return [get(port, path).seconds * 1000 for _ in range(times)]


def healthz_under_load(port: int) -> tuple[list[float], Load]:
    """/healthz from 127.0.0.2, one request after the other, while 32 connections from 127.0.0.1
    hammer /jadwal?hari=31 (two loopback addresses: the per-address limits see two clients;
    no X-Forwarded-For, which the app trusts only behind a proxy, FLASK_PROXY_FIX)."""
    latencies: list[float] = []
    result: list[Load] = []
    hammer = threading.Thread(target=lambda: result.append(wrk(port, "/jadwal?hari=31", connections=32)))
    hammer.start()
    time.sleep(0.5)
    while hammer.is_alive():
        try:
            latencies.append(get(port, "/healthz", source="127.0.0.2").seconds * 1000)
        except OSError:
            latencies.append(float("inf"))
    hammer.join()
    return latencies, result[0]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def run_backend(backend: str, big_url: str, small_url: str) -> list[tuple]:
    """The whole measurement on one backend; returns the target rows."""
    slug = first_unit(big_url)
    rows: list[tuple] = []
    server = Server(big_url, LOAD_SETTINGS)
    try:
        port = server.port
        pages = [
            ("hello-world (baseline)", HELLO),
            ("/", "/"),
            ("/unit/SLUG", f"/unit/{slug}"),
            ("/jadwal?hari=7", "/jadwal?hari=7"),
            ("/statistik (default range)", "/statistik"),
            ("/statistik (two years)", TWO_YEARS),
            ("/api/v1/status", "/api/v1/status"),
            ("/feed.atom", "/feed.atom"),
        ]
        gz = {"Accept-Encoding": "gzip"}
        for _label, path in pages:  # warm every worker: templates compiled, caches filled
            wrk(port, path, connections=8, seconds=1, headers=gz)
            settle(port)  # the cold two-year statistics queued by the warm-up would spill into the next run
        results: dict[str, Load] = {}
        # hello-world again right before each URL: its ratio is to that neighbour in time, which
        # the load of a shared machine changes alike (the baseline row is the first hello run)
        hellos: dict[str, Load] = {}
        sizes: dict[str, str] = {}
        for label, path in pages:
            if path != HELLO:
                hellos[label] = wrk(port, HELLO, headers=gz)
                settle(port)
            results[label] = wrk(port, path, headers=gz)
            settle(port)
            reply = get(port, path, gz)
            sizes[label] = f"{len(reply.body):,}" + (" gz" if reply.headers.get("content-encoding") == "gzip" else "")
        settle(port)
        etag = get(port, "/", gz).headers.get("etag")
        if etag:
            hellos["304 (If-None-Match on /)"] = wrk(port, HELLO, headers=gz)
            settle(port)
            results["304 (If-None-Match on /)"] = wrk(port, "/", headers={**gz, "If-None-Match": etag})
            sizes["304 (If-None-Match on /)"] = str(len(get(port, "/", {**gz, "If-None-Match": etag}).body))
        before = count_reports(big_url)
        post = wrk(port, "/open311/v2/requests.json", script="report.lua", env={"BENCH_UNIT": slug, "BENCH_TODAY": TODAY})
        time.sleep(1)  # requests wrk gave up on at the end may still be committing
        stored = count_reports(big_url) - before
        results["report submission (Open311 POST)"] = post
        sizes["report submission (Open311 POST)"] = "-"
        first_visit = first_visit_bytes(port)
        rss = server.peak_rss_mb()
    finally:
        server.stop()
    # Cold: the response cache off, so every request renders (as right after a staff change).
    cold_server = Server(big_url, COLD_SETTINGS)
    try:
        get(cold_server.port, TWO_YEARS)  # warm-up: templates compiled, database pages read
        cold = {
            "/": cold_ms(cold_server.port, "/", 9),
            "/jadwal?hari=7": cold_ms(cold_server.port, "/jadwal?hari=7", 9),
            "two years, big": cold_ms(cold_server.port, TWO_YEARS, TWO_YEAR_REQUESTS),
        }
        rss += cold_server.peak_rss_mb()
    finally:
        cold_server.stop()
    small_server = Server(small_url, COLD_SETTINGS)
    try:
        get(small_server.port, TWO_YEARS)  # warm-up
        cold["two years, small"] = cold_ms(small_server.port, TWO_YEARS, TWO_YEAR_REQUESTS)
    finally:
        small_server.stop()
    # /healthz under attack: the production settings (response cache on, default heavy-URL limit).
    health_server = Server(big_url)
    try:
        get(health_server.port, "/jadwal?hari=31", source="127.0.0.3")  # as on a live site: rendered once, kept
        health, hammer = healthz_under_load(health_server.port)
        rss += health_server.peak_rss_mb()
    finally:
        health_server.stop()

    hello = results["hello-world (baseline)"].rps

    def ratio(label: str) -> float:
        return results[label].rps / (hellos[label].rps if label in hellos else hello)

    print(f"\n== {backend}: gunicorn {WORKERS} workers, wrk {CONNECTIONS} connections x {SECONDS} s, "
          f"{BIG:,} output records, {UNITS} units, {OPDS} OPDs, {REPORTS:,} reports")
    rates = [load.rps for load in (results["hello-world (baseline)"], *hellos.values())]
    print(f"ratio: to a hello-world run right before each URL (hello-world's {len(rates)} runs: "
          f"{min(rates):.0f}–{max(rates):.0f} req/s); report submission: to the first")
    print(f"{'request':36} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>12} {'non-2xx':>8}")
    for label, load in results.items():
        if load.requests == 0:
            print(f"{label:36} {'no answer within ' + str(SECONDS) + ' s':>35} {sizes[label]:>12}")
            continue
        print(f"{label:36} {load.rps:9.1f} {ratio(label):7.3f} {load.p50:8.1f} {load.p99:8.1f} "
              f"{sizes[label]:>12} {load.non_2xx + load.errors:8d}")
    if not etag:
        print(f"{'304 (If-None-Match on /)':36} {'n/a: no ETag sent':>9}")
    print(f"{'cold (a new URL every request, one at a time)':46} {'median ms':>10} {'max ms':>8}")
    for label, times in cold.items():
        print(f"  {label:44} {statistics.median(times):10.1f} {max(times):8.1f}")
    acknowledged = post.requests - post.non_2xx - post.errors
    print(f"reports: {post.requests} sent, {acknowledged} acknowledged, {stored} stored")
    print(f"/healthz under load: {len(health)} requests, p50 {percentile(health, 50):.0f} ms, "
          f"p99 {percentile(health, 99):.0f} ms, max {max(health, default=float('nan')):.0f} ms; the hammer: "
          f"{hammer.rps:.0f} req/s, p99 {hammer.p99:.0f} ms, {hammer.non_2xx} answered 429 or other non-2xx")
    print(f"peak RSS per worker (MB): {', '.join(f'{mb:.0f}' for mb in rss)}")
    print(f"first visit of / with its assets: {first_visit:,} bytes")

    def cached(label, path_label):
        load = results[path_label]
        ok = load.requests > 0 and ratio(path_label) >= 0.8 and load.p99 < 100
        return (label, f"{ratio(path_label):.3f} x hello, p99 {load.p99:.0f} ms", ">= 0.8 x, p99 < 100 ms", ok)

    rows += [cached("cached /", "/"), cached("cached /unit/SLUG", "/unit/SLUG"),
             cached("cached /api/v1/status", "/api/v1/status"),
             cached("cached /statistik", "/statistik (default range)")]
    if etag:
        not_modified = ratio("304 (If-None-Match on /)")
        rows.append(("304 answer", f"{not_modified:.3f} x hello", ">= 0.9 x", not_modified >= 0.9))
    else:
        rows.append(("304 answer", "n/a (no ETag sent)", ">= 0.9 x", None))
    cold_page, cold_grid = statistics.median(cold["/"]), statistics.median(cold["/jadwal?hari=7"])
    big, small = statistics.median(cold["two years, big"]), statistics.median(cold["two years, small"])
    rows += [
        ("cold / (500 units)", f"{cold_page:.0f} ms", "< 50 ms", cold_page < 50),
        ("cold /jadwal?hari=7 (500 units)", f"{cold_grid:.0f} ms", "< 80 ms", cold_grid < 80),
        (f"/statistik two years, {BIG:,} records", f"{big:.0f} ms", "< 150 ms", big < 150),
        (f"/statistik two years {BIG:,} / {SMALL:,}", f"{big / small:.2f} x", "<= 1.2 x", big / small <= 1.2),
        ("report submission", f"{post.rps:.0f}/s, {stored} of {acknowledged} stored", ">= 100/s, all stored",
         post.rps >= 100 and stored >= acknowledged),
        ("peak RSS per worker", f"{max(rss):.0f} MB", "<= 150 MB", max(rss) <= 150),
        ("/ with assets, first visit", f"{first_visit / 1024:.1f} KB", "<= 40 KB", first_visit <= 40 * 1024),
        ("/healthz while /jadwal?hari=31 is hammered", f"p99 {percentile(health, 99):.0f} ms", "< 200 ms",
         percentile(health, 99) < 200),
    ]
    print(f"\n{'target (issue 8)':46} {'measured':34} {'target':22} result")
    for label, measured, target, ok in rows:
        print(f"{label:46} {measured:34} {target:22} {'n/a' if ok is None else 'pass' if ok else 'FAIL'}")
    return rows


# --- BENCH_COMPARE: gunicorn settings side by side, on the cached answers ---------------------------

# name: gunicorn options added to the repo's gunicorn.conf.py (command-line options win over it).
BEFORE = ("--worker-connections 1000 --max-requests 2000 --max-requests-jitter 200 --env PORTAL_GC_FREEZE=0 "
          "--env FLASK_RESPONSE_REPLAY_BYTES=0")  # gunicorn.conf.py and the app before branch cached-tail
COMPARE_DEFAULT = (f"before: {BEFORE}; no-replay: --env FLASK_RESPONSE_REPLAY_BYTES=0; now: ; "
                   "conns8: --worker-connections 8; sync: -k sync; threads1: --threads 1")


def compare_configs(spec: str) -> list[tuple[str, list[str]]]:
    configs = []
    for item in (COMPARE_DEFAULT if spec in ("1", "default") else spec).split(";"):
        name, _, options = item.partition(":")
        configs.append((name.strip(), options.split()))
    return configs


def compare(database_url: str, spec: str) -> None:
    """Hello-world and the cached answers under several gunicorn settings, interleaved (each URL
    is measured under every setting before the next URL) so that a noisy machine disturbs them
    alike; BENCH_ROUNDS repeats the whole. Each page is measured right after a hello-world run of
    the same setting, and its ratio is to that run."""
    slug = first_unit(database_url)
    paths = [("hello", HELLO), ("/", "/"), ("/unit/SLUG", f"/unit/{slug}"), ("/api/v1/status", "/api/v1/status"),
             ("/statistik", "/statistik"), ("304 on /", "/")]
    configs = compare_configs(spec)
    rounds = int(os.environ.get("BENCH_ROUNDS", "1"))
    gz = {"Accept-Encoding": "gzip"}
    servers: dict[str, Server] = {}
    results: dict[tuple[str, str], list[Load]] = {}
    try:
        for name, options in configs:
            servers[name] = Server(database_url, LOAD_SETTINGS, options)
            for _label, path in paths:
                wrk(servers[name].port, path, connections=8, seconds=1, headers=gz)
        etags = {name: get(server.port, "/", gz).headers["etag"] for name, server in servers.items()}
        for _ in range(rounds):
            for label, path in paths[1:]:
                for name, _options in configs:
                    # hello-world right before each page: the ratio compares neighbours in time,
                    # which the load of a shared machine changes alike
                    for measured, url in (("hello", HELLO), (label, path)):
                        headers = {**gz, "If-None-Match": etags[name]} if measured.startswith("304") else gz
                        settle(servers[name].port)
                        before = servers[name].cpu_seconds()
                        load = wrk(servers[name].port, url, headers=headers)
                        load.cpu_ms = (servers[name].cpu_seconds() - before) * 1000 / max(load.requests, 1)
                        results.setdefault((name, measured), []).append(load)
    finally:
        for server in servers.values():
            server.stop()
    print(f"\n== gunicorn settings compared: {WORKERS} workers, wrk {CONNECTIONS} connections x {SECONDS} s, "
          f"{rounds} round(s); req/s (ratio to the same setting's hello measured just before), p99 ms; "
          "medians of the rounds (hello: of all its runs)")
    print("and the server's CPU per request (ms: workers + master, wrk excluded), steadier than req/s on a busy machine")
    print(f"{'setting':22}" + "".join(f"{label:>27}" for label, _ in paths))
    for name, options in configs:
        cells = []
        hellos = results[(name, "hello")]  # one before each page of each round, in order
        for label, _path in paths:
            loads = results[(name, label)]
            rps = statistics.median(load.rps for load in loads)
            p99 = statistics.median(load.p99 for load in loads)
            cpu = statistics.median(load.cpu_ms for load in loads)
            if label == "hello":
                ratio = 1.0
            else:
                index = [other for other, _ in paths[1:]].index(label)
                neighbours = hellos[index::len(paths) - 1]
                ratio = statistics.median(load.rps / hello.rps for load, hello in zip(loads, neighbours))
            bad = sum(load.non_2xx + load.errors for load in loads) if not label.startswith("304") else 0
            cells.append(f"{rps:5.0f} ({ratio:4.2f}) {p99:4.0f} {cpu:4.2f}" + ("!" if bad else " "))
        print(f"{name:22}" + "".join(f"{cell:>27}" for cell in cells))
    print("settings: " + "; ".join(f"{name} = {' '.join(options) or '(gunicorn.conf.py)'}" for name, options in configs))


def machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return (f"{os.cpu_count()} CPU ({cpu.group(1).strip() if cpu else '?'}), "
            f"{int(mem.group(1)) / 1024 ** 2:.1f} GB RAM, Python {sys.version.split()[0]}")


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    started = time.perf_counter()
    print(f"machine: {machine()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        if os.environ.get("BENCH_COMPARE"):
            print("== preparing SQLite data", flush=True)
            compare(sqlite_dataset(SMALL, work), os.environ["BENCH_COMPARE"])
            return
        if "sqlite" in BACKENDS:
            print("== preparing SQLite data", flush=True)
            run_backend("SQLite (WAL)", sqlite_dataset(BIG, work), sqlite_dataset(SMALL, work))
        if "postgresql" in BACKENDS:
            from tests.pg import find_bin_dir

            if find_bin_dir() is None:
                print("\n== PostgreSQL: not installed, skipped")
            else:
                print("\n== preparing PostgreSQL data", flush=True)
                postgres = Postgres()
                try:
                    postgres.start()
                    run_backend("PostgreSQL", postgres.dataset(BIG), postgres.dataset(SMALL))
                finally:
                    postgres.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
