"""The audit trail held outside the branch: each ledger carries the sending
site's audit entries (审计记录), the importing site keeps every site's chain, and an entry
removed or rewritten at the branch is reported at the next import, naming the site and
the first entry missing; the case rows still apply."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from complaints.usecases import audit, audit_exchange, ledger_export, ledger_import
from db.models import Case
from ledger import audit_sheet
from ledger.reader import open_ledger
from tests.ledger.helpers import later, new_case


def _remove_last_audit_entries(db: Path, n: int) -> int:
    """What a person with the database file can do: drop the guards, delete the last
    ``n`` entries, move the chain head back, put the guards back. Returns the first
    removed id."""
    conn = sqlite3.connect(db)
    try:
        guards = dict(
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
                "('audit_log_no_delete', 'audit_head_forward')"
            ).fetchall()
        )
        for name in guards:
            conn.execute(f"DROP TRIGGER {name}")
        last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        conn.execute("DELETE FROM audit_log WHERE id > ?", (last - n,))
        head = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", head)
        for sql in guards.values():
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()
    return last - n + 1


def _carried_ids(path: Path) -> list[int]:
    with open_ledger(path) as lf:
        return audit_sheet.read_ids(lf.other_sheet(audit_sheet.SHEET_AUDIT), path.name)


@pytest.mark.sqlite_only("edits the branch's SQLite file behind the program's back")
def test_branch_audit_entries_removed_and_rewritten_are_caught_at_hq(sites, tmp_path):
    sh = sites.use("SH01", now=later(1))
    for _ in range(4):
        new_case(sh)
    a = tmp_path / "SH01.xlsx"
    ledger_export.export_ledger(sh, a)
    held_through = _carried_ids(a)[-1]
    assert _carried_ids(a)[0] == 1  # the first ledger to a destination: the whole chain
    hq = sites.use("HQ", now=later(2))
    r = ledger_import.apply_import(hq, [a])
    assert r.audit_problems == [] and audit_exchange.verify_site_chain("SH01") == []

    sites.close()
    first_removed = _remove_last_audit_entries(sites.path("SH01"), 3)
    sh = sites.use("SH01", now=later(3))
    assert audit.verify_chain() == []  # the branch alone cannot see it
    new_case(sh, customer_name="王五")  # new entries take the removed numbers
    ledger_export.export_ledger(sh, a)
    # since the last ledger to this file, and at least the branch's last entry
    assert _carried_ids(a)[0] <= held_through + 1

    hq = sites.use("HQ", now=later(4))
    r = ledger_import.apply_import(hq, [a])
    (problem,) = r.audit_problems
    assert "SH01" in problem and f"第 {first_removed} 条" in problem
    assert Case.select().count() == 5  # the case rows still apply: nothing is lost
    problems = audit_exchange.verify_site_chain("SH01")
    assert problems and "SH01" in problems[-1]
    assert audit.entries(event="audit.chain_break")[0].uid == "SH01"


@pytest.mark.sqlite_only("edits the branch's SQLite file behind the program's back")
def test_branch_audit_entries_removed_without_new_ones_are_caught(sites, tmp_path):
    sh = sites.use("SH01", now=later(1))
    for _ in range(3):
        new_case(sh)
    a = tmp_path / "SH01.xlsx"
    ledger_export.export_ledger(sh, a)
    held_through = _carried_ids(a)[-1]
    hq = sites.use("HQ", now=later(2))
    assert ledger_import.apply_import(hq, [a]).audit_problems == []
    sites.close()
    first_removed = _remove_last_audit_entries(sites.path("SH01"), 3)
    assert first_removed < held_through
    sh = sites.use("SH01", now=later(5))
    ledger_export.export_ledger(sh, a)
    hq = sites.use("HQ", now=later(6))
    (problem,) = ledger_import.apply_import(hq, [a]).audit_problems
    assert "SH01" in problem and f"首个缺失的是第 {first_removed} 条" in problem


def test_an_older_or_repeated_ledger_is_no_break(sites, tmp_path):
    sh = sites.use("SH01", now=later(1))
    new_case(sh)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    ledger_export.export_ledger(sh, a)
    sh = sites.use("SH01", now=later(2))
    new_case(sh)
    ledger_export.export_ledger(sh, b)
    hq = sites.use("HQ", now=later(3))
    assert ledger_import.apply_import(hq, [b]).audit_problems == []
    assert ledger_import.apply_import(hq, [a]).audit_problems == []
    assert ledger_import.apply_import(hq, [b]).audit_problems == []
    assert audit_exchange.verify_site_chain("SH01") == []


def test_a_lost_ledger_is_a_gap_until_a_full_export(sites, tmp_path):
    sh = sites.use("SH01", now=later(1))
    new_case(sh)
    x = tmp_path / "to-hq.xlsx"
    ledger_export.export_ledger(sh, x, incremental=True)
    hq = sites.use("HQ", now=later(2))
    assert ledger_import.apply_import(hq, [x]).audit_problems == []
    held = _carried_ids(x)[-1]
    # the first of these two never reaches HQ; it carried more entries than a ledger
    # carries again (audit_exchange.CHAIN_OVERLAP, which heals a small gap by itself)
    for minutes, n in ((3, audit_exchange.CHAIN_OVERLAP + 5), (4, 1)):
        sh = sites.use("SH01", now=later(minutes))
        for _ in range(n):
            new_case(sh)
        ledger_export.export_ledger(sh, x, incremental=True)
    hq = sites.use("HQ", now=later(5))
    (problem,) = ledger_import.apply_import(hq, [x]).audit_problems
    assert "SH01" in problem and f"首个缺失的是第 {held + 1} 条" in problem
    sh = sites.use("SH01", now=later(6))
    ledger_export.export_ledger(sh, x)  # 全部: the whole chain again
    hq = sites.use("HQ", now=later(7))
    assert ledger_import.apply_import(hq, [x]).audit_problems == []


def test_a_ledger_without_the_audit_sheet_still_imports(sites, tmp_path):
    sh = sites.use("SH01", now=later(1))
    new_case(sh)
    a = tmp_path / "a.xlsx"
    ledger_export.export_ledger(sh, a)
    with open_ledger(a) as lf:  # the reader of the data sheets does not look at it
        assert audit_sheet.SHEET_AUDIT not in lf.sheets
    wb = load_workbook(a)  # a format-1 file from an older program
    del wb[audit_sheet.SHEET_AUDIT]
    old = tmp_path / "old.xlsx"
    wb.save(old)
    hq = sites.use("HQ", now=later(2))
    r = ledger_import.apply_import(hq, [old])
    assert r.ok and r.applied and r.audit_problems == [] and Case.select().count() == 1
    assert "没有站点 SH01 的审计记录" in audit_exchange.verify_site_chain("SH01")[0]


def test_audit_sheet_keeps_names_and_phones_masked(sites, tmp_path):
    from complaints.usecases import cases

    sh = sites.use("SH01", now=later(1))
    cid = new_case(sh, customer_name="欧阳明月", phone="13912345678")
    cases.update_case(sh, cid, {"phone": "13787654321", "customer_name": "欧阳晓月"})
    a = tmp_path / "a.xlsx"
    ledger_export.export_ledger(sh, a, mask_phones=True)
    wb = load_workbook(a)
    text = "\n".join(
        str(v)
        for row in wb[audit_sheet.SHEET_AUDIT].iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    assert "case.update" in text or "修改投诉单" in text
    for secret in ("13912345678", "13787654321", "欧阳明月", "欧阳晓月"):
        assert secret not in text


def test_entry_columns_agree_everywhere(sites):
    """The audit entry's columns, as hashed (usecases/audit.py), stored as held
    (db/audit_chains.py) and carried (ledger/audit_sheet.py), are one list; the peewee
    model reads the held rows."""
    from db import audit_chains, audit_rows
    from db.models_audit import SiteAuditChain

    assert audit_rows.COLUMNS == audit_chains.ENTRY_COLUMNS == audit_sheet.ENTRY_COLUMNS
    sites.use("HQ")
    assert SiteAuditChain.select().count() == 0


def test_a_malformed_audit_sheet_is_reported_not_a_crash(sites, tmp_path):
    sh = sites.use("SH01", now=later(1))
    new_case(sh)
    a = tmp_path / "a.xlsx"
    ledger_export.export_ledger(sh, a)
    bad_values = {
        "not json {": "无法识别",
        "[" * 100_000: "嵌套过深",
        '[1,"x","SH01","u","","e",null,null,"{}","","0","h"]': "“user_id”",
        '[1,"x"]': "12 项",
        '["1","x","SH01",null,"","e",null,null,"{}","","0","h"]': "“id”",
    }
    hq = sites.use("HQ", now=later(2))
    for i, (value, said) in enumerate(bad_values.items()):
        wb = load_workbook(a)
        ws = wb[audit_sheet.SHEET_AUDIT]
        col = [c.value for c in ws[1]].index("记录数据") + 1
        ws.cell(2, col).value = value
        bad = tmp_path / f"bad{i}.xlsx"
        wb.save(bad)
        r = ledger_import.apply_import(hq, [bad])
        (problem,) = r.audit_problems
        assert "审计记录" in problem and "第 2 行" in problem and "记录数据" in problem
        assert said in problem
        assert r.applied and Case.select().count() == 1  # the case row applies all the same
    assert audit_exchange.verify_site_chain("SH01")  # nothing held, breaks recorded
    wb = load_workbook(a)
    wb[audit_sheet.SHEET_AUDIT].delete_cols(7)  # no 记录数据 column at all
    wb.save(tmp_path / "nocol.xlsx")
    (problem,) = ledger_import.apply_import(hq, [tmp_path / "nocol.xlsx"]).audit_problems
    assert "缺少“记录数据”列" in problem
