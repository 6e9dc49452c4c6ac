"""Who may do what, seen from the GUI: a person refused an action is told why (the
permission and the role or department it needs), and nothing in the database changes;
what was typed stays in the window."""

from __future__ import annotations

from e2e_steps import (
    NOW,
    as_user,
    idle,
    new_case_window,
    save,
    type_into,
    workflow_tab,
)
from PySide6.QtCore import Qt

from complaints.types import Action
from complaints.usecases import cases, tracking
from complaints.usecases.context import Context


def clerk_ctx() -> Context:
    return Context(site="SH01", actor="李客服", clock=lambda: NOW, roles=frozenset({"客服专员"}))


def manager_ctx() -> Context:
    return Context(site="SH01", actor="周经理", clock=lambda: NOW, roles=frozenset({"客服经理"}))


def make_case(**over) -> int:
    ctx = clerk_ctx()
    v = cases.blank_case(ctx)
    v.update(
        customer_name="欧阳娜娜",
        content="试驾车辆空调异味,销售顾问态度冷淡",
        business="售后",
        area="维修技术",
        phone="13912345678",
        received_at=NOW,
    )
    dept = over.pop("department", None)
    v.update(over)
    cid = cases.create_case(ctx, v).id
    if dept:
        tracking.record_action(ctx, cid, "派单", department=dept)
    return cid


def test_bad_vin_is_refused_and_two_and_three_character_searches(qtbot, main_window, session):
    win = main_window
    existing = make_case()
    before = cases.case_ids(*_all())
    cw = new_case_window(qtbot, win)
    ed = cw.editor
    type_into(qtbot, ed.editors["content"], "车辆异响")
    type_into(qtbot, ed.editors["customer_name"], "王芳")
    type_into(qtbot, ed.editors["vin"], "LSGJA52U7BH00123")  # 16 characters
    save(qtbot, session, ed)
    assert "无法保存" in ed.banner_text() and "车架号/VIN" in ed.banner_text()
    assert ed.editors["vin"].problem()
    assert cases.case_ids(*_all()) == before  # nothing saved
    assert ed.is_dirty() and ed.editors["vin"].value() == "LSGJA52U7BH00123"

    page = win.show_page("cases")
    for text in ("欧阳", "空调异味"):  # 2 characters: the base table; 3+: full-text
        page.search_edit.setText(text)
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.model.ids() == [existing])
        assert page.count_label.text() == "共 1 条"


def _all():
    from complaints.query import CaseFilter, Sort

    return CaseFilter(), Sort()


def test_manager_of_another_department_is_refused_and_nothing_changes(
    qtbot, main_window, session, sign_in
):
    win = main_window
    cid = make_case(department="销售部")
    as_user(qtbot, win, session, sign_in, "dm")  # 部门经理 of 车间
    cw, tab = workflow_tab(qtbot, session, win, cid)
    assert tab.action_buttons == {}
    assert "权限不允许" in tab.no_actions.text()

    ed = cw.editor
    ed.tabs.setCurrentIndex(0)
    assert not ed.attachments.add_button.isEnabled()
    revision = cases.get_case(cid)["revision"]
    ed.editors["car_model"].focus_target().setText("别克GL8")
    assert ed.is_dirty()
    save(qtbot, session, ed)
    qtbot.waitUntil(lambda: "保存失败" in ed.banner_text())
    assert "无权修改投诉单" in ed.banner_text()
    assert "部门经理只能处理本部门(车间)的投诉单,此单属于销售部" in ed.banner_text()
    assert "您的修改仍然保留" in ed.banner_text()
    c = cases.get_case(cid)
    assert c["car_model"] in (None, "") and c["revision"] == revision
    assert ed.is_dirty() and ed.editors["car_model"].value() == "别克GL8"


def test_an_action_the_role_may_not_take_is_refused_in_its_dialog(
    qtbot, main_window, session, sign_in
):
    """A button left from before (another window, another person) still meets the use
    case's check: the dialog says why and stays open; no entry is written."""
    win = main_window
    cid = make_case(department="车间")
    tracking.record_action(manager_ctx(), cid, "处理完成", plan="已更换滤芯")
    as_user(qtbot, win, session, sign_in, "dm")
    _cw, tab = workflow_tab(qtbot, session, win, cid)
    assert Action.CALLBACK not in tab.action_buttons
    n = len(tracking.timeline(cid))
    dialog = tab.open_action(Action.CALLBACK)
    dialog.set_satisfaction("满意")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.refusal_text() != "")
    assert "无权记录回访" in dialog.refusal_text()
    assert "客服专员" in dialog.refusal_text()
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    idle(session)
    assert len(tracking.timeline(cid)) == n
    c = cases.get_case(cid)
    assert c["state"] == "已处理" and c["satisfaction"] is None
    dialog.reject()


def test_only_the_general_manager_decides_liability(qtbot, main_window, session, sign_in):
    win = main_window
    cid = make_case(department="车间")
    cw, _tab = workflow_tab(qtbot, session, win, cid)  # the clerk
    ed = cw.editor
    ed.tabs.setCurrentIndex(0)
    ed.editors["liability"].set_value("有责")
    ed._on_edited()
    save(qtbot, session, ed)
    qtbot.waitUntil(lambda: "保存失败" in ed.banner_text())
    assert "无权认定责任" in ed.banner_text() and "总经理" in ed.banner_text()
    assert cases.get_case(cid)["liability"] == "待定"
    assert ed.editors["liability"].value() == "有责"

    ed._dirty = False
    as_user(qtbot, win, session, sign_in, "gm")
    cw, _tab = workflow_tab(qtbot, session, win, cid)
    ed = cw.editor
    ed.editors["liability"].set_value("有责")
    ed._on_edited()
    with qtbot.waitSignal(ed.saved, timeout=5000):
        save(qtbot, session, ed)
    assert cases.get_case(cid)["liability"] == "有责"


def test_the_administrator_may_not_register_a_complaint(qtbot, main_window, session, sign_in):
    win = main_window
    as_user(qtbot, win, session, sign_in, "admin")
    before = cases.case_ids(*_all())
    # issue 17 §1: refused before anything is typed, the reason where the clerk looks
    assert not win.new_case_action.isEnabled()
    assert "无权登记投诉单" in win.new_case_action.toolTip()
    assert win.new_case() is None and not win._new_case_windows
    assert "您的角色:管理员" in win.statusBar().currentMessage()
    assert cases.case_ids(*_all()) == before
