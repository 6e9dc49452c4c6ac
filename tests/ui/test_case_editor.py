"""The case editor and its attachments, driven like a clerk would (pytest-qt, offscreen)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from complaints.fields import FIELDS_BY_NAME
from complaints.query import CaseFilter
from complaints.usecases import attachments as att_uc
from complaints.usecases import cases
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import CHINA_TZ
from ui import field_widgets as fw
from ui.case_editor import CASE_TABS, CaseEditor
from ui.case_list import CaseListPage
from ui.case_window import CaseWindow

GOOD_VIN = "LSVAU2180N2183294"  # a real-looking VIN whose check digit is off: warns only


def _idle(session) -> None:
    """Let the worker finish what was queued and its callbacks run (no sleeping)."""
    assert session.taskman.wait_idle()


def _editor(qtbot, session, case_id=None) -> CaseEditor:
    ed = CaseEditor(session, case_id)
    qtbot.addWidget(ed)
    ed.resize(1100, 800)
    ed.show()
    qtbot.waitExposed(ed)
    qtbot.waitUntil(ed.isEnabled)
    with qtbot.waitActive(ed):
        ed.activateWindow()
    qtbot.waitUntil(lambda: ed.focusWidget() is not None)  # shortcuts need the focus inside
    return ed


def type_text(qtbot, widget, text: str) -> None:
    """Type like a person: ASCII as key presses, Chinese as an input method commits it
    (QTest cannot press keys for characters outside ASCII)."""
    chunk = ""
    for ch in text + "\0":
        if ch.isascii() and ch != "\0":
            if chunk:
                ev = QInputMethodEvent()
                ev.setCommitString(chunk)
                QApplication.sendEvent(widget, ev)
                chunk = ""
            qtbot.keyClicks(widget, ch)
        elif ch != "\0":
            chunk += ch
    if chunk:
        ev = QInputMethodEvent()
        ev.setCommitString(chunk)
        QApplication.sendEvent(widget, ev)


def _type(qtbot, ed: CaseEditor, name: str, text: str) -> None:
    target = ed.editors[name].focus_target()
    target.setFocus()
    if hasattr(target, "selectAll"):
        target.selectAll()
        qtbot.keyClick(target, Qt.Key.Key_Delete)
    type_text(qtbot, target, text)


def _ctrl_s(qtbot, ed: CaseEditor) -> None:
    qtbot.keyClick(ed.focusWidget() or ed, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def _fill_minimum(qtbot, ed: CaseEditor, content="客户反映保养后发动机异响,要求免费检修") -> None:
    _type(qtbot, ed, "customer_name", "王建国")
    _type(qtbot, ed, "phone", "13812345678")
    _type(qtbot, ed, "content", content)


def _all_ids() -> list[int]:
    return cases.case_ids(CaseFilter())


def test_create_through_editor_then_search_finds_it(qtbot, session):
    told: list[OpChanges] = []
    session.changed.connect(told.append)
    ed = _editor(qtbot, session)
    assert ed.title() == "新投诉单"
    _fill_minimum(qtbot, ed, content="变速箱顿挫明显,四次返修未果")
    _type(qtbot, ed, "car_model", "帕萨特")
    assert ed.is_dirty() and ed.title().endswith("*")
    with qtbot.waitSignal(ed.saved) as blocker:
        _ctrl_s(qtbot, ed)
    case_id = blocker.args[0]
    assert case_id in cases.search("箱顿挫")  # a 3-character piece of the complaint text
    got = cases.get_case(case_id)
    assert got["customer_name"] == "王建国" and got["car_model"] == "帕萨特"
    assert got["number"] == "SH01-202611-0001"
    assert ed.title() == "SH01-202611-0001" and not ed.is_dirty()
    assert any("cases" in c for c in told)  # the save said so, with no call to say it
    # Saved again with a change: update with the loaded revision.
    _type(qtbot, ed, "repair_team", "机电一组")
    with qtbot.waitSignal(ed.saved):
        _ctrl_s(qtbot, ed)
    assert cases.get_case(case_id)["repair_team"] == "机电一组"
    assert cases.get_case(case_id)["revision"] == 2


def test_case_list_search_box_finds_the_new_case(qtbot, session):
    mod = pytest.importorskip("ui.case_list")
    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed, content="天窗漏水导致座椅受潮")
    with qtbot.waitSignal(ed.saved) as blocker:
        _ctrl_s(qtbot, ed)
    page = mod.CaseListPage(session)
    qtbot.addWidget(page)
    _idle(session)
    type_text(qtbot, page.search_edit, "窗漏水")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.case_id(0) == blocker.args[0]


def test_a_mobile_typed_in_groups_is_saved_and_found_as_its_digits(qtbot, session):
    """A clerk types the number as the caller reads it out (139 8765 4321): it is saved as
    13987654321, and the list finds it whether the search is typed in groups or not."""
    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed)
    _type(qtbot, ed, "phone", "139 8765 4321")
    with qtbot.waitSignal(ed.saved) as blocker:
        _ctrl_s(qtbot, ed)
    assert cases.get_case(blocker.args[0])["phone"] == "13987654321"
    page = CaseListPage(session)
    qtbot.addWidget(page)
    _idle(session)
    for typed in ("139 8765 4321", "13987654321"):
        page.search_edit.clear()
        type_text(qtbot, page.search_edit, typed)
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1)
        assert page.model.case_id(0) == blocker.args[0]


def test_bad_vin_is_refused_naming_the_field_and_nothing_saved(qtbot, session):
    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed)
    _type(qtbot, ed, "vin", "lsvau2i80o21832q")  # 16 characters with I, O and Q
    vin = ed.editors["vin"]
    assert vin.focus_target().text() == "LSVAU2I80O21832Q"
    assert vin.count.text() == "16/17"
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
    assert "车架号/VIN" in ed.banner_text() and "17 位" in ed.banner_text()
    assert "17 位" in (vin.problem() or "")
    assert ed.focusWidget() is vin.focus_target()
    assert _all_ids() == []
    # 17 characters but with I/O/Q: still refused, naming the letters.
    _type(qtbot, ed, "vin", "LSVAU2I80O218329Q")
    _ctrl_s(qtbot, ed)
    assert "车架号/VIN" in ed.banner_text() and "I、O、Q" in ed.banner_text()
    assert _all_ids() == []
    assert ed.is_dirty()  # nothing typed is lost


def test_wrong_check_digit_warns_but_saves(qtbot, session):
    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed)
    _type(qtbot, ed, "vin", GOOD_VIN)
    with qtbot.waitSignal(ed.saved) as blocker:
        _ctrl_s(qtbot, ed)
    assert cases.get_case(blocker.args[0])["vin"] == GOOD_VIN
    assert "校验码" in ed.banner_text() and "已保存" in ed.banner_text()
    assert ed.banner.property("kind") == "warning"
    assert "校验码" in (ed.editors["vin"].problem() or "")
    # issue 17 §5: the warning goes with the next change of the box
    _type(qtbot, ed, "vin", "LSVAM4187C2184847")
    assert ed.editors["vin"].problem() is None


def test_required_fields_are_named(qtbot, session):
    ed = _editor(qtbot, session)
    _type(qtbot, ed, "received_at", "")
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
    text = ed.banner_text()
    for name in ("customer_name", "content", "received_at"):
        assert f"“{FIELDS_BY_NAME[name].label}”必须填写" in text
        assert ed.editors[name].problem()
    assert "编号" not in text  # a new case is numbered when saved
    # The first bad field in the editor's order gets the focus.
    first = next(n for n in ed.editors if ed.editors[n].problem())
    assert ed.focusWidget() is ed.editors[first].focus_target()
    assert _all_ids() == []


def test_unreadable_date_is_named(qtbot, session):
    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed)
    _type(qtbot, ed, "purchase_date", "2026-02-30")
    _ctrl_s(qtbot, ed)
    assert "购车/维修时间" in ed.banner_text() and "2026-02-30" in ed.banner_text()
    assert _all_ids() == []


@pytest.mark.parametrize(
    "answer,closes,saves",
    [
        (QMessageBox.StandardButton.Cancel, False, False),
        (QMessageBox.StandardButton.Discard, True, False),
        (QMessageBox.StandardButton.Save, True, True),
    ],
)
def test_esc_with_edits_asks(qtbot, session, monkeypatch, answer, closes, saves):
    asked = []

    def fake_exec(box):
        asked.append(box.text())
        return answer

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    ed = _editor(qtbot, session)
    closed = []
    ed.close_requested.connect(lambda: closed.append(True))
    qtbot.keyClick(ed.focusWidget() or ed, Qt.Key.Key_Escape)
    assert asked == [] and closed == [True]  # nothing typed: closes without asking
    closed.clear()
    _fill_minimum(qtbot, ed)
    qtbot.keyClick(ed.focusWidget(), Qt.Key.Key_Escape)
    _idle(session)
    assert len(asked) == 1 and "未保存" in asked[0]
    assert bool(closed) is closes
    assert bool(_all_ids()) is saves
    if not closes:
        assert ed.is_dirty() and ed.editors["customer_name"].value() == "王建国"


def test_case_window_close_asks_and_cancel_keeps_it(qtbot, session, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Cancel)
    win = CaseWindow(session, None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.editor.isEnabled)
    _fill_minimum(qtbot, win.editor)
    assert win.windowTitle().startswith("新投诉单 *")
    assert win.close() is False and win.isVisible()
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Discard)
    assert win.close() is True


def test_stale_record_keeps_the_edits(qtbot, session, ctx):
    v = cases.blank_case(ctx)
    v.update(customer_name="李娜", content="销售承诺的赠品未兑现")
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)
    assert ed.title() == "SH01-202611-0001"
    assert ed.editors["number"].focus_target().isReadOnly()
    other = dataclasses.replace(ctx, actor="另一位同事")
    cases.update_case(other, case_id, {"advisor": "赵敏"})  # someone saves meanwhile
    _type(qtbot, ed, "plan", "联系客户,补送脚垫一套")
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
        _idle(session)
    assert "已被他人修改" in ed.banner_text() and "仍然保留" in ed.banner_text()
    assert ed.editors["plan"].value() == "联系客户,补送脚垫一套" and ed.is_dirty()
    assert cases.get_case(case_id)["plan"] is None


def test_loads_existing_values_and_local_times(qtbot, session, ctx):
    v = cases.blank_case(ctx)
    v.update(
        customer_name="陈静",
        content="空调异味",
        gender="女",
        mileage=12000,
        purchase_date=date(2025, 3, 8),
        media=True,
        received_at=datetime(2026, 11, 20, 1, 15, tzinfo=UTC),
    )
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)
    assert ed.editors["received_at"].focus_target().text() == "2026-11-20 09:15"
    assert ed.editors["purchase_date"].focus_target().text() == "2025-03-08"
    assert ed.editors["mileage"].value() == 12000
    assert ed.editors["gender"].value() == "女" and ed.editors["media"].value() is True
    assert not ed.is_dirty()
    assert ed.values()["received_at"] == datetime(2026, 11, 20, 9, 15, tzinfo=CHINA_TZ)


def test_field_widgets_uniform_api(qtbot):
    tz = timezone(timedelta(hours=8))
    parent = fw.QWidget()
    qtbot.addWidget(parent)
    gender = fw.make_editor(FIELDS_BY_NAME["gender"], tz, parent)
    assert gender.combo.itemText(0) == "" and gender.value() is None  # optional: empty entry
    channel = fw.make_editor(FIELDS_BY_NAME["channel"], tz, parent)
    assert channel.combo.itemText(0) != ""  # required: no empty entry
    gender.set_value("男")
    assert gender.value() == "男"
    when = fw.make_editor(FIELDS_BY_NAME["received_at"], tz, parent)
    when.set_value(datetime(2026, 11, 22, 1, 30, tzinfo=UTC))
    assert when.edit.text() == "2026-11-22 09:30"
    assert when.value() == datetime(2026, 11, 22, 9, 30, tzinfo=tz)
    when.edit.setText("2026-13-01 08:00")
    assert when.value() is None and "不是有效时间" in when.parse_problem()
    when.now_button.click()  # the session's clock, not the machine's
    assert when.value() is None or when.value().tzinfo is not None
    fixed = fw.make_editor(
        FIELDS_BY_NAME["closed_at"],
        tz,
        parent,
        now=lambda: datetime(2026, 11, 20, 2, 5, 33, tzinfo=UTC),
    )
    fixed.now_button.click()
    assert fixed.edit.text() == "2026-11-20 10:05"
    flag = fw.make_editor(FIELDS_BY_NAME["media"], tz, parent)
    flag.set_value(True)
    assert flag.value() is True
    name = fw.make_editor(FIELDS_BY_NAME["customer_name"], tz, parent)
    assert name.edit.maxLength() == 40
    seen = []
    name.edited.connect(lambda: seen.append(1))
    name.set_value("  张三 ")
    assert name.value() == "张三" and seen
    content = fw.make_editor(FIELDS_BY_NAME["content"], tz, parent)
    content.set_value("一二三")
    assert content.count.text() == "3/4000"


def test_attachments_add_open_remove(qtbot, session, ctx, tmp_path, monkeypatch):
    ed = _editor(qtbot, session)
    panel = ed.attachments
    assert not panel.add_button.isEnabled() and "先保存" in panel.hint.text()
    _fill_minimum(qtbot, ed)
    with qtbot.waitSignal(ed.saved) as blocker:
        _ctrl_s(qtbot, ed)
    case_id = blocker.args[0]
    assert panel.add_button.isEnabled() and panel.case_id == case_id

    photo = tmp_path / "车门划痕.jpg"
    photo.write_bytes(b"\xff\xd8jpeg bytes")
    with qtbot.waitSignal(panel.changed):
        panel.add_files([photo])
    _idle(session)
    assert [r["file_name"] for r in panel.rows()] == ["车门划痕.jpg"]
    assert panel.table.item(0, 0).text() == "车门划痕.jpg"
    assert att_uc.list_attachments(case_id)[0]["added_by"] == "测试员"
    # The same content again: stored once, one row, and the editor says so.
    with qtbot.waitSignal(panel.changed):
        panel.add_files([photo])
    _idle(session)
    assert len(panel.rows()) == 1 and "已附加过" in ed.banner_text()

    opened: list[Path] = []
    monkeypatch.setattr(
        QDesktopServices,
        "openUrl",
        staticmethod(lambda url: opened.append(Path(url.toLocalFile())) or True),
    )
    panel.select_row(0)
    assert panel.open_button.isEnabled()
    panel.open_selected()
    _idle(session)
    assert opened and opened[0].name == "车门划痕.jpg"
    assert opened[0].read_bytes() == photo.read_bytes()

    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No)
    )
    panel.remove_selected()
    assert len(panel.rows()) == 1  # 否: nothing removed
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    with qtbot.waitSignal(panel.changed):
        panel.remove_selected()
    _idle(session)
    assert panel.rows() == [] and att_uc.list_attachments(case_id) == []
    assert [p for p in session.paths.attachments.rglob("*") if p.is_file()] == []


def test_extra_tabs_are_lazy_and_missing_ones_say_so(qtbot, session, ctx, monkeypatch):
    monkeypatch.setattr("ui.case_editor.CASE_TABS", [*CASE_TABS, ("历史", "ui.no_such:Tab")])
    v = cases.blank_case(ctx)
    v.update(customer_name="周平", content="发票开错")
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)
    i = ed.tabs.count() - 1
    assert ed.tabs.tabText(0) == "基本信息" and ed.tabs.tabText(i) == "历史"
    assert "历史" not in ed.extra_tabs
    ed.tabs.setCurrentIndex(i)
    assert "历史" in ed.extra_tabs and ed.tabs.tabText(i) == "历史"
    new = _editor(qtbot, session)
    assert not new.tabs.isTabEnabled(new.tabs.count() - 1)  # until saved


def test_permission_refusal_is_shown_before_anything_is_typed(qtbot, session, ctx):
    """issue 17 §1: the 总经理 may not register a case; the blank case says so when it
    opens (the form cannot be typed into), not after the work at save."""
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"总经理"})))
    ed = CaseEditor(session, None)  # nothing to type into: no box takes the focus
    qtbot.addWidget(ed)
    ed.show()
    qtbot.waitUntil(lambda: ed.isEnabled() and not ed._loading)
    assert "无权登记投诉单" in ed.banner_text()
    assert not ed.form.isEnabled() and not ed.save_button.isEnabled()
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
        _idle(session)
    assert _all_ids() == []


def test_a_future_received_time_is_refused_with_its_field(qtbot, session, ctx):
    """issue 17 §4: a 接单时间 a year ahead (a slip of one digit) is refused at save,
    naming the field, and the boxes keep what was typed."""
    from datetime import timedelta

    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed)
    ed.editors["received_at"].set_value(ctx.now() + timedelta(days=365))
    ed.editors["purchase_date"].set_value((ctx.now() + timedelta(days=2)).date())
    with qtbot.assertNotEmitted(ed.saved):
        _ctrl_s(qtbot, ed)
        _idle(session)
    text = ed.banner_text()
    assert "接单时间" in text and "晚于现在" in text and "购车/维修时间" in text
    assert _all_ids() == [] and ed.is_dirty()
    ed.editors["received_at"].set_value(ctx.now() + timedelta(seconds=30))  # clock skew
    ed.editors["purchase_date"].set_value(ctx.now().date())
    with qtbot.waitSignal(ed.saved):
        _ctrl_s(qtbot, ed)


def test_files_dropped_on_the_panel_are_attached(qtbot, session, ctx, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    v = cases.blank_case(ctx)
    v.update(customer_name="周平", content="轮胎鼓包")
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)
    files = [tmp_path / "鼓包.jpg", tmp_path / "发票.pdf"]
    for i, f in enumerate(files):
        f.write_bytes(b"file %d" % i)
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(f)) for f in files] + [QUrl.fromLocalFile(str(tmp_path))])
    ev = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        md,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(ed.attachments.changed):
        ed.attachments.dropEvent(ev)
    _idle(session)
    assert ev.isAccepted()
    assert sorted(r["file_name"] for r in ed.attachments.rows()) == ["发票.pdf", "鼓包.jpg"]


def test_changes_made_elsewhere_are_shown_unless_editing(qtbot, session, ctx):
    v = cases.blank_case(ctx)
    v.update(customer_name="孙丽", content="试驾车辆有异味")
    case_id = cases.create_case(ctx, v).id
    ed = _editor(qtbot, session, case_id)
    session.run_now(lambda: cases.update_case(ctx, case_id, {"responsible": "刘强"}))
    _idle(session)
    assert ed.editors["responsible"].value() == "刘强" and ed.revision == 2
    _type(qtbot, ed, "plan", "安排深度清洁")
    session.run_now(lambda: cases.update_case(ctx, case_id, {"responsible": "赵六"}))
    _idle(session)
    assert ed.editors["plan"].value() == "安排深度清洁"  # the user's edits stay
    assert ed.editors["responsible"].value() == "刘强" and ed.is_dirty()


def test_buttons_follow_the_roles(qtbot, session, ctx, tmp_path):
    v = cases.blank_case(ctx)
    v.update(customer_name="钱多", content="发动机故障灯亮")
    case_id = cases.create_case(ctx, v).id
    att_uc.add_attachment(ctx, case_id, _write(tmp_path / "灯.jpg"), session.paths.attachments)
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    ed = _editor(qtbot, session, case_id)
    _idle(session)
    panel = ed.attachments
    panel.select_row(0)
    assert panel.add_button.isEnabled() and panel.open_button.isEnabled()
    assert not panel.remove_button.isEnabled() and "客服经理" in panel.remove_button.toolTip()


def _write(path: Path) -> Path:
    path.write_bytes(path.name.encode())
    return path


def test_ctrl_n_asks_the_main_window_for_a_new_case(qtbot, session):
    ed = _editor(qtbot, session)
    with qtbot.waitSignal(session.new_case_requested), qtbot.waitSignal(ed.new_case_requested):
        qtbot.keyClick(ed.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)


def test_esc_closes_the_case_window_when_nothing_changed(qtbot, session):
    win = CaseWindow(session, None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.editor.isEnabled)
    with qtbot.waitActive(win):
        win.activateWindow()
    qtbot.waitUntil(lambda: win.focusWidget() is not None)
    qtbot.keyClick(win.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.isVisible())


def test_settled_on_the_spot_is_asked_of_on_site_cases_and_saved(qtbot, session, ctx):
    """issue 17 §4: registration asks 当场是否解决 for an on-site case; D3 follows it."""
    ed = _editor(qtbot, session)
    _fill_minimum(qtbot, ed)
    settled = ed.editors["settled_on_site"]
    ed.editors["channel"].set_value("销售回访")
    ed._on_edited()
    assert not settled.isEnabled()
    ed.editors["channel"].set_value("现场")
    ed._on_edited()
    assert settled.isEnabled()
    settled.set_value(True)
    with qtbot.waitSignal(ed.saved) as saved:
        _ctrl_s(qtbot, ed)
    assert cases.get_case(saved.args[0])["settled_on_site"] is True
