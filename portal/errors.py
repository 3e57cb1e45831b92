"""Error pages in the user's language; JSON errors under /api/, Open311 errors under /open311/."""

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (BadRequest, Forbidden, HTTPException, InternalServerError,
                                 MethodNotAllowed, NotFound, SecurityError)

from .htmx import add_vary


def default_message(code: int) -> str:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        403: _("You do not have permission to open this page or make this change."),
        404: _("The page you are looking for does not exist or has moved."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Wait a moment and try again."),
        500: _("Something went wrong on our side. Your data is safe; try again in a moment."),
        503: _("The portal is very busy right now and did not save this. Wait a few seconds and send it "
               "again."),
    }.get(code, _("The request could not be completed."))


def title(code: int) -> str:
    return {
        400: _("Invalid request"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        429: _("Too many requests"),
        500: _("Server error"),
        503: _("Busy"),
    }.get(code, _("Error"))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, message: str | None = None):
    message = message or default_message(code)
    if request.path.startswith("/open311/"):
        from .open311.formats import error_response

        return error_response(code, [message])
    if wants_json():
        return jsonify(error={"status": code, "message": message}), code
    response = make_response(render_template("errors/error.html", code=code, title=title(code),
                                             message=message), code)
    return add_vary(response)


def handle_http_error(error: HTTPException):
    code = error.code or 500
    description = getattr(error, "portal_message", None)
    response = make_response(render_error(code, description))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))  # RFC 9110: a 405 says what is allowed
    return response


def handle_csrf_error(error: CSRFError):
    return render_error(400, _("This form has expired or was not sent from this site. "
                               "Reload the page and try again; nothing was changed."))


def handle_untrusted_host(error: SecurityError):
    """A Host header outside TRUSTED_HOSTS: a short page that builds no URL (there is no URL
    adapter for such a request) and does not repeat the host."""
    message = _("This site address is not served here. Open the portal at its official address.")
    response = make_response(f"<!doctype html><title>{escape(title(400))}</title><h1>{escape(title(400))}"
                             f"</h1><p>{escape(message)}</p>", 400)
    response.mimetype = "text/html"
    return response


def handle_unexpected(error: Exception):
    from flask import current_app

    from .extensions import db

    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return render_error(500)


# What the databases say when a write waited too long for another one (SQLite's busy timeout,
# PostgreSQL's lock_timeout): the moment is busy, nothing is wrong with the request.
BUSY_MESSAGES = ("database is locked", "database table is locked", "lock timeout")


def handle_database_busy(error: OperationalError):
    """A write that could not get the database in time (a surge of reports on SQLite): 503 with
    Retry-After, nothing half-saved; any other operational error is a 500."""
    from flask import current_app

    from .extensions import db

    db.session.rollback()
    if not any(text in str(error.orig).lower() for text in BUSY_MESSAGES):
        current_app.logger.exception("Database error on %s %s", request.method, request.path)
        return render_error(500)
    current_app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
    response = make_response(render_error(503))
    response.headers["Retry-After"] = "5"
    return response


def refuse_nul_characters() -> None:
    """A NUL character in the URL or a form is never meant; PostgreSQL would fail on it (a 500)."""
    values = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values.extend(request.form.values())
    if any("\x00" in value for value in values):
        bad_request(_("The request contains characters that are not allowed."))


def register(app) -> None:
    app.before_request(refuse_nul_characters)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_busy)
    # Flask wraps any unhandled exception in InternalServerError (outside debug and testing).
    app.register_error_handler(InternalServerError, handle_unexpected)


def _abort(exception_class, message: str | None):
    """Raise an HTTP error whose page shows ``message`` (already translated) when given."""
    error = exception_class()
    if message:
        error.portal_message = message
    raise error


def bad_request(message: str):
    """Abort with 400 and a message for the user (already translated)."""
    _abort(BadRequest, message)


def not_found(message: str | None = None):
    _abort(NotFound, message)


def forbidden(message: str | None = None):
    """Abort with 403 and a message for the user (already translated)."""
    _abort(Forbidden, message)
