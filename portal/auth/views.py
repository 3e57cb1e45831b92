"""Staff login and logout: failures throttled per account and address (never an account lock)."""

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from .. import audit
from ..clock import now
from ..extensions import db, limiter
from ..htmx import render
from ..models import User
from . import sessions, throttle
from .forms import LoginForm

bp = Blueprint("auth", __name__)

# Compared against when the e-mail is unknown, so both cases cost the same time.
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128


def safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.dashboard")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Staff login form."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        # The hash work is done whatever comes next (unknown account, throttled, deactivated), so
        # the time of the answer tells nothing about the account.
        password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, form.password.data)
        attempt = throttle.Attempt(email, user.throttle_epoch if user else 0)
        wait = attempt.wait()
        if wait is not None:
            return throttled(form, wait)
        if user is not None and user.is_active and password_ok:
            attempt.succeeded()
            return signed_in(user, bool(form.remember.data))
        register_failure(user, attempt)
        flash(_("Wrong e-mail or password."), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render("auth/login.html", form=form, status=status)


def signed_in(user: User, remember: bool):
    failures = user.failed_logins or 0
    user.failed_logins = 0
    user.last_login_at = now()
    audit.record("login.success", user, actor=user, opd_id=user.opd_id)
    db.session.commit()
    sessions.start(user, remember=remember)
    if failures:  # the owner learns that someone tried
        flash(ngettext("%(num)d failed sign-in attempt on your account since your last sign-in. If it "
                       "was not you, tell the portal administrators.",
                       "%(num)d failed sign-in attempts on your account since your last sign-in. If "
                       "they were not yours, tell the portal administrators.", failures), "warning")
    return redirect(safe_next(request.args.get("next")))


def throttled(form: LoginForm, wait: int):
    """Too many failures for this account from this address: wait (other addresses are not affected)."""
    flash(ngettext("Too many failed sign-ins for this account from your network. Try again in %(num)d "
                   "minute.", "Too many failed sign-ins for this account from your network. Try again in "
                   "%(num)d minutes.", math.ceil(wait / 60)), "error")
    response = render("auth/login.html", form=form, status=429)
    response.headers["Retry-After"] = str(wait)
    return response


def register_failure(user: User | None, attempt: throttle.Attempt) -> None:
    """Count the failure for the throttle; on a known account, audit it and keep it for the notice."""
    started_wait = attempt.failed()
    if user is None:
        return
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record("login.failure", user, actor=user, opd_id=user.opd_id,
                 after={"failures": user.failed_logins})
    if started_wait:
        audit.record("login.throttled", user, actor=user, opd_id=user.opd_id,
                     after={"failures": user.failed_logins},
                     summary=f"Percobaan masuk dari {attempt.address} ditahan sementara")
    db.session.commit()


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST with CSRF, so another site cannot sign staff out), on every device."""
    sessions.end(current_user)
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.index"))
