"""``scan import`` (one line per page, exit 0 only when every page matched) and ``form
printed`` (a case's sheets, 已回收 / 未回收, the scan)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "forms"))

import scan_fakes
from conftest_forms import CASE_VALUES

from complaints.rules.permissions import ROLES
from complaints.usecases import signin, site, users
from complaints.usecases.cases import create_case
from complaints.usecases.context import CHINA_TZ, Context
from db.database import close_database
from db.models_forms import PrintedForm
from desktop.cli import main as cli_main
from forms import qr

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
CASE = "SH01-202611-0001"


@pytest.fixture
def data_dir(tmp_path, monkeypatch, open_data_folder):
    root = tmp_path / "data"
    open_data_folder(root)
    site.init_site("SH01", "上海浦东店", now=NOW)
    ctx = Context(site="SH01", actor="测试员", clock=lambda: NOW, roles=frozenset(ROLES))
    create_case(ctx, CASE_VALUES)
    users.create_first_admin("admin", "管理员", "admin-pass-1", now=NOW)
    admin = users.context_for_user(signin.sign_in("admin", "admin-pass-1", NOW))
    users.add_user(
        admin, "clerk", "王客服", ["客服专员"], "clerk-pass-1", must_change_password=False
    )
    close_database()
    monkeypatch.setenv("COMPLAINTDESK_PASSWORD", "clerk-pass-1")
    return root


def run(capsys, root: Path, *argv: str) -> tuple[int, str]:
    code = cli_main(["--user", "clerk", "--data-dir", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out + err


def _codes(open_data_folder, root: Path) -> list[qr.SheetCode]:
    open_data_folder(root)
    try:
        return [
            qr.SheetCode(p.form, p.record_ref, p.revision, p.code)
            for p in PrintedForm.select().order_by(PrintedForm.id)
        ]
    finally:
        close_database()


def test_scan_import_and_form_printed(data_dir, tmp_path, capsys, open_data_folder):
    for form in ("A", "B"):
        rc, out = run(capsys, data_dir, "form", form, "--case", CASE, "--out", f"{tmp_path}/x.docx")
        assert rc == 0, out
    a, b = _codes(open_data_folder, data_dir)
    rc, out = run(capsys, data_dir, "form", "printed", "--case", CASE)
    assert rc == 0 and out.count("未回收") == 2 and f"识别码 {a.sheet}" in out

    folder = tmp_path / "scans"
    folder.mkdir()
    scan_fakes.sheet_page(a).save(folder / "001.png")
    scan_fakes.rotate(3)(scan_fakes.sheet_page(b)).save(folder / "002.jpg", quality=60)
    (folder / "notes.txt").write_text("not a scan")  # a folder gives its scans only
    rc, out = run(capsys, data_dir, "scan", "import", str(folder))
    lines = out.strip().splitlines()
    assert rc == 0, out
    assert lines[0].startswith("001.png 第1/1页:已匹配") and a.human() in lines[0]
    assert lines[1].startswith("002.jpg 第1/1页:已匹配") and b.human() in lines[1]
    assert "共 2 页,匹配 2 页,登记回收 2 张签字单" in lines[2]

    rc, out = run(capsys, data_dir, "form", "printed", "--case", CASE)
    assert rc == 0 and out.count("· 已回收 20") == 2 and "未回收" not in out
    scans = [line.split("扫描件 ")[1] for line in out.splitlines() if "扫描件 " in line]
    assert len(scans) == 2 and all(Path(s).is_file() for s in scans)
    month = f"{datetime.now(CHINA_TZ):%Y-%m}"  # printed today, by the command's own clock
    rc, out = run(capsys, data_dir, "scan", "rates", "--period", month)
    assert rc == 0 and "A 顾客抱怨/投诉处理表(内部):打印 1 张,已回收 1 张,回收率 100%" in out
    assert "合计:打印 2 张,已回收 2 张,回收率 100%" in out

    blank = tmp_path / "blank.png"
    scan_fakes.blank_page().save(blank)
    keep = tmp_path / "keep"
    rc, out = run(capsys, data_dir, "scan", "import", str(folder / "001.png"), str(blank))
    assert rc == 1
    assert "001.png 第1/1页:已回收过" in out and "blank.png 第1/1页:空白页" in out
    rc, out = run(capsys, data_dir, "scan", "import", "--keep", str(keep), str(tmp_path / "x.docx"))
    assert rc == 1 and "x.docx:不是扫描件" in out


def test_form_printed_of_an_unknown_case_is_an_error(data_dir, capsys):
    rc, out = run(capsys, data_dir, "form", "printed", "--case", "SH01-209912-9999")
    assert rc != 0 and "找不到投诉单" in out
