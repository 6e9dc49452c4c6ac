"""Shared fixtures: a fresh temp-file database for every test (never :memory:,
since worker threads open their own connections)."""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

import ui  # noqa: F401  (applies the PySide6 6.12 / Python 3.11 workaround: ui/__init__.py)
from complaints.rules.permissions import ROLES
from complaints.usecases import demo, site, stats
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database, open_database, open_server
from db.models import database
from db.server_address import ServerAddress, connect_params, parse_address
from desktop.cli import main
from tests import data_folders, pg_cluster

FIXED_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)

# CI runs the same examples every time (a random example failing there would block a landing
# with nothing to reproduce); by hand the examples vary, and keep finding new cases.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


# ---- Both engines ---------------------------------------------------------------------
# The storage, use-case, ledger and CLI tests run on this PC's SQLite file and on the office's
# PostgreSQL server: a test there that takes ``site_db``/``ctx``, the ledger's ``sites`` or a
# CLI data folder gets the fixture ``db_engine``, parametrized by ``--engine``. A test that
# asks for the SQLite file itself (``db_path``) runs on SQLite only; so does one marked
# ``sqlite_only(reason)``. One marked ``server_only(reason)`` runs on the server only.
ENGINES = ("sqlite", "postgresql")
BOTH_ENGINE_FOLDERS = ("db", "complaints", "ledger", "cli")
TESTS_ROOT = Path(__file__).parent


def pytest_addoption(parser):
    parser.addoption(
        "--engine",
        choices=(*ENGINES, "both"),
        default="both",
        help="the database engine(s) of the storage, use-case, ledger and CLI tests",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about SQLite itself (its file, WAL, ...)"
    )
    config.addinivalue_line(
        "markers", "server_only(reason): the test is about the office server's own behaviour"
    )


def selected_engines(config) -> tuple[str, ...]:
    chosen = config.getoption("--engine")
    return ENGINES if chosen == "both" else (chosen,)


def _runs_on_both(metafunc) -> bool:
    path = Path(metafunc.definition.path)
    try:
        folder = path.relative_to(TESTS_ROOT).parts[0]
    except ValueError:
        return False
    return (
        folder in BOTH_ENGINE_FOLDERS
        and "db_path" not in metafunc.fixturenames
        and metafunc.definition.get_closest_marker("sqlite_only") is None
    )


def pytest_generate_tests(metafunc):
    if "db_engine" not in metafunc.fixturenames:
        return
    engines = selected_engines(metafunc.config) if _runs_on_both(metafunc) else ("sqlite",)
    if metafunc.definition.get_closest_marker("server_only") is not None:
        engines = tuple(e for e in engines if e == "postgresql")
    metafunc.parametrize("db_engine", engines, indirect=True, scope="function")


def pytest_collection_modifyitems(config, items):
    """--engine=postgresql keeps only the tests that run on the server."""
    if "sqlite" in selected_engines(config):
        return
    keep = [i for i in items if "[postgresql" in i.name or "-postgresql" in i.name]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


@pytest.fixture
def db_engine(request) -> str:
    """The engine this test runs on: ``sqlite`` or ``postgresql`` (see pytest_generate_tests)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def server_templates(postgres) -> dict[str, str]:
    """Template databases built once per session on the throwaway cluster, copied per test
    (``CREATE DATABASE … TEMPLATE``, far cheaper than migrating a new one): ``schema`` (what
    ``init`` builds before the site exists) and ``sh01`` (``site_db``: site SH01 at
    FIXED_NOW)."""
    built = {}
    for name, make_site in (("tpl_schema", False), ("tpl_sh01", True)):
        postgres.admin(f"CREATE DATABASE {name} {_UTF8_DB}")
        open_server(ServerAddress(pg_cluster.SUPERUSER, postgres.socket_dir, postgres.port, name))
        try:
            if make_site:
                site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        finally:
            close_database()
        built[name.removeprefix("tpl_")] = name
    return built


_UTF8_DB = "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
_copies = itertools.count(1)


@pytest.fixture
def server_copy(postgres, server_templates):
    """``server_copy(kind)``: the address of a new database copied from the session's
    template ``kind`` (``schema``, ``sh01``, or one a test made with ``postgres.admin``);
    every copy is dropped at the end of the test."""
    made: list[str] = []

    def copy(kind: str = "schema") -> ServerAddress:
        name = f"c{os.getpid()}_{next(_copies)}"
        postgres.admin(f"CREATE DATABASE {name} TEMPLATE {server_templates.get(kind, kind)}")
        made.append(name)
        return ServerAddress(pg_cluster.SUPERUSER, postgres.socket_dir, postgres.port, name)

    yield copy
    close_database()
    for name in made:
        postgres.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def open_data_folder(request, db_engine, monkeypatch) -> Callable[[Path], None]:
    """``open_data_folder(root)``: open the database of the data folder ``root`` on the
    test's engine, for a CLI test's set-up. On the server it is a new database (a copy of the
    schema template) that COMPLAINTDESK_DATABASE names, so the commands the test then runs
    with ``--data-dir root`` use it too. A test with several data folders (headquarters and a
    branch) gets a database per folder; ``run_cli`` passes each folder's with ``--database``
    (COMPLAINTDESK_DATABASE names the first folder's)."""
    made: dict[Path, ServerAddress] = {}

    def open_folder(root: Path) -> None:
        root = Path(root)
        if db_engine == "sqlite":
            open_database(root / "complaintdesk.sqlite3", backup_dir=root / "backups")
            return
        if root not in made:
            made[root] = request.getfixturevalue("server_copy")("schema")
            monkeypatch.setitem(data_folders.SERVERS, root, made[root])
            if len(made) == 1:
                monkeypatch.setenv("COMPLAINTDESK_DATABASE", str(made[root]))
        root.mkdir(parents=True, exist_ok=True)
        open_server(made[root], data_folder=root)

    return open_folder


@pytest.fixture
def folder_rows(open_data_folder) -> Callable[[Path, str], list[tuple]]:
    """``folder_rows(root, sql)``: the rows of ``sql`` (no parameters) in the database of the
    data folder ``root`` on the test's engine, read between commands."""

    def rows(root: Path, sql: str) -> list[tuple]:
        open_data_folder(root)
        try:
            return [tuple(r) for r in database.execute_sql(sql).fetchall()]
        finally:
            close_database()

    return rows


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "data" / "complaintdesk.sqlite3"
    open_database(path, backup_dir=tmp_path / "data" / "backups")
    yield path
    close_database()


@pytest.fixture
def site_db(request, db_engine, tmp_path):
    """A database initialised as site SH01, on the test's engine. Its value is the path of
    the SQLite file in the data folder (on the server only the folder is this PC's)."""
    if db_engine == "sqlite":
        path = request.getfixturevalue("db_path")
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        return path
    (tmp_path / "data").mkdir(exist_ok=True)
    open_server(request.getfixturevalue("server_copy")("sh01"), data_folder=tmp_path / "data")
    return tmp_path / "data" / "complaintdesk.sqlite3"


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


@pytest.fixture
def server_ctx(server_address, tmp_path):
    """Site SH01 on a fresh server database, opened as this process's session (the seats
    tests; tests/complaints/seats.py makes the other seats); this PC's folder is
    ``tmp_path / "data"``."""
    open_server(server_address, data_folder=tmp_path / "data")
    try:
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
        yield sh01_context()
    finally:
        close_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_ctx(request, tmp_path):
    """The test's Context on a fresh database initialised as site SH01, once on each engine:
    this PC's SQLite file, then the office's PostgreSQL server."""
    if request.param not in selected_engines(request.config):
        pytest.skip(f"--engine={request.config.getoption('--engine')}")
    if request.param == "sqlite":
        path = tmp_path / "data" / "complaintdesk.sqlite3"
        open_database(path, backup_dir=tmp_path / "data" / "backups")
    else:
        open_server(request.getfixturevalue("server_copy")("schema"), data_folder=tmp_path / "data")
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


@pytest.fixture(scope="session")
def server_demo_templates(postgres, server_templates) -> Callable[..., tuple[str, demo.DemoReport]]:
    """The server's counterpart of ``demo_templates``: a template database per kind."""
    built: dict[tuple[int, int, frozenset[str]], tuple[str, demo.DemoReport]] = {}

    def template(cases: int, seed: int, roles: frozenset[str]) -> tuple[str, demo.DemoReport]:
        key = (cases, seed, roles)
        if key not in built:
            name = f"tpl_demo_{len(built) + 1}"
            postgres.admin(f"CREATE DATABASE {name} TEMPLATE {server_templates['sh01']}")
            open_server(
                ServerAddress(pg_cluster.SUPERUSER, postgres.socket_dir, postgres.port, name)
            )
            try:
                ctx = dataclasses.replace(sh01_context(), roles=roles)
                report = demo.load_demo(ctx, cases, seed=seed)
                stats.clear_cache(stored=True)
            finally:
                close_database()
            built[key] = name, report
        return built[key]

    return template


@pytest.fixture
def load_demo_copy(request, db_engine, demo_templates) -> Callable[..., demo.DemoReport]:
    """``load_demo_copy(cases, seed, roles=...)``: this test's database becomes a copy of the
    session's demo database of that kind (SQLite's backup API, into the open database, so
    every connection of the test sees it; on the server a new database copied from the
    template); returns that load's report."""
    if db_engine == "postgresql":
        templates = request.getfixturevalue("server_demo_templates")
        server_copy = request.getfixturevalue("server_copy")

        def server(cases: int, seed: int, roles: frozenset[str] = frozenset(ROLES)):
            name, report = templates(cases, seed, roles)
            open_server(server_copy(name), data_folder=request.getfixturevalue("tmp_path") / "data")
            stats.clear_cache()
            return report

        return server
    db_path = request.getfixturevalue("db_path")

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


def database_args(data_dir) -> list[str]:
    """``--database ADDRESS`` of a data folder set up on the server with open_data_folder;
    none on SQLite."""
    server = data_folders.SERVERS.get(Path(data_dir))
    return ["--database", str(server)] if server is not None else []


def run_cli(capsys, data_dir, *argv: str) -> tuple[int, str, str]:
    """``python -m desktop --data-dir DATA_DIR ARGV…`` in this process: (status, stdout,
    stderr). On the server, with ``--database`` naming the folder's database."""
    code = main(["--data-dir", str(data_dir), *database_args(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def passwords_changed(data_dir, *logins: str) -> None:
    """Test set-up: the accounts of a data folder as if each person had changed the
    temporary password the administrator gave (the CLI refuses every other command
    until then). On the server: the database COMPLAINTDESK_DATABASE names."""
    marks = ", ".join("%s" for _ in logins)
    server = os.environ.get("COMPLAINTDESK_DATABASE")
    if Path(data_dir) in data_folders.SERVERS or server:
        address = data_folders.SERVERS.get(Path(data_dir)) or parse_address(server or "")
        with psycopg.connect(dbname=address.dbname, **connect_params(address)) as conn:
            sql = f"UPDATE users SET must_change_password = 0 WHERE login IN ({marks})"
            conn.execute(sql.encode(), logins)
        return
    db = sqlite3.connect(Path(data_dir) / "complaintdesk.sqlite3")
    try:
        marks = ", ".join("?" for _ in logins)
        db.execute(f"UPDATE users SET must_change_password = 0 WHERE login IN ({marks})", logins)
        db.commit()
    finally:
        db.close()


# ---- CI never passes without the server --------------------------------------------------
# The runs of this process (pytest_runtest_logreport is given no config to keep it in).
_server_skips: dict[str, int] = {"count": 0}


def pytest_sessionstart(session):
    _server_skips["count"] = 0


def pytest_runtest_logreport(report):
    if report.skipped and pg_cluster.HOW_TO_GET in str(report.longrepr):
        _server_skips["count"] += 1


def pytest_sessionfinish(session, exitstatus):
    """On CI (``CI`` set, as .ci/run does) a run whose PostgreSQL tests were skipped fails:
    the office server engine must have been tested."""
    skipped = _server_skips["count"]
    if os.environ.get("CI") and skipped and exitstatus in (0, 5):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"CI: {skipped} tests on the office server engine were skipped because "
                "PostgreSQL is not installed (apt-get install postgresql): the run fails",
                red=True,
            )
