"""Endpoints for operators and their tools: Prometheus metrics and readiness.

`/healthz` (liveness, with its database check kept as it always was) stays in the public
blueprint; `/readyz` says whether this instance can serve now: the database and every Redis
it is configured with answer.
"""

from flask import Blueprint, Response, current_app, jsonify
from flask_babel import gettext as _

from .. import observability
from ..errors import render_error
from . import readiness

bp = Blueprint("ops", __name__)

NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/metrics")
def metrics():
    """Prometheus metrics of this instance: with METRICS_TOKEN as a bearer token, else from localhost only."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        if not observability.bearer_token_matches(token):
            response = render_error(401, _("The metrics need the operators' token."))
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    elif not observability.is_local_request():
        return render_error(403, _("The metrics are only served to this machine, or with a token."))
    mail_queue_gauge()
    return Response(observability.exposition(), content_type=observability.METRICS_CONTENT_TYPE,
                    headers=NO_STORE)


def mail_queue_gauge() -> None:
    """The mail queue's length (portal_mail_queue_messages), read from the database at each scrape."""
    from ..mail import outbox

    try:
        outbox.update_gauge()
    except Exception:  # noqa: BLE001 - a database down still gets the other metrics out
        from ..extensions import db

        db.session.rollback()


@bp.get("/readyz")
def readyz():
    """Readiness for a load balancer: 200 when the database and Redis answer, 503 otherwise."""
    checks = readiness.check_all()
    ready = all(state in ("ok", "not configured") for state in checks.values())
    body = jsonify(status="ok" if ready else "unavailable", **checks)
    return body, 200 if ready else 503, NO_STORE
