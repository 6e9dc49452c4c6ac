"""``calendar import/show`` and ``policy show/set`` (issue 20 §1, §2, §5, §6), and the to-do
list of a case counted in office time."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import pytest
from openpyxl import Workbook

from complaints.rules.permissions import ROLES
from complaints.rules.policy import Policy
from complaints.usecases import cases, site
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database
from desktop.paths import data_paths
from tests.conftest import passwords_changed
from tests.conftest import run_cli as run

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=CHINA_TZ)
MONDAY_NIGHT = datetime(2026, 11, 23, 21, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def data_dir(tmp_path, monkeypatch, open_data_folder):
    root = tmp_path / "data"
    paths = data_paths(root)
    open_data_folder(paths.root)
    site.init_site("SH01", "上海浦东店", now=T0)
    cx = Context(site="SH01", actor="客服经理", clock=lambda: T0, roles=frozenset(ROLES))
    # D1 and D4 in office time from 1 November, before the case was received.
    policy_uc.save(cx, Policy().with_(d1_clock="office", d4_clock="office"))
    v = cases.blank_case(cx)
    v.update(
        customer_name="张伟",
        content="异响",
        channel="现场",
        business="售后",
        received_at=MONDAY_NIGHT,
    )
    # registered as it came in (a case is never received in the future)
    cases.create_case(dataclasses.replace(cx, clock=lambda: MONDAY_NIGHT), v)
    close_database()
    monkeypatch.delenv("COMPLAINTDESK_PASSWORD", raising=False)
    monkeypatch.setenv("COMPLAINTDESK_NEW_PASSWORD", "start-pass-1")
    return root


@pytest.fixture
def manager(capsys, data_dir, monkeypatch):
    """A 客服经理 account (the policy-setting permission): ``--user cs``."""
    assert (
        run(capsys, data_dir, "user", "add", "admin", "--name", "张管理", "--role", "管理员")[0]
        == 0
    )
    assert (
        run(capsys, data_dir, "user", "add", "cs", "--name", "李经理", "--role", "客服经理")[0] == 0
    )
    assert (
        run(capsys, data_dir, "user", "add", "clerk", "--name", "王专员", "--role", "客服专员")[0]
        == 0
    )
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "start-pass-1")
    passwords_changed(data_dir, "cs")
    passwords_changed(data_dir, "clerk")
    return ("--user", "cs")


def test_todo_counts_office_time_for_the_rules_that_chose_it(capsys, data_dir):
    # Received Monday 21:00. D1 (office): 2 office hours from Tuesday 08:30 → 10:30.
    # D4 (office): the next working day's closing, Tuesday 17:30. D3 (calendar): 21:05.
    code, out, err = run(capsys, data_dir, "todo", "--at", "2026-11-23T22:00")
    assert code == 0, err
    lines = {ln.split()[2]: ln for ln in out.splitlines()[2:]}  # 状态 编号 规则 …
    assert "2026-11-24 10:30" in lines["D1"] and "有余量" in lines["D1"]
    assert "2小时(工作时间)" in lines["D1"]
    assert "2026-11-24 17:30" in lines["D4"]
    assert "2026-11-23 21:05" in lines["D3"] and "已逾期" in lines["D3"]
    # Tuesday 10:10: 20 of the 120 office minutes left → 将到期.
    code, out, _ = run(capsys, data_dir, "todo", "--at", "2026-11-24T10:10")
    d1 = next(ln for ln in out.splitlines() if " D1 " in ln)
    assert "将到期" in d1 and "剩 20分" in d1


def test_calendar_show_shipped_and_missing_years(capsys, data_dir):
    code, out, _ = run(capsys, data_dir, "calendar", "show", "2026")
    assert code == 0 and "chinesecalendar 1.11.0" in out
    assert "2026-10-01 周四 休息日 国庆节" in out
    assert "2026-10-10 周六 工作日(调休上班) 国庆节" in out
    code, out, _ = run(capsys, data_dir, "calendar", "show", "2027")
    assert code == 0 and "2027 年没有日历数据" in out


def test_calendar_import_csv_json_xlsx(capsys, data_dir, manager, tmp_path):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "日期,类型,名称\n2027-01-01,休息日,元旦\n2027/2/20,工作日,春节\n", encoding="utf-8-sig"
    )
    code, out, err = run(capsys, data_dir, *manager, "calendar", "import", str(csv_file))
    assert code == 0, err
    assert "已导入 2027 年" in out and "休息日 1 天,调休上班日 1 天" in out
    code, out, _ = run(capsys, data_dir, "calendar", "show", "2027")
    assert "导入自 2027.csv" in out and "2027-02-20 周六 工作日(调休上班) 春节" in out

    # holiday-cn JSON: the file's year replaces the whole year; a day of another year is
    # listed as not imported.
    js = tmp_path / "2027.json"
    js.write_text(
        json.dumps(
            {
                "year": 2027,
                "days": [
                    {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
                    {"name": "元旦", "date": "2026-12-31", "isOffDay": True},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, data_dir, *manager, "calendar", "import", str(js))
    assert code == 0, err
    assert "已替换原有的 2027 年数据" in out and "未导入:2026-12-31" in out
    code, out, _ = run(capsys, data_dir, "calendar", "show", "2027")
    assert "2027-02-20" not in out and "2027-01-01" in out

    # .xlsx replaces a shipped year
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "类型", "名称"])
    ws.append([datetime(2026, 12, 31), "休息日", "公司假日"])
    xl = tmp_path / "2026.xlsx"
    wb.save(xl)
    code, out, err = run(capsys, data_dir, *manager, "calendar", "import", str(xl))
    assert code == 0, err
    assert "已替换原有的 2026 年数据" in out
    code, out, _ = run(capsys, data_dir, "calendar", "show", "2026")
    assert "2026-12-31 周四 休息日 公司假日" in out and "国庆节" not in out


def test_bad_calendar_file_names_the_row_and_changes_nothing(capsys, data_dir, manager, tmp_path):
    bad = tmp_path / "2027.csv"
    bad.write_text(
        "日期,类型,名称\n2027-01-01,休息日,元旦\n2027-13-01,休息日,x\n"
        "2027-01-02,放假,y\n2027-01-01,工作日,z\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, data_dir, *manager, "calendar", "import", str(bad))
    assert code == 2
    assert "2027.csv 第 3 行“日期”列:“2027-13-01”不是日期" in err
    assert "2027.csv 第 4 行“类型”列:应为 休息日 或 工作日,而不是“放假”" in err
    assert "第 5 行:2027-01-01 与第 2 行矛盾" in err
    assert "2027 年没有日历数据" in run(capsys, data_dir, "calendar", "show", "2027")[1]
    nohead = tmp_path / "x.csv"
    nohead.write_text("day,kind\n2027-01-01,休息日\n", encoding="utf-8")
    code, _, err = run(capsys, data_dir, *manager, "calendar", "import", str(nohead))
    assert code == 2 and "第 1 行(表头)缺少列:日期、类型" in err
    js = tmp_path / "h.json"
    js.write_text('{"days": [{"date": "2027-01-01", "isOffDay": "yes"}]}', encoding="utf-8")
    code, _, err = run(capsys, data_dir, *manager, "calendar", "import", str(js))
    assert code == 2 and "h.json days 第 1 项:isOffDay 应为 true 或 false" in err


def test_calendar_import_needs_the_policy_permission(capsys, data_dir, manager, tmp_path):
    f = tmp_path / "2027.csv"
    f.write_text("日期,类型,名称\n2027-01-01,休息日,元旦\n", encoding="utf-8")
    code, _, err = run(capsys, data_dir, "--user", "clerk", "calendar", "import", str(f))
    assert code == 2 and "客服经理" in err
    assert run(capsys, data_dir, "--user", "clerk", "calendar", "show", "2027")[0] == 0


def test_policy_show_and_set(capsys, data_dir, manager):
    code, out, _ = run(capsys, data_dir, "policy", "show")
    lines = out.splitlines()
    assert code == 0 and "D1 = 2h" in lines and "D1.clock = office" in lines
    assert "D2.clock = calendar" in lines and "D10 = 3d" in lines and "D3 = 5m" in lines
    assert "office_hours = mon-fri 08:30-17:30" in lines and "at_risk_share = 0.25" in lines
    assert "s11 = 300" in lines and "D4 = 23:59" in lines

    code, out, err = run(capsys, data_dir, *manager, "policy", "set", "D10", "5d")
    assert code == 0, err
    assert "已修改 D10 = 5d" in out
    code, out, err = run(
        capsys,
        data_dir,
        *manager,
        "policy",
        "set",
        "office_hours",
        "mon-fri 09:00-18:00;sat 09:00-12:00",
    )
    assert code == 0, err
    assert (
        "office_hours = mon-fri 09:00-18:00; sat 09:00-12:00"
        in run(capsys, data_dir, "policy", "show")[1].splitlines()
    )
    # The version of 1 November is still what applied then.
    out = run(capsys, data_dir, "policy", "show", "--at", "2026-11-02T00:00")[1]
    assert "D10 = 3d" in out.splitlines()

    for key, value, words in (
        ("D1", "30m", "不是整小时"),
        ("D1.clock", "work", "calendar"),
        ("D9", "abc", "2h、30m、3d"),
        ("X1", "1", "未知的制度参数"),
        ("office_hours", "mon-fri 9-5", "无法识别"),
        ("at_risk_share", "2", "0 与 1 之间"),
    ):
        code, _, err = run(capsys, data_dir, *manager, "policy", "set", key, value)
        assert code == 2 and words in err, (key, err)


def test_policy_set_from_a_date(capsys, data_dir, manager):
    code, out, err = run(
        capsys, data_dir, *manager, "policy", "set", "D2", "6h", "--from", "2030-01-01T00:00"
    )
    assert code == 0, err
    assert "2030-01-01 00:00 起" in out
    assert "D2 = 4h" in run(capsys, data_dir, "policy", "show")[1].splitlines()
    assert (
        "D2 = 6h"
        in run(capsys, data_dir, "policy", "show", "--at", "2030-01-02T00:00")[1].splitlines()
    )
    code, _, err = run(
        capsys, data_dir, *manager, "policy", "set", "D2", "5h", "--from", "2020-01-01T00:00"
    )
    assert code == 2 and "早于现在" in err
    # Refused while a later version exists, saying why.
    code, _, err = run(capsys, data_dir, *manager, "policy", "set", "D2", "5h")
    assert code == 2 and "2030-01-01" in err


def test_next_year_warning_only_for_office_time(data_dir, open_data_folder):
    from datetime import date

    from complaints.usecases import workcalendar

    open_data_folder(data_dir)
    try:
        p = policy_uc.load()
        assert "2027" in workcalendar.next_year_warning(p, date(2026, 12, 1))
        assert workcalendar.next_year_warning(p, date(2026, 11, 30)) == ""
        assert workcalendar.next_year_warning(Policy(), date(2026, 12, 1)) == ""
    finally:
        close_database()


def test_todo_warns_from_first_december_without_next_years_data(
    capsys, data_dir, manager, tmp_path
):
    code, out, err = run(capsys, data_dir, "todo", "--at", "2026-11-30T12:00")
    assert code == 0 and "注意" not in err
    code, out, err = run(capsys, data_dir, "todo", "--at", "2026-12-01T09:00", "--csv")
    assert code == 0 and "注意:尚未导入 2027 年的节假日与调休安排" in err
    assert "注意" not in out  # the CSV itself is unchanged
    f = tmp_path / "2027.csv"
    f.write_text("日期,类型,名称\n2027-01-01,休息日,元旦\n", encoding="utf-8")
    assert run(capsys, data_dir, *manager, "calendar", "import", str(f))[0] == 0
    code, out, err = run(capsys, data_dir, "todo", "--at", "2026-12-01T09:00")
    assert code == 0 and "注意" not in err
