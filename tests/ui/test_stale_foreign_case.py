"""The case editor refuses to save over a newer save of ANOTHER site's case (issue 15 §4):
the owner's revision does not move here, so the editor gives back the version it loaded; the
banner names who changed it, and what the person typed stays in the window."""

from __future__ import annotations

import dataclasses

from complaints.usecases import cases
from tests.ui.test_case_editor import _ctrl_s, _editor, _idle, _type


def test_stale_save_of_another_sites_case_keeps_the_edits(qtbot, session, ctx):
    owner = dataclasses.replace(ctx, site="BJ02")
    v = cases.blank_case(owner)
    v.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(owner, v).id
    ed = _editor(qtbot, session, case_id)
    colleague = dataclasses.replace(ctx, actor="另一位同事")
    cases.update_case(colleague, case_id, {"advisor": "赵敏"})  # saved meanwhile, same second
    assert cases.get_case(case_id)["revision"] == 1
    _type(qtbot, ed, "plan", "联系客户,补送脚垫一套")
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
        _idle(session)
    banner = ed.banner_text()
    assert "已被他人修改" in banner and "另一位同事" in banner and "仍然保留" in banner
    assert ed.editors["plan"].value() == "联系客户,补送脚垫一套" and ed.is_dirty()
    saved = cases.get_case(case_id)
    assert saved["plan"] is None and saved["advisor"] == "赵敏"


def test_a_save_on_a_full_disk_says_so_and_keeps_the_edits(
    qtbot, session, ctx, monkeypatch, site_db
):
    """The storage's own message (db.engine) is shown as is, not as a program error."""
    import sqlite3

    from db.engine import storage_error

    v = cases.blank_case(ctx)
    v.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)

    def full(*a, **k):
        raise storage_error(sqlite3.OperationalError("database or disk is full"), str(site_db))

    monkeypatch.setattr(cases, "update_case", full)
    _type(qtbot, ed, "plan", "联系客户,补送脚垫一套")
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
        _idle(session)
    banner = ed.banner_text()
    assert "保存失败" in banner and "磁盘空间已满" in banner and "仍然保留" in banner
    assert "程序出错" not in banner
    assert ed.editors["plan"].value() == "联系客户,补送脚垫一套" and ed.is_dirty()


def test_a_draft_of_another_sites_case_changed_meanwhile_is_flagged(qtbot, session, ctx):
    """After a crash, the draft comes back; that the case was changed since is said, though
    another site's case keeps its revision here."""
    from tests.ui.test_drafts import _crash
    from tests.ui.test_drafts import _editor as _loaded_editor

    owner = dataclasses.replace(ctx, site="BJ02")
    v = cases.blank_case(owner)
    v.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(owner, v).id
    ed = _loaded_editor(qtbot, session, case_id)
    ed.editors["plan"].set_value("联系客户,补送脚垫一套")
    ed._on_edited()
    _crash(ed)
    cases.update_case(dataclasses.replace(ctx, actor="另一位同事"), case_id, {"advisor": "赵敏"})
    again = _loaded_editor(qtbot, session, case_id)
    assert again.editors["plan"].value() == "联系客户,补送脚垫一套" and again.is_dirty()
    assert "已恢复" in again.banner_text() and "已被他人修改" in again.banner_text()
