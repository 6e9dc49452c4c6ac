"""Nothing typed is lost on a crash: a case window's unsaved boxes are kept as a draft and
put back the next time (the case's own editor, or the main window at start for new cases)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from PySide6.QtWidgets import QMessageBox

from complaints.usecases import cases, drafts
from ui.case_editor import CaseEditor


def _idle(session) -> None:
    for _ in range(3):
        assert session.taskman.wait_idle()


def _editor(qtbot, session, case_id=None) -> CaseEditor:
    ed = CaseEditor(session, case_id)
    qtbot.addWidget(ed)
    ed.resize(1100, 800)
    ed.show()
    qtbot.waitUntil(lambda: ed.isEnabled() and not ed._loading)
    return ed


def _crash(ed: CaseEditor) -> None:
    """The process dies: no close, no question; only what is on disk survives."""
    ed.flush_draft()
    ed._dirty = False  # tear-down must not ask about the edits
    ed.draft.timer.stop()


def _case(ctx) -> int:
    v = cases.blank_case(ctx)
    v.update(customer_name="张伟", content="保养后异响", received_at=ctx.now() - timedelta(hours=1))
    return cases.create_case(ctx, v).id


def test_an_edited_case_comes_back_after_a_crash(qtbot, session, ctx):
    cid = _case(ctx)
    ed = _editor(qtbot, session, cid)
    ed.editors["content"].set_value("保养后异响,客户要求更换刹车片并赔偿误工")
    ed._on_edited()
    _crash(ed)
    (path,) = session.paths.drafts.glob("*.json")
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["case_id"] == cid and list(body["changes"]) == ["content"]

    again = _editor(qtbot, session, cid)
    assert again.editors["content"].value() == "保养后异响,客户要求更换刹车片并赔偿误工"
    assert again.is_dirty() and "已恢复" in again.banner_text()
    assert cases.get_case(cid)["content"] == "保养后异响"  # nothing saved behind the clerk's back
    again.save()
    _idle(session)
    assert cases.get_case(cid)["content"].endswith("赔偿误工")
    assert list(session.paths.drafts.glob("*.json")) == []  # saved: the draft is gone


def test_discarding_removes_the_draft(qtbot, session, ctx, monkeypatch):
    cid = _case(ctx)
    ed = _editor(qtbot, session, cid)
    ed.editors["customer_name"].set_value("张伟强")
    ed._on_edited()
    ed.flush_draft()
    assert len(list(session.paths.drafts.glob("*.json"))) == 1
    monkeypatch.setattr(ed, "ask_unsaved", lambda: QMessageBox.StandardButton.Discard)
    assert ed.confirm_close(lambda: None)
    assert list(session.paths.drafts.glob("*.json")) == []


def test_undoing_the_edit_removes_the_draft(qtbot, session, ctx):
    cid = _case(ctx)
    ed = _editor(qtbot, session, cid)
    ed.editors["customer_name"].set_value("张伟强")
    ed._on_edited()
    ed.flush_draft()
    ed.editors["customer_name"].set_value("张伟")
    ed._on_edited()
    assert not ed.is_dirty() and list(session.paths.drafts.glob("*.json")) == []


def test_a_new_case_is_reopened_by_the_main_window(qtbot, session, ctx, qsettings):
    from ui.main_window import MainWindow

    ed = _editor(qtbot, session)
    ed.editors["content"].set_value("客户来电:新车交付时发现划痕")
    ed.editors["customer_name"].set_value("李娜")
    ed._on_edited()
    _crash(ed)

    win = MainWindow(session, settings=qsettings)
    qtbot.addWidget(win)
    win.restore_drafts()
    qtbot.waitUntil(lambda: len(win._new_case_windows) == 1)
    restored = win._new_case_windows[0].editor
    qtbot.waitUntil(lambda: restored.restored_draft is not None)
    assert restored.editors["customer_name"].value() == "李娜"
    assert restored.editors["content"].value() == "客户来电:新车交付时发现划痕"
    assert "已恢复" in restored.banner_text()
    restored.save()
    _idle(session)
    assert list(session.paths.drafts.glob("*.json")) == []
    restored._dirty = False


def test_another_persons_drafts_wait_for_that_person(qtbot, session, ctx):
    cid = _case(ctx)
    ed = _editor(qtbot, session, cid)
    ed.editors["customer_name"].set_value("张伟强")
    ed._on_edited()
    _crash(ed)
    other = dataclasses.replace(ctx, actor="另一位客服")
    assert drafts.pending(session.paths.drafts, other) == []
    assert [d.case_id for d in drafts.pending(session.paths.drafts, ctx)] == [cid]


def test_a_damaged_draft_file_is_left_alone(tmp_path, ctx):
    folder = tmp_path / "drafts"
    drafts.save(
        folder,
        ctx,
        "case-1",
        {"received_at": ctx.now(), "media": True},
        case_id=1,
        number="SH01-202611-0001",
        revision=3,
    )
    (folder / "new-abc.json").write_text("{not json", encoding="utf-8")
    (d,) = drafts.pending(folder, ctx)
    assert d.changes == {"received_at": ctx.now(), "media": True} and d.revision == 3
    assert (folder / "new-abc.json").exists()
