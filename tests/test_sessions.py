"""Staff sessions end on the server: logout, deactivation, reactivation, a new password and a new
role end every session and every "keep me signed in" cookie of the account, even copies kept
elsewhere; remember-me lasts at most STAFF_REMEMBER_DAYS and its cookie is Secure like the
session's; an idle staff session ends after STAFF_IDLE_MINUTES, any session after
STAFF_SESSION_HOURS."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, User

from . import factories as f

EMAIL = "petugas@bekasikota.go.id"
CITY = "bkpsdm@bekasikota.go.id"


@pytest.fixture
def staff(app):
    with app.app_context():
        opd = f.opd("Disdukcapil")
        f.user(EMAIL, Role.OPD_ADMIN, opd)
        f.user(CITY, Role.CITY_ADMIN, None)
        db.session.commit()
        return opd.id


def sign_in(client, email=EMAIL, remember=False):
    data = {"email": email, "password": f.PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/admin/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, name
    return found.value


def browser_with(app, **cookies):
    """Another browser that only has copies of these cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def change_user(app, email=EMAIL, **values):
    """What a city admin does at /admin/pengguna/ID (through the same form)."""
    admin = app.test_client()
    sign_in(admin, CITY)
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        data = {"email": user.email, "name": user.name, "role": user.role, "opd_id": user.opd_id or 0,
                "is_active_account": "y" if user.is_active_account else ""}
    data.update(values)
    data = {key: value for key, value in data.items() if value != ""}
    response = admin.post(f"/admin/pengguna/{user.id}", data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def test_a_copied_session_cookie_no_longer_works_after_logout(app, client, staff):
    sign_in(client)
    copy = browser_with(app, session=cookie(client, "session"))
    assert signed_in(copy)
    client.post("/admin/logout")
    assert not signed_in(client)
    assert not signed_in(copy)


def test_logout_ends_the_sessions_of_the_account_on_every_device(app, client, staff):
    other_device = app.test_client()
    sign_in(client)
    sign_in(other_device, remember=True)
    client.post("/admin/logout")
    assert not signed_in(other_device)


def test_remember_me_cookie_is_worthless_after_logout(app, client, staff):
    sign_in(client, remember=True)
    token = cookie(client, "remember_token")
    assert signed_in(browser_with(app, remember_token=token))  # it does sign a browser in ...
    client.post("/admin/logout")
    assert not signed_in(browser_with(app, remember_token=token))  # ... until the owner signs out


@pytest.mark.parametrize("change", ["deactivate_and_reactivate", "role", "opd", "password"])
def test_account_changes_end_every_session_and_remember_me(app, client, staff, change):
    sign_in(client, remember=True)
    token, session_cookie = cookie(client, "remember_token"), cookie(client, "session")
    if change == "deactivate_and_reactivate":
        change_user(app, is_active_account="")
        change_user(app, is_active_account="y")
    elif change == "role":
        change_user(app, role="city_admin", opd_id=0)
    elif change == "opd":
        with app.app_context():
            other = f.opd("Dinkes")
            db.session.commit()
            other_id = other.id
        change_user(app, opd_id=other_id)
    else:
        admin = app.test_client()
        sign_in(admin, CITY)
        with app.app_context():
            user_id = db.session.scalar(select(User.id).filter_by(email=EMAIL))
        response = admin.post(f"/admin/pengguna/{user_id}/sandi",
                              data={"sandi-password": "kata-sandi-baru-1234", "sandi-password_confirm":
                                    "kata-sandi-baru-1234"})
        assert response.status_code in (302, 303)
    assert not signed_in(client)
    assert not signed_in(browser_with(app, remember_token=token))
    assert not signed_in(browser_with(app, session=session_cookie))


def test_changing_only_the_name_keeps_the_session(app, client, staff):
    sign_in(client)
    change_user(app, name="Nama Baru")
    assert signed_in(client)


@pytest.mark.config(SESSION_COOKIE_SECURE=True)
def test_remember_cookie_is_secure_httponly_samesite_and_lasts_at_most_14_days(app, client, staff):
    response = sign_in(client, remember=True)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    expires = client.get_cookie("remember_token").expires
    assert expires is not None
    days = (expires.timestamp() - time.time()) / 86400
    assert 13.9 < days <= 14.01


def test_a_remember_cookie_older_than_the_limit_is_refused_by_the_server(app, client, staff):
    """The browser drops the cookie after 14 days; a copy kept longer is refused all the same."""
    sign_in(client, remember=True)
    login_id = cookie(client, "remember_token")
    with app.test_request_context():
        from flask_login.utils import decode_cookie

        user_id, binding, issued, kind = decode_cookie(login_id).split(".")
        old = int(issued) - 15 * 86400
        fresh = encode_cookie(f"{user_id}.{binding}.{int(issued) - 13 * 86400}.{kind}")
        stale = encode_cookie(f"{user_id}.{binding}.{old}.{kind}")
    assert signed_in(browser_with(app, remember_token=fresh))
    assert not signed_in(browser_with(app, remember_token=stale))


def test_an_idle_staff_session_ends_after_the_idle_timeout(app, client, staff):
    sign_in(client)
    assert signed_in(client)
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60
    assert signed_in(client)  # 29 minutes: still there, and the clock starts again
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60
        session["seen_at"] = int(time.time()) - 31 * 60
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_any_session_ends_after_the_absolute_timeout(app, client, staff):
    sign_in(client)
    with client.session_transaction() as session:
        user_id, binding, issued, kind = session["_user_id"].split(".")
        session["_user_id"] = f"{user_id}.{binding}.{int(issued) - 13 * 3600}.{kind}"
    assert not signed_in(client)


def test_timeouts_are_settings(app):
    assert app.config["STAFF_IDLE_MINUTES"] == 30
    assert app.config["STAFF_SESSION_HOURS"] == 12
    assert app.config["STAFF_REMEMBER_DAYS"] == 14
