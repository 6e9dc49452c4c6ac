"""Shared fixtures: a fresh temp-file database for every test (never :memory:,
since worker threads open their own connections)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

import ui  # noqa: F401  (applies the PySide6 6.12 / Python 3.11 workaround: ui/__init__.py)
from complaints.rules.permissions import ROLES
from complaints.usecases import demo, site, stats
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database, open_database, open_server
from db.models import database
from db.server_address import ServerAddress
from desktop.cli import main
from tests import pg_cluster

FIXED_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)

# CI runs the same examples every time (a random example failing there would block a landing
# with nothing to reproduce); by hand the examples vary, and keep finding new cases.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "data" / "complaintdesk.sqlite3"
    open_database(path, backup_dir=tmp_path / "data" / "backups")
    yield path
    close_database()


@pytest.fixture
def site_db(db_path):
    """A database initialised as site SH01."""
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    return db_path


def sh01_context() -> Context:
    """The Context of the tests: site SH01, every role, the fixed clock."""
    return Context(
        site="SH01",
        actor="测试员",
        clock=lambda: FIXED_NOW,
        roles=frozenset(ROLES),
        department="客服部",
    )


@pytest.fixture
def ctx(site_db):
    """Holds every role, so tests of other use cases pass the permission checks; the
    permission tests build their own contexts per role."""
    return sh01_context()


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the session (tests/pg_cluster.py); skipped with
    how to get it when PostgreSQL is not installed. Its folder is a fresh one of its own in
    the system's temporary folder: pytest's is private to root, and under root the server
    runs as the postgres user."""
    folder = Path(tempfile.mkdtemp(prefix="complaintdesk-pg-"))
    try:
        cluster = pg_cluster.start_cluster(folder)
        if cluster is None:
            pytest.skip(pg_cluster.HOW_TO_GET)
        yield cluster
        cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_server_dbs = iter(range(1, 1_000_000))


@pytest.fixture
def server_address(postgres) -> ServerAddress:
    """An empty UTF-8 database of its own on the throwaway cluster (through its socket)."""
    name = f"t{next(_server_dbs)}"
    postgres.admin(
        f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
    )
    return ServerAddress(pg_cluster.SUPERUSER, postgres.socket_dir, postgres.port, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_ctx(request, tmp_path):
    """The test's Context on a fresh database initialised as site SH01, once on each engine:
    this PC's SQLite file, then the office's PostgreSQL server."""
    if request.param == "sqlite":
        path = tmp_path / "data" / "complaintdesk.sqlite3"
        open_database(path, backup_dir=tmp_path / "data" / "backups")
    else:
        open_server(request.getfixturevalue("server_address"))
    try:
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        yield sh01_context()
    finally:
        close_database()


DemoTemplate = tuple[Path, demo.DemoReport]


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory) -> Callable[[int, int, frozenset[str]], DemoTemplate]:
    """Demo databases built once per test session, by (cases, seed, roles of the loader):
    each exactly what a test's own database holds after ``site_db`` and
    ``demo.load_demo(ctx with those roles, cases, seed=seed)``, with no 统计 summary kept."""
    built: dict[tuple[int, int, frozenset[str]], DemoTemplate] = {}

    def template(cases: int, seed: int, roles: frozenset[str]) -> DemoTemplate:
        key = (cases, seed, roles)
        if key not in built:
            folder = tmp_path_factory.mktemp(f"demo-{cases}-{seed}")
            path = folder / "complaintdesk.sqlite3"
            open_database(path, backup_dir=folder / "backups")
            try:
                site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
                ctx = dataclasses.replace(sh01_context(), roles=roles)
                report = demo.load_demo(ctx, cases, seed=seed)
                stats.clear_cache(stored=True)
            finally:
                close_database()
            built[key] = path, report
        return built[key]

    return template


@pytest.fixture
def load_demo_copy(db_path, demo_templates) -> Callable[..., demo.DemoReport]:
    """``load_demo_copy(cases, seed, roles=...)``: this test's database becomes a copy of the
    session's demo database of that kind (SQLite's backup API, into the open database, so
    every connection of the test sees it); returns that load's report."""

    def copy(cases: int, seed: int, roles: frozenset[str] = frozenset(ROLES)) -> demo.DemoReport:
        template, report = demo_templates(cases, seed, roles)
        if database.database != str(db_path):  # the template was built just now, in its own
            open_database(db_path, backup_dir=db_path.parent / "backups")
        source = sqlite3.connect(template)
        try:
            source.backup(database.connection())
        finally:
            source.close()
        stats.clear_cache()
        return report

    return copy


@pytest.fixture
def stats_demo(ctx, load_demo_copy):
    """300 demo cases with no 统计 summary kept anywhere (memory or database) at the start,
    and none left in memory after the test."""
    load_demo_copy(300, 5)
    yield ctx
    stats.clear_cache()


def run_cli(capsys, data_dir, *argv: str) -> tuple[int, str, str]:
    """``python -m desktop --data-dir DATA_DIR ARGV…`` in this process: (status, stdout,
    stderr)."""
    code = main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def passwords_changed(data_dir, *logins: str) -> None:
    """Test set-up: the accounts of a data folder as if each person had changed the
    temporary password the administrator gave (the CLI refuses every other command
    until then)."""
    db = sqlite3.connect(Path(data_dir) / "complaintdesk.sqlite3")
    try:
        marks = ", ".join("?" for _ in logins)
        db.execute(f"UPDATE users SET must_change_password = 0 WHERE login IN ({marks})", logins)
        db.commit()
    finally:
        db.close()
