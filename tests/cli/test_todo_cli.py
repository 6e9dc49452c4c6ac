"""``python -m desktop todo``: the morning-meeting list, text and CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, site, todo, tracking
from complaints.usecases.context import CHINA_TZ, Context
from complaints.usecases.todo import format_remaining
from db.database import close_database, open_database
from desktop import cli
from desktop.paths import data_paths

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def data_dir(tmp_path, open_data_folder):
    paths = data_paths(tmp_path / "d")
    open_data_folder(paths.root)
    site.init_site("SH01", "上海浦东店", now=T0)
    cx = Context(
        site="SH01", actor="客服小王", clock=lambda: T0 + timedelta(hours=3), roles=frozenset(ROLES)
    )
    for channel, minutes, dept in (("销售回访", 0, None), ("现场", 30, "车间")):
        v = cases.blank_case(cx)
        v.update(
            customer_name="张伟",
            content="异响",
            channel=channel,
            business="售后",
            received_at=T0 + timedelta(minutes=minutes),
        )
        cid = cases.create_case(cx, v).id
        if dept:
            tracking.record_action(cx, cid, "派单", department=dept)
            tracking.record_action(cx, cid, "升级", at=T0 + timedelta(minutes=32), reason="补录")
    close_database()
    return paths.root


def run(capsys, *argv):
    code = cli.main(["--data-dir", str(argv[0]), *argv[1:]])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_list_overdue_first(data_dir, capsys):
    code, out, _ = run(capsys, data_dir, "todo", "--at", "2026-11-20T10:30")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("待办 截至 2026-11-20 10:30:共 4 项,已逾期 1 项")
    assert "编号" in lines[1] and "到期时间" in lines[1]
    assert "SH01-202611-0001" in lines[2] and "D5" in lines[2] and "已逾期" in lines[2]
    assert "超 30分" in lines[2]
    assert not any(" D3 " in ln for ln in lines)  # D3 met (escalated in 2 minutes)


def test_csv_filters_and_file(data_dir, capsys, tmp_path):
    code, out, _ = run(
        capsys,
        data_dir,
        "todo",
        "--at",
        "2026-11-20T10:30+08:00",
        "--csv",
        "--department",
        "售后服务部",
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["状态", "编号", "规则"]  # the 待办 page's columns
    assert {r[1] for r in rows[1:]} == {"SH01-202611-0002"}
    assert [r[2] for r in rows[1:]] == ["D1", "D4"]
    target = tmp_path / "todo.csv"
    code, out, _ = run(
        capsys,
        data_dir,
        "todo",
        "--format",
        "csv",
        "--out",
        str(target),
        "--at",
        "2026-11-20T10:30",
    )
    assert code == 0 and target.read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, _ = run(capsys, data_dir, "todo", "--person", "无此人", "--at", "2026-11-20T10:30")
    assert code == 0 and "没有未完成的处理时限" in out
    code, out, _ = run(capsys, data_dir, "todo", "--site", "BJ02")
    assert code == 0 and "共 0 项" in out


def test_the_command_and_the_page_write_the_same_rows(data_dir, capsys, tmp_path, open_data_folder):
    """The command's CSV and text are made from the rows the 待办 page shows and exports
    (complaints.usecases.todo.item_cells / todo_csv): the same cells, the same time left."""
    at = datetime(2026, 11, 20, 10, 30, tzinfo=CHINA_TZ)
    target = tmp_path / "cli.csv"
    code, _, _ = run(
        capsys, data_dir, "todo", "--csv", "--out", str(target), "--at", at.isoformat()
    )
    assert code == 0
    code, text, _ = run(capsys, data_dir, "todo", "--at", at.isoformat())
    assert code == 0
    open_data_folder(data_dir)
    try:
        cx = Context(site="SH01", actor="客服小王", clock=lambda: at, roles=frozenset(ROLES))
        items = todo.open_deadlines(cx, now=at)
        page_csv = tmp_path / "page.csv"
        assert todo.save_csv(items, CHINA_TZ, page_csv) == len(items) == 4
    finally:
        close_database()
    assert target.read_bytes() == page_csv.read_bytes()
    lines = text.splitlines()
    for item, line in zip(items, lines[2:], strict=True):
        assert line.split() == [c for cell in todo.item_cells(item, CHINA_TZ) for c in cell.split()]


def test_bad_time_is_a_user_error(data_dir, capsys):
    code, _, err = run(capsys, data_dir, "todo", "--at", "明天")
    assert code == 2 and "--at" in err


def test_format_remaining():
    assert format_remaining(timedelta(minutes=80)) == "剩 1小时20分"
    assert format_remaining(timedelta(days=-2, hours=-3)) == "超 2天3小时"
    assert format_remaining(timedelta(seconds=30)) == "剩 0分"


def test_todo_csv_escapes_a_formula_from_a_ledger(tmp_path, capsys):
    """A customer name ``=cmd|' /C calc'!A0`` (as it may arrive in a ledger) is written to
    the CSV with a leading apostrophe: Excel shows it, never runs it (issue 15 §8)."""
    paths = data_paths(tmp_path / "f")
    open_database(paths.database, backup_dir=paths.backups)
    site.init_site("SH01", "上海浦东店", now=T0)
    cx = Context(site="SH01", actor="客服小王", clock=lambda: T0, roles=frozenset(ROLES))
    v = cases.blank_case(cx)
    v.update(
        customer_name="=cmd|' /C calc'!A0",
        content="@SUM(1+1)",
        channel="现场",
        business="售后",
        received_at=T0,
    )
    cases.create_case(cx, v)
    close_database()
    target = tmp_path / "t.csv"
    code, _, _ = run(
        capsys, paths.root, "todo", "--csv", "--out", str(target), "--at", "2026-11-20T09:10"
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[1][9] == "'=cmd|' /C calc'!A0"
    assert not any(c.startswith(("=", "+", "-", "@")) for r in rows for c in r)
