"""What operators see of the running app: one JSON log line per request and Prometheus metrics.

Nothing personal is recorded. A request is described by its route template (`/lapor/<code>`,
never the tracking code itself), method, status, duration and a request id; never the query
string, the client address, a cookie or a form value.

Under gunicorn each worker is a process of its own. When PROMETHEUS_MULTIPROC_DIR is set
(gunicorn.conf.py sets it before the workers start), every worker writes its figures to files
there and a scrape adds up the files of all workers of the instance; without it (flask run, tests)
the figures live in this process only.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               generate_latest, multiprocess)

REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by route template, method and status.",
                   ["route", "method", "status"])
DURATION = Histogram("portal_http_request_duration_seconds", "Time to answer a request, by route template.",
                     ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REPORTS_RECEIVED = Counter("portal_reports_received", "New disruption reports stored, by channel.",
                           ["source"])

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED_ROUTE = "(unmatched)"  # a 404 or a 405 before routing: the path itself is never a label
# Any other method a client invents is counted as "other": labels must stay a short list.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_ID_HEADER = "X-Request-ID"
ROUTE_ENVIRON_KEY = "portal.route"  # the route template of the answer, for a later replay of it
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = logging.getLogger("portal.requests")


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment (gunicorn and pytest replace it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def report_received(source: str) -> None:
    """Count a newly stored report (source: web or open311)."""
    REPORTS_RECEIVED.labels(source=source).inc()


def request_id() -> str:
    """The request id the proxy sent (X-Request-ID), or a fresh one when absent or malformed."""
    return request_id_of(request.environ)


def route_template() -> str:
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED_ROUTE


def start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id()


def finish_request(response):
    """Echo the request id, count the request, write its log line."""
    started = g.get("request_started")
    rid = g.get("request_id") or request_id()  # a before_request earlier than ours may have refused it
    duration = time.perf_counter() - started if started is not None else 0.0
    route = route_template()
    request.environ[ROUTE_ENVIRON_KEY] = route  # for the response cache's replay (portal/http_cache.py)
    response.headers[REQUEST_ID_HEADER] = rid
    record(route, request.method, response.status_code, duration, rid)
    return response


def record(route: str, method: str, status: int, duration: float, rid: str) -> None:
    """Count one answered request and write its log line (also for answers replayed before Flask)."""
    method = method if method in KNOWN_METHODS else "other"
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    DURATION.labels(route=route).observe(duration)
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps({
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": "request",
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration * 1000, 1),
            "request_id": rid,
        }, separators=(",", ":")))


def request_id_of(environ) -> str:
    """request_id() from a WSGI environ, outside a Flask request."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def configure_request_log(enabled: bool) -> None:
    """One handler per process, on stderr (journald under systemd), the message alone."""
    if not log.handlers:
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.INFO if enabled else logging.WARNING)


def exposition() -> bytes:
    """The metrics in Prometheus text format: of every worker of this instance when under gunicorn."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def is_local_request() -> bool:
    """A request from this machine that did not come through a proxy (which adds X-Forwarded-For)."""
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def bearer_token_matches(expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def register(app: Flask) -> None:
    configure_request_log(app.config.get("REQUEST_LOG", True))
    # First of all before_request functions of the app, so that the duration covers them.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(finish_request)
