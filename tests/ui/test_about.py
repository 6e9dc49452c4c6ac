"""帮助 → 关于: version, data folder, licences with Qt's LGPL notice."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from desktop import __version__
from desktop.paths import DataPaths
from ui.about import AboutDialog, read_licences, show_about


def test_about_shows_version_folder_and_lgpl(qtbot, tmp_path):
    dlg = AboutDialog(DataPaths(tmp_path / "我的数据"))
    qtbot.addWidget(dlg)
    assert "客诉管理台" in dlg.title_label.text() and "ComplaintDesk" in dlg.title_label.text()
    assert __version__ in dlg.title_label.text()
    assert qVersion() in dlg.version_label.text()
    assert PySide6.__version__ in dlg.version_label.text()
    assert dlg.folder_edit.text() == str(tmp_path / "我的数据")
    text = dlg.licences.toPlainText()
    assert "LGPL" in text and "Qt" in text and "peewee" in text
    assert "Qt and the LGPL" in text
    dlg.copy_button.click()
    assert QGuiApplication.clipboard().text() == str(tmp_path / "我的数据")


def test_licences_come_from_the_package_resource():
    assert read_licences().startswith("# 第三方组件许可")


def test_show_about_from_a_session_and_about_qt(qtbot, session, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "aboutQt", staticmethod(lambda *a: asked.append(a)))
    dlg = show_about(None, session)  # deleted on close: not handed to qtbot
    assert dlg.isVisible()
    assert dlg.folder_edit.text() == str(session.paths.root)
    dlg.about_qt_button.click()
    assert len(asked) == 1
    with qtbot.waitSignal(dlg.destroyed):
        dlg.close_button.click()
