"""设置: one tab per area (site and backups, policy, form templates, users…).

Each area brings its own widget, registered in ``SETTINGS_TABS`` and imported the first time
its tab is shown, so this page stays small and an area that is not there yet costs nothing.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from ui.error_detail import BrokenPart

log = logging.getLogger(__name__)

# (title, "module:ClassName"); constructed as Cls(session, parent).
SETTINGS_TABS: list[tuple[str, str]] = [
    ("站点与数据", "ui.settings_site:SiteDataTab"),
    ("数据库", "ui.settings_database:DatabaseTab"),
    ("表单模板", "ui.form_templates_page:FormTemplatesPage"),
    ("隐私与登录", "ui.settings_privacy:PrivacyTab"),
    ("制度参数", "ui.policy_editor:PolicyEditor"),
    ("工作日历", "ui.settings_calendar:CalendarTab"),
    ("原因分类", "ui.settings_causes:CausesTab"),
]


def tr(text: str) -> str:
    return QCoreApplication.translate("SettingsPage", text)


class SettingsPage(QWidget):
    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._specs: list[str] = []
        for title, spec in SETTINGS_TABS:
            self._specs.append(spec)
            self.tabs.addTab(QWidget(), title)
        if not SETTINGS_TABS:
            self.tabs.addTab(QLabel(tr("暂无可设置的项目。")), tr("设置"))
        self._built: set[int] = set()
        self.tabs.currentChanged.connect(self._build)
        self._build(self.tabs.currentIndex())

    def _build(self, index: int) -> None:
        """Import and construct a tab the first time it is shown."""
        if index < 0 or index >= len(self._specs) or index in self._built:
            return
        self._built.add(index)
        module_name, _, cls_name = self._specs[index].partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
            widget = cls(self.session, self)
        except Exception as e:  # a broken area must not take the whole page down
            log.exception("settings tab %s failed", self._specs[index])
            widget = BrokenPart(tr("此设置页无法打开:"), e)
        title = self.tabs.tabText(index)
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, title)
        self.tabs.setCurrentIndex(index)
        self.tabs.blockSignals(False)

    def may_close(self) -> bool:
        """Before the program closes: a tab with unsaved changes (制度参数) asks, so an
        edit is not dropped without a word. True when nothing is pending or the person
        lets it go."""
        for i in sorted(self._built):
            is_dirty = getattr(self.tabs.widget(i), "is_dirty", None)
            if not callable(is_dirty) or not is_dirty():
                continue
            answer = QMessageBox.question(
                self,
                tr("未保存的修改"),
                tr("设置 → {t} 中有未保存的修改,关闭后将丢失。仍要关闭吗?").format(
                    t=self.tabs.tabText(i)
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.tabs.setCurrentIndex(i)
                return False
        return True

    def tab_widget(self, title: str) -> QWidget | None:
        """The tab with this title, built if needed (for tests and deep links)."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == title:
                self._build(i)
                return self.tabs.widget(i)
        return None
