"""A throwaway PostgreSQL server for the test suite, started from Debian's binaries.

TEST_DATABASE_URL (an empty database) wins when set. Otherwise a cluster is created in a
temporary folder, listening on a Unix socket only, and removed at the end of the session.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def find_bin_dir() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "pg_ctl")):
            return candidate
    found = shutil.which("pg_ctl")
    return os.path.dirname(found) if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryPostgres:
    def __init__(self):
        self.bin_dir = find_bin_dir()
        self.base = None
        self.url = None

    @property
    def available(self) -> bool:
        return self.bin_dir is not None

    def _run(self, *args, **kwargs):
        command = list(args)
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def start(self) -> str:
        # In memory (tmpfs) where there is one: the cluster is thrown away at the end anyway.
        self.base = tempfile.mkdtemp(prefix="portal-pg-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        data = os.path.join(self.base, "data")
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.base, postgres.pw_uid, postgres.pw_gid)
        port = free_port()
        self._run(os.path.join(self.bin_dir, "initdb"), "-D", data, "-U", "portal", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._run(
            os.path.join(self.bin_dir, "pg_ctl"), "-D", data, "-w", "-l", os.path.join(self.base, "log"),
            "-o", f"-k {self.base} -p {port} -c listen_addresses='' -c fsync=off "
                  f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            "start",
        )
        self._run(os.path.join(self.bin_dir, "createdb"), "-h", self.base, "-p", str(port), "-U",
                  "portal", "portal_test")
        self.url = f"postgresql+psycopg://portal@/portal_test?host={self.base}&port={port}"
        return self.url

    def stop(self) -> None:
        if self.base is None:
            return
        try:
            self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", os.path.join(self.base, "data"),
                      "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)
        time.sleep(0)


class ResettableDatabase:
    """A test database copied from a template database, put back into the template's state after
    a test by undoing only what the test changed, instead of being dropped and copied again
    (``CREATE DATABASE ... TEMPLATE`` copies the whole catalog: about 0.1 s per test).

    What "the template's state" means, checked in one query after every test: every table of the
    public schema has the template's row count and newest row version (``xmin``: an insert or an
    update makes a newer one, a delete lowers the count), every sequence the template's position,
    and the system catalogs (tables, columns, constraints, indexes, types, functions, triggers)
    the template's rows. A changed table is emptied and, if the template had rows in it, refilled
    from a copy kept in the schema ``template_rows`` (foreign keys are not checked meanwhile: the
    rows put back are the template's own); a moved sequence is set back. The state is checked
    again afterwards: anything else (a schema change, a connection still open, an error) and
    ``reset`` answers False, and the caller copies the template again.
    """

    SNAPSHOT = "template_rows"
    CATALOGS = ("pg_class", "pg_attribute", "pg_attrdef", "pg_constraint", "pg_index", "pg_type",
                "pg_enum", "pg_proc", "pg_trigger", "pg_namespace", "pg_sequence", "pg_rewrite")

    def __init__(self, url: str, expected: dict, query: str):
        from sqlalchemy import create_engine

        self.engine = create_engine(url, pool_size=1, max_overflow=0)
        self.expected = expected
        self.query = query

    @classmethod
    def describe(cls, url: str, snapshot: bool) -> tuple[dict, str]:
        """The state query of the template at url and its answer there; with snapshot, a copy of
        every table's rows is kept in the schema template_rows (call before any test copies it)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                relations = connection.execute(text(
                    "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relname")).all()
                if snapshot:
                    connection.execute(text(f'CREATE SCHEMA "{cls.SNAPSHOT}"'))
                    for name, kind in relations:
                        if kind != "S":
                            connection.execute(text(
                                f'CREATE TABLE "{cls.SNAPSHOT}"."{name}" AS TABLE public."{name}"'))
                parts = [f"SELECT 'r:{name}', count(*), coalesce(max(xmin::text::bigint), 0) FROM public.\"{name}\""
                         if kind != "S" else
                         f"SELECT 's:{name}', last_value, is_called::int FROM public.\"{name}\""
                         for name, kind in relations]
                parts += [f"SELECT 'c:{catalog}', count(*), max(xmin::text::bigint) FROM pg_catalog.{catalog}"
                          for catalog in cls.CATALOGS]
                parts.append("SELECT 'x:connections', count(*), 0 FROM pg_stat_activity"
                             " WHERE datname = current_database() AND pid <> pg_backend_pid()")
                query = " UNION ALL ".join(parts)
                expected = {key: (count, mark) for key, count, mark in connection.execute(text(query))}
        finally:
            engine.dispose()
        return expected, query

    def state(self, connection) -> dict:
        from sqlalchemy import text

        return {key: (count, mark) for key, count, mark in connection.execute(text(self.query))}

    def reset(self) -> bool:
        """Put the database back into the template's state; False when that cannot be done."""
        from sqlalchemy import text

        try:
            with self.engine.connect() as connection:
                for _ in range(50):  # the backends of the test's connections may still be exiting
                    found = self.state(connection)
                    connection.rollback()
                    if found.get("x:connections") == self.expected["x:connections"]:
                        break
                    time.sleep(0.01)
                if found == self.expected:
                    return True
                changed = [key for key in self.expected if found.get(key) != self.expected[key]]
                if any(not key.startswith(("r:", "s:")) for key in changed) or set(found) != set(self.expected):
                    return False  # the schema changed, or a connection is still open
                with connection.begin():
                    # Foreign keys are not checked while the template's own rows are put back.
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                    for key in changed:
                        kind, name = key.split(":", 1)
                        count, mark = self.expected[key]
                        if kind == "s":
                            connection.execute(text(f"SELECT setval('public.\"{name}\"', {count}, {bool(mark)})"))
                            continue
                        connection.execute(text(f'DELETE FROM public."{name}"'))
                        if count:
                            connection.execute(text(
                                f'INSERT INTO public."{name}" SELECT * FROM "{self.SNAPSHOT}"."{name}"'))
                found = self.state(connection)
                connection.rollback()
                for key in changed:  # rows put back are new row versions of the same rows
                    if key.startswith("r:") and self.expected[key][0] and found[key][0] == self.expected[key][0]:
                        self.expected[key] = found[key]
                return found == self.expected
        except Exception:  # noqa: BLE001  (whatever went wrong, a new copy of the template will do)
            return False

    def close(self) -> None:
        self.engine.dispose()
