"""flask backup PATH while residents keep reporting, then flask restore PATH into a fresh database:
every report acknowledged (tracking code shown) before the backup began is there, and nothing
half-written is. On SQLite (online backup API) and PostgreSQL (pg_dump/pg_restore)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, select, text

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, Report

from .reporting import build_world, code_of, form_data


def fresh_database_url(app, tmp_path) -> tuple[str, callable]:
    """An empty database on the same backend, and how to drop it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = url.partition("?")

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base.rsplit('/', 1)[0]}/{name}?{query}", drop


def test_backup_under_concurrent_reports_restores_every_acknowledged_report(app, tmp_path):
    with app.app_context():
        build_world()
    acknowledged: list[tuple[float, str]] = []  # (when the code was shown, code)
    stop = threading.Event()
    failures: list[str] = []

    def resident():
        client = app.test_client()
        while not stop.is_set():
            response = client.post("/lapor", data=form_data())
            if response.status_code in (302, 303):
                acknowledged.append((time.monotonic(), code_of(response)))
            else:
                failures.append(f"{response.status_code}")

    writers = [threading.Thread(target=resident) for _ in range(3)]
    for writer in writers:
        writer.start()
    while len(acknowledged) < 15:
        time.sleep(0.05)
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "portal.backup")])
    finished = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for writer in writers:
        writer.join()
    assert result.exit_code == 0, result.output
    assert not failures, failures[:5]
    before = {code for at, code in acknowledged if at < started}
    during = {code for at, code in acknowledged if started <= at}
    assert len(before) >= 15 and during, "the residents kept writing while the backup ran"

    url, drop = fresh_database_url(app, tmp_path)
    try:
        restored_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
        result = restored_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "portal.backup")])
        assert result.exit_code == 0, result.output
        with restored_app.app_context():
            codes = set(db.session.scalars(select(Report.code)))
            assert before <= codes  # every report acknowledged before the backup began
            assert codes <= before | during  # and nothing that was never acknowledged
            created = {summary.split(":")[0] for summary in db.session.scalars(
                select(AuditEvent.summary).where(AuditEvent.action == "report.create"))}
            assert created == codes  # each report whole: its creation event came along, no stray one
            db.session.remove()
            db.engine.dispose()
        # A database that holds data is refused without --force, and left as it was.
        again = restored_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "portal.backup")])
        assert again.exit_code != 0 and "not empty" in again.output
        forced = restored_app.test_cli_runner().invoke(args=["restore", "--force", str(tmp_path / "portal.backup")])
        assert forced.exit_code == 0, forced.output
        with restored_app.app_context():
            assert set(db.session.scalars(select(Report.code))) == codes
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
