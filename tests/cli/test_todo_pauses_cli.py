"""``todo --at``: a case on hold, hand-worked. A 电话热线 case received 09:00 is put on hold
at 09:30 and resumed at 12:00 (2 h 30 min on hold, calendar time):
- D1 (contact within 2 hours, due 11:00) had 1 h 30 min left: due 13:30;
- D4 (back at CS by 23:59:59 that day) had 14 h 29 min 59 s left: due 02:29:59 next day;
- D3 (escalate within 5 minutes, due 09:05) was overdue before the hold: it stays so."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from complaints.rules.permissions import ROLES
from complaints.usecases import cases, site, tracking
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database
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
    v = cases.blank_case(cx)
    v.update(customer_name="张伟", content="等配件", channel="电话热线", business="售后")
    v.update(received_at=T0)
    cid = cases.create_case(cx, v).id
    tracking.record_action(
        cx, cid, "暂停", at=T0 + timedelta(minutes=30), reason="补录", note="等待配件"
    )
    tracking.record_action(cx, cid, "恢复", note="配件已到")  # at 12:00
    close_database()
    return paths.root


def _d1(capsys, data_dir, at: str) -> tuple[str, str]:
    code = cli.main(["--data-dir", str(data_dir), "todo", "--at", at])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    (row,) = [ln for ln in lines if " D1 " in ln]
    if at > "2026-11-20T09:05":
        (d3,) = [ln for ln in lines if " D3 " in ln]
        assert d3.split()[0] == "已逾期" and "2026-11-20 09:05" in d3
    return lines[0], row


@pytest.mark.parametrize(
    ("at", "status", "due", "left"),
    [
        ("2026-11-20T09:20", "有余量", "2026-11-20 11:00", "剩 1小时40分"),
        ("2026-11-20T10:30", "暂停", "暂停中", "剩 1小时30分"),
        ("2026-11-20T11:59", "暂停", "暂停中", "剩 1小时30分"),  # past 11:00, not overdue
        ("2026-11-20T12:10", "有余量", "2026-11-20 13:30", "剩 1小时20分"),
        ("2026-11-20T13:10", "将到期", "2026-11-20 13:30", "剩 20分"),
        ("2026-11-20T13:31", "已逾期", "2026-11-20 13:30", "超 1分"),
    ],
)
def test_todo_at_chosen_times(data_dir, capsys, at, status, due, left):
    head, row = _d1(capsys, data_dir, at)
    assert row.split()[0] == status
    assert due in row and left in row
    assert ("暂停 2 项" in head) == (status == "暂停")  # D1 and D4


def test_d4_resumes_with_its_time_left(data_dir, capsys):
    cli.main(["--data-dir", str(data_dir), "todo", "--at", "2026-11-20T10:00"])
    (d4,) = [ln for ln in capsys.readouterr().out.splitlines() if " D4 " in ln]
    assert d4.split()[0] == "暂停" and "剩 14小时29分" in d4
    cli.main(["--data-dir", str(data_dir), "todo", "--at", "2026-11-20T12:10"])
    (d4,) = [ln for ln in capsys.readouterr().out.splitlines() if " D4 " in ln]
    assert d4.split()[0] == "有余量" and "2026-11-21 02:29" in d4
