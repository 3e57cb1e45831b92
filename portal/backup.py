"""Consistent backups while the portal runs, and restoring them into an empty database.

SQLite: the online backup API copies a consistent snapshot page by page (writers keep writing,
WAL mode), into a temporary file renamed into place when complete. PostgreSQL: ``pg_dump`` in its
custom format (one consistent snapshot, compressed), restored with ``pg_restore`` in a single
transaction. The client programs are Debian's, of the server's major version when installed
(``/usr/lib/postgresql/N/bin``), else the newest installed or the ones on PATH.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine

from .extensions import db


class BackupError(Exception):
    """What went wrong, for the operator (the CLI prints it and exits with 1)."""


def backup(engine: Engine, path: str | Path) -> Path:
    """Write a consistent copy of the database to ``path`` (replaced only when complete)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(engine, partial)
        elif engine.dialect.name == "postgresql":
            _run(engine, "pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={partial}")
        else:
            raise BackupError(f"backups of {engine.dialect.name} databases are not supported")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(engine: Engine, path: str | Path, force: bool = False) -> None:
    """Bring a backup back. Refuses a database that holds data unless ``force`` (then its
    content is replaced entirely)."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if not force and (counts := rows_by_table(engine)):
        shown = ", ".join(f"{table} ({count})" for table, count in list(counts.items())[:5])
        raise BackupError(f"the database is not empty: {shown}; restore into an empty database, "
                          "or use --force to replace its content")
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, source)
    elif engine.dialect.name == "postgresql":
        _run(engine, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
             "--exit-on-error", str(source))
    else:
        raise BackupError(f"restoring {engine.dialect.name} databases is not supported")
    engine.dispose()


def rows_by_table(engine: Engine) -> dict[str, int]:
    """Tables of the portal that hold rows, with their row counts (the schema version not counted)."""
    existing = set(inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in existing:
                count = connection.scalar(select(func.count()).select_from(table))
                if count:
                    counts[table.name] = count
    return counts


# --- SQLite -------------------------------------------------------------------------------------

def _sqlite_file(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _sqlite_backup(engine: Engine, target: Path) -> None:
    source = sqlite3.connect(_sqlite_file(engine), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent snapshot even while others write
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the copy failed SQLite's integrity check")
    finally:
        copy.close()
        source.close()


def _sqlite_restore(engine: Engine, source: Path) -> None:
    engine.dispose()
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(_sqlite_file(engine), timeout=30)
    try:
        if backup_file.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{source} is not a sound SQLite backup")
        backup_file.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not an SQLite backup: {error}") from None
    finally:
        live.close()
        backup_file.close()


# --- PostgreSQL ---------------------------------------------------------------------------------

def server_major_version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def find_client(program: str, server_major: int) -> str:
    """Debian's client of the server's major version, else the newest installed, else PATH."""
    exact = f"/usr/lib/postgresql/{server_major}/bin/{program}"
    if os.access(exact, os.X_OK):
        return exact
    versions = sorted((int(match.group(1)), candidate)
                      for candidate in glob.glob(f"/usr/lib/postgresql/*/bin/{program}")
                      if (match := re.search(r"/postgresql/(\d+)/", candidate)))
    newer = [candidate for version, candidate in versions if version >= server_major]
    if newer:
        return newer[0]
    found = shutil.which(program)
    if not found:
        raise BackupError(f"{program} for PostgreSQL {server_major} is not installed "
                          f"(apt-get install postgresql-client-{server_major})")
    return found


def _run(engine: Engine, program: str, *args: str) -> None:
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` shows it
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [find_client(program, server_major_version(engine)), f"--dbname={conninfo}", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()[-2000:]}")
