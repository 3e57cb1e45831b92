"""What a web worker holds: the app served by gunicorn imports neither the migration tooling
(Alembic, about 10 MB a worker) nor any test tool; the command line still has `flask db` and
`init-db`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEVER_IN_A_WORKER = ("alembic", "flask_migrate", "schemathesis", "hypothesis", "pytest")


@pytest.mark.slow
def test_the_web_app_imports_no_migration_or_test_tooling(tmp_path):
    probe = ("import sys, wsgi; "
             f"print(sorted(m for m in {NEVER_IN_A_WORKER!r} if m in sys.modules))")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}", "FLASK_SECRET_KEY": "probe"}
    env.pop("FLASK_RUN_FROM_CLI", None)
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_command_line_still_migrates(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "FLASK_SECRET_KEY": "probe"}
    flask = str(Path(sys.executable).parent / "flask")
    init = subprocess.run([flask, "--app", "portal", "init-db"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert init.returncode == 0 and "up to date" in init.stdout, init.stderr
    current = subprocess.run([flask, "--app", "portal", "db", "current"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert current.returncode == 0 and "(head)" in current.stdout, current.stderr
