"""gunicorn settings for Portal Layanan: `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line flags override this file (`-b HOST:PORT -w N`). Environment:
- PORTAL_BIND       address to listen on (default 127.0.0.1:8000; nginx is in front);
- WEB_CONCURRENCY   worker processes (default 2 x CPU cores + 1);
- PORTAL_THREADS    threads per worker (default 4): a request waiting on PostgreSQL holds a
                    thread, not a whole process. Connections to PostgreSQL per instance are at
                    most workers x threads: keep instances x workers x threads below max_connections.
- PORTAL_WORKER_CONNECTIONS  connections one worker holds at most (gunicorn's default, 1000). With
                    it the first worker to wake up accepts nearly every connection opened at once
                    (wrk's 32: 31 on one worker and 1 on another, `ss -tnp`). 2 x threads spreads
                    them evenly (8, 8, 8, 8), but a client arriving while every worker holds its
                    share waits in the listen backlog: /healthz from a second address while 32
                    connections hammered /jadwal took p50 60-70 ms, p99 335-756 ms, against 8-23
                    and ~100 ms with 1000; the cached pages did no measurably better with 8 once
                    they cost 0.2 ms. So the default stays; `make bench-compare` has both.
- PORTAL_MAX_REQUESTS  requests after which a worker is replaced (default 50000, jittered by a
                    tenth): a guard against slow leaks. Replacing a worker costs about 1 s of CPU
                    (importing the app) and drops its kept-alive connections; at 2000 (the old
                    value) four busy workers were replaced every few seconds, which showed as a
                    second of CPU per 2000 requests and p99s near 1 s in `make bench`.
- PORTAL_GC_FREEZE  1 (default): each worker, once the app is loaded, moves every object it has to
                    the garbage collector's permanent generation (gc.freeze()). A full collection
                    of a worker's ~150,000 objects took 70-150 ms on this 2-core machine, a pause
                    of every request the worker holds; frozen, it skips them. 0 turns it off.
- PORTAL_WARM_UP    paths each worker renders once before it takes requests (default "/ /jadwal /statistik";
                    empty: none), so that no visitor pays a worker's first render (templates and
                    SQL compiled, catalogs loaded: ~145 ms of CPU for `/` against ~20 ms after).
- PROMETHEUS_MULTIPROC_DIR  where the workers write their metrics so that /metrics adds them up;
                    a fresh temporary folder when unset (emptied at every start either way).
"""

import gc
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = int(os.environ.get("PORTAL_THREADS") or 4)
worker_connections = int(os.environ.get("PORTAL_WORKER_CONNECTIONS") or 1000)

# A worker silent for this long (a stuck request) is killed and replaced, freeing its slot;
# nginx gives up on the request at the same moment (proxy_read_timeout in deploy/nginx.conf).
timeout = 30
graceful_timeout = 20  # on stop or reload, requests in progress get this long to finish
keepalive = 5  # longer than nginx's upstream keepalive_timeout (4 s), so nginx closes first
# Workers are replaced after a number of requests (jittered so they do not restart together).
max_requests = int(os.environ.get("PORTAL_MAX_REQUESTS") or 50000)
max_requests_jitter = max_requests // 10

# The request line and headers a browser or API client sends are far below these limits.
limit_request_line = 4094
limit_request_fields = 64
limit_request_field_size = 8190

# The app writes one structured JSON line per request (portal/observability.py): no access log here.
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "portal"
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files: never on a slow disk

# Set before any worker imports prometheus_client, so that every worker writes its metrics there.
_created_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _created_metrics_dir = tempfile.mkdtemp(prefix="portal-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _created_metrics_dir


def on_starting(server):
    """Before the first fork: empty the metrics folder, and tell the app how many workers run
    (portal/production.py refuses memory:// rate limits with more than one)."""
    metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(metrics_dir, exist_ok=True)
    for name in os.listdir(metrics_dir):
        path = os.path.join(metrics_dir, name)
        if os.path.isfile(path):
            os.remove(path)
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)


def post_worker_init(worker):
    """The app is loaded: warm it up, then what exists lives as long as the worker, never to be
    collected."""
    warm_up(worker)
    if os.environ.get("PORTAL_GC_FREEZE", "1") != "0":
        gc.collect()
        gc.freeze()


def warm_up(worker):
    """Render the busiest pages once before the worker takes requests: a worker's first render of
    `/` cost ~145 ms of CPU (compiling templates and SQL statements, loading the catalogs), its
    next ones ~20 ms, so without this the first visitors after a start or a replacement wait for
    it. A failure (the database not reachable yet) is logged and the worker starts anyway."""
    from werkzeug.test import Client

    client = Client(worker.wsgi)
    for path in filter(None, os.environ.get("PORTAL_WARM_UP", "/ /jadwal /statistik").split()):
        try:
            status = client.get(path, headers={"X-Request-ID": "warm-up"}).status_code
        except Exception as error:  # noqa: BLE001 - a warm-up never keeps a worker from starting
            worker.log.warning("warm-up of %s failed: %r", path, error)
        else:
            worker.log.debug("warm-up of %s: %s", path, status)


def child_exit(server, worker):
    """A worker ended: its live gauges leave the totals (its counters stay in them)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _created_metrics_dir:
        shutil.rmtree(_created_metrics_dir, ignore_errors=True)
