"""Qt's own file dialog speaks Chinese (issue 17 §5): qtbase_zh_CN plus the two labels its
catalogue lacks (desktop.qt_setup.QT_GAPS)."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton

from desktop.qt_setup import install_qt_translations

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_file_dialog_has_no_english_label_left(qtbot):
    app = QApplication.instance()
    installed = install_qt_translations(app)
    try:
        dialog = QFileDialog(None, "导出台账", "", "Excel 文件 (*.xlsx)")
        qtbot.addWidget(dialog)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        labels = [w.text() for w in dialog.findChildren(QLabel) if w.text()]
        buttons = [w.text() for w in dialog.findChildren(QPushButton) if w.text()]
        assert len(labels) >= 2  # 查找范围 and 文件类型: the two qtbase lacks
        assert [t for t in labels + buttons if not CJK.search(t)] == []
        # every other text still finds its own translation (or stays as written)
        assert QCoreApplication.translate("QFileDialog", "Back") == "后退"
        assert QCoreApplication.translate("ui", "登录名") == "登录名"
        assert QCoreApplication.translate("ui", "Cancel") == "Cancel"
    finally:
        for t in installed:
            app.removeTranslator(t)
