"""Schema 10 (issue 16 §4, §5): a database of schema 9 whose entries carry 【tags】 at the head
of 说明 and whose S5 无责 rows are ¥0 fines opens with the values in their columns, 说明 free
of tags, and the S5 rows tombstoned (the owner's with a new revision)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime

import pytest

from complaints.usecases import sanctions, site
from complaints.usecases.cases import create_case, list_entries
from db.database import close_database, open_database
from db.migrations import LATEST_VERSION
from db.migrations.m0010_entry_fields import _TAGS
from tests.conftest import FIXED_NOW

ADDED = [c for _t, c in _TAGS] + ["fmc_status", "plan"]

OLD_NOTES = {
    "派单": "【部门:售后服务部】请尽快处理",
    "指定责任人": "【责任人:赵六】",
    "回访": "【满意度:非常不满意】【补录原因:外出回访】客户认为未解决",
    "二次回访": "【满意度:不满意】【客户称无人联系:是】客户称处理期间无人联系",
    "FMC状态": "In process 厂家同意换件",
    "上报厂家": "【CAC案例号:CAC-9】",
    "升级": "【升级至:总经理】",
    "备注": "【事件:锦旗】客户送来锦旗一面",
    "联系客户": "满意度高的客户【不是标签】",
}


def _schema9(path) -> None:
    """Turn a database of today's schema back into schema 9 (what 10 adds, taken away)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP INDEX entries_case_at_cover2")
        conn.execute(
            "CREATE INDEX entries_case_at_cover ON entries(case_id, deleted, at, action, note)"
        )
        for col in ADDED:
            conn.execute(f"ALTER TABLE entries DROP COLUMN {col}")
        # what later steps made goes too: the tables a schema-10 database does not have
        at10 = _columns_at(10)
        # and the triggers and views of later steps (schema 21's reference its table)
        for kind, name in conn.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"
        ).fetchall():
            if name not in _objects_at(10):
                conn.execute(f"DROP {kind.upper()} {name}")
        for table in _tables(conn) - set(at10) - {"schema_version"}:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        for table, columns in at10.items():
            # a later step's index on a later column goes first (SQLite keeps it otherwise)
            for (index,) in conn.execute(
                f"SELECT name FROM pragma_index_list('{table}')"
            ).fetchall():
                cols = {
                    c for (c,) in conn.execute(f"SELECT name FROM pragma_index_info('{index}')")
                }
                if cols - set(columns) and not index.startswith("sqlite_autoindex"):
                    conn.execute(f"DROP INDEX {index}")
            for (column,) in conn.execute(f"SELECT name FROM pragma_table_info('{table}')"):
                if column not in columns:
                    conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("DELETE FROM schema_version WHERE version >= 10")
    conn.close()


def _tables(conn) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def _objects_at(version: int) -> set[str]:
    """The names of everything the migrations up to ``version`` make."""
    from db.migrations import STEPS

    conn = sqlite3.connect(":memory:")
    try:
        for v, _description, step in STEPS:
            if v <= version:
                step(conn.execute)
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


def _columns_at(version: int) -> dict[str, set[str]]:
    """Table → columns, as the migrations up to ``version`` make them on a scratch database."""
    from db.migrations import STEPS

    conn = sqlite3.connect(":memory:")
    try:
        for v, _description, step in STEPS:
            if v <= version:
                step(conn.execute)
        return {
            t: {r[0] for r in conn.execute(f"SELECT name FROM pragma_table_info('{t}')")}
            for t in _tables(conn)
        }
    finally:
        conn.close()


@pytest.fixture
def old_db(tmp_path):
    path = tmp_path / "data" / "complaintdesk.sqlite3"
    open_database(path, backup_dir=tmp_path / "backups")
    site.init_site("SH01", "上海浦东店", now=FIXED_NOW)
    from complaints.rules.permissions import ROLES
    from complaints.usecases.context import CHINA_TZ, Context

    ctx = Context(site="SH01", actor="测试员", clock=lambda: FIXED_NOW, roles=frozenset(ROLES))
    cid = create_case(
        ctx,
        {
            "received_at": FIXED_NOW,
            "channel": "售后回访",
            "kind": "投诉",
            "severity": "一般投诉",
            "business": "售后",
            "customer_name": "张三",
            "content": "异响",
            "media": False,
            "needs_oem": False,
            "attitude": False,
            "collective": False,
        },
    ).id
    close_database()
    _schema9(path)
    conn = sqlite3.connect(path)
    stamp = "2026-11-20T01:30:00+00:00"
    with conn:
        for action, note in OLD_NOTES.items():
            conn.execute(
                "INSERT INTO entries (uid, site, revision, modified_at, deleted, "
                "case_id, at, action, actor, note, recorded_at) "
                "VALUES (?, 'SH01', 1, ?, 0, ?, ?, ?, '', ?, ?)",
                (str(uuid.uuid4()), stamp, cid, stamp, action, note, stamp),
            )
        for owner in ("SH01", "HQ"):
            conn.execute(
                "INSERT INTO sanctions (uid, site, revision, modified_at, deleted, "
                "case_id, type, rule, department, person, amount, reason, date, "
                "status) VALUES (?, ?, 3, ?, 0, ?, '罚款', 'S5', '售后服务部', '', 0, "
                "'无责,不罚款', '2026-11-20', '已批准')",
                (str(uuid.uuid4()), owner, stamp, cid),
            )
    conn.close()
    yield path, cid, CHINA_TZ, ctx
    close_database()


def test_schema9_entries_get_their_columns_and_s5_becomes_a_decision(old_db, tmp_path):
    path, cid, _tz, _ctx = old_db
    report = open_database(path, backup_dir=tmp_path / "backups")
    assert report.version_before == 9 and report.version_after == LATEST_VERSION
    by_action = {e["action"]: e for e in list_entries(cid)}
    assert by_action["派单"]["department"] == "售后服务部"
    assert by_action["派单"]["note"] == "请尽快处理"
    assert by_action["指定责任人"]["person"] == "赵六" and by_action["指定责任人"]["note"] == ""
    cb = by_action["回访"]
    assert (cb["satisfaction"], cb["backdate_reason"], cb["note"]) == (
        "非常不满意",
        "外出回访",
        "客户认为未解决",
    )
    cb2 = by_action["二次回访"]
    assert cb2["satisfaction"] == "不满意" and cb2["not_contacted"] is True
    assert cb2["note"] == "客户称处理期间无人联系"
    assert (by_action["FMC状态"]["fmc_status"], by_action["FMC状态"]["note"]) == (
        "In process",
        "厂家同意换件",
    )
    assert by_action["上报厂家"]["cac_number"] == "CAC-9"
    assert by_action["升级"]["escalated_to"] == "总经理"
    assert (by_action["备注"]["event"], by_action["备注"]["note"]) == ("锦旗", "客户送来锦旗一面")
    # a bracket that is not a known tag at the head stays text
    assert by_action["联系客户"]["note"] == "满意度高的客户【不是标签】"
    raw = sqlite3.connect(path)
    try:
        notes = [n for (n,) in raw.execute("SELECT note FROM entries")]
        assert not any(n.startswith("【") for n in notes)
        s5 = dict(
            raw.execute(
                "SELECT site, revision FROM sanctions WHERE rule = 'S5' AND deleted = 1"
            ).fetchall()
        )
    finally:
        raw.close()
    assert s5 == {"SH01": 4, "HQ": 3}  # the owner counts the revision
    assert sanctions.pending_count() == 0
    assert sanctions.list_sanctions(sanctions.SanctionFilter(state=sanctions.WITHDRAWN)) == []
    assert sanctions.list_sanctions() == []


def test_the_converted_entries_read_as_before_for_the_rules(old_db, tmp_path):
    path, cid, _tz, _ctx = old_db
    open_database(path, backup_dir=tmp_path / "backups")
    from complaints.rules.workflow import callback_satisfaction, entry_params
    from db.models import Entry

    e = Entry.get((Entry.case == cid) & (Entry.action == "二次回访"))
    row = {
        "action": e.action,
        "note": e.note,
        "satisfaction": e.satisfaction,
        "not_contacted": e.not_contacted,
        "at": datetime(2026, 11, 20),
    }
    assert callback_satisfaction(row, {}) == "不满意"
    assert entry_params(row)["not_contacted"] is True
