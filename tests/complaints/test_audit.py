"""The audit trail: append-only, hash-chained, and a raw edit is found by verify_chain."""

import sqlite3

import pytest

from complaints.usecases import audit, audit_export, cases
from complaints.usecases.errors import PermissionDenied
from db.models import database
from tests.conftest import FIXED_NOW


def _some_entries(ctx, n=4):
    for i in range(n):
        audit.record(
            ctx,
            "test.event",
            table="cases",
            uid=f"u{i}",
            note=f"第{i}条",
            changes={"plan": (None, f"方案{i}"), "at": (None, FIXED_NOW)},
        )


def _raw(db_path, *sql):
    """Edit the file behind the program's back, as someone with a SQLite tool would."""
    database.close()
    conn = sqlite3.connect(db_path)
    for s in sql:
        conn.execute(s)
    conn.commit()
    conn.close()
    database.connect()


def test_entries_chain_and_read_back(ctx):
    _some_entries(ctx)
    rows = audit.entries(newest_first=False)
    assert [r.id for r in rows] == [1, 2, 3, 4]
    assert rows[0].changes == {"plan": [None, "方案0"], "at": [None, "2026-11-20T01:30:00+00:00"]}
    assert rows[0].actor == "测试员" and rows[0].at == FIXED_NOW
    assert audit.verify_chain() == []


def test_update_and_delete_are_refused_by_triggers(ctx):
    _some_entries(ctx, 2)
    with pytest.raises(Exception, match="只能追加"):
        database.execute_sql("UPDATE audit_log SET note = 'x' WHERE id = 1")
    with pytest.raises(Exception, match="只能追加"):
        database.execute_sql("DELETE FROM audit_log WHERE id = 2")
    assert audit.verify_chain() == []


def test_changed_entry_is_found(ctx, db_path):
    _some_entries(ctx)
    _raw(
        db_path,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET note = '改过' WHERE id = 2",
    )
    problems = audit.verify_chain()
    assert any("第 2 条" in p and "被改动" in p for p in problems)
    assert any("保护触发器已被删除" in p for p in problems)


def test_deleted_entry_is_found(ctx, db_path):
    _some_entries(ctx)
    _raw(db_path, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 3")
    assert any("第 3–3 条" in p for p in audit.verify_chain())


def test_deleted_last_entry_is_found(ctx, db_path):
    _some_entries(ctx)
    _raw(db_path, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 4")
    assert any("最后的 1 条" in p for p in audit.verify_chain())


def test_reordered_entries_are_found(ctx, db_path):
    _some_entries(ctx)
    # swap the contents of entries 2 and 3, keeping their hashes: the chain breaks
    _raw(
        db_path,
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET id = 99 WHERE id = 2",
        "UPDATE audit_log SET id = 2 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 99",
    )
    problems = audit.verify_chain()
    assert any("第 2 条" in p for p in problems)


def test_case_changes_are_audited_with_old_and_new(ctx):
    v = cases.blank_case(ctx)
    v.update(customer_name="张伟", content="异响", phone="13812345678")
    r = cases.create_case(ctx, v)
    cases.update_case(ctx, r.id, {"plan": "免费更换皮带", "phone": "13900001111"})
    cases.delete_case(ctx, r.id)
    uid = cases.get_case(r.id)["uid"]
    rows = audit.entries(table="cases", uid=uid, newest_first=False)
    assert [x.event for x in rows] == ["case.create", "case.update", "case.delete"]
    assert rows[1].changes["plan"] == [None, "免费更换皮带"]
    assert rows[1].changes["phone"] == ["138****5678", "139****1111"]  # personal data masked
    assert rows[0].changes["customer_name"] == [None, "张*"]
    assert audit.verify_chain() == []


def test_clerk_cannot_set_liability_through_a_plain_edit(ctx):
    from dataclasses import replace

    r = cases.create_case(ctx, {**cases.blank_case(ctx), "customer_name": "李", "content": "x"})
    clerk = replace(ctx, roles=frozenset({"客服专员"}), actor="小王")
    cases.update_case(clerk, r.id, {"plan": "退款"})
    with pytest.raises(PermissionDenied, match="总经理"):
        cases.update_case(clerk, r.id, {"liability": "有责"})
    gm = replace(ctx, roles=frozenset({"总经理"}), actor="王总")
    cases.update_case(gm, r.id, {"liability": "有责"})
    with pytest.raises(PermissionDenied, match="客服经理"):
        cases.delete_case(clerk, r.id)
    assert cases.get_case(r.id)["liability"] == "有责"
    assert [e.actor for e in audit.entries(event="permission.denied")] == ["小王", "小王"]


def test_export_xlsx(ctx, tmp_path):
    from openpyxl import load_workbook

    _some_entries(ctx, 2)
    path = audit_export.export_xlsx(audit.entries(), tmp_path / "a.xlsx")
    ws = load_workbook(path).active
    assert ws["A1"].value == "序号" and ws.max_row == 3
    assert "plan: None → 方案1" in ws["I2"].value


def test_case_history_includes_its_entries(ctx):
    r = cases.create_case(ctx, {**cases.blank_case(ctx), "customer_name": "李", "content": "x"})
    other = cases.create_case(ctx, {**cases.blank_case(ctx), "customer_name": "王", "content": "y"})
    entry_uid = cases.list_entries(r.id)[0]["uid"]
    audit.record(ctx, "case.track", table="entries", uid=entry_uid, note="联系客户")
    cases.update_case(ctx, other.id, {"plan": "别的单"})
    events = [e.event for e in audit.case_history(r.id)]
    assert events == ["case.create", "case.track"]


def test_verify_chain_counts_its_batches_and_stops_when_cancelled(ctx, monkeypatch):
    """Millions of entries at headquarters: the check says how far it has read, of the
    entries written, after each batch, and stops between two batches once cancelled."""
    from complaints.usecases.errors import CheckCancelled
    from db import audit_rows

    _some_entries(ctx, 7)
    written = audit_rows.head()[0]
    monkeypatch.setattr(audit_rows, "BATCH", 3)
    seen = []
    assert audit.verify_chain(progress=lambda d, t, _: seen.append((d, t))) == []
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (written, written) and len(seen) == -(-written // 3)
    asked = []

    def cancel_after_two() -> bool:
        asked.append(1)
        return len(asked) > 2

    seen.clear()
    with pytest.raises(CheckCancelled):
        audit.verify_chain(lambda d, t, _: seen.append(d), cancel_after_two)
    assert seen == [3, 6]


def test_a_full_check_stops_inside_the_audit_chain_when_cancelled(ctx, monkeypatch):
    """取消 in 设置's check (and at exit) is heard between the chain's batches, not only
    between the check's parts: asked true after the chain's first batch, the check stops
    there and the parts after the chain never run; the line said the entries read."""
    from complaints.usecases import storage
    from complaints.usecases.errors import CheckCancelled
    from db import audit_rows

    _some_entries(ctx, 7)
    written = audit_rows.head()[0]
    monkeypatch.setattr(audit_rows, "BATCH", 3)
    after_chain: list[str] = []
    monkeypatch.setattr(
        storage,
        "CHECKS",
        [audit.verify_chain, lambda: after_chain.append("ran") or []],
    )
    monkeypatch.setattr(storage, "SERVER_CHECKS", storage.CHECKS)
    heard: list[tuple[int, int, str]] = []
    with pytest.raises(CheckCancelled):
        storage.run_checks(
            progress=lambda done, total, text: heard.append((done, total, text)),
            cancelled=lambda: any("审计日志已读" in text for _, _, text in heard),
        )
    assert after_chain == []
    chain = [text for _, _, text in heard if "审计日志已读" in text]
    assert len(chain) == 1 and chain[0].endswith(f"审计日志已读 3/{written} 条")
    done, total, _ = heard[-1]
    assert 0 < done < total  # the share of the chain read moved the check on
