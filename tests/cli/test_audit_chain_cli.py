"""``ledger import`` exits 1 when a branch's audit chain does not continue what HQ holds,
naming the site and the first entry; ``audit --verify --site CODE`` checks a branch's chain
at HQ."""

from __future__ import annotations

import pytest

from tests.cli.test_ledger_cli import _add_cases, new_folders, run
from tests.ledger.test_audit_chain import _remove_last_audit_entries


def _branch_imported_at_hq(tmp_path, capsys, open_data_folder):
    """SH01 with 5 cases, its ledger imported at HQ, which finds the chain whole."""
    sh, hq = tmp_path / "sh01", tmp_path / "hq"
    new_folders(open_data_folder, sh, hq)
    out = tmp_path / "SH01.xlsx"
    assert run(capsys, "--data-dir", sh, "init", "--site", "SH01", "--name", "上海浦东店")[0] == 0
    assert run(capsys, "--data-dir", hq, "init", "--site", "HQ", "--name", "总部")[0] == 0
    _add_cases(open_data_folder, sh, 5)
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0, text
    code, text, _ = run(capsys, "--data-dir", hq, "audit", "--verify", "--site", "SH01")
    assert code == 0 and "SH01 的审计记录链完整" in text
    return sh, hq, out


def test_hq_verifies_the_audit_chain_of_a_branch_it_imported(tmp_path, capsys, open_data_folder):
    sh, hq, out = _branch_imported_at_hq(tmp_path, capsys, open_data_folder)
    _add_cases(open_data_folder, sh, 2)
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 0 and "审计记录不连续" not in text
    code, text, _ = run(capsys, "--data-dir", hq, "audit", "--verify", "--site", "SH01")
    assert code == 0 and "SH01 的审计记录链完整" in text
    code, _, _err = run(capsys, "--data-dir", hq, "audit", "--verify", "--site", "BJ02")
    assert code == 1


@pytest.mark.sqlite_only("edits the branch's SQLite file behind the program's back")
def test_hq_import_reports_a_branch_audit_chain_break_with_exit_1(
    tmp_path, capsys, open_data_folder
):
    sh, hq, out = _branch_imported_at_hq(tmp_path, capsys, open_data_folder)
    first = _remove_last_audit_entries(sh / "complaintdesk.sqlite3", 3)
    # the branch alone sees nothing wrong: check and audit --verify pass
    assert run(capsys, "--data-dir", sh, "check")[0] == 0
    assert run(capsys, "--data-dir", sh, "audit", "--verify")[0] == 0
    _add_cases(open_data_folder, sh, 2)
    assert run(capsys, "--data-dir", sh, "ledger", "export", out)[0] == 0
    code, text, _ = run(capsys, "--data-dir", hq, "ledger", "import", out)
    assert code == 1
    assert "审计记录不连续" in text and "SH01" in text and f"第 {first} 条" in text
    assert "导入完成" in text  # the case rows apply all the same
    code, text, _err = run(capsys, "--data-dir", hq, "audit", "--verify", "--site", "SH01")
    assert code == 1 and f"第 {first} 条" in text
    code, _, _err = run(capsys, "--data-dir", hq, "audit", "--verify", "--site", "BJ02")
    assert code == 1
