"""The main window: navigation on the left, the chosen page on the right.

It only delegates: pages are imported lazily from the PAGES registry (an area whose
module does not exist yet shows a placeholder), case windows come from
ui.case_window, and every refresh follows ``session.changed``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QSettings, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from complaints.usecases import auth, drafts, server_link
from complaints.usecases.changes import OpChanges
from desktop import APP_TITLE
from ui import options, window_fit
from ui.about import show_about
from ui.error_detail import BrokenPart
from ui.help import show_help
from ui.maintenance import may_quit, runner_for
from ui.page_registry import PAGE_PERMISSIONS, PAGES, RESTRICTED_PAGES, load_page, nav_icon
from ui.permits import gate, refusal
from ui.session import Session
from ui.sign_in import ChangePasswordDialog, switch_user

log = logging.getLogger(__name__)


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


KEY_ROLE = Qt.ItemDataRole.UserRole + 1
TITLE_ROLE = Qt.ItemDataRole.UserRole + 2


class MainWindow(QMainWindow):
    def __init__(
        self, session: Session, *, settings: QSettings | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.session = session
        self._settings = settings if settings is not None else session.ui_settings
        self._pages: dict[str, QWidget] = {}
        self._badge_hints: dict[str, int | None] = {}
        self._started_drafts = False  # restore_drafts runs after the first paint
        self._case_windows: dict[int, QWidget] = {}
        self._new_case_windows: list[QWidget] = []
        self.setWindowTitle(self._title())

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setUniformItemSizes(True)
        self.nav.setSpacing(2)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setFixedWidth(self.fontMetrics().horizontalAdvance("厂家跟踪 (9999)") + 64)
        self.stack = QStackedWidget()
        self._visible: list[tuple[str, str, str]] = []
        self._build_nav()
        self.nav.currentRowChanged.connect(self._show_row)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        for i in range(1, 10):  # Ctrl+1… switch pages, in navigation order
            shortcut = QShortcut(QKeySequence(f"Ctrl+{i}"), self)
            shortcut.activated.connect(lambda row=i - 1: self._select_row(row))
        self._build_menus()
        self._build_status_bar()
        self._update_actions()
        session.changed.connect(self._on_changed)
        session.user_changed.connect(self._on_user_changed)
        session.open_case_requested.connect(self.open_case)
        session.new_case_requested.connect(self.new_case)

        self.setAcceptDrops(True)  # scans of signed sheets dropped anywhere: 签字回收
        self._restore_geometry()
        start = self.start_page(self._settings)
        self.show_page(start if start in self.page_keys() else "cases")

    # --- pages -----------------------------------------------------------------------------------

    @staticmethod
    def start_page(settings: QSettings) -> str:
        """The page the window opens on: the last one shown on this PC, else 投诉台账."""
        return options.MAIN_PAGE.read(settings)

    def page_keys(self) -> list[str]:
        """The keys of the pages listed in the navigation, in order."""
        return [key for key, _t, _m in self._visible]

    def _build_nav(self) -> None:
        """List PAGES, and the restricted pages the signed-in person may see."""
        self._visible = list(PAGES) + [p for p in RESTRICTED_PAGES if self._may_see(p)]
        self.nav.blockSignals(True)
        self.nav.clear()
        for key, title, _target in self._visible:
            item = QListWidgetItem(nav_icon(key), tr(title))
            item.setData(KEY_ROLE, key)
            item.setData(TITLE_ROLE, tr(title))
            item.setSizeHint(QSize(0, self.fontMetrics().height() + 18))
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        for key in list(self._pages):  # a page the new person may not see goes away
            if key not in self.page_keys():
                page = self._pages.pop(key)
                self.stack.removeWidget(page)
                page.deleteLater()
        for key in {*self._pages, *self._badge_hints}:
            self._refresh_badge(key)

    def _may_see(self, entry: tuple[str, str, str]) -> bool:
        if self.session.site() is None:
            return False  # no site, nobody signed in
        return auth.allowed(self.session.ctx(), PAGE_PERMISSIONS[entry[0]])

    def _on_user_changed(self) -> None:
        current = self.current_page_key()
        if self._started_drafts:
            self.restore_drafts()  # the person now signed in may have left some
        self._build_nav()
        self.show_page(current if current in self.page_keys() else "cases")
        self._update_status()
        self._update_actions()

    def show_page(self, key: str) -> QWidget:
        """Switch to the page ``key`` (building it on first use) and return it."""
        row = self.page_keys().index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # calls _show_row
        else:
            self._show_row(row)
        return self._pages[key]

    def page(self, key: str) -> QWidget | None:
        """The page if it has been built."""
        return self._pages.get(key)

    def current_page_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(KEY_ROLE) if item is not None else None

    def _select_row(self, row: int) -> None:
        if 0 <= row < self.nav.count():
            self.nav.setCurrentRow(row)

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        key, title, target = self._visible[row]
        page = self._pages.get(key)
        if isinstance(page, BrokenPart):  # what failed (the server away) may work now
            self.stack.removeWidget(self._pages.pop(key))
            page.deleteLater()
            page = None
        if page is None:
            try:
                page = load_page(key, tr(title), target, self.session, self.stack)
            except Exception as e:
                log.exception("page %s failed to open", key)
                page = BrokenPart(
                    tr("{t}页面打开时出错:").format(t=tr(title)),
                    e,
                    self.stack,
                    retry=lambda: self._show_row(self.page_keys().index(key)),
                )
            self._pages[key] = page
            self.stack.addWidget(page)
            self._refresh_badge(key)
        self.stack.setCurrentWidget(page)

    def refresh_badges(self) -> None:
        for key in self._pages:
            self._refresh_badge(key)

    def set_badge_hint(self, key: str, count: int | None) -> None:
        """A count for a page not built yet (the notifier knows the 待办 count at start);
        once the page exists its own ``badge_count`` decides."""
        self._badge_hints[key] = count
        if key in self.page_keys() and (
            key not in self._pages or not callable(getattr(self._pages[key], "badge_count", None))
        ):
            self._refresh_badge(key)

    def _refresh_badge(self, key: str) -> None:
        page = self._pages.get(key)
        counter = getattr(page, "badge_count", None)
        count = self._badge_hints.get(key)
        if callable(counter):
            try:
                count = counter()
            except Exception:
                log.exception("badge_count of %s failed", key)
        if key not in self.page_keys():
            return
        item = self.nav.item(self.page_keys().index(key))
        title = item.data(TITLE_ROLE)
        item.setText(f"{title} ({count})" if count else title)

    # --- scans dropped on the window (签字回收) ---------------------------------------------------

    @staticmethod
    def dropped_scans(event: QDropEvent | QDragEnterEvent) -> list[Path]:
        from complaints.usecases import scans

        md = event.mimeData()
        if not md.hasUrls():
            return []
        files = [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()]
        return [f for f in files if f.is_dir() or scans.is_scan_file(f)]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if "scans" in self.page_keys() and self.dropped_scans(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self.dropped_scans(event)
        if files and "scans" in self.page_keys():
            event.acceptProposedAction()
            importer = getattr(self.show_page("scans"), "import_files", None)
            if callable(importer):  # not a placeholder: ui.scan_page.ScanReturnPage
                importer(files)

    # --- cases -----------------------------------------------------------------------------------

    def open_case(self, case_id: int | None) -> QWidget | None:
        """Open the case in its own window; an already open case raises its window."""
        if case_id is not None:
            window = self.case_window(case_id)
            if window is not None:
                window.showNormal()
                window.raise_()
                window.activateWindow()
                return window
        try:
            module = importlib.import_module("ui.case_window")
        except ModuleNotFoundError as e:
            if e.name != "ui.case_window":
                raise
            QMessageBox.information(self, tr("投诉单"), tr("投诉单编辑器尚未提供。"))
            return None
        opener = getattr(module, "open_case_window", None)
        if opener is not None:  # the editor's own window, reused per case
            window = opener(self.session, case_id, self)
        else:
            window = module.CaseEditor(self.session, case_id)
            window.setParent(self, Qt.WindowType.Window)  # its own top-level window
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.show()
        if case_id is not None:
            self._case_windows[case_id] = window
        elif window not in self._new_case_windows:
            self._new_case_windows.append(window)
        editor = getattr(window, "editor", window)
        saved = getattr(editor, "saved", None)
        if saved is not None:
            saved.connect(lambda cid, w=window: self._case_saved(w, cid))
        window.destroyed.connect(lambda _o=None, w=window: self._forget_window(w))
        return window

    def new_case(self) -> QWidget | None:
        """A blank case window, if the person signed in may register a case; otherwise the
        reason in the status bar (before anything is typed, not at save)."""
        why = refusal(self.session.ctx(), "case.create")
        if why:
            self.statusBar().showMessage(why, 10_000)
            return None
        return self.open_case(None)

    def _update_actions(self) -> None:
        """Menu actions the person signed in may not take: disabled, the reason as tip."""
        if self.session.site() is not None:
            gate(
                self.new_case_action,
                self.session.ctx(),
                "case.create",
                tip=tr("新建投诉单 (Ctrl+N)"),
            )

    def restore_drafts(self) -> None:
        """After a crash: reopen every case window the person signed in left with unsaved
        edits (ui.case_editor keeps them as drafts); each editor puts its boxes back."""
        self._started_drafts = True
        folder, ctx = self.session.paths.drafts, self.session.ctx()
        self.session.taskman.run(
            lambda: drafts.pending(folder, ctx),
            self._reopen_drafts,
            on_error=lambda e: log.warning("drafts: %s", e),
        )

    def _reopen_drafts(self, found: list) -> None:
        for d in found:
            if d.case_id is not None:
                self.open_case(d.case_id)  # its editor finds the draft when it loads
                continue
            window = self.open_case(None)
            editor = getattr(window, "editor", None)
            if editor is None:
                continue
            if editor.isEnabled() and not editor._loading:
                editor.restore_draft(d)
            else:
                editor.loaded.connect(lambda d=d, e=editor: e.restore_draft(d))

    def case_window(self, case_id: int) -> QWidget | None:
        w = self._case_windows.get(case_id)
        return w if w is not None and shiboken6.isValid(w) else None

    def _case_saved(self, window: QWidget, case_id: int) -> None:
        if window in self._new_case_windows:
            self._new_case_windows.remove(window)
        self._case_windows[case_id] = window

    def _forget_window(self, window: Any) -> None:
        self._case_windows = {k: w for k, w in self._case_windows.items() if w is not window}
        self._new_case_windows = [w for w in self._new_case_windows if w is not window]

    # --- menus and status bar --------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("文件(&F)"))
        self.new_case_action = QAction(tr("新建投诉(&N)"), self)
        self.new_case_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_case_action.triggered.connect(self.new_case)
        file_menu.setToolTipsVisible(True)  # a disabled action says why
        file_menu.addAction(self.new_case_action)
        file_menu.addSeparator()
        self.switch_user_action = QAction(tr("切换用户(&U)…"), self)
        self.switch_user_action.triggered.connect(self._switch_user)
        self.password_action = QAction(tr("修改密码(&P)…"), self)
        self.password_action.triggered.connect(self._change_password)
        if importlib.util.find_spec("ui.sign_in") is not None:
            file_menu.addAction(self.switch_user_action)
            file_menu.addAction(self.password_action)
            file_menu.addSeparator()
        self.quit_action = QAction(tr("退出(&Q)"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self._quit)
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu(tr("帮助(&H)"))
        # F1: help about the page in front; the manual: a clerk's whole day
        self.page_help_action = QAction(tr("本页帮助(&P)"), self)
        self.page_help_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.page_help_action.triggered.connect(self.show_page_help)
        help_menu.addAction(self.page_help_action)
        self.manual_action = QAction(tr("使用手册(&M)"), self)
        self.manual_action.triggered.connect(lambda: self._help("manual"))
        help_menu.addAction(self.manual_action)
        keys = QAction(tr("快捷键(&K)"), self)
        keys.setShortcut(QKeySequence("Ctrl+F1"))
        keys.triggered.connect(self._show_shortcuts)
        help_menu.addAction(keys)
        about = QAction(tr("关于(&A)"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def show_page_help(self) -> QWidget:
        """F1: the help page of the page shown now."""
        return self._help(self.current_page_key() or "manual")

    def _help(self, key: str) -> QWidget:
        return show_help(self, key)

    def shortcuts_text(self) -> str:
        pages = "\n".join(
            f"Ctrl+{i + 1}\t{self.nav.item(i).data(TITLE_ROLE)}"
            for i in range(min(9, self.nav.count()))
        )
        return "\n".join(
            (
                tr("Ctrl+N\t新建投诉单"),
                tr("Ctrl+F\t搜索投诉台账"),
                tr("Ctrl+S\t保存投诉单"),
                tr("Esc\t关闭投诉单(有未保存的修改时先询问)"),
                tr("Ctrl+Q\t退出"),
                tr("F1\t本页帮助"),
                tr("Ctrl+F1\t本快捷键列表"),
                "",
                tr("切换页面:"),
                pages,
            )
        )

    def _show_shortcuts(self) -> None:
        QMessageBox.information(self, tr("快捷键"), self.shortcuts_text())

    def _build_status_bar(self) -> None:
        self.site_label = QLabel()
        self.user_label = QLabel()
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database_label = QLabel()  # 本机, or the office server in use
        bar = self.statusBar()
        bar.addWidget(self.site_label)
        bar.addWidget(self.user_label)
        bar.addPermanentWidget(self.database_label)
        bar.addPermanentWidget(self.folder_label)
        self._update_status()

    def _update_status(self) -> None:
        info = self.session.site()
        self.site_label.setText(
            tr("站点:{code} {name}").format(code=info.code, name=info.name)
            if info
            else tr("站点:未设置")
        )
        try:
            actor = self.session.ctx().actor
        except Exception:
            actor = "—"
        self.user_label.setText(tr("操作人:{name}").format(name=actor))
        self.folder_label.setText(tr("数据文件夹:{path}").format(path=self.session.paths.root))
        self.database_label.setText(
            tr("数据库:{where}").format(where=server_link.database_in_use())
        )
        self.setWindowTitle(self._title())

    def _title(self) -> str:
        info = self.session.site()
        title = f"{tr(APP_TITLE)} — {info.code} {info.name}" if info else tr(APP_TITLE)
        if server_link.on_office_server():  # every seat sees which server it works on
            title += f" [{server_link.database_in_use()}]"
        return title

    def _on_changed(self, changes: OpChanges) -> None:
        if "settings" in changes:
            self._update_status()
        self.refresh_badges()

    def _switch_user(self) -> None:
        switch_user(self.session, self)

    def _change_password(self) -> None:
        ctx = self.session.ctx()
        if ctx.user_id is None:
            QMessageBox.information(self, tr("修改密码"), tr("当前没有登录的账号。"))
            return
        ChangePasswordDialog(self.session, ctx, self).exec()

    def _about(self) -> None:
        show_about(self, self.session)

    def _quit(self) -> None:
        if self.close():  # an editor with unsaved edits may refuse
            app = QApplication.instance()
            if app is not None:
                app.quit()

    # --- geometry --------------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        """The size and place this window had on this screen, or most of the screen. Each
        screen keeps its own: Qt puts a size kept on a 1366x768 laptop back on a 1920x1080
        screen as a 758x393 window."""
        window_fit.remember(self, "main", self._settings)
        if window_fit.restore(self):
            return
        # first start on this screen: most of it, so the 台账 shows its columns
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None and screen.width() > 1000:
            self.resize(
                min(int(screen.width() * 0.9), 1700), min(int(screen.height() * 0.88), 1000)
            )
        else:
            self.resize(1360, 820)

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in list(self._case_windows.values()) + list(self._new_case_windows):
            if shiboken6.isValid(window) and not window.close():
                event.ignore()  # an editor with unsaved edits said no
                return
        for page_key, page in self._pages.items():
            may_close = getattr(page, "may_close", None)  # a page with unsaved edits asks
            if callable(may_close) and not may_close():
                self.show_page(page_key)
                event.ignore()
                return
        if not may_quit(self, runner_for(self.session)):  # a backup nothing else would write
            event.ignore()
            return
        window_fit.save(self)
        for page in self._pages.values():
            save = getattr(page, "save_state", None)
            if callable(save):
                save(self._settings)
        key = self.current_page_key()
        if key:
            options.MAIN_PAGE.write(self._settings, key)
        self._settings.sync()
        super().closeEvent(event)

    def set_window_icon(self, icon: QIcon) -> None:
        self.setWindowIcon(icon)
