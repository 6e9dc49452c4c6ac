"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temporary folder, a
Unix socket and a free TCP port on 127.0.0.1.

initdb refuses to run as root, so under root (CI) the server's commands run as the
``postgres`` user that Debian's package creates. The socket accepts the superuser without a
password (trust); TCP asks for one (scram-sha-256), which the login tests use.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

HOW_TO_GET = (
    "PostgreSQL is not installed: the tests on the office server engine are skipped. "
    "Install Debian's package (apt-get install postgresql) to run them; .ci/run does."
)
SUPERUSER = "postgres"


def find_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL's initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int
    run_as: str | None  # the user the server runs as when we are root

    @property
    def socket_dir(self) -> str:
        return str(self.folder / "socket")

    def _run(self, *argv: str) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        data = self.folder / "data"
        sock = Path(self.socket_dir)
        sock.mkdir()
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for p in (self.folder, sock):
                os.chown(p, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        )
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.socket_dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(data), "-o", options, "-w", "-l", str(self.folder / "log"), "start"
        )

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def admin(self, sql: str) -> None:
        """Run ``sql`` as the superuser (outside a transaction: CREATE DATABASE)."""
        with psycopg.connect(
            host=self.socket_dir, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # test set-up text, not user input


def start_cluster(folder: Path) -> Cluster | None:
    """A running cluster in ``folder``, or None when PostgreSQL is not installed."""
    where = find_bin()
    if where is None:
        return None
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return None
        run_as = SUPERUSER
    cluster = Cluster(where, folder, free_port(), run_as)
    cluster.start()
    return cluster
