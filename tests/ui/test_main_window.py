"""The main window, the first start, the font check and ``--smoke``."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from complaints.usecases import cases
from complaints.usecases.changes import OpChanges
from ui import fonts, main_window
from ui.first_run import FirstRunDialog
from ui.main_window import MainWindow
from ui.page_registry import PAGES
from ui.placeholder import PlaceholderPage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, session, qsettings):
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    session.taskman.wait_idle()


def test_every_navigation_item_shows_a_page(qtbot, window):
    titles = ["待办", "投诉台账", "厂家跟踪", "奖惩", "统计", "数据交换", "设置"]
    texts = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert all(text.startswith(t) for text, t in zip(texts, titles, strict=False))
    assert len(texts) >= len(titles)
    for row, (key, _title, _target) in enumerate(PAGES):
        window.nav.setCurrentRow(row)
        page = window.page(key)
        assert isinstance(page, QWidget)
        assert getattr(page, "error", None) is None, f"{key}: {page.error!r}"
        assert window.stack.currentWidget() is page
    window.session.taskman.wait_idle()


def test_missing_module_gives_placeholder(monkeypatch, qtbot, session, qsettings):
    monkeypatch.setattr(
        main_window,
        "PAGES",
        [
            ("cases", "投诉台账", "ui.case_list:CaseListPage"),
            ("later", "以后", "ui.not_written_yet:LaterPage"),
        ],
    )
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    page = w.show_page("later")
    assert isinstance(page, PlaceholderPage) and page.error is None
    session.taskman.wait_idle()


def test_badge_follows_changed(monkeypatch, qtbot, session, qsettings):
    counts = {"n": 3}

    class CountingPage(QWidget):
        def __init__(self, session, parent=None):
            super().__init__(parent)

        def badge_count(self):
            return counts["n"]

    module = types.ModuleType("ui_test_badge_page")
    module.CountingPage = CountingPage
    monkeypatch.setitem(sys.modules, "ui_test_badge_page", module)
    monkeypatch.setattr(
        main_window,
        "PAGES",
        [
            ("todo", "待办", "ui_test_badge_page:CountingPage"),
            ("cases", "投诉台账", "ui.case_list:CaseListPage"),
        ],
    )
    monkeypatch.setattr(qsettings, "value", lambda key, default=None: default)
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    w.show_page("todo")
    assert w.nav.item(0).text() == "待办 (3)"
    counts["n"] = 0
    session.changed.emit(OpChanges.of("cases"))
    assert w.nav.item(0).text() == "待办"
    session.taskman.wait_idle()


def test_status_bar_names_site_person_and_folder(window, session):
    assert "SH01" in window.site_label.text() and "上海浦东店" in window.site_label.text()
    assert "测试员" in window.user_label.text()
    assert str(session.paths.root) in window.folder_label.text()
    assert "SH01" in window.windowTitle()


def test_ctrl_n_and_open_case_windows(qtbot, window, session, ctx):
    r = cases.create_case(
        ctx, {**cases.blank_case(ctx), "customer_name": "张伟", "content": "天窗漏水"}
    )
    first = window.open_case(r.id)
    assert first is not None
    qtbot.addWidget(first)
    assert window.open_case(r.id) is first  # one window per case
    session.open_case_requested.emit(r.id)
    assert window.case_window(r.id) is first
    assert window.new_case_action.shortcut().toString() == "Ctrl+N"
    window.new_case_action.trigger()
    assert len(window._new_case_windows) == 1
    session.taskman.wait_idle()
    for w in [first, *window._new_case_windows]:
        w.close()


def test_geometry_remembered(qtbot, session, qsettings):
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    w.resize(700, 500)  # within the offscreen screen (800×600)
    w.show()
    qtbot.waitExposed(w)
    w.show_page("oem")
    size = w.size()
    w.close()
    session.taskman.wait_idle()
    again = MainWindow(session, settings=qsettings)
    qtbot.addWidget(again)
    from ui import window_fit

    assert not qsettings.value(f"windows/main/{window_fit._screen_key(again)}").isEmpty()
    assert again.current_page_key() == "oem"
    if size.width() <= again.screen().availableGeometry().width():
        assert again.size() == size
    session.taskman.wait_idle()


def test_quit_shortcut(window):
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"


def test_first_run_validates_site_code(qtbot):
    d = FirstRunDialog(demo_available=False)
    qtbot.addWidget(d)
    d.code_edit.setText("sh 1")
    d.name_edit.setText("上海浦东店")
    d.accept()
    assert d.result() == 0 and "SH01" in d.error_label.text()
    assert not d.demo_check.isEnabled() and not d.wants_demo()
    d.code_edit.setText("sh01")
    d.accept()
    assert d.result() == 1 and d.site_code() == "SH01" and d.site_name() == "上海浦东店"


def test_first_run_offers_demo_when_available(qtbot):
    d = FirstRunDialog(demo_available=True)
    qtbot.addWidget(d)
    d.demo_check.setChecked(True)
    assert d.wants_demo() and d.demo_cases() > 0


def test_missing_cjk_font_says_what_to_install(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(fonts, "has_cjk_font", lambda: False)
    assert fonts.check_cjk_font(shown.append) is False
    assert "sudo apt install fonts-noto-cjk" in capsys.readouterr().err
    assert len(shown) == 1
    monkeypatch.setattr(fonts, "has_cjk_font", lambda: True)
    assert fonts.check_cjk_font(shown.append) is True and len(shown) == 1


def _run_desktop(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_smoke_paints_and_exits_zero(tmp_path):
    r = _run_desktop("--data-dir", str(tmp_path / "data"), "--smoke")
    assert r.returncode == 0, r.stderr


def test_not_a_database_exits_two_with_message(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "complaintdesk.sqlite3").write_bytes(b"not a database at all" * 100)
    r = _run_desktop("--data-dir", str(data), "--smoke")
    assert r.returncode == 2
    assert "不是客诉管理台的数据库" in r.stderr


def test_restricted_pages_follow_the_signed_in_person(qtbot, session, qsettings, ctx):
    import dataclasses

    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    assert "users" not in w.page_keys() and "audit" not in w.page_keys()
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"管理员"})))
    assert "users" in w.page_keys() and "audit" in w.page_keys()
    w.show_page("users")
    session.set_user(dataclasses.replace(ctx, roles=frozenset({"客服专员"})))
    assert w.current_page_key() == "cases" and w.page("users") is None
    session.taskman.wait_idle()


def test_restricted_pages_follow_their_permission_for_every_role(qtbot, session, qsettings, ctx):
    """The navigation decides from PAGE_PERMISSIONS, without importing the pages (the start
    does not pay for them); each page's own check agrees."""
    import dataclasses
    import sys

    from complaints.rules.permissions import ROLES
    from complaints.usecases import auth
    from ui.page_registry import PAGE_PERMISSIONS, RESTRICTED_PAGES

    assert {k for k, _t, _m in RESTRICTED_PAGES} == set(PAGE_PERMISSIONS)
    saved = {m: sys.modules.pop(m, None) for m in ("ui.users_page", "ui.audit_page")}
    try:
        w = MainWindow(session, settings=qsettings)
        qtbot.addWidget(w)
        assert "ui.users_page" not in sys.modules and "ui.audit_page" not in sys.modules
    finally:
        sys.modules.update({m: mod for m, mod in saved.items() if mod is not None})
    for role in ROLES:
        person = dataclasses.replace(ctx, roles=frozenset({role}))
        session.set_user(person)
        for key, perm in PAGE_PERMISSIONS.items():
            assert (key in w.page_keys()) == auth.allowed(person, perm), (role, key)
    session.taskman.wait_idle()


def test_column_widths_and_sort_remembered(qtbot, session, qsettings, ctx):
    w = MainWindow(session, settings=qsettings)
    qtbot.addWidget(w)
    page = w.show_page("cases")
    session.taskman.wait_idle()
    header = page.view.horizontalHeader()
    header.resizeSection(0, 222)
    header.setSortIndicator(page.model.columns.index("customer_name"), Qt.SortOrder.AscendingOrder)
    session.taskman.wait_idle()
    w.close()
    again = MainWindow(session, settings=qsettings)
    qtbot.addWidget(again)
    page2 = again.show_page("cases")
    session.taskman.wait_idle()
    assert page2.view.horizontalHeader().sectionSize(0) == 222
    assert page2.model.sort_key.column == "customer_name"
    assert not page2.model.sort_key.descending


def test_ctrl_digit_switches_pages(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_key() == "oem"


def test_the_shortcut_list_names_every_page_key(window):
    text = window.shortcuts_text()
    assert "Ctrl+N" in text and "Ctrl+S" in text and "Esc" in text
    for i in range(min(9, window.nav.count())):
        title = window.nav.item(i).text().split(" (")[0]
        assert f"Ctrl+{i + 1}\t{title}" in text


def test_the_chinese_font_comes_first_on_linux(qapp, monkeypatch):
    """Chinese text needs no per-string fallback lookup: an installed CJK sans-serif family
    leads the application's font (Linux); with none installed the font is left alone."""
    from ui import fonts

    monkeypatch.setattr(fonts.sys, "platform", "linux")
    before = qapp.font()
    try:
        assert (
            fonts.prefer_cjk_font(qapp, ["DejaVu Sans", "WenQuanYi Micro Hei"])
            == "WenQuanYi Micro Hei"
        )
        assert qapp.font().families()[0] == "WenQuanYi Micro Hei"
        qapp.setFont(before)
        assert fonts.prefer_cjk_font(qapp, ["DejaVu Sans"]) is None
        assert qapp.font() == before
    finally:
        qapp.setFont(before)


def test_windows_keeps_its_system_font(qapp, monkeypatch):
    from ui import fonts

    monkeypatch.setattr(fonts.sys, "platform", "win32")
    before = qapp.font()
    assert fonts.prefer_cjk_font(qapp) is None
    assert qapp.font() == before


def test_f1_opens_the_help_of_the_page_shown_and_the_manual(qtbot, window):
    """issue 17 §6: F1 on any page opens its short help page (bundled, offline); 帮助 →
    使用手册 opens the guide to a clerk's day."""
    from ui.help import HELP_DIR, open_help

    assert window.page_help_action.shortcut().toString() == "F1"
    for key in window.page_keys():
        assert (HELP_DIR / f"{key}.html").is_file(), key
        window.show_page(key)
        helper = window.show_page_help()
        qtbot.addWidget(helper)
        title = window.nav.item(window.page_keys().index(key)).data(Qt.ItemDataRole.UserRole + 2)
        assert helper.text().startswith(title), (key, helper.text()[:20])
    window.manual_action.trigger()
    manual = open_help(window, "manual")
    assert manual is not None
    text = manual.text()
    for step in ("登记", "派单", "联系客户", "处理", "回访", "关单", "打印", "导出"):
        assert step in text
