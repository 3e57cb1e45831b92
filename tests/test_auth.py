"""Staff login: generic errors, a temporary lock after repeated failures, CSRF, cookies."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Role, User

from . import factories as f


@pytest.fixture
def staff(app):
    with app.app_context():
        f.user("petugas@bekasikota.go.id", Role.OPD_ADMIN, f.opd("Disdukcapil"))
        f.user("bkpsdm@bekasikota.go.id", Role.CITY_ADMIN, None)
        db.session.commit()


def test_staff_logs_in_and_out(client, auth, staff):
    response = auth.login("petugas@bekasikota.go.id")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    assert "Masuk sebagai petugas" in page and "admin Disdukcapil" in page
    assert auth.logout().status_code == 302
    assert client.get("/admin/").status_code == 302


def test_email_is_case_insensitive(client, auth, staff):
    assert auth.login("Petugas@BekasiKota.go.id").status_code == 302


@pytest.mark.parametrize("email, password", [
    ("petugas@bekasikota.go.id", "salah-sekali"),
    ("tidak-ada@bekasikota.go.id", "correct-horse-battery"),
])
def test_wrong_credentials_get_one_generic_message(client, auth, staff, email, password):
    response = auth.login(email, password)
    assert response.status_code == 400
    assert "E-mail atau kata sandi salah" in response.get_data(as_text=True)


def test_empty_login_form_is_a_400_with_field_errors(client, staff):
    response = client.post("/admin/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Kolom ini wajib diisi." in response.get_data(as_text=True)


def test_repeated_failures_lock_the_account_and_are_audited(app, client, auth, staff):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login("petugas@bekasikota.go.id", "salah").status_code == 400
    # Even the right password is refused while the lock lasts, with the same message.
    response = auth.login("petugas@bekasikota.go.id")
    assert response.status_code == 400
    assert "dikunci sementara" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="petugas@bekasikota.go.id"))
        assert user.locked_until is not None
        actions = db.session.scalars(select(AuditEvent.action).filter_by(object_id=user.id)).all()
        assert actions.count("login.failure") == app.config["LOGIN_MAX_FAILURES"] - 1
        assert "login.locked" in actions
        # When the lock has expired, the right password works again.
        user.locked_until = user.locked_until - timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
        db.session.commit()
    assert auth.login("petugas@bekasikota.go.id").status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_login_without_csrf_token_is_refused(client, staff):
    response = client.post("/admin/login", data={"email": "petugas@bekasikota.go.id",
                                                 "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True) or "Token" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # not logged in


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_login_with_csrf_token_works(client, staff):
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/login", data={"email": "petugas@bekasikota.go.id",
                                                 "password": "correct-horse-battery", "csrf_token": token})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_login_attempts_are_throttled_per_address(client, staff):
    codes = [client.post("/admin/login", data={"email": f"x{i}@example.org", "password": "x"}).status_code
             for i in range(25)]
    assert codes[:20] == [400] * 20
    assert 429 in codes[20:]


def test_next_parameter_cannot_send_staff_to_another_site(client, auth, staff):
    response = client.post("/admin/login?next=//evil.example/", data={
        "email": "petugas@bekasikota.go.id", "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/admin/"


def test_password_is_hashed_with_scrypt(app, staff):
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="petugas@bekasikota.go.id"))
        assert user.password_hash.startswith("scrypt:")
        assert "correct-horse-battery" not in user.password_hash


def test_create_admin_command_reads_password_from_environment(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "Baru@Bekasikota.go.id", "--name", "Baru"],
                           env={"ADMIN_PASSWORD": "panjang-sekali-123"})
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="baru@bekasikota.go.id"))
        assert user.role == "city_admin" and user.check_password("panjang-sekali-123")
    result = runner.invoke(args=["create-admin", "--email", "x@y.id", "--name", "X", "--role", "opd_admin"],
                           env={"ADMIN_PASSWORD": "panjang-sekali-123"})
    assert result.exit_code != 0 and "--opd" in result.output


def test_a_new_password_ends_the_other_sessions(app, client, auth, staff):
    assert auth.login("petugas@bekasikota.go.id").status_code == 302
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="petugas@bekasikota.go.id"))
        user.set_password("kata-sandi-baru-sekali")
        db.session.commit()
    assert client.get("/admin/").status_code == 302  # this browser must sign in again
    assert auth.login("petugas@bekasikota.go.id", "kata-sandi-baru-sekali").status_code == 302
    assert client.get("/admin/").status_code == 200
