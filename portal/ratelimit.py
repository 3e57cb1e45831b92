"""Rate-limit counters shared by every worker process of one machine, without Redis.

The `limits` library (under Flask-Limiter) keeps counters in memory (one set per process: with
four gunicorn workers a limit of 20 becomes 80), Redis, Memcached or MongoDB; it has no file or
SQL storage. This adds one: ``sqlite:///PATH`` keeps the fixed-window counters in a small SQLite
file (WAL mode, one atomic UPSERT per hit), which every worker of the machine opens. Several
machines share counters through Redis (``RATELIMIT_STORAGE_URI=redis://…``) instead.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEMA = """CREATE TABLE IF NOT EXISTS rate_limit (
    key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID"""

# A hit starts a new window when the old one has expired, else adds to it; one statement, so
# concurrent workers never lose a hit.
INCR = """INSERT INTO rate_limit (key, value, expires_at) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires_at <= :now THEN excluded.value ELSE value + excluded.value END,
    expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END
RETURNING value"""


def default_uri(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "ratelimit.sqlite3")


def set_wal(connection: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch the file to WAL. Workers that start together on a new file race for it, and SQLite
    answers "database is locked" at once (no busy timeout) to all but one: try again shortly."""
    for attempt in range(attempts):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05 + random.random() * 0.05)

class SQLiteStorage(Storage):
    """Fixed-window counters in an SQLite file, shared by the processes that open it."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # sqlite:////abs/file -> /abs/file; sqlite:///rel/file -> rel/file (like SQLAlchemy).
        self.path = (uri or "").removeprefix("sqlite:///")
        if not self.path or self.path == uri:
            raise ValueError("sqlite rate-limit storage needs a file: sqlite:////path/ratelimit.sqlite3")
        self._local = threading.local()
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute(SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per process and thread (gunicorn forks after the app may have opened one)."""
        cached = getattr(self._local, "connection", None)
        if cached is not None and cached[0] == os.getpid():
            return cached[1]
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        set_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
        self._local.connection = (os.getpid(), connection)
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        value = connection.execute(INCR, {"key": key, "amount": amount, "expires": now + expiry,
                                          "now": now}).fetchone()[0]
        if random.random() < 0.01:  # now and then, forget windows that ended
            connection.execute("DELETE FROM rate_limit WHERE expires_at <= ?", (now,))
        return value

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM rate_limit WHERE key = ? AND expires_at > ?", (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._connection().execute(
            "SELECT expires_at FROM rate_limit WHERE key = ? AND expires_at > ?", (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM rate_limit").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM rate_limit WHERE key = ?", (key,))
