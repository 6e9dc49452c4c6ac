"""The ``form`` command: A/B from a case number, C/D from a sanction's 记录ID, a month's batch."""

from __future__ import annotations

import sys
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))

from conftest_forms import CASE_VALUES, VIN, plain_text

from complaints.rules.permissions import ROLES
from complaints.usecases import signin, site, users
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database
from db.models import Sanction, database
from desktop.cli import main as cli_main

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)


@pytest.fixture
def data_dir(tmp_path, open_data_folder):
    root = tmp_path / "data"
    open_data_folder(root)
    site.init_site("SH01", "上海浦东店", now=NOW)
    ctx = Context(site="SH01", actor="测试员", clock=lambda: NOW, roles=frozenset(ROLES))
    res = create_case(ctx, CASE_VALUES)
    for kind, amount in (("罚款", 100), ("奖励", 300)):
        Sanction.create(
            uid=str(uuid.uuid4()),
            site="SH01",
            modified_at=NOW,
            case=res.id,
            type=kind,
            rule="S1" if kind == "罚款" else "S11",
            department="售后服务部",
            person="赵六",
            amount=amount,
            reason="测试",
            date=date(2026, 11, 20),
            status="已批准",
        )
    users.create_first_admin("admin", "管理员", "admin-pass-1", now=NOW)
    admin = users.context_for_user(signin.sign_in("admin", "admin-pass-1", NOW))
    users.add_user(
        admin, "clerk", "王客服", ["客服专员"], "clerk-pass-1", must_change_password=False
    )
    close_database()
    return root


@pytest.fixture(autouse=True)
def as_clerk(monkeypatch):
    """The commands run as the clerk (--user clerk): the site's administrator may not print."""
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "clerk-pass-1")


def main(argv):
    if "--data-dir" in argv:
        argv = ["--user", "clerk", *argv]
    return cli_main(argv)


def _sanction_uid(open_data_folder, root: Path, kind: str) -> str:
    open_data_folder(root)
    try:
        return Sanction.get(Sanction.type == kind).uid
    finally:
        close_database()


def _history_count(open_data_folder, root: Path) -> int:
    open_data_folder(root)
    try:
        return database.execute_sql("SELECT count(*) FROM printed_forms").fetchone()[0]
    finally:
        close_database()


@pytest.mark.parametrize("name", ["A", "handling", "B", "tracking"])
def test_case_forms(data_dir, tmp_path, capsys, name, open_data_folder):
    out = tmp_path / "out" / "form.docx"
    rc = main(
        ["--data-dir", str(data_dir), "form", name, "--case", "SH01-202611-0001", "--out", str(out)]
    )
    assert rc == 0, capsys.readouterr().err
    text = plain_text(out.read_bytes())
    assert VIN in text and ("处理表" in text if name in ("A", "handling") else "跟踪表" in text)
    assert "已保存" in capsys.readouterr().out
    assert _history_count(open_data_folder, data_dir) == 1


def test_notices_by_record_id(data_dir, tmp_path, capsys, open_data_folder):
    fine = _sanction_uid(open_data_folder, data_dir, "罚款")
    out = tmp_path / "c.docx"
    assert (
        main(["--data-dir", str(data_dir), "form", "fine", "--sanction", fine, "--out", str(out)])
        == 0
    )
    assert "壹佰元整" in plain_text(out.read_bytes())
    reward = _sanction_uid(open_data_folder, data_dir, "奖励")
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "form",
                "D",
                "--sanction",
                reward[:8],
                "--out",
                str(tmp_path / "d.docx"),
            ]
        )
        == 0
    )
    assert "叁佰元整" in plain_text((tmp_path / "d.docx").read_bytes())
    capsys.readouterr()
    # the wrong kind for the record: a clear error, exit 2
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "form",
                "C",
                "--sanction",
                reward,
                "--out",
                str(tmp_path / "x.docx"),
            ]
        )
        == 2
    )
    assert "form reward" in capsys.readouterr().err


def test_month_batch(data_dir, tmp_path, capsys, open_data_folder):
    out = tmp_path / "batch.docx"
    assert (
        main(
            ["--data-dir", str(data_dir), "form", "batch", "--month", "2026-11", "--out", str(out)]
        )
        == 0
    )
    text = plain_text(out.read_bytes())
    assert "罚款通知单" in text and "奖励通知单" in text and "沿此线剪开" in text
    assert "共 2 张通知单" in capsys.readouterr().out
    assert _history_count(open_data_folder, data_dir) == 2


def test_user_errors_exit_2(data_dir, tmp_path, capsys):
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "form",
                "A",
                "--case",
                "NOPE",
                "--out",
                str(tmp_path / "a.docx"),
            ]
        )
        == 2
    )
    assert "NOPE" in capsys.readouterr().err
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "form",
                "notices",
                "--month",
                "2026-10",
                "--out",
                str(tmp_path / "b.docx"),
            ]
        )
        == 2
    )
    assert "没有已批准" in capsys.readouterr().err
    assert not (tmp_path / "a.docx").exists()


def test_check_template(tmp_path, capsys):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"junk")
    assert main(["form", "check", "A", str(bad)]) == 1
    assert "不是 Word 文档" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(
    __import__("forms.pdf").pdf.find_soffice() is None, reason="LibreOffice (soffice) not installed"
)
def test_pdf_beside_the_docx(data_dir, tmp_path):
    out = tmp_path / "a.docx"
    assert (
        main(
            [
                "--data-dir",
                str(data_dir),
                "form",
                "handling",
                "--case",
                "SH01-202611-0001",
                "--out",
                str(out),
                "--pdf",
            ]
        )
        == 0
    )
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert list((data_dir / "printed").rglob("*.pdf"))


def test_site_administrator_may_not_print(data_dir, tmp_path, capsys, open_data_folder):
    """Without --user the CLI acts as the site's administrator, whom policy.md does not let
    print case forms: refused with the reason, nothing written."""
    out = tmp_path / "a.docx"
    rc = cli_main(
        ["--data-dir", str(data_dir), "form", "A", "--case", "SH01-202611-0001", "--out", str(out)]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "站点管理员" in err and "无权" in err
    assert not out.exists()
    assert _history_count(open_data_folder, data_dir) == 0
