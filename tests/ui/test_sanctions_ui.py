"""奖惩 page: the GM's queue, the list, the month's totals, the dialogs."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from complaints.usecases import cases
from complaints.usecases import sanctions as S
from complaints.usecases.proposals import sync_proposals
from ui.sanction_dialogs import ApproveDialog, ManualDialog, RejectDialog
from ui.sanctions import SanctionsPage
from ui.toast import last_toast


@pytest.fixture
def proposals(ctx):
    ids = []
    for dept, person, kind in (("车间", "张海涛", "投诉"), ("配件部", "金晓峰", "抱怨")):
        v = cases.blank_case(ctx)
        v.update(
            customer_name="张伟",
            content="异响",
            department=dept,
            responsible=person,
            kind=kind,
            received_at=ctx.now() - timedelta(hours=1),
        )
        cid = cases.create_case(ctx, v).id
        cases.update_case(ctx, cid, {"liability": "有责"})
        sync_proposals(ctx, cid)
        ids.append(cid)
    return ids  # S1 + S3 for the first, S1 for the second


def make_page(qtbot, session):
    page = SanctionsPage(session)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    qtbot.waitUntil(lambda: page.queue.rowCount() == 3)
    return page


def select(table, row):
    """Select exactly this row (selectRow follows the keyboard modifiers the application
    believes are held, which earlier tests' key clicks may leave behind)."""
    from PySide6.QtCore import QItemSelectionModel

    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    table.selectionModel().select(table.model().index(row, 0), flags)


def test_queue_approve_reject_and_totals(qtbot, session, proposals):
    page = make_page(qtbot, session)
    assert page.badge_count() == 3
    assert page.tabs.tabText(0) == "待审批 (3)"
    assert not page.approve_btn.isEnabled()  # nothing selected
    select(page.queue, 0)
    assert page.approve_btn.isEnabled() and page.reject_btn.isEnabled()
    first = page.selected(page.queue)
    page.approve_selected()
    qtbot.waitUntil(lambda: page.queue.rowCount() == 2)
    assert S.get_sanction(first["uid"])["state"] == S.APPROVED
    select(page.queue, 0)
    second = page.selected(page.queue)
    page.reject_selected("已口头警告")
    qtbot.waitUntil(lambda: page.queue.rowCount() == 1)
    assert S.get_sanction(second["uid"])["decision_note"] == "已口头警告"
    assert page.badge_count() == 1
    # month totals of the approved one
    assert str(first["amount"]) in page.summary.text()
    assert page.by_person.rowCount() == 1
    assert page.by_person.item(0, 0).text() == first["person"]


def test_list_filters_and_open_case(qtbot, session, proposals):
    page = make_page(qtbot, session)
    assert page.list.rowCount() == 3
    page.department.setCurrentIndex(page.department.findData("配件部"))
    qtbot.waitUntil(lambda: page.list.rowCount() == 1)
    select(page.list, 0)
    assert page.list_open_btn.isEnabled()
    assert not page.print_btn.isEnabled()  # pending: nothing to print yet
    with qtbot.waitSignal(session.open_case_requested) as sig:
        page.open_case(page.list)
    assert sig.args == [proposals[1]]
    page.department.setCurrentIndex(0)
    page.state.setCurrentIndex(page.state.findData(S.WITHDRAWN))
    qtbot.waitUntil(lambda: page.list.rowCount() == 0)


def test_clerk_sees_but_cannot_decide(qtbot, session, ctx, proposals):
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    page = make_page(qtbot, session)
    select(page.queue, 0)
    assert not page.approve_btn.isEnabled() and not page.reject_btn.isEnabled()
    assert "总经理" in page.approve_btn.toolTip()
    assert "不能审批" in page.queue_hint.text()


def test_manual_sanction_goes_to_the_queue(qtbot, session, proposals):
    page = make_page(qtbot, session)
    page.add_manual(
        {
            "type": "奖励",
            "department": "服务前台",
            "person": "姜思远",
            "amount": 200,
            "reason": "协助处理群体投诉",
            "case_number": "",
        }
    )
    qtbot.waitUntil(lambda: page.queue.rowCount() == 4)


def test_approve_dialog_keeps_the_range(qtbot):
    row = {
        "rule": "S6",
        "type": "罚款",
        "person": "张海涛",
        "department": "车间",
        "reason": "SH01-202611-0001 二次回访客户仍不满意",
        "amount": 20,
        "amount_min": 20,
        "amount_max": 50,
    }
    dlg = ApproveDialog(row)
    qtbot.addWidget(dlg)
    dlg.amount.setValue(80)
    assert dlg.values()[0] == 50
    dlg.amount.setValue(5)
    assert dlg.values()[0] == 20
    fixed = ApproveDialog(dict(row, amount=100, amount_min=100, amount_max=100))
    qtbot.addWidget(fixed)
    assert not fixed.amount.isEnabled()


def test_reject_dialog_needs_a_reason(qtbot):
    dlg = RejectDialog(
        {
            "rule": "S1",
            "type": "罚款",
            "person": "张",
            "department": "车间",
            "reason": "x",
            "amount": 100,
        }
    )
    qtbot.addWidget(dlg)
    assert not dlg.ok.isEnabled()
    dlg.reason.setPlainText("  已处理 ")
    assert dlg.ok.isEnabled() and dlg.value() == "已处理"


def test_manual_dialog_needs_person_and_reason(qtbot):
    dlg = ManualDialog(["车间", "配件部"])
    qtbot.addWidget(dlg)
    assert not dlg.ok.isEnabled()
    dlg.person.setText("张海涛")
    dlg.reason.setPlainText("主动加班处理")
    assert dlg.ok.isEnabled()
    assert dlg.values()["department"] == "车间"


def test_approve_several_at_once(qtbot, session, proposals):
    page = make_page(qtbot, session)
    page.queue.selectAll()
    assert page.approve_btn.text() == "按建议金额批准所选 (3)"
    assert not page.reject_btn.isEnabled() and not page.amount_btn.isEnabled()
    asked = []
    page._confirm_several = lambda rows: asked.append(page.several_text(rows)) or True
    page.approve_selected(amount=1)  # ignored for several: each at its proposed amount
    qtbot.waitUntil(lambda: page.queue.rowCount() == 0)
    # one question for the three, naming the count and the total (issue 17 §3)
    assert len(asked) == 1 and "所选的 3 条" in asked[0] and "罚款合计 200 元" in asked[0]
    assert S.month_totals("2026-11").fines == 100 + 50 + 50
    assert page.badge_count() is None
    assert last_toast(page) == "已批准 3 条奖惩建议,合计 200 元"


def test_case_tab_records_a_banner(qtbot, session, proposals):
    from ui.case_sanctions_tab import CaseSanctionsTab

    tab = CaseSanctionsTab(session, proposals[0])
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2)
    assert tab.event_buttons["锦旗"].isEnabled()
    tab.record_event("锦旗", "客户送来锦旗")
    qtbot.waitUntil(lambda: tab.table.rowCount() == 3)
    assert any(r["rule"] == "S11" and r["amount"] == 300 for r in tab.rows)
    blank = CaseSanctionsTab(session, None)
    qtbot.addWidget(blank)
    assert not blank.event_buttons["锦旗"].isEnabled()


def test_a_department_total_leads_to_its_sanctions(qtbot, session, proposals, ctx):
    for r in S.list_sanctions(S.SanctionFilter(state=S.PENDING)):
        S.approve(ctx, r["uid"])
    page = make_page_after_approval(qtbot, session)
    row = next(
        i
        for i in range(page.by_department.rowCount())
        if page.by_department.item(i, 0).text() == "配件部"
    )
    page._department_clicked(page.by_department.item(row, 0))
    assert page.tabs.currentIndex() == 1 and page.department.currentData() == "配件部"
    qtbot.waitUntil(lambda: page.list.rowCount() == 1)
    assert page.selected_all(page.list) == [] and page.list.item(0, 4).text() == "配件部"


def make_page_after_approval(qtbot, session):
    page = SanctionsPage(session)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    qtbot.waitUntil(lambda: page.by_department.rowCount() == 2)
    return page


def test_a_double_click_on_approve_approves_exactly_the_selected_row(qtbot, session, proposals):
    """issue 17 §3: the second click of a double-click neither approves the same row again
    nor the row that moves up under the pointer; the approval is confirmed visibly."""
    from PySide6.QtCore import Qt

    page = make_page(qtbot, session)
    page.show()
    select(page.queue, 0)
    first = page.selected(page.queue)
    qtbot.mouseClick(page.approve_btn, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.approve_btn, Qt.MouseButton.LeftButton)
    page.approve_selected()  # even called again while the first is on its way
    qtbot.waitUntil(lambda: page.queue.rowCount() == 2)
    session.taskman.wait_idle()
    approved = [r for r in S.list_sanctions(S.SanctionFilter()) if r["state"] == S.APPROVED]
    assert [r["uid"] for r in approved] == [first["uid"]]
    assert page.selected_all(page.queue) == [] and not page.approve_btn.isEnabled()
    assert last_toast(page).startswith("已批准:" + first["case_number"])


def test_the_hint_and_buttons_follow_the_person_signed_in(qtbot, session, proposals):
    page = make_page(qtbot, session)
    assert "请逐条批准" in page.queue_hint.text()
    clerk = dataclasses.replace(session.ctx(), roles=frozenset({"客服专员"}))
    session.set_user(clerk)
    assert "待总经理审批" in page.queue_hint.text()
    select(page.queue, 0)
    assert not page.approve_btn.isEnabled()
    assert page.approve_btn.toolTip().startswith("无权审批奖惩(罚款与奖励):需要总经理")


def test_the_navigation_and_the_tab_count_the_same(qtbot, session, proposals):
    from ui.main_window import MainWindow

    w = MainWindow(session)
    qtbot.addWidget(w)
    page = w.show_page("sanctions")
    qtbot.waitUntil(lambda: page.queue.rowCount() == 3)
    row = w.page_keys().index("sanctions")
    assert w.nav.item(row).text() == "奖惩 (3)" and page.tabs.tabText(0) == "待审批 (3)"
    select(page.queue, 0)
    page.approve_selected()
    qtbot.waitUntil(lambda: page.queue.rowCount() == 2)
    assert w.nav.item(row).text() == "奖惩 (2)" and page.tabs.tabText(0) == "待审批 (2)"
