"""The office server engine (PostgreSQL) on a throwaway cluster: the address, the login,
the schema ``init`` builds, the search."""

from __future__ import annotations

import pytest

from complaints.usecases import cases, site
from db.database import close_database, latest_version, open_database, open_server
from db.models import database, on_server
from db.server_address import (
    BadAddress,
    LoginRefused,
    ServerAddress,
    ServerUnreachable,
    parse_address,
)
from tests import pg_cluster
from tests.conftest import FIXED_NOW, run_cli, sh01_context


def test_address_parts_and_default_port():
    a = parse_address("postgresql://clerk@office-srv/complaints")
    assert (a.user, a.host, a.port, a.dbname) == ("clerk", "office-srv", 5432, "complaints")
    assert (
        str(parse_address("postgresql://u@10.0.0.5:6543/cd")) == "postgresql://u@10.0.0.5:6543/cd"
    )


def test_a_password_in_the_address_is_refused():
    with pytest.raises(BadAddress, match="pgpass"):
        parse_address("postgresql://clerk:secret@office-srv/complaints")


@pytest.mark.parametrize(
    "text", ["postgresql://office-srv/cd", "postgresql://u@srv/", "mysql://u@h/d"]
)
def test_an_incomplete_address_says_what_is_missing(text):
    with pytest.raises(BadAddress, match="postgresql://用户@服务器:端口/数据库"):
        parse_address(text)


def test_init_on_an_empty_server_database_builds_the_schema(capsys, tmp_path, server_address):
    code, out, err = run_cli(
        capsys,
        tmp_path / "pc",
        "--database",
        str(server_address),
        "init",
        "--site",
        "SH01",
        "--name",
        "上海浦东店",
    )
    assert code == 0, err
    assert "已初始化站点 SH01" in out
    open_server(server_address)
    try:
        assert on_server()
        got = database.execute_sql("SELECT max(version) FROM schema_version").fetchone()[0]
        assert got == latest_version()
        assert site.local_site().code == "SH01"
        exts = {r[0] for r in database.execute_sql("SELECT extname FROM pg_extension")}
        assert {"pg_trgm", "citext"} <= exts
    finally:
        close_database()
    assert not on_server()  # closed: the next open is this PC's file again unless told


def test_the_environment_variable_names_the_server(capsys, tmp_path, server_address, monkeypatch):
    monkeypatch.setenv("COMPLAINTDESK_DATABASE", str(server_address))
    code, _out, err = run_cli(capsys, tmp_path / "pc", "init", "--site", "SH02", "--name", "北京店")
    assert code == 0, err
    assert not (tmp_path / "pc" / "complaintdesk.sqlite3").exists()


def test_nobody_listening_is_said_plainly(capsys, tmp_path):
    port = pg_cluster.free_port()
    with pytest.raises(ServerUnreachable, match=r"无法连接数据库服务器 127\.0\.0\.1"):
        open_server(ServerAddress("clerk", "127.0.0.1", port, "cd"))
    code, _out, err = run_cli(
        capsys,
        tmp_path / "pc",
        "--database",
        f"postgresql://clerk@127.0.0.1:{port}/cd",
        "init",
        "--site",
        "SH01",
        "--name",
        "x",
    )
    assert code == 2 and "无法连接数据库服务器" in err and "防火墙" in err
    # the driver's own words on a 详细信息 line of their own, for the IT person
    lines = err.strip().splitlines()
    assert lines[-1].startswith("详细信息:") and "详细信息" not in "".join(lines[:-1])


def test_a_refused_login_is_said_plainly_and_pgpass_lets_it_in(
    postgres, server_address, tmp_path, monkeypatch
):
    postgres.admin(
        "DO $$ BEGIN CREATE ROLE clerk LOGIN PASSWORD 'pw-of-clerk'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    postgres.admin(f"GRANT ALL ON DATABASE {server_address.dbname} TO clerk")
    postgres.admin(f"ALTER DATABASE {server_address.dbname} OWNER TO clerk")
    over_tcp = ServerAddress("clerk", "127.0.0.1", postgres.port, server_address.dbname)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(LoginRefused, match="拒绝了登录"):
        open_server(over_tcp)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres.port}:*:clerk:wrong\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with pytest.raises(LoginRefused, match="pgpass"):
        open_server(over_tcp)
    pgpass.write_text(f"127.0.0.1:{postgres.port}:*:clerk:pw-of-clerk\n")
    try:
        report = open_server(over_tcp)
        assert report.version_after == latest_version()
        site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    finally:
        close_database()


def test_the_search_index_is_used_for_chinese_text(server_address):
    open_server(server_address)
    try:
        database.execute_sql("SET enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in database.execute_sql(
                "EXPLAIN SELECT rowid FROM cases_fts WHERE doc LIKE ?", ["%锦旗表%"]
            )
        )
        assert "cases_fts_doc" in plan
    finally:
        close_database()


def test_check_on_the_server_finds_a_stale_search_document_and_rebuilds(
    capsys, tmp_path, server_address
):
    pc = tmp_path / "pc"
    url = str(server_address)
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    open_server(server_address)
    try:
        ctx = sh01_context()
        values = cases.blank_case(ctx)
        values.update(customer_name="张伟", content="锦旗表扬服务顾问")
        cases.create_case(ctx, values)
    finally:
        close_database()
    code, out, _err = run_cli(capsys, pc, "--database", url, "check")
    assert code == 0 and "检查通过" in out
    open_server(server_address)
    try:
        database.execute_sql("UPDATE cases_fts SET doc = 'x'")
    finally:
        close_database()
    code, out, _err = run_cli(capsys, pc, "--database", url, "check")
    assert code == 1 and "搜索索引内容已过时" in out and "check --rebuild-index" in out
    code, out, _err = run_cli(capsys, pc, "--database", url, "check", "--rebuild-index")
    assert code == 0 and "已重建搜索索引" in out and "检查通过" in out


def test_check_on_the_server_finds_a_missing_audit_guard(capsys, tmp_path, server_address):
    pc = tmp_path / "pc"
    url = str(server_address)
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    open_server(server_address)
    try:
        database.execute_sql("DROP TRIGGER audit_log_no_delete ON audit_log")
    finally:
        close_database()
    code, out, _err = run_cli(capsys, pc, "--database", url, "check")
    assert code == 1 and "audit_log_no_delete" in out


def test_backup_on_the_server_is_a_file_restore_reads(capsys, tmp_path, server_address):
    pc = tmp_path / "pc"
    url = str(server_address)
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    open_server(server_address)
    try:
        ctx = sh01_context()
        values = cases.blank_case(ctx)
        values.update(customer_name="张伟", content="锦旗表扬服务顾问")
        number = cases.create_case(ctx, values).number
        audit_rows = database.execute_sql("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        close_database()
    out_file = tmp_path / "server-backup.sqlite3"
    code, out, err = run_cli(capsys, pc, "--database", url, "backup", "--out", str(out_file))
    assert code == 0, err
    assert out_file.exists()
    other = tmp_path / "other-pc"
    code, out, err = run_cli(capsys, other, "restore", str(out_file))
    assert code == 0, err
    code, out, err = run_cli(capsys, other, "check")
    assert code == 0, out + err
    open_database(other / "complaintdesk.sqlite3")
    try:
        assert cases.search("锦旗表") != []
        assert cases.get_case(cases.search("锦旗表")[0])["number"] == number
        copied = database.execute_sql("SELECT count(*) FROM audit_log").fetchone()[0]
        assert copied >= audit_rows
    finally:
        close_database()


def test_a_database_in_another_encoding_is_refused_before_any_table(capsys, tmp_path, postgres):
    postgres.admin("CREATE DATABASE latin TEMPLATE template0 ENCODING 'SQL_ASCII' LOCALE 'C'")
    address = ServerAddress(pg_cluster.SUPERUSER, postgres.socket_dir, postgres.port, "latin")
    code, _out, err = run_cli(
        capsys,
        tmp_path / "pc",
        "--database",
        str(address),
        "init",
        "--site",
        "SH01",
        "--name",
        "店",
    )
    assert code != 0 and "编码为 SQL_ASCII" in err and "UTF8" in err
    postgres.admin("DROP DATABASE latin")  # nothing was made in it: it drops cleanly


def test_check_says_when_the_servers_locale_cannot_index_chinese(capsys, tmp_path, postgres):
    postgres.admin("CREATE DATABASE plainc TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")
    address = ServerAddress(pg_cluster.SUPERUSER, postgres.socket_dir, postgres.port, "plainc")
    pc, url = tmp_path / "pc", str(address)
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    open_server(address)
    try:
        values = cases.blank_case(sh01_context())
        values.update(customer_name="张伟", content="锦旗表扬服务顾问")
        created = cases.create_case(sh01_context(), values)
        # the search still finds the case, only without the index's help
        assert cases.search("锦旗表") == [created.id]
    finally:
        close_database()
    code, out, _err = run_cli(capsys, pc, "--database", url, "check")
    assert code == 1 and "LC_CTYPE" in out and "C.UTF-8" in out


def test_a_read_snapshot_on_the_server_sees_one_moment(server_ctx, server_address):
    """An export or a backup reads in one snapshot: a row another seat commits between two
    of its reads is in neither (READ COMMITTED would show it to the second read only, and an
    entry could travel without its case)."""
    from db.models import database
    from tests.complaints.seats import other_seat

    def count() -> int:
        return database.execute_sql("SELECT count(*) FROM settings").fetchone()[0]

    seat = other_seat(server_address)
    try:
        with database.read_snapshot():
            before = count()
            seat.execute("INSERT INTO settings (key, value) VALUES ('snapshot.test', '1')")
            seat.commit()
            assert count() == before
        assert count() == before + 1  # the next read sees it
    finally:
        seat.close()
