"""Production mode (PORTAL_ENV=production) refuses to start with settings that are only fine on a
laptop, and says what to set; gunicorn.conf.py tells the app how many workers really run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.production import UnsafeConfiguration

from .pg import free_port

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 32
PUBLIC_URL = "https://layanan.bekasikota.go.id"


def production(tmp_path, **settings):
    config = {"PORTAL_ENV": "production", "SECRET_KEY": GOOD_KEY, "PUBLIC_URL": PUBLIC_URL,
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"}
    config.update(settings)
    return create_app({key: value for key, value in config.items() if value is not None})


def refusal(tmp_path, **settings) -> str:
    with pytest.raises(UnsafeConfiguration) as raised:
        production(tmp_path, **settings)
    return str(raised.value)


@pytest.fixture(autouse=True)
def one_worker(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "1")


def test_safe_settings_start(tmp_path):
    app = production(tmp_path)
    assert app.config["PORTAL_ENV"] == "production"


def test_without_a_secret_key_it_refuses_instead_of_making_one_per_machine(tmp_path):
    message = refusal(tmp_path, SECRET_KEY=None)
    assert "SECRET_KEY is not set: set SECRET_KEY to a random value of at least 32 characters" in message
    assert not (tmp_path / "secret_key").exists()


def test_a_short_secret_key_is_refused(tmp_path):
    message = refusal(tmp_path, SECRET_KEY="k" * 31)
    assert "SECRET_KEY has 31 characters: set SECRET_KEY to a random value of at least 32 characters" in message


def test_without_public_url_it_refuses(tmp_path):
    assert "PUBLIC_URL is not set: set FLASK_PUBLIC_URL" in refusal(tmp_path, PUBLIC_URL=None)
    assert "must be an https:// address" in refusal(tmp_path, PUBLIC_URL="http://layanan.bekasikota.go.id")


def test_memory_rate_limits_are_refused_with_several_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    message = refusal(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    assert "RATELIMIT_STORAGE_URI is memory:// with 4 worker processes" in message
    assert "Set RATELIMIT_STORAGE_URI=redis://HOST:6379" in message
    production(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379")  # shared storage: fine
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    production(tmp_path, RATELIMIT_STORAGE_URI="memory://")  # one worker: fine


def test_every_problem_is_listed_at_once(tmp_path):
    message = refusal(tmp_path, SECRET_KEY="short", PUBLIC_URL=None)
    assert "SECRET_KEY has 5 characters" in message and "PUBLIC_URL is not set" in message


def test_a_mistyped_mode_is_refused_rather_than_taken_for_development(tmp_path):
    assert "PORTAL_ENV is 'prod': set it to production or development" in refusal(tmp_path, PORTAL_ENV="prod")


def test_development_mode_accepts_laptop_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.sqlite3'}"})
    assert app.config["PORTAL_ENV"] == "development" and app.config["PUBLIC_URL"] is None
    # Development keeps the rate-limit counters in one SQLite file that every worker shares.
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("sqlite:")
    assert app.config["RATELIMIT_STORAGE_URI"].endswith("ratelimit.sqlite3")


def test_the_switch_is_the_portal_env_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_PUBLIC_URL", PUBLIC_URL)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY is not set"):
        create_app()


def test_gunicorn_tells_the_app_the_real_number_of_workers(tmp_path):
    """WEB_CONCURRENCY says 1 but the command line starts 2 workers: memory:// is refused."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "PROMETHEUS_"))}
    env.update({"PORTAL_ENV": "production", "SECRET_KEY": GOOD_KEY, "FLASK_PUBLIC_URL": PUBLIC_URL,
                "RATELIMIT_STORAGE_URI": "memory://", "WEB_CONCURRENCY": "1",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}"})
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "2", "-b", f"127.0.0.1:{free_port()}",
         "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "RATELIMIT_STORAGE_URI is memory:// with 2 worker processes" in started.stderr
