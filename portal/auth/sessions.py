"""Staff sessions that end on the server.

A session (and the "keep me signed in" cookie, which carries the same login id) names
``USER_ID.BINDING.ISSUED.KIND``:

- BINDING hashes the account's session generation and password hash (``User.session_binding``).
  Logout, deactivation, reactivation, a new password and a new role or agency raise the
  generation (``User.end_sessions``), so every session and remember-me cookie of the account,
  copies included, stops working at once, on every device.
- ISSUED is when the person typed the password (Unix seconds), KIND ``r`` (remember me) or ``s``.
  A remembered login lasts at most STAFF_REMEMBER_DAYS, any other STAFF_SESSION_HOURS, and ends
  after STAFF_IDLE_MINUTES without a request (``seen_at`` in the signed session cookie).

Both cookies are signed with SECRET_KEY, so nobody can write these values but the server.
"""

from __future__ import annotations

import hmac
import time
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import login_user, logout_user

from ..extensions import db, login_manager
from ..models import User

REMEMBERED, PLAIN = "r", "s"
SEEN_EVERY = 60  # seconds: seen_at is rewritten at most once a minute


def configure(app: Flask) -> None:
    """Remember-me cookie as strict as the session cookie; its lifetime from STAFF_REMEMBER_DAYS."""
    config = app.config
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=config["STAFF_REMEMBER_DAYS"])
    config["REMEMBER_COOKIE_SECURE"] = bool(config.get("REMEMBER_COOKIE_SECURE")
                                            or config["SESSION_COOKIE_SECURE"])
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config.setdefault("REMEMBER_COOKIE_SAMESITE", config["SESSION_COOKIE_SAMESITE"])
    login_manager.user_loader(load_user)


def login_id(user: User, remember: bool, issued: int | None = None) -> str:
    """What the session and the remember-me cookie name: USER_ID.BINDING.ISSUED.KIND."""
    issued = int(time.time()) if issued is None else issued
    return f"{user.get_id()}.{issued}.{REMEMBERED if remember else PLAIN}"


def start(user: User, remember: bool) -> None:
    """Sign ``user`` in on this browser (the password was just checked)."""
    login_user(user, remember=remember)
    # Flask-Login stored user.get_id(); the remember cookie is written from this same value.
    session["_user_id"] = login_id(user, remember)
    session["seen_at"] = int(time.time())


def end(user: User) -> None:
    """Sign out everywhere: this browser, the account's other sessions and remember-me cookies."""
    user.end_sessions()
    db.session.commit()
    logout_user()


def max_age(kind: str) -> float:
    config = current_app.config
    if kind == REMEMBERED:
        return config["STAFF_REMEMBER_DAYS"] * 86400
    return config["STAFF_SESSION_HOURS"] * 3600


def load_user(login_id: str) -> User | None:
    """The signed-in user, unless the login id is stale, expired or idle for too long."""
    parts = login_id.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit() or parts[3] not in (REMEMBERED, PLAIN):
        return None
    user_id, binding, issued, kind = int(parts[0]), parts[1], int(parts[2]), parts[3]
    now = time.time()
    if not (0 <= now - issued <= max_age(kind)):
        return None
    seen = session.get("seen_at", issued)
    if kind == PLAIN and (not isinstance(seen, int) or now - seen > current_app.config["STAFF_IDLE_MINUTES"] * 60):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or not hmac.compare_digest(binding, user.session_binding()):
        return None
    if not isinstance(seen, int) or now - seen >= SEEN_EVERY:
        session["seen_at"] = int(now)
    return user
