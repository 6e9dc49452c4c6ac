"""设置 → 制度参数: every field, defaults, problems, save, restore defaults, permission."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QMessageBox

from complaints.rules.policy import POLICY_FIELDS, Policy
from complaints.usecases import policy as policy_uc
from tests.ui.helpers import idle
from ui import policy_editor
from ui.policy_editor import PolicyEditor
from ui.settings_page import SETTINGS_TABS, SettingsPage


def make(qtbot, session) -> PolicyEditor:
    ed = PolicyEditor(session)
    qtbot.addWidget(ed)
    ed.resize(1000, 800)
    ed.show()
    qtbot.waitUntil(lambda: ed.loaded is not None)
    idle(session)
    return ed


def test_every_field_with_its_default(qtbot, session):
    ed = make(qtbot, session)
    assert set(ed.editors) == {f.name for f in POLICY_FIELDS}
    assert ed.policy() == Policy()
    assert ed.editors["d1_hours"].value() == 2
    assert ed.editors["d1_hours"].suffix() == " 小时"
    assert policy_uc.CHANGE_EFFECT in ed.effect_label.text()
    assert not ed.save_button.isEnabled()  # nothing changed yet
    assert ed.may_edit


def test_save_a_change(qtbot, session, ctx):
    ed = make(qtbot, session)
    ed.editors["d1_hours"].setValue(3)
    ed.editors["at_risk_fraction"].setValue(0.3)
    assert ed.save_button.isEnabled()
    with qtbot.waitSignal(session.changed, check_params_cb=lambda c: "settings" in c):
        ed.save_button.click()
    idle(session)
    p = policy_uc.load()
    assert p.d1_hours == 3 and p.at_risk_fraction == pytest.approx(0.3)
    assert ed.loaded == p and "已保存" in ed.message.text()
    assert not ed.save_button.isEnabled()
    assert policy_uc.history()[-1].by == ctx.actor


def test_a_servers_refusal_shows_its_words_until_the_next_save(qtbot, session, monkeypatch):
    """A save the server refused says it in Chinese, its words behind 详细信息; the save that
    then succeeds takes the stale detail away."""
    from tests.ui.test_error_detail import server_refusal

    ed = make(qtbot, session)
    ed.editors["d1_hours"].setValue(3)

    def refused(*_a, **_k):
        raise server_refusal()

    monkeypatch.setattr(policy_uc, "save", refused)
    ed.save_button.click()
    qtbot.waitUntil(lambda: "无法保存" in ed.message.text())
    assert ed.message_detail.detail().startswith("SQLSTATE 42501:")
    monkeypatch.undo()
    ed.save_button.click()
    qtbot.waitUntil(lambda: "已保存" in ed.message.text())
    assert ed.message_detail.detail() == ""


def test_problems_block_saving(qtbot, session):
    ed = make(qtbot, session)
    ed.editors["d4_cutoff"].setText("25:00")
    ed.editors["d4_cutoff"].textEdited.emit("25:00")
    assert ed.problems.isVisible() and "D4" in ed.problems.text()
    assert not ed.save_button.isEnabled()
    ed.editors["d4_cutoff"].setText("22:00")
    ed.editors["d4_cutoff"].textEdited.emit("22:00")
    ed.editors["d2_hours"].setValue(0)
    assert "必须大于 0" in ed.problems.text()
    ed.save()
    idle(session)
    assert policy_uc.history() == []


def test_routing_rows_and_channels(qtbot, session):
    ed = make(qtbot, session)
    assert ed.routing_table.rowCount() == len(Policy().routing)
    ed._add_route()
    assert "R1" in ed.problems.text()  # an empty row is incomplete
    t = ed.routing_table
    for c, v in enumerate(("售后", "钣喷", "钣喷车间")):
        t.item(t.rowCount() - 1, c).setText(v)
    ed.channel_boxes["其他"].setChecked(False)
    assert not ed.problems.isVisible()
    ed.save()
    idle(session)
    p = policy_uc.load()
    assert p.routing[-1] == ("售后", "钣喷", "钣喷车间")
    assert "其他" not in p.onsite_channels


def test_restore_defaults_asks_first(qtbot, session, ctx, monkeypatch):
    policy_uc.save(ctx, Policy().with_(d1_hours=5))
    ed = make(qtbot, session)
    assert ed.editors["d1_hours"].value() == 5
    monkeypatch.setattr(
        policy_editor.QMessageBox,
        "question",
        staticmethod(lambda *a, **k: QMessageBox.StandardButton.No),
    )
    ed.restore_defaults()
    idle(session)
    assert policy_uc.load().d1_hours == 5
    monkeypatch.setattr(
        policy_editor.QMessageBox,
        "question",
        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes),
    )
    ed.restore_defaults()
    idle(session)
    assert policy_uc.load() == Policy()
    assert ed.editors["d1_hours"].value() == 2
    assert len(policy_uc.history()) == 2


def test_read_only_without_permission(qtbot, session, ctx):
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    ed = make(qtbot, session)
    assert not ed.may_edit
    assert not ed.editors["d1_hours"].isEnabled()
    assert not ed.defaults_button.isEnabled()
    # the refusal names the roles that may (issue 17 §1): not the 管理员
    assert (
        "无权修改制度参数(时限、奖惩金额):需要客服经理 或 总经理(您的角色:客服专员)"
        in ed.version_label.text()
    )


def test_registered_in_settings(qtbot, session):
    assert ("制度参数", "ui.policy_editor:PolicyEditor") in SETTINGS_TABS
    page = SettingsPage(session)
    qtbot.addWidget(page)
    assert isinstance(page.tab_widget("制度参数"), PolicyEditor)
    idle(session)


def test_clock_per_rule_and_office_hours(qtbot, session):
    """Issue 20 §2: each rule's 计时方式 is chosen from 自然时间/工作时间, with office hours."""
    ed = make(qtbot, session)
    combo = ed.editors["d1_clock"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["自然时间", "工作时间"]
    assert combo.currentText() == "自然时间"
    combo.setCurrentIndex(combo.findData("office"))
    ed.editors["office_hours"].setText("mon-fri 8:30")
    ed.editors["office_hours"].textEdited.emit("mon-fri 8:30")
    assert "办公时间" in ed.problems.text() and not ed.save_button.isEnabled()
    ed.editors["office_hours"].setText("mon-fri 09:00-18:00")
    ed.editors["office_hours"].textEdited.emit("mon-fri 09:00-18:00")
    assert ed.save_button.isEnabled()
    with qtbot.waitSignal(session.changed, check_params_cb=lambda c: "settings" in c):
        ed.save_button.click()
    idle(session)
    p = policy_uc.load()
    assert p.d1_clock == "office" and p.d2_clock == "calendar"
    assert p.office_hours == "mon-fri 09:00-18:00"


@pytest.mark.parametrize(
    "width",
    [
        1366 - 2 * 8,  # the commonest office laptop, the window as wide as it goes
        1280 - 2 * 8,  # 1920x1080 at Windows' 150 %
        1100,  # a window left narrower than the screen
    ],
)
def test_the_page_fits_the_offices_screens_without_scrolling_sideways(
    qtbot, session, qsettings, width
):
    """In the main window as the office's screens leave it (Windows' 8 px borders; on a 768 px
    high screen its 31 px title bar and 40 px task bar leave 689 px), 设置 → 制度参数 scrolls
    down, never sideways: the seven channel check boxes wrap into rows and a long default
    wraps."""
    from PySide6.QtWidgets import QScrollArea

    from ui.main_window import MainWindow

    window = MainWindow(session, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(width, 768 - 40 - 31 - 8)  # after the show, which fits the window
    page = window.show_page("settings")
    ed = page.tab_widget("制度参数")
    assert isinstance(ed, PolicyEditor)
    qtbot.waitUntil(lambda: ed.loaded is not None)
    idle(session)
    (scroll,) = ed.findChildren(QScrollArea)
    # laid out at the new width: the rows as wide as the scroll area shows them, not wider
    qtbot.waitUntil(lambda: scroll.widget().width() == scroll.viewport().width())
    assert window.width() == width
    assert not scroll.horizontalScrollBar().isVisible()
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
    boxes = list(ed.channel_boxes.values())
    assert len({b.y() for b in boxes}) == 2  # two rows of check boxes
    session.taskman.wait_idle()


def test_closing_the_program_with_an_unsaved_policy_change_asks(
    qtbot, session, qsettings, monkeypatch
):
    """A limit changed and not saved was dropped without a word when the program closed."""
    from ui.main_window import MainWindow

    window = MainWindow(session, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("settings")
    assert isinstance(page, SettingsPage)
    ed = page.tab_widget("制度参数")
    assert isinstance(ed, PolicyEditor)
    qtbot.waitUntil(lambda: ed.loaded is not None)
    idle(session)
    ed.editors["d1_hours"].setValue(3)
    window.show_page("cases")
    asked = []

    def answer(_parent, _title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer))
    assert not window.close()
    assert "制度参数" in asked[0] and "未保存" in asked[0]
    assert window.isVisible() and window.current_page_key() == "settings"
    assert page.tabs.currentWidget() is ed and ed.editors["d1_hours"].value() == 3
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    assert window.close()
    idle(session)
