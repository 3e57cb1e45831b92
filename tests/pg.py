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
        self.base = tempfile.mkdtemp(prefix="portal-pg-")
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
