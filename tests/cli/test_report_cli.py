"""The ``report`` command: an Excel workbook with native charts and a Word report, no Qt."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from complaints.rules.permissions import ROLES
from complaints.usecases import signin, site, users
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database
from db.models import Sanction
from desktop.cli import main as cli_main

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
ROOT = Path(__file__).parents[2]


def _values(day, **extra):
    return {
        "received_at": datetime(2026, 10, day, 10, tzinfo=CHINA_TZ),
        "channel": "现场",
        "kind": "投诉",
        "severity": "一般投诉",
        "business": "售后",
        "content": "异响",
        "customer_name": "李先生",
        "phone": "13800000001",
        "media": False,
        "needs_oem": False,
        "attitude": False,
        "collective": False,
        **extra,
    }


@pytest.fixture
def data_dir(tmp_path, monkeypatch, open_data_folder):
    root = tmp_path / "data"
    open_data_folder(root)
    site.init_site("SH01", "上海浦东店", now=NOW)
    ctx = Context(site="SH01", actor="测试员", clock=lambda: NOW, roles=frozenset(ROLES))
    for day, extra in ((3, {}), (5, {"channel": "电话热线"}), (20, {"kind": "抱怨"})):
        create_case(ctx, _values(day, **extra))
    Sanction.create(
        uid=str(uuid.uuid4()),
        site="SH01",
        modified_at=NOW,
        type="罚款",
        rule="S1",
        department="车间",
        person="张三",
        amount=100,
        reason="测试",
        date=date(2026, 10, 9),
        status="已批准",
    )
    users.create_first_admin("admin", "管理员", "admin-pass-1", now=NOW)
    admin = users.context_for_user(signin.sign_in("admin", "admin-pass-1", NOW))
    users.add_user(admin, "boss", "刘经理", ["客服经理"], "boss-pass-1", must_change_password=False)
    close_database()
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "boss-pass-1")
    return root


def run(root, *args):
    return cli_main(["--data-dir", str(root), "--user", "boss", "report", *args])


def test_excel_report_with_charts(data_dir, tmp_path, capsys):
    out = tmp_path / "月报.xlsx"
    assert run(data_dir, "--period", "2026-10", "--out", str(out)) == 0
    assert "投诉 3 件" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "概要",
        "分类统计",
        "处理及时率",
        "回访满意度",
        "奖惩",
        "重复投诉与结转",
        "原因分析",
        "考核",
    ]
    ws = wb["概要"]
    assert "客户抱怨投诉分析报告" in ws["A1"].value
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    # figures are numbers with a number format, not text (issue 16 §8)
    assert rows["投诉总数"][1] == 3
    cells = {r[0].value: r for r in ws.iter_rows() if r[0].value}
    assert cells["投诉总数"][1].number_format == '#,##0" 件"'
    # no data before 2026-10: the comparison periods print "—", not "0 件, +3 件"
    assert rows["投诉总数"][2:6] == ("—", "—", "—", "—")
    assert rows["2026-10"][1] == 3  # the trend table
    money = [r for r in wb["奖惩"].iter_rows(values_only=True) if r[0] == "车间"]
    assert money[0][1] == 100
    repeats = [r for r in wb["重复投诉与结转"].iter_rows(values_only=True) if r[0] == 3]
    assert repeats and repeats[0][1].count("SH01-202610-") == 3  # same phone three times
    with zipfile.ZipFile(out) as z:  # native charts, not pictures
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 5


def test_word_report(data_dir, tmp_path):
    from docx import Document

    out = tmp_path / "月报.docx"
    assert run(data_dir, "--period", "2026-10b", "--site", "SH01", "--out", str(out)) == 0
    doc = Document(out)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "上海浦东店客户抱怨投诉分析报告" in text
    assert "2026年10月下半月" in text
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "抱怨" in cells and "{{" not in "".join(cells) + text


def test_office_template_overrides_the_default(data_dir, tmp_path):
    from docx import Document

    from forms.report_docx import OFFICE_FILE

    templates = data_dir / "templates"
    templates.mkdir(exist_ok=True)
    doc = Document()
    doc.add_paragraph("本店月报 {{ period }} 共 {{ total }} 件")
    doc.save(templates / OFFICE_FILE)
    out = tmp_path / "r.docx"
    assert run(data_dir, "--period", "2026-10", "--out", str(out)) == 0
    assert Document(out).paragraphs[0].text == "本店月报 2026年10月 共 3 件"


@pytest.mark.parametrize(
    "args, message",
    [
        (("--period", "2026-13", "--out", "x.xlsx"), "月份 13"),
        (("--period", "2026-10", "--out", "x.pdf"), ".xlsx 或 .docx"),
        (("--period", "2026-10", "--site", "BJ09", "--out", "x.xlsx"), "BJ09"),
    ],
)
def test_bad_arguments(data_dir, tmp_path, capsys, args, message):
    assert (
        run(data_dir, *[a if a not in ("x.xlsx", "x.pdf") else str(tmp_path / a) for a in args])
        == 2
    )
    assert message in capsys.readouterr().err


def test_administrator_may_not_make_the_report(data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "admin-pass-1")
    code = cli_main(
        [
            "--data-dir",
            str(data_dir),
            "--user",
            "admin",
            "report",
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "x.xlsx"),
        ]
    )
    assert code == 2 and not (tmp_path / "x.xlsx").exists()


def test_report_command_loads_no_qt(data_dir, tmp_path):
    code = (
        "import sys; from desktop.cli import main; "
        f"r = main(['--data-dir', {str(data_dir)!r}, '--user', 'boss', 'report', "
        f"'--period', '2026Q4', '--out', {str(tmp_path / 'q.docx')!r}]); "
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt loaded'; "
        "sys.exit(r)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "COMPLAINTDESK_PASSWORD": "boss-pass-1",
            "PATH": "/usr/bin:/bin",
            # the test's engine: the office server's address when it runs there
            **{k: v for k, v in os.environ.items() if k == "COMPLAINTDESK_DATABASE"},
        },
        check=False,
    )
    assert res.returncode == 0, res.stderr


def test_complaint_rate_in_both_reports(data_dir, tmp_path, capsys, open_data_folder):
    out = tmp_path / "r.xlsx"
    assert run(data_dir, "--period", "2026-10", "--out", str(out)) == 0
    captured = capsys.readouterr()
    assert "投诉率 未填业务量" in captured.out  # never 0 without a volume
    assert "未填业务量:SH01 2026-10" in captured.err
    # October's volume: 1,200 visits + 300 cars sold; 3 cases (all 售后) → 2.00‰ overall,
    # 售后 3 ÷ 1,200 = 2.50‰, 销售 0 ÷ 300 = 0.00‰.
    open_data_folder(data_dir)
    from complaints.usecases import stats

    stats.set_volumes(
        Context(site="SH01", actor="刘经理", clock=lambda: NOW, roles=frozenset(ROLES)),
        "SH01",
        {"2026-10": (1200, 300)},
    )
    close_database()
    assert run(data_dir, "--period", "2026-10", "--out", str(out)) == 0
    assert "投诉率 2.00‰" in capsys.readouterr().out
    ws = load_workbook(out)["概要"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    assert rows["投诉率(每千台次)"][1] == 2  # per mille, shown 2.00‰
    assert rows["合计"][1:5] == (3, 1500, "进厂台次 + 新车销售台数", "2.00‰")
    assert rows["售后"][2:5] == (1200, "进厂台次", "2.50‰")
    assert rows["销售"][2:5] == (300, "新车销售台数", "0.00‰")
    docx = tmp_path / "r.docx"
    assert run(data_dir, "--period", "2026-10", "--out", str(docx)) == 0
    from docx import Document

    text = "\n".join(c.text for t in Document(docx).tables for r in t.rows for c in r.cells)
    assert "投诉率(每千台次)" in text and "2.00‰" in text and "2.50‰" in text
    assert "投诉率（按业务，每千台次）" in "\n".join(p.text for p in Document(docx).paragraphs)
    # A half-month has no rate: the volume is kept per month.
    assert run(data_dir, "--period", "2026-10a", "--out", str(out)) == 0
    assert "投诉率 按整月计算" in capsys.readouterr().out
