"""E-mail subscriptions through a real SMTP server (aiosmtpd): a visitor subscribes, confirms,
is told once per staff change in her language, unsubscribes with one click; the queue survives
an SMTP outage; addresses never leak."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.clock import now
from portal.extensions import db
from portal.mail.models import DEAD, PENDING, OutboxMessage
from portal.models import AuditEvent, Report
from portal.subscriptions.models import ReportWatch, Subscriber, SubscriptionTarget

from .mail_server import SmtpServer, free_port
from .staff import TODAY, build_world, sign_in

pytestmark = pytest.mark.config(TODAY=TODAY, MAIL_FROM="Portal Layanan <noreply@bekasikota.go.id>")
MONDAY = "2025-11-10"  # unit A is open on its regular hours; within 14 days of TODAY


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def world(app, smtp):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with app.app_context():
        w = build_world()
        return SimpleNamespace(unit_a=w.unit_a.id, slug_a=w.unit_a.slug, slug_b=w.unit_b.slug,
                               opd_a=w.opd_a.slug, kecamatan=w.unit_a.kecamatan.slug, admin_a=w.admin_a.id,
                               city=w.city.id, report_code=w.report_a.code)


def send_mail(runner, *args):
    return runner.invoke(args=["send-mail", *args])


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def link_after(text: str, body: str) -> str:
    found = re.search(re.escape(text) + r"\s*(http\S+)", body)
    assert found, f"no link after {text!r} in:\n{body}"
    return found.group(1)


def subscribe(client, runner, smtp, address, lang="id", **targets):
    """Subscribe and confirm through the e-mailed link; returns the confirmation e-mail."""
    data = {"email": address, "consent": "y", **targets}
    response = client.post(f"/langganan?lang={lang}", data=data)
    assert response.status_code == 200
    assert send_mail(runner).exit_code == 0
    [mail] = smtp.inbox.take()
    assert mail.envelope_to == [address]
    link = re.search(r"http\S+/langganan/konfirmasi/\S+", mail.body).group(0)
    assert client.get(path_of(link)).status_code == 200
    confirmed = client.post(path_of(link))
    assert confirmed.status_code == 200
    return mail


def change_unit_a(client, world, status="closed", day=MONDAY, reason="Pelatihan petugas"):
    sign_in(client, world.admin_a)
    response = client.post(f"/admin/ketersediaan/{world.unit_a}/{day}",
                           data={"status": status, "reason": reason, "ends_on": day})
    assert response.status_code == 303
    sign_in(client, None)


def test_subscribe_confirm_staff_change_unsubscribe_round_trip(app, client, runner, smtp, world):
    confirmation = subscribe(client, runner, smtp, "warga@example.org", units=[world.slug_a])
    assert confirmation.message["Subject"] == "Konfirmasi langganan Anda: Portal Layanan Kota Bekasi"
    assert "Loket Rahasia Kranji" in confirmation.body
    assert confirmation.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_after("alamat Anda dihapus):", confirmation.body) == confirmation.message["List-Unsubscribe"][1:-1]
    subscribe(client, runner, smtp, "resident@example.org", lang="en", units=[world.slug_a])
    subscribe(client, runner, smtp, "tetangga@example.org", units=[world.slug_b])  # another unit

    change_unit_a(client, world)
    result = send_mail(runner)
    assert result.exit_code == 0 and "Sent 2," in result.output
    mails = {mail.envelope_to[0]: mail for mail in smtp.inbox.take()}
    assert sorted(mails) == ["resident@example.org", "warga@example.org"]  # one each, nobody else
    indonesian, english = mails["warga@example.org"], mails["resident@example.org"]
    assert indonesian.message["Subject"] == "Status layanan berubah: Loket Rahasia Kranji"
    assert "Senin, 10 November 2025: Tutup." in indonesian.body
    assert "Pelatihan petugas" in indonesian.body
    assert english.message["Subject"] == "Service status changed: Loket Rahasia Kranji"
    assert "Monday, 10 November 2025: Closed." in english.body
    assert "Tutup" not in english.body and "Closed" not in indonesian.body

    # RFC 8058: the header's URL takes a one-click POST without a form or a session
    header = indonesian.message["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    assert f"\r\nList-Unsubscribe: {header}\r\n".encode() in indonesian.raw  # as is, not an encoded word
    assert indonesian.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_after("alamat Anda dihapus):", indonesian.body) == header[1:-1]
    mail_client = app.test_client()
    page = mail_client.get(path_of(header[1:-1]))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    gone = mail_client.post(path_of(header[1:-1]), data={"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200 and "Alamat Anda telah dihapus" in gone.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 2
        stored = " ".join(db.session.scalars(select(Subscriber.email)))
        assert "warga@example.org" not in stored

    change_unit_a(client, world, status="online", reason="Layanan daring")
    assert send_mail(runner).exit_code == 0
    assert [mail.envelope_to for mail in smtp.inbox.take()] == [["resident@example.org"]]
    assert mail_client.post(path_of(header[1:-1])).status_code == 404  # already gone


def test_one_digest_for_a_change_of_several_units_and_days(app, client, runner, smtp, world):
    subscribe(client, runner, smtp, "warga@example.org", opd=world.opd_a)
    sign_in(client, world.admin_a)
    response = client.post(f"/admin/ketersediaan/{world.unit_a}/{MONDAY}",
                           data={"status": "closed", "reason": "Renovasi", "ends_on": "2025-11-11"})
    assert response.status_code == 303
    assert send_mail(runner).exit_code == 0
    [mail] = smtp.inbox.take()
    assert "Senin, 10 November 2025: Tutup." in mail.body and "Selasa, 11 November 2025: Tutup." in mail.body


def test_a_holiday_of_the_city_reaches_kecamatan_subscribers(app, client, runner, smtp, world):
    subscribe(client, runner, smtp, "warga@example.org", kecamatan=world.kecamatan)
    sign_in(client, world.city)
    response = client.post("/admin/libur/baru", data={"day": "2025-11-17", "name": "Penutupan layanan: banjir"})
    assert response.status_code == 303
    assert send_mail(runner).exit_code == 0
    [mail] = smtp.inbox.take()
    assert "Senin, 17 November 2025: Tutup. Libur daerah: Penutupan layanan: banjir." in mail.body


def test_nothing_is_sent_before_confirmation_nor_for_changes_beyond_the_horizon(app, client, runner, smtp, world):
    client.post("/langganan", data={"email": "warga@example.org", "consent": "y", "units": [world.slug_a]})
    assert send_mail(runner).exit_code == 0
    assert len(smtp.inbox.take()) == 1  # the confirmation only
    change_unit_a(client, world)
    assert send_mail(runner).exit_code == 0
    assert smtp.inbox.take() == []  # not confirmed: nothing about units
    subscribe(client, runner, smtp, "warga@example.org", units=[world.slug_a])
    far = (TODAY + timedelta(days=20)).isoformat()
    change_unit_a(client, world, day=far)
    assert send_mail(runner).exit_code == 0
    assert smtp.inbox.take() == []
    sign_in(client, world.admin_a)  # an invalid staff form changes nothing and sends nothing
    assert client.post(f"/admin/ketersediaan/{world.unit_a}/2025-11-11", data={"status": "closed"}).status_code == 400
    assert send_mail(runner).exit_code == 0 and smtp.inbox.take() == []


def test_the_answer_never_tells_whether_an_address_is_known(app, client, runner, smtp, world):
    subscribe(client, runner, smtp, "warga@example.org", units=[world.slug_a])
    known = client.post("/langganan", data={"email": "warga@example.org", "consent": "y", "units": [world.slug_a]})
    unknown = client.post("/langganan", data={"email": "baru@example.org", "consent": "y", "units": [world.slug_a]})
    trap = client.post("/langganan", data={"email": "bot@example.org", "consent": "y", "units": [world.slug_a],
                                           "website": "http://spam.example"})
    assert known.status_code == unknown.status_code == trap.status_code == 200
    assert known.get_data() == unknown.get_data() == trap.get_data()
    assert "Periksa kotak masuk Anda" in known.get_data(as_text=True)
    for response in (known, client.get("/langganan")):
        assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():  # the honeypot stored nothing; addresses are looked up by hash only
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 2
        assert all(len(row.email_hash) == 64 and "@" not in row.email_hash
                   for row in db.session.scalars(select(Subscriber)))
        trail = " ".join(repr((e.before, e.after, e.summary)) for e in db.session.scalars(select(AuditEvent)))
        assert "example.org" not in trail


def test_a_flood_of_requests_sends_at_most_a_few_confirmations(app, client, runner, smtp, world):
    for _ in range(8):
        client.post("/langganan", data={"email": "korban@example.org", "consent": "y", "units": [world.slug_a]})
    assert send_mail(runner).exit_code == 0
    assert len(smtp.inbox.take()) == app.config["SUBSCRIBE_CONFIRMATIONS_PER_DAY"] == 5


@pytest.mark.config(RATELIMIT_ENABLED=True, SUBSCRIBE_RATE_LIMIT="2 per minute")
def test_posts_are_rate_limited_per_address(client, world):
    data = {"email": "warga@example.org", "consent": "y", "units": [world.slug_a]}
    assert [client.post("/langganan", data=data).status_code for _ in range(3)] == [200, 200, 429]


def test_bad_input_is_a_clear_400_and_htmx_gets_the_form_back(client, world, hx):
    empty = client.post("/langganan", data={"email": "bukan-alamat", "units": ["tidak-ada"]})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert "Pilih unit layanan dari daftar." in html and "Berikan persetujuan Anda" in html
    nothing = client.post("/langganan", data={"email": "warga@example.org", "consent": "y"}, headers=hx)
    assert nothing.status_code == 200 and "<html" not in nothing.get_data(as_text=True)
    assert "Pilih setidaknya satu unit layanan, OPD, atau kecamatan." in nothing.get_data(as_text=True)
    assert nothing.headers["Cache-Control"] == "no-store" and "HX-Request" in nothing.headers["Vary"]
    assert client.get("/langganan?unit=tidak-ada").status_code == 400
    page = client.get(f"/langganan?unit={world.slug_a}").get_data(as_text=True)
    assert f'<option selected value="{world.slug_a}">' in page
    assert client.get("/langganan/konfirmasi/rusak").status_code == 404
    assert client.post("/langganan/berhenti/rusak").status_code == 404


def test_an_expired_confirmation_link_is_refused_and_the_address_erased(app, client, runner, smtp, world,
                                                                         monkeypatch):
    client.post("/langganan", data={"email": "warga@example.org", "consent": "y", "units": [world.slug_a]})
    assert send_mail(runner).exit_code == 0
    [mail] = smtp.inbox.take()
    link = path_of(re.search(r"http\S+/langganan/konfirmasi/\S+", mail.body).group(0))
    import itsdangerous.timed

    later = itsdangerous.timed.time.time() + 49 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    expired = client.post(link)
    assert expired.status_code == 400 and "kedaluwarsa" in expired.get_data(as_text=True)
    monkeypatch.undo()
    with app.app_context():
        old = now() - timedelta(hours=49)
        for row in db.session.scalars(select(Subscriber)):
            row.created_at = old
        for row in db.session.scalars(select(SubscriptionTarget)):
            row.requested_at = old
        db.session.commit()
    result = send_mail(runner)
    assert "Erased: 1 unconfirmed address(es)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
    assert client.post(link).status_code == 404


def test_an_smtp_outage_loses_no_message(app, client, runner, world):
    server = SmtpServer()  # not started: nothing listens on its port
    app.config.update(MAIL_PORT=server.port, MAIL_RETRY_SECONDS=60)
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        assert client.post("/langganan", data={"email": address, "consent": "y",
                                               "units": [world.slug_a]}).status_code == 200
    down = send_mail(runner)
    assert down.exit_code == 1
    assert "Sent 0, failed 3" in down.output and "3 pending (0 due, 3 retrying)" in down.output
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {(row.state, row.attempts) for row in rows} == {(PENDING, 1)}
        waits = {round((row.next_attempt_at - now()).total_seconds()) for row in rows}
        assert all(55 <= wait <= 60 for wait in waits)
    assert "3 pending (0 due" in send_mail(runner).output  # not due yet: no attempt
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'portal_mail_queue_messages{state="pending"} 3.0' in metrics
    with app.app_context():  # the back-off doubles
        for row in db.session.scalars(select(OutboxMessage)):
            row.next_attempt_at = now()
        db.session.commit()
    assert send_mail(runner).exit_code == 1
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {row.attempts for row in rows} == {2}
        assert all(115 <= (row.next_attempt_at - now()).total_seconds() <= 120 for row in rows)
        for row in rows:
            row.next_attempt_at = now()
        db.session.commit()
    server.start()
    try:
        up = send_mail(runner)
        assert up.exit_code == 0 and "Sent 3, failed 0" in up.output and "Queue: 0 pending" in up.output
        assert sorted(mail.envelope_to[0] for mail in server.inbox.take()) == [
            "a@example.org", "b@example.org", "c@example.org"]
    finally:
        server.stop()
    assert 'portal_mail_queue_messages{state="pending"} 0.0' in client.get("/metrics").get_data(as_text=True)


@pytest.mark.config(MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_SECONDS=0)
def test_after_max_attempts_a_message_is_dead_visible_and_can_be_retried(app, client, runner, smtp, world):
    app.config["MAIL_PORT"] = free_port()
    client.post("/langganan", data={"email": "warga@example.org", "consent": "y", "units": [world.slug_a]})
    assert send_mail(runner).exit_code == 1
    second = send_mail(runner)
    assert second.exit_code == 1 and "given up: 1" in second.output and "1 dead" in second.output
    assert 'portal_mail_queue_messages{state="dead"} 1.0' in client.get("/metrics").get_data(as_text=True)
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.state == DEAD and "ConnectionRefusedError" in row.last_error
    app.config["MAIL_PORT"] = smtp.port
    assert "Sent 0," in send_mail(runner).output  # dead messages wait for an operator
    again = send_mail(runner, "--retry-dead")
    assert again.exit_code == 0 and "Sent 1," in again.output
    assert len(smtp.inbox.take()) == 1


def test_a_reporter_who_asked_is_told_of_the_public_answer(app, client, runner, smtp, world):
    response = client.post("/lapor", data={
        "unit": world.slug_a, "visited_on": "2025-11-05", "category": "no_staff",
        "description": "Tidak ada petugas di loket sepanjang pagi.", "visibility": "public",
        "email": "pelapor@example.org", "consent": "y", "notify_answer": "y"})
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    sign_in(client, world.admin_a)
    answered = client.post(f"/admin/laporan/{code}/status",
                           data={"status": "in_progress", "public_message": "Petugas sudah kami tegur."})
    assert answered.status_code in (200, 303)
    client.post(f"/admin/laporan/{code}/status", data={"status": "in_progress", "internal_note": "Catatan"})
    assert send_mail(runner).exit_code == 0
    [mail] = smtp.inbox.take()  # the internal note sends nothing
    assert mail.envelope_to == ["pelapor@example.org"]
    assert mail.message["Subject"] == f"Jawaban untuk laporan Anda {code}"
    assert "Petugas sudah kami tegur." in mail.body and "Ditindaklanjuti" in mail.body
    unsubscribe = mail.message["List-Unsubscribe"][1:-1]
    assert app.test_client().post(path_of(unsubscribe)).status_code == 200
    client.post(f"/admin/laporan/{code}/status", data={"status": "resolved", "public_message": "Selesai."})
    assert send_mail(runner).exit_code == 0 and smtp.inbox.take() == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportWatch)) == 0


def test_the_opt_in_needs_an_address(client, world):
    response = client.post("/lapor", data={
        "unit": world.slug_a, "visited_on": "2025-11-05", "category": "no_staff",
        "description": "Tidak ada petugas di loket sepanjang pagi.", "visibility": "public",
        "notify_answer": "y"})
    assert response.status_code == 400
    assert "Isi alamat e-mail Anda" in response.get_data(as_text=True)


def test_erasing_the_reporters_contact_forgets_her_wish(app, client, world):
    response = client.post("/lapor", data={
        "unit": world.slug_a, "visited_on": "2025-11-05", "category": "no_staff",
        "description": "Tidak ada petugas di loket sepanjang pagi.", "visibility": "public",
        "email": "pelapor@example.org", "consent": "y", "notify_answer": "y"})
    code = response.headers["Location"].rsplit("/", 1)[1]
    sign_in(client, world.admin_a)
    assert client.post(f"/admin/laporan/{code}/hapus-kontak").status_code in (200, 303)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportWatch)) == 0


def test_the_unit_page_links_to_the_subscription_form(client, world):
    html = client.get(f"/unit/{world.slug_a}").get_data(as_text=True)
    assert f'href="/langganan?unit={world.slug_a}"' in html
    assert f'href="/langganan?opd={world.opd_a}"' in html
    assert f'href="/langganan?kecamatan={world.kecamatan}"' in html


def test_mail_settings_come_from_the_environment(monkeypatch):
    from portal.mail.settings import from_environment

    config = {}
    from_environment(config, {"MAIL_SERVER": "smtp.bekasikota.go.id", "MAIL_PORT": "587",
                              "MAIL_USE_TLS": "true", "MAIL_USERNAME": "portal", "MAIL_PASSWORD": "s3cret",
                              "MAIL_FROM": "Portal <noreply@bekasikota.go.id>"})
    assert config == {"MAIL_SERVER": "smtp.bekasikota.go.id", "MAIL_PORT": 587, "MAIL_USE_TLS": True,
                      "MAIL_USERNAME": "portal", "MAIL_PASSWORD": "s3cret",
                      "MAIL_FROM": "Portal <noreply@bekasikota.go.id>"}
    with pytest.raises(RuntimeError, match="MAIL_PORT"):
        from_environment({}, {"MAIL_PORT": "smtp"})
    with pytest.raises(RuntimeError, match="not both"):
        from_environment({}, {"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"})


def test_the_send_mail_timer_runs_the_command_every_minute(app):
    from pathlib import Path

    deploy = Path(__file__).parent.parent / "deploy" / "systemd"
    service = (deploy / "portal-send-mail.service").read_text()
    command = re.search(r"^ExecStart=\S+/flask --app portal (\S+)$", service, re.M).group(1)
    assert command == "send-mail" and command in app.cli.commands
    assert "Type=oneshot" in service  # never two senders at once on one machine
    assert "OnUnitActiveSec=1min" in (deploy / "portal-send-mail.timer").read_text()


@pytest.mark.config(TODAY=date(2026, 1, 1))
def test_a_new_phase_sends_one_digest_with_its_days(app, client, runner, smtp, world):
    from portal.policy import PhaseDraft
    from portal.schedule import RuleKind

    from .staff import phase_form_data

    subscribe(client, runner, smtp, "warga@example.org", lang="en", units=[world.slug_a])
    draft = PhaseDraft(name="Uji Jumat", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 16),
                       rule=RuleKind.WFH_WEEKDAYS, wfh_weekdays=frozenset({4}), exempt_opd_ids=frozenset())
    sign_in(client, world.city)
    saved = client.post("/admin/tahap/baru", data={**phase_form_data(draft), "save": "1",
                                                   "preview_token": draft.token(None)})
    assert saved.status_code == 303
    assert send_mail(runner).exit_code == 0
    [mail] = smtp.inbox.take()
    assert "Friday, 9 January 2026: Online only, 08:00–15:00. Uji Jumat: civil servants work from home" in mail.body
    assert "16 January" not in mail.body  # beyond the 14 days from today


def test_subscribing_sending_and_unsubscribing_leave_the_public_pages_cached(app, client, runner, smtp, world):
    from portal import data_version

    with app.app_context():
        before = data_version.current(db.session)
    mail = subscribe(client, runner, smtp, "warga@example.org", units=[world.slug_a])
    assert app.test_client().post(path_of(mail.message["List-Unsubscribe"][1:-1])).status_code == 200
    with app.app_context():
        assert data_version.current(db.session) == before  # private tables: no public page changed
