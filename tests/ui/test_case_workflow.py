"""跟踪与时限 tab and the action dialog, with the real worker thread (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialogButtonBox

from complaints.rules.deadlines import DeadlineStatus
from complaints.types import Action
from complaints.usecases import cases, tracking
from complaints.usecases.context import CHINA_TZ
from tests.ui.helpers import idle
from ui import case_editor
from ui.action_dialog import ActionDialog, qdatetime
from ui.case_workflow import CaseWorkflowTab

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)  # the ctx fixture's clock is 09:30


def new_case(ctx, **over) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响",
        received_at=T0,
        business="售后",
        area="维修技术",
        phone="13812345678",
    )
    v.update(over)
    return cases.create_case(ctx, v).id


def make_tab(qtbot, session, case_id) -> CaseWorkflowTab:
    tab = CaseWorkflowTab(session, case_id)
    qtbot.addWidget(tab)
    tab.resize(1100, 800)
    tab.show()
    qtbot.waitUntil(lambda: tab.data is not None)
    idle(session)
    return tab


def column(table, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_tab_shows_what_the_use_cases_return(qtbot, session, ctx):
    cid = new_case(ctx, media=True)
    tracking.record_action(ctx, cid, "联系客户", note="已电话联系")
    tab = make_tab(qtbot, session, cid)
    ds = tracking.case_deadlines(ctx, cid)
    assert column(tab.deadline_table, 0) == [d.rule for d in ds]
    assert column(tab.deadline_table, 5) == [d.status.value for d in ds]
    entries = tracking.timeline(cid)
    assert column(tab.timeline_table, 1) == [e["action"] for e in entries] == ["登记", "联系客户"]
    assert column(tab.timeline_table, 2)[1] == ctx.actor
    assert "已电话联系" in column(tab.timeline_table, 3)[1]
    assert set(tab.action_buttons) == tracking.available_actions(ctx, cid)
    # D3 (5 minutes) is overdue at 09:30: red; D1 met.
    statuses = {d.rule: d.status for d in ds}
    assert statuses["D3"] is DeadlineStatus.OVERDUE and statuses["D1"] is DeadlineStatus.MET
    row = [d.rule for d in ds].index("D3")
    assert tab.deadline_table.item(row, 0).background().color() == QColor("#fdecea")
    assert tab.deadline_table.item(row, 6).text().startswith("超 ")
    # media: an escalation hint, shown as a suggestion
    assert tab.hints.isVisible() and "涉及媒体" in tab.hints.text()


def test_at_risk_is_amber(qtbot, session, ctx):
    # D1 (2 h) from 07:55: 25 minutes left at 09:30, under a quarter of its time
    cid = new_case(ctx, received_at=T0 - timedelta(minutes=65), channel="电话热线")
    tab = make_tab(qtbot, session, cid)
    ds = tracking.case_deadlines(ctx, cid)
    row = [d.rule for d in ds].index("D1")
    assert ds[row].status is DeadlineStatus.AT_RISK
    assert tab.deadline_table.item(row, 5).text() == "将到期"
    assert tab.deadline_table.item(row, 0).background().color() == QColor("#fff4e5")
    assert tab.deadline_table.item(row, 6).text() == "剩 25分"


def test_dispatch_through_the_dialog_writes_an_entry(qtbot, session, ctx):
    cid = new_case(ctx)
    tab = make_tab(qtbot, session, cid)
    assert Action.DISPATCH in tab.action_buttons
    dialog = tab.open_action(Action.DISPATCH)
    assert isinstance(dialog, ActionDialog)
    # R1: 售后 / 维修技术 → 车间, preselected
    assert dialog.values()["department"] == "车间"
    assert "建议" in dialog.department.currentText()
    with (
        qtbot.waitSignal(session.changed, check_params_cb=lambda c: "cases" in c),
        qtbot.waitSignal(dialog.accepted),
    ):
        dialog.try_submit()
    idle(session)
    last = tracking.timeline(cid)[-1]
    assert last["action"] == "派单" and last["params"]["department"] == "车间"
    assert last["actor"] == ctx.actor and last["at"] == ctx.now()
    assert cases.get_case(cid)["state"] == "已派单"
    assert column(tab.timeline_table, 1)[-1] == "派单"
    assert Action.DISPATCH in tab.action_buttons  # may be re-dispatched until handled


def test_callback_needs_a_satisfaction_then_records_it(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "处理完成", plan="更换正时皮带")
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.CALLBACK)
    n = len(tracking.timeline(cid))
    dialog.try_submit()
    assert "满意度" in dialog.refusal_text()
    idle(session)
    assert len(tracking.timeline(cid)) == n
    dialog.set_satisfaction("不满意")
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    c = cases.get_case(cid)
    assert c["state"] == "回访" and c["satisfaction"] == "不满意"
    assert Action.REOPEN in tab.action_buttons and Action.CLOSE not in tab.action_buttons


def test_refused_transition_shows_the_reason_and_writes_nothing(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "处理完成")
    tab = make_tab(qtbot, session, cid)
    n = len(tracking.timeline(cid))
    dialog = tab.open_action(Action.CLOSE)
    dialog.try_submit()  # closing without a callback needs a written reason
    qtbot.waitUntil(lambda: dialog.refusal_text() != "")
    idle(session)
    assert "须在说明中写明原因" in dialog.refusal_text()
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert len(tracking.timeline(cid)) == n
    assert cases.get_case(cid)["state"] == "已处理"


def test_stale_button_is_refused_with_the_use_cases_reason(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "处理完成")
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.CALLBACK)
    dialog.set_satisfaction("满意")
    tracking.record_action(ctx, cid, "回访", satisfaction="满意")  # another window was faster
    dialog.try_submit()
    qtbot.waitUntil(lambda: dialog.refusal_text() != "")
    assert "只有处理完毕" in dialog.refusal_text()
    idle(session)
    assert [e["action"] for e in tracking.timeline(cid)].count("回访") == 1


def test_backdating_needs_a_reason(qtbot, session, ctx):
    cid = new_case(ctx)
    tab = make_tab(qtbot, session, cid)
    n = len(tracking.timeline(cid))
    dialog = tab.open_action(Action.CONTACT)
    assert not dialog.when.isVisibleTo(dialog)
    dialog.earlier.setChecked(True)
    assert dialog.when.isVisibleTo(dialog) and dialog.reason.isVisibleTo(dialog)
    assert dialog.when.text() == "2026-11-20 09:30"  # the office's time, not the PC's zone
    dialog.when.setDateTime(qdatetime(T0 + timedelta(minutes=10)))
    dialog.try_submit()
    assert "补录原因" in dialog.refusal_text()
    idle(session)
    assert len(tracking.timeline(cid)) == n
    dialog.reason.setText("在客户处处理,回店后登记")
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    last = tracking.timeline(cid)[-1]
    assert last["at"] == T0 + timedelta(minutes=10)
    assert last["reason"] == "在客户处处理,回店后登记"
    assert "(补录)" in column(tab.timeline_table, 0)[-1]
    assert "在客户处处理" in column(tab.timeline_table, 3)[-1]
    d1 = next(d for d in tracking.case_deadlines(ctx, cid) if d.rule == "D1")
    assert d1.status is DeadlineStatus.MET


def test_fmc_status_and_note_dialogs(qtbot, session, ctx):
    cid = new_case(ctx, channel="厂家转发", cac_number="CAC-9")
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.NOTE)
    dialog.try_submit()
    assert "备注内容不能为空" in dialog.refusal_text()
    dialog.note.setPlainText("客户来电询问进度")
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    dialog = tab.open_action(Action.FMC_STATUS)
    dialog.status.setCurrentIndex(dialog.status.findData("Hold"))
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    assert cases.get_case(cid)["fmc_status"] == "Hold"
    assert [e["action"] for e in tracking.timeline(cid)][-2:] == ["备注", "FMC状态"]


def test_registered_in_the_case_window(qtbot, session, ctx):
    assert case_editor.CASE_TABS[0] == ("跟踪与时限", "ui.case_workflow:CaseWorkflowTab")
    for name in ("state", "satisfaction", "closed_at", "fmc_status", "callback_at"):
        assert name in case_editor.READ_ONLY_FIELDS
    cid = new_case(ctx)
    ed = case_editor.CaseEditor(session, cid)
    qtbot.addWidget(ed)
    ed.show()
    qtbot.waitUntil(ed.isEnabled)
    assert ed.tabs.tabText(1) == "跟踪与时限"
    ed.tabs.setCurrentIndex(1)
    tab = ed.extra_tabs["跟踪与时限"]
    assert isinstance(tab, CaseWorkflowTab)
    qtbot.waitUntil(lambda: tab.data is not None)
    idle(session)


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.RECEIVED])
def test_every_action_has_a_dialog(qtbot, action, ctx):
    d = ActionDialog(
        action,
        number="SH01-202611-0001",
        now=ctx.now(),
        tz=ctx.tz,
        received_at=T0,
        departments=["销售部", "车间"],
        proposed_department="车间",
        people=["李师傅"],
        current={},
    )
    qtbot.addWidget(d)
    assert d.values()["note"] == ""
    assert d.windowTitle().endswith(action.value)


def test_name_the_responsible_person(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "派单", department="车间")
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.NAME_RESPONSIBLE)
    dialog.try_submit()
    assert "第一责任人" in dialog.refusal_text()
    dialog.person.setCurrentText("李师傅")
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    assert cases.get_case(cid)["responsible"] == "李师傅"
    assert "第一责任人:李师傅" in tab.summary.text()


def test_handled_needs_an_opinion_and_warns_of_what_is_missing(qtbot, session, ctx):
    """issue 17 §4: 处理完成 warns when the customer was never contacted and nobody is named
    responsible, and is refused without a handling opinion; 升级 without its target."""
    cid = new_case(ctx)
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.HANDLED)
    warning = dialog.warning_label.text()
    assert not dialog.warning_label.isHidden()
    assert "尚未记录“联系客户”" in warning and "尚未指定第一责任人" in warning
    n = len(tracking.timeline(cid))
    dialog.try_submit()
    assert dialog.refusal_text() == "须填写调查结果及处理意见"
    idle(session)
    assert len(tracking.timeline(cid)) == n
    dialog.plan.setPlainText("更换正时皮带,免费")
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    assert cases.get_case(cid)["plan"] == "更换正时皮带,免费"

    escalate = ActionDialog(
        Action.ESCALATE, number="SH01-202611-0001", now=ctx.now(), tz=ctx.tz, submit=lambda v: None
    )
    qtbot.addWidget(escalate)
    escalate.try_submit()
    assert escalate.refusal_text().startswith("升级须填写升级至何人")


def test_no_warning_once_contacted_and_named(qtbot, session, ctx):
    cid = new_case(ctx)
    tracking.record_action(ctx, cid, "联系客户")
    tracking.record_action(ctx, cid, "派单", department="售后服务部")
    tracking.record_action(ctx, cid, "指定责任人", person="王师傅")
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.RETURN_TO_CS)
    assert dialog.warning_label.isHidden()


def test_pause_asks_a_reason_and_resume_follows(qtbot, session, ctx):
    cid = new_case(ctx, channel="电话热线")
    tab = make_tab(qtbot, session, cid)
    assert Action.PAUSE in tab.action_buttons and Action.RESUME not in tab.action_buttons
    dialog = tab.open_action(Action.PAUSE)
    assert dialog is not None and dialog.hold_reason is not None
    assert dialog.problem() == "暂停须选择或填写原因"
    dialog.hold_reason.setCurrentText("等待配件")
    dialog.note.setPlainText("配件预计下周到")
    assert dialog.values()["note"] == "等待配件,配件预计下周到"
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    qtbot.waitUntil(lambda: Action.RESUME in tab.action_buttons)
    assert Action.PAUSE not in tab.action_buttons
    assert "暂停" in column(tab.deadline_table, 5)
    assert "暂停中" in column(tab.deadline_table, 4)
    assert "暂停" in column(tab.timeline_table, 1)


def test_closing_an_action_dialog_asks_before_dropping_what_was_typed(qtbot, ctx, monkeypatch):
    """Esc after typing a contact's note keeps the dialog (and the note) unless the clerk
    agrees to drop it; an untouched dialog closes at once."""
    d = ActionDialog(Action.CONTACT, number="SH01-202611-0001", now=ctx.now(), tz=ctx.tz)
    qtbot.addWidget(d)
    asked: list[bool] = []
    answer = False
    monkeypatch.setattr(d, "ask_discard", lambda: asked.append(True) or answer)
    d.show()
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.isHidden() and asked == []

    d.show()
    d.note.setPlainText("已电话联系客户,约明天到店检测")
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert asked == [True] and d.isVisible()
    assert d.note.toPlainText() == "已电话联系客户,约明天到店检测"
    d.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()  # 取消
    assert not d.close()  # the window's close box
    assert len(asked) == 3 and d.isVisible()

    answer = True
    with qtbot.waitSignal(d.rejected):
        qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert len(asked) == 4


def test_a_dispatch_another_seat_made_meanwhile_is_shown_before_this_one_records(
    qtbot, session, ctx
):
    """Two seats dispatch one case at the same moment: the second dialog is refused once,
    keeps what was chosen, the tab shows the other seat's 派单; pressed again, it records."""
    cid = new_case(ctx)
    tab = make_tab(qtbot, session, cid)
    dialog = tab.open_action(Action.DISPATCH)
    assert dialog.values()["department"] == "车间"
    tracking.record_action(ctx, cid, Action.DISPATCH, department="销售部")  # the other seat
    dialog.try_submit()
    qtbot.waitUntil(lambda: dialog.refusal_text() != "")
    assert "已被他人改动" in dialog.refusal_text() and dialog.isVisible()
    assert dialog.values()["department"] == "车间"  # what this person chose stays
    idle(session)
    assert column(tab.timeline_table, 1).count("派单") == 1  # the tab shows the other's
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    assert [e["params"].get("department") for e in tracking.timeline(cid)][-2:] == [
        "销售部",
        "车间",
    ]
