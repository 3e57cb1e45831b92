"""Staff login and logout, with throttling and a temporary lock after repeated failures."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from .. import audit
from ..clock import now
from ..extensions import db, limiter
from ..htmx import render
from ..models import User
from . import sessions
from .forms import LoginForm

bp = Blueprint("auth", __name__)

# Compared against when the e-mail is unknown, so both cases cost the same time.
_DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128


def safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute; 100 per hour", methods=["POST"])
def login():
    """Staff login form."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif user.is_locked(now()):
            pass  # same answer as a wrong password: do not tell an attacker the lock exists
        elif user.is_active and user.check_password(form.password.data):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now()
            audit.record("login.success", user, actor=user, opd_id=user.opd_id)
            db.session.commit()
            sessions.start(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")))
        else:
            register_failure(user)
        flash(_("Wrong e-mail or password, or the account is temporarily locked. "
                "Try again in a few minutes."), "error")
        status = 400
    elif request.method == "POST":
        status = 400
    return render("auth/login.html", form=form, status=status)


def register_failure(user: User) -> None:
    user.failed_logins = (user.failed_logins or 0) + 1
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if user.failed_logins >= limit:
        minutes = current_app.config["LOGIN_LOCK_MINUTES"]
        user.locked_until = now() + timedelta(minutes=minutes)
        user.failed_logins = 0
        audit.record("login.locked", user, actor=user, opd_id=user.opd_id,
                     after={"locked_minutes": minutes, "failures": limit},
                     summary=f"Akun dikunci {minutes} menit setelah {limit} kali gagal masuk")
    else:
        audit.record("login.failure", user, actor=user, opd_id=user.opd_id,
                     after={"failures": user.failed_logins})
    db.session.commit()


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST with CSRF, so another site cannot sign staff out), on every device."""
    sessions.end(current_user)
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.index"))
