"""CPU per request of the cached answers, in one process, without HTTP: hello-world vs each
response-cache hit vs a 304, as the gunicorn workers of `make bench` run them (same settings).

CPU time (time.process_time) of a loop of WSGI calls is stable on a busy machine, unlike wrk's
figures: it tells whether a cache hit costs more than hello-world before any load test.

    .venv/bin/python bench/inprocess.py [N]       # N calls per URL (default 2000)
    BENCH_PROFILE=/ .venv/bin/python bench/inprocess.py   # plus a cProfile of that URL's hits

The database is the 100k (or 20k) SQLite data set of bench/.cache/ (copied), else the demo.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def dataset(work: Path) -> str:
    candidates = sorted((ROOT / "bench" / ".cache").glob("sqlite-*.sqlite3"), key=lambda p: p.stat().st_size)
    if not candidates:
        sys.exit("no bench data in bench/.cache/: run `make bench` once (BENCH_BACKENDS=sqlite)")
    copy = work / "bench.sqlite3"
    shutil.copyfile(candidates[0], copy)
    return f"sqlite:///{copy}"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-inprocess-"))
    os.environ.update({
        "DATABASE_URL": dataset(work), "FLASK_SECRET_KEY": "bench-secret-key", "FLASK_TODAY": "2025-11-06",
        "FLASK_CACHE_DIR": str(work / "cache"), "FLASK_RATELIMIT_STORAGE_URI": f"sqlite:///{work / 'rl.sqlite3'}",
        "FLASK_HEAVY_RATE_LIMIT": "1000000 per minute", "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
    })
    os.makedirs(work / "metrics")
    import logging

    from werkzeug.test import EnvironBuilder

    from benchwsgi import app

    logging.getLogger("portal.requests").handlers[0].stream  # noqa: B018 - the handler exists
    sink = open(os.devnull, "w")  # the request log goes to stderr: count its cost, not the terminal's
    sys.stderr = sink
    with app.app_context():
        from portal.extensions import db

        slug = db.session.execute(db.text("SELECT slug FROM service_unit WHERE active ORDER BY id LIMIT 1")).scalar()

    def environ(path, headers):
        return EnvironBuilder(path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

    def call(env):
        status = []
        body = app(dict(env), lambda s, h, e=None: status.append(s))
        data = b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return status[0], data

    gz = {"Accept-Encoding": "gzip"}
    etag_env = environ("/", gz)
    call(etag_env)
    _, _ = call(etag_env)
    # The ETag of / (gzip variant): ask once with a real request
    client = app.test_client()
    etag = client.get("/", headers=gz).headers["ETag"]
    cases = [
        ("hello-world", "/__bench/hello", gz),
        ("/ (hit)", "/", gz),
        ("/unit/SLUG (hit)", f"/unit/{slug}", gz),
        ("/api/v1/status (hit)", "/api/v1/status", gz),
        ("/statistik (hit)", "/statistik", gz),
        ("/feed.atom (hit)", "/feed.atom", gz),
        ("304 on /", "/", {**gz, "If-None-Match": etag}),
    ]
    profile_path = os.environ.get("BENCH_PROFILE")
    print(f"{'request':24} {'status':>8} {'CPU us/req':>11} {'x hello':>8}", file=sys.__stdout__)
    hello = None
    for label, path, headers in cases:
        env = environ(path, headers)
        status, _ = call(env)  # fills the cache
        for _ in range(50):
            call(env)
    if os.environ.get("BENCH_GC_FREEZE"):
        import gc

        gc.collect()
        gc.freeze()
    for label, path, headers in cases:
        env = environ(path, headers)
        status, _ = call(env)
        started = time.process_time()
        for _ in range(N):
            call(env)
        per = (time.process_time() - started) / N * 1e6
        hello = hello or per
        print(f"{label:24} {status.split()[0]:>8} {per:11.0f} {per / hello:8.2f}", file=sys.__stdout__, flush=True)
        if profile_path and path.split("?")[0] == profile_path and "If-None-Match" not in headers:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(N):
                call(env)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue(), file=sys.__stdout__)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        sys.stderr = sys.__stderr__
        raise
