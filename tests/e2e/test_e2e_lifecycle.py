"""One case through its whole life in the real GUI, each step by the role the policy
gives it (policy.md §2-§3): the clerk registers and dispatches, the 车间 manager contacts
and handles, the clerk calls back (unhappy), reopens, the manager handles again, the
clerk makes the second callback and closes, the general manager decides liability."""

from __future__ import annotations

from e2e_steps import VIN, as_user, new_case_window, record, save, type_into, workflow_tab
from PySide6.QtCore import Qt

from complaints.types import Action
from complaints.usecases import cases, tracking


def test_one_case_from_registration_to_liability(qtbot, main_window, session, sign_in):
    win = main_window
    # --- 客服专员 registers the complaint (Ctrl+N, Ctrl+S) -----------------------------------
    cw = new_case_window(qtbot, win)
    ed = cw.editor
    type_into(qtbot, ed.editors["content"], "保养后发动机异响,客户要求免费检查")
    type_into(qtbot, ed.editors["customer_name"], "张伟")
    type_into(qtbot, ed.editors["phone"], "13812345678")
    type_into(qtbot, ed.editors["vin"], VIN)
    type_into(qtbot, ed.editors["car_model"], "别克英朗")
    with qtbot.waitSignal(ed.saved, timeout=5000) as saved:
        save(qtbot, session, ed)
    case_id = saved.args[0]
    number = cases.get_case(case_id)["number"]
    assert number.startswith("SH01-202611-")
    assert "已保存" in ed.banner_text() and ed.number == number and not ed.is_dirty()

    # found in the ledger by three characters of its text
    page = win.show_page("cases")
    page.search_edit.setText("发动机异")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.ids() == [case_id])

    # --- dispatched to 车间 (R1 proposes it: 售后 on site) --------------------------------------
    cw, tab = workflow_tab(qtbot, session, win, case_id)
    record(
        qtbot,
        session,
        tab,
        Action.DISPATCH,
        lambda d: d.department.setCurrentIndex(d.department.findData("车间")),
    )
    assert cases.get_case(case_id)["state"] == "已派单"

    # --- 部门经理 of 车间: names the person, contacts the customer, handles ----------------------
    as_user(qtbot, win, session, sign_in, "dm")
    cw, tab = workflow_tab(qtbot, session, win, case_id)
    assert Action.DISPATCH not in tab.action_buttons  # CS routes, not the department
    record(
        qtbot, session, tab, Action.NAME_RESPONSIBLE, lambda d: d.person.setCurrentText("曹振华")
    )
    record(
        qtbot,
        session,
        tab,
        Action.CONTACT,
        lambda d: d.note.setPlainText("已电话联系客户,约明天到店"),
    )
    record(
        qtbot,
        session,
        tab,
        Action.HANDLED,
        lambda d: d.plan.setPlainText("更换正时皮带张紧轮,免工时费"),
    )
    assert cases.get_case(case_id)["state"] == "已处理"
    assert Action.CALLBACK not in tab.action_buttons  # the callback is CS's

    # --- 客服专员: callback, unhappy → reopen ---------------------------------------------------
    as_user(qtbot, win, session, sign_in, "clerk")
    cw, tab = workflow_tab(qtbot, session, win, case_id)
    record(qtbot, session, tab, Action.CALLBACK, lambda d: d.set_satisfaction("不满意"))
    assert Action.CLOSE not in tab.action_buttons and Action.REOPEN in tab.action_buttons
    record(qtbot, session, tab, Action.REOPEN, lambda d: d.note.setPlainText("客户仍有异响"))
    assert cases.get_case(case_id)["state"] == "已重开"

    # --- 部门经理 handles again (D10) ------------------------------------------------------------
    as_user(qtbot, win, session, sign_in, "dm")
    cw, tab = workflow_tab(qtbot, session, win, case_id)
    record(
        qtbot, session, tab, Action.HANDLED, lambda d: d.plan.setPlainText("更换张紧轮总成并路试")
    )

    # --- 客服专员: second callback, happy → close --------------------------------------------
    as_user(qtbot, win, session, sign_in, "clerk")
    cw, tab = workflow_tab(qtbot, session, win, case_id)
    assert Action.SECOND_CALLBACK in tab.action_buttons
    record(qtbot, session, tab, Action.SECOND_CALLBACK, lambda d: d.set_satisfaction("满意"))
    record(qtbot, session, tab, Action.CLOSE)
    c = cases.get_case(case_id)
    assert c["state"] == "已关闭" and c["satisfaction"] == "不满意" and c["satisfaction2"] == "满意"
    assert c["plan"] == "更换张紧轮总成并路试" and c["responsible"] == "曹振华"
    qtbot.waitUntil(lambda: "已关闭" in tab.summary.text())
    assert set(tab.action_buttons) <= {Action.FMC_STATUS, Action.NOTE}

    entries = [(e["action"], e["actor"]) for e in tracking.timeline(case_id)]
    assert entries == [
        ("登记", "李客服"),
        ("派单", "李客服"),
        ("指定责任人", "张部门"),
        ("联系客户", "张部门"),
        ("处理完成", "张部门"),
        ("回访", "李客服"),
        ("重开", "李客服"),
        ("处理完成", "张部门"),
        ("二次回访", "李客服"),
        ("关闭", "李客服"),
    ]
    assert [tab.timeline_table.item(r, 1).text() for r in range(tab.timeline_table.rowCount())] == [
        a for a, _p in entries
    ]
    # every deadline of a closed case is met (no row left open)
    assert not any(d.status.is_open for d in tracking.case_deadlines(session.ctx(), case_id))

    # the 历史 tab names who changed what
    ed = cw.editor
    ed.tabs.setCurrentIndex([ed.tabs.tabText(i) for i in range(ed.tabs.count())].index("历史"))
    history = ed.extra_tabs["历史"]
    qtbot.waitUntil(lambda: history.table.rowCount() > 0)
    people = {history.table.item(r, 1).text() for r in range(history.table.rowCount())}
    assert {"李客服", "张部门"} <= people

    # --- 总经理 decides liability in the editor ------------------------------------------------
    as_user(qtbot, win, session, sign_in, "gm")
    session.request_open_case(case_id)
    qtbot.waitUntil(lambda: win.case_window(case_id) is not None)
    ed = win.case_window(case_id).editor
    qtbot.waitUntil(ed.isEnabled)
    ed.editors["liability"].set_value("有责")
    ed._on_edited()
    assert ed.is_dirty()
    with qtbot.waitSignal(ed.saved, timeout=5000):
        save(qtbot, session, ed)
    assert cases.get_case(case_id)["liability"] == "有责"
    assert "已保存" in ed.banner_text()
