"""Two people save the same case: the second is refused (nothing is overwritten) and may
load what the first saved with their own changed boxes put back over it, then save."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from complaints.usecases import cases
from tests.ui.test_case_editor import _ctrl_s, _editor, _idle, _type


def test_the_loser_of_a_save_loads_the_other_save_and_keeps_what_they_typed(qtbot, session, ctx):
    v = cases.blank_case(ctx)
    v.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)
    assert not ed.stale_button.isVisible()
    other = dataclasses.replace(ctx, actor="另一位同事")  # the other seat saves first
    cases.update_case(other, case_id, {"advisor": "赵敏", "plan": "对方写的处理意见"})
    _type(qtbot, ed, "plan", "联系客户,补送脚垫一套")
    _type(qtbot, ed, "content", "销售承诺的赠品未兑现,客户很不满")
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
        _idle(session)
    assert "已被他人修改" in ed.banner_text()
    assert ed.stale_button.isVisible()

    qtbot.mouseClick(ed.stale_button, Qt.MouseButton.LeftButton)
    _idle(session)
    qtbot.waitUntil(lambda: not ed.stale_button.isVisible())
    assert ed.editors["advisor"].value() == "赵敏"  # theirs
    assert ed.editors["plan"].value() == "联系客户,补送脚垫一套"  # mine, still unsaved
    assert ed.editors["content"].value() == "销售承诺的赠品未兑现,客户很不满"
    assert ed.is_dirty()
    assert "尚未保存" in ed.banner_text()
    assert "调查结果及处理意见" in ed.banner_text()  # both changed it: named
    assert "投诉内容" not in ed.banner_text()

    with qtbot.waitSignal(ed.saved, timeout=10_000):
        _ctrl_s(qtbot, ed)
    saved = cases.get_case(case_id)
    assert saved["advisor"] == "赵敏"
    assert saved["plan"] == "联系客户,补送脚垫一套"
    assert saved["content"] == "销售承诺的赠品未兑现,客户很不满"
    assert not ed.is_dirty()
