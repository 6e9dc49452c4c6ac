"""The office server's errors reach a person in plain Chinese with what to check, the
server's own words kept as the detail (the log, the dialog's 详细信息, the CLI's 详细信息 line):
db/server_errors.py, used by the server engine, the CLI and the GUI."""

from __future__ import annotations

import peewee as pw
import pytest
from psycopg import errors as pg_errors

from complaints.usecases import cases
from complaints.usecases.errors import detail_of, for_person
from db.models import database
from db.server_errors import ServerTrouble, server_trouble
from tests.complaints.seats import other_seat


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (pg_errors.QueryCanceled("canceling statement due to statement timeout"), "超时"),
        (pg_errors.DiskFull("could not extend file: No space left on device"), "磁盘已满"),
        (pg_errors.TooManyConnections("sorry, too many clients already"), "max_connections"),
        (pg_errors.AdminShutdown("terminating connection due to administrator command"), "中断"),
        (pg_errors.CannotConnectNow("the database system is starting up"), "重新启动"),
        (pg_errors.InsufficientPrivilege("permission denied for table cases"), "权限"),
        (pg_errors.ReadOnlySqlTransaction("cannot execute UPDATE in a read-only"), "只能读"),
        (pg_errors.LockNotAvailable("canceling statement due to lock timeout"), "lock_timeout"),
        (pg_errors.DeadlockDetected("deadlock detected"), "多次重试仍未成功"),
        (pg_errors.IndexCorrupted('index "cases_pkey" contains unexpected zero page'), "损坏"),
        (pg_errors.InvalidPassword('password authentication failed for user "x"'), "拒绝了登录"),
        (pg_errors.OperationalError("server closed the connection unexpectedly"), "连接中断"),
        (pg_errors.InterfaceError("the connection is closed"), "连接中断"),
    ],
)
def test_each_kind_is_said_in_chinese_with_the_servers_words_kept(error, said):
    wrapped = pw.OperationalError(error)  # as peewee raises it
    wrapped.__context__ = error
    trouble = server_trouble(wrapped, "office-srv:5432")
    assert trouble is not None and said in str(trouble)
    assert "(服务器 office-srv:5432)" in str(trouble) and "请" in str(trouble)
    assert str(error) in trouble.detail  # the English stays, apart
    assert not any(c.isascii() and c.isalpha() for c in str(trouble).split("(服务器")[0])
    if error.sqlstate:
        assert trouble.detail.startswith(f"SQLSTATE {error.sqlstate}:")


def test_a_bug_of_this_program_is_left_to_show_as_one():
    assert server_trouble(pg_errors.UndefinedColumn('column "x" does not exist')) is None
    assert server_trouble(pg_errors.UniqueViolation("duplicate key value")) is None
    assert server_trouble(ValueError("not the server's")) is None
    plain = KeyError("x")
    assert for_person(plain) is plain


def test_a_statement_timeout_on_the_server_is_said_in_chinese(server_ctx):
    database.execute_sql("SET statement_timeout = '1ms'")
    try:
        with pytest.raises(ServerTrouble) as caught:
            database.execute_sql("SELECT pg_sleep(5)")
    finally:
        database.execute_sql("RESET statement_timeout")
    assert str(caught.value).startswith("数据库服务器上的这项操作超时,已被服务器取消(服务器 ")
    assert "statement_timeout" in str(caught.value)
    assert detail_of(caught.value).startswith("SQLSTATE 57014:")
    assert "canceling statement due to statement timeout" in detail_of(caught.value)


def test_a_dropped_connection_is_said_and_the_next_action_connects_again(
    server_ctx, server_address
):
    values = cases.blank_case(server_ctx)
    values.update(customer_name="王芳", content="漆面划痕")
    pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    admin = other_seat(server_address)
    try:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.commit()
    finally:
        admin.close()
    with pytest.raises(ServerTrouble) as caught:
        cases.create_case(server_ctx, values)  # a save whose connection died under it
    assert "中断了本机的连接" in str(caught.value) and "重试" in str(caught.value)
    assert "terminating connection" in detail_of(caught.value)
    assert cases.create_case(server_ctx, values).number == "SH01-202611-0001"  # retried: saved


def test_the_cli_says_a_server_error_and_its_detail(capsys, tmp_path, server_address, monkeypatch):
    from tests.conftest import run_cli

    pc = tmp_path / "pc"
    url = str(server_address)
    assert run_cli(capsys, pc, "--database", url, "init", "--site", "SH01", "--name", "店")[0] == 0
    monkeypatch.setenv("PGOPTIONS", "-c default_transaction_read_only=on")
    code, _out, err = run_cli(capsys, pc, "--database", url, "backup")
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("错误:数据库服务器现在只能读、不能写"), err
    assert lines[-1].startswith("详细信息:SQLSTATE 25006:"), err
