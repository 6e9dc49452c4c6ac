"""跟踪回访 and 突发事件 on the pages: the policy option, the visit's and the emergency
closing's dialogs, declaring an emergency from the case page, the reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

from complaints.rules import emergency as emergency_rules
from complaints.rules.deadlines import DeadlineStatus
from complaints.types import Action
from complaints.usecases import cases, tracking
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.todo import TodoItem
from tests.ui.helpers import idle
from ui import case_emergency
from ui.action_dialog import ActionDialog
from ui.case_workflow import CaseWorkflowTab
from ui.notifier import compose
from ui.policy_editor import PolicyEditor

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)  # the ctx fixture's clock is 09:30


def new_case(ctx) -> int:
    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="保养后发动机异响",
        received_at=T0,
        business="售后",
        area="维修技术",
    )
    return cases.create_case(ctx, v).id


def test_the_office_turns_follow_up_visits_on(qtbot, session):
    ed = PolicyEditor(session)
    qtbot.addWidget(ed)
    ed.show()
    qtbot.waitUntil(lambda: ed.loaded is not None)
    idle(session)
    box = ed.editors["follow_up"]
    assert not box.isChecked() and not ed.policy().follow_up  # off by default
    box.setChecked(True)
    assert ed.save_button.isEnabled()
    with qtbot.waitSignal(session.changed, check_params_cb=lambda c: "settings" in c):
        ed.save_button.click()
    idle(session)
    assert policy_uc.load().follow_up and policy_uc.load().d12_days == 7


def test_the_visit_dialog_takes_satisfaction_and_a_new_problem(qtbot, ctx):
    d = ActionDialog(Action.FOLLOW_UP, number="X-1", now=ctx.now(), tz=ctx.tz)
    qtbot.addWidget(d)
    assert "满意度" in (d.problem() or "")
    d.set_satisfaction("不满意")
    assert d.new_problem is not None
    d.new_problem.setChecked(True)
    assert d.problem() is None
    v = d.values()
    assert v["satisfaction"] == "不满意" and v["new_problem"] is True


def test_closing_an_emergency_asks_for_the_review(qtbot, ctx):
    current = {"emergency": "媒体曝光", "review_cause": "配件缺陷"}
    d = ActionDialog(Action.CLOSE, number="X-1", now=ctx.now(), tz=ctx.tz, current=current)
    qtbot.addWidget(d)
    assert set(d.review) == {"review_cause", "review_actions", "review_changes"}
    assert "复盘" in (d.problem() or "")
    d.review["review_actions"].setPlainText("上报厂家")
    d.review["review_changes"].setPlainText("到货抽检")
    assert d.problem() is None
    assert d.values()["review_cause"] == "配件缺陷"
    plain = ActionDialog(Action.CLOSE, number="X-2", now=ctx.now(), tz=ctx.tz, current={})
    qtbot.addWidget(plain)
    assert plain.review == {}


def test_declaring_an_emergency_from_the_case_page(qtbot, session, ctx):
    cid = new_case(ctx)
    tab = CaseWorkflowTab(session, cid)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: tab.data is not None)
    idle(session)
    assert tab.emergency_button is not None
    dialog = case_emergency.open_dialog(tab, cid, tab.data.case["number"])
    qtbot.addWidget(dialog)
    dialog.try_submit()
    assert "类型" in dialog.error.text()
    dialog.kind_buttons["安全事故"].setChecked(True)
    with qtbot.waitSignal(dialog.accepted):
        dialog.try_submit()
    idle(session)
    qtbot.waitUntil(lambda: tab.data is not None and tab.data.case.get("emergency") is not None)
    c = cases.get_case(cid)
    assert c["emergency"] == "安全事故" and c["severity"] == "重大投诉"
    assert "突发事件" in tab.summary.text() and tab.emergency_button is None
    assert "已通知总经理" in tracking.timeline(cid)[-1]["note"]


def test_the_reminder_puts_an_emergency_first(ctx):
    now = ctx.now()

    def item(rule, status, number):
        due = now + timedelta(hours=1)
        return TodoItem(
            1,
            number,
            "SH01",
            rule,
            "事项",
            "",
            due,
            status,
            due - now,
            "登记",
            None,
            None,
            "",
            now,
            now,
        )

    title, text = compose(
        [
            item("D1", DeadlineStatus.OVERDUE, "A"),
            item(emergency_rules.RULE, DeadlineStatus.AT_RISK, "B"),
        ],
        ctx.tz,
    )
    assert title.startswith("处理时限提醒:1 件突发事件、1 项已逾期")
    assert text.splitlines()[0].startswith("B E1")
