"""Editing one case: ``CaseEditor(session, case_id)`` loads the case (or a blank one) on the
worker thread, checks it with the pure rules before saving (problems shown under the box and
in a message naming the box by its label), saves through the use cases with the revision it
loaded (StaleRecord keeps the user's edits), and asks before dropping unsaved edits.

One job, from loading to closing, over 500 lines with the messages it says; the rest is
beside it: the boxes (ui.case_form), the draft kept against a crash (ui.case_draft), the
window (ui.case_window). Extra tabs (workflow, printing, history…) register in
``CASE_TABS`` and are imported the first time they are shown.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from complaints.rules.policy import Policy
from complaints.rules.validation import Problem
from complaints.usecases import cases, causes, drafts, site
from complaints.usecases.changes import OpChanges
from complaints.usecases.errors import StaleRecord, ValidationFailed
from ui.case_draft import CaseDraft, Unsaved
from ui.case_form import CaseForm, field_label
from ui.case_tab import CaseTab
from ui.error_detail import BrokenPart, ErrorDetail, said
from ui.field_widgets import FieldEditor, TextEditor
from ui.help import show_help
from ui.permits import refusal
from ui.session import Session

log = logging.getLogger(__name__)

# Extra tabs of the case window: (title, "module:ClassName"), constructed as
# Cls(session, case_id, parent) with a reload() method, imported when first shown.
CASE_TABS: list[tuple[str, str]] = [
    ("跟踪与时限", "ui.case_workflow:CaseWorkflowTab"),
    ("打印", "ui.print_preview:PrintedFormsTab"),
    ("奖惩", "ui.case_sanctions_tab:CaseSanctionsTab"),
    ("历史", "ui.history_tab:HistoryTab"),
]

# Fields shown but not typed into: they change through the actions of the 跟踪与时限 tab.
READ_ONLY_FIELDS: set[str] = {
    "state",
    "callback_at",
    "satisfaction",
    "callback2_at",
    "satisfaction2",
    "closed_at",
    "fmc_status",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseEditor", text)


def _load_class(spec: str) -> Callable[[Session, int, QWidget], CaseTab]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


class _MissingTab(CaseTab):
    """A tab that could not be built, the reason said in its place."""

    def __init__(self, exc: BaseException, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addWidget(BrokenPart(tr("此标签页无法打开:"), exc, self))

    def reload(self) -> None:
        pass


class CaseEditor(QWidget):
    """Edit one case (``case_id``) or a new one (None)."""

    saved = Signal(int)
    new_case_requested = Signal()  # Ctrl+N
    close_requested = Signal()  # Esc, after the user agreed to drop unsaved edits
    title_changed = Signal(str)
    loaded = Signal()

    def __init__(self, session: Session, case_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.revision: int | None = None
        self.version: str | None = None
        self.number: str | None = None
        self._snapshot: dict[str, Any] = {}
        self._dirty = False
        self._loading = True
        self._saving = False
        self._after_save: Callable[[], None] | None = None
        self._tab_specs: dict[int, tuple[str, str]] = {}
        self.extra_tabs: dict[str, CaseTab] = {}
        # crash recovery: the unsaved boxes go to a draft file a moment after each edit
        self.draft = CaseDraft(session, case_id, self._unsaved, self)
        self._build()
        self._load()
        session.changed.connect(self._on_session_changed)

    # --- building --------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)

        head = QHBoxLayout()
        self.heading = QLabel(self)
        f = self.heading.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.heading.setFont(f)
        head.addWidget(self.heading, 1)
        self.save_button = QPushButton(tr("保存 (Ctrl+S)"), self)
        self.save_button.clicked.connect(
            lambda _checked=False: self.save()
        )  # not save(then=checked)
        head.addWidget(self.save_button)
        outer.addLayout(head)

        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.banner_detail = ErrorDetail(self)  # the server's own words of the banner's error
        outer.addWidget(self.banner_detail)
        # after a save refused because another person saved first: their save, mine over it
        self.stale_button = QPushButton(tr("载入对方保存的内容并放回我的修改"), self)
        self.stale_button.clicked.connect(lambda _checked=False: self.reload_keeping_mine())
        self.stale_button.hide()
        outer.addWidget(self.stale_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.tabs = QTabWidget(self)
        outer.addWidget(self.tabs, 1)

        self.case_form = CaseForm(self.session, self)
        self.form = self.case_form.form
        self.editors = self.case_form.editors
        self.attachments = self.case_form.attachments
        self.attachments.message.connect(lambda m: self._show_banner(m, "info"))
        self.case_form.edited.connect(self._on_box_edited)
        self.tabs.addTab(self.case_form, tr("基本信息"))

        for title, spec in CASE_TABS:
            i = self.tabs.addTab(QWidget(), tr(title))
            self._tab_specs[i] = (title, spec)
        self.tabs.currentChanged.connect(self._on_tab)

        number = self.editors["number"]
        if isinstance(number, TextEditor):
            number.set_placeholder(tr("保存时自动编号"))

        keys: tuple[tuple[QKeySequence | QKeySequence.StandardKey, Callable[[], object]], ...] = (
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence.StandardKey.New, self._new_case),
            (QKeySequence(Qt.Key.Key_Escape), self.request_close),
            (QKeySequence.StandardKey.HelpContents, self._help),
        )
        for key, slot in keys:
            shortcut = QShortcut(key, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.setEnabled(False)

    def _help(self) -> None:
        """F1: the case window's help page."""
        show_help(self, "case")

    def _new_case(self) -> None:
        """Ctrl+N: the main window opens a blank case (Session.new_case_requested)."""
        self.new_case_requested.emit()
        signal = getattr(self.session, "new_case_requested", None)
        if signal is not None:
            signal.emit()

    def _on_box_edited(self, editor: FieldEditor) -> None:
        self._on_edited()
        # a problem shown under a box (a VIN's check-digit warning) goes once the box is
        # changed; the next save checks again
        if not self._loading:
            editor.set_problem(None)

    # --- loading -------------------------------------------------------------------------------

    def _load(self) -> None:
        self._loading = True
        ctx = self.session.ctx()
        case_id = self.case_id

        folder, key = self.session.paths.drafts, self.draft.key

        def work() -> tuple[dict[str, Any], list[str], drafts.Draft | None, list[str]]:
            values = cases.get_case(case_id) if case_id is not None else cases.blank_case(ctx)
            draft = drafts.find(folder, ctx, key) if case_id is not None else None
            return values, site.department_names(), draft, causes.cause_list()

        self.session.taskman.run(work, self._on_loaded, on_error=self._on_load_error, parent=self)

    def _on_loaded(self, result: tuple[dict[str, Any], list[str], Any, list[str]]) -> None:
        values, departments, draft, cause_names = result
        dept = self.editors.get("department")
        if isinstance(dept, TextEditor):
            dept.set_suggestions(departments)
        cause = self.editors.get("cause")
        if isinstance(cause, TextEditor):  # the office's list (设置 → 原因分类)
            cause.set_suggestions(cause_names)
            cause.set_placeholder(tr("从原因分类中选择,如:") + "、".join(cause_names[:3]))
        self._fill(values)
        self.setEnabled(True)
        self.attachments.set_case(self.case_id)
        self._update_tabs()
        if draft is not None:
            self.restore_draft(draft)
        self._gate_save()
        self.loaded.emit()
        self._focus_start()
        QTimer.singleShot(0, self, self._focus_start)  # once the window is shown, too

    def _gate_save(self) -> None:
        """A new case that the person signed in may not register says so before anything
        is typed, not at save. An open case is checked field by field at save
        (a 部门经理 may change some fields of his department's cases)."""
        if self.case_id is not None:
            return
        why = refusal(self.session.ctx(), "case.create")
        self.save_button.setEnabled(not why)
        self.save_button.setToolTip(why)
        if why:
            self.form.setEnabled(False)
            self._show_banner(
                why + "\n" + tr("请用客服专员或客服经理的账户登录(文件 → 切换用户)后再登记。"),
                "error",
            )

    def _focus_start(self) -> None:
        """A new case starts at the complaint text; an open one at its first box."""
        if self.focusWidget() is not None and self.isAncestorOf(self.focusWidget()):
            return
        first = "content" if self.case_id is None else next(iter(self.editors))
        self.editors[first].focus_target().setFocus()

    def _on_load_error(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.save_button.setEnabled(False)
        self.form.setEnabled(False)
        told = said(exc)
        self._show_banner(tr("无法打开投诉单:") + told.message, "error", told.detail)
        self._loading = False

    def _fill(self, values: dict[str, Any]) -> None:
        self._loading = True
        self.stale_button.hide()
        for name, editor in self.editors.items():
            editor.set_value(values.get(name))
            editor.set_problem(None)
        self.revision = values.get("revision")
        self.version = cases.version_of(values)  # a save over a newer one is refused
        self.number = values.get("number")
        number = self.editors["number"]
        number.set_read_only(self.case_id is not None)
        for name in READ_ONLY_FIELDS:
            if name in self.editors:
                self.editors[name].set_read_only(True)
        self._snapshot = self.values()
        self._loading = False
        self._follow_channel()
        self._set_dirty(False)

    # --- values and state -----------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the boxes hold now, typed as the use cases expect."""
        return self.case_form.values()

    def is_dirty(self) -> bool:
        return self._dirty

    def title(self) -> str:
        name = self.number or tr("新投诉单")
        return f"{name} *" if self._dirty else name

    def _follow_channel(self) -> None:
        """当场已解决 is asked of on-site cases only (D3 follows it)."""
        settled, channel = self.editors.get("settled_on_site"), self.editors.get("channel")
        if settled is None or channel is None:
            return
        onsite = channel.value() in Policy().onsite_channels
        settled.setEnabled(onsite)
        settled.setToolTip("" if onsite else tr("只用于现场接待的投诉(决定是否适用 D3 时限)"))

    def _on_edited(self) -> None:
        self._follow_channel()
        if self._loading:
            return
        dirty = self.values() != self._snapshot
        self._set_dirty(dirty)
        if dirty:
            self.draft.edited()
        else:
            self.draft.drop()

    # --- drafts (nothing typed is lost on a crash) ---------------------------------------------

    def _unsaved(self) -> Unsaved | None:
        if not self._dirty:
            return None
        changes = {k: v for k, v in self.values().items() if v != self._snapshot.get(k)}
        return Unsaved(changes, self.case_id, self.number, self.revision, self.version)

    @property
    def restored_draft(self) -> drafts.Draft | None:
        return self.draft.restored

    def flush_draft(self) -> None:
        """Write the pending draft now (before the app quits, and in tests)."""
        self.draft.flush()

    def restore_draft(self, draft: drafts.Draft) -> None:
        """Put a draft's boxes back (after the case, or a blank one, has loaded)."""
        self.draft.restored_from(draft)
        for name, value in draft.changes.items():
            if name in self.editors:
                self.editors[name].set_value(value)
        self._on_edited()
        when = self.session.ctx().local(draft.saved_at)
        text = tr(
            "已恢复 {t} 未保存的修改(程序上次没有正常关闭)。请核对后按 Ctrl+S 保存;"
            "不需要时关闭窗口并选择“放弃”。"
        ).format(t=f"{when:%m-%d %H:%M}")
        if (
            draft.revision is not None
            and self.revision is not None
            and draft.revision != self.revision
        ):
            text += tr("注意:此投诉单之后已被修改(版本 {a} → {b}),保存前请逐项核对。").format(
                a=draft.revision, b=self.revision
            )
        elif draft.case_version and self.version and draft.case_version != self.version:
            # another site's case keeps its revision through edits here
            text += tr("注意:此投诉单之后已被他人修改,保存前请逐项核对。")
        self._show_banner(text, "warning")

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        state = self.editors["state"].value() if "state" in self.editors else None
        heading = self.number or tr("新投诉单(未保存)")
        if state:
            heading += f"  ·  {state}"
        self.heading.setText(heading + ("  *" if dirty else ""))
        self.title_changed.emit(self.title())

    def _update_tabs(self) -> None:
        for i in self._tab_specs:
            self.tabs.setTabEnabled(i, self.case_id is not None)
            self.tabs.setTabToolTip(i, "" if self.case_id is not None else tr("保存后可用"))
        for w in self.extra_tabs.values():
            try:
                w.reload()
            except Exception:
                log.exception("reloading a case tab failed")

    def _on_tab(self, index: int) -> None:
        spec = self._tab_specs.get(index)
        if spec is None or spec[0] in self.extra_tabs or self.case_id is None:
            return
        title, path = spec
        try:
            w = _load_class(path)(self.session, self.case_id, self.tabs)
        except Exception as e:
            log.exception("case tab %s could not be built", path)
            w = _MissingTab(e, self.tabs)
        self.extra_tabs[title] = w
        self.tabs.blockSignals(True)
        old = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, w, tr(title))
        self.tabs.setCurrentIndex(index)
        self.tabs.blockSignals(False)
        if old is not None:
            old.deleteLater()

    # --- problems -------------------------------------------------------------------------------

    def _show_banner(self, text: str, kind: str, detail: str = "") -> None:
        """The banner over the form; ``detail`` (an engine's own words) behind 详细信息."""
        colors = {
            "error": ("#fdecea", "#c62828"),
            "warning": ("#fff4e5", "#a15c00"),
            "info": ("#e8f4fd", "#0b5394"),
        }
        bg, fg = colors[kind]
        self.banner.setStyleSheet(
            f"QLabel {{ background: {bg}; color: {fg}; border: 1px solid {fg};"
            " border-radius: 3px; padding: 6px; }"
        )
        self.banner.setText(text)
        self.banner.setProperty("kind", kind)
        self.banner.show()
        self.banner_detail.set_detail(detail)

    def banner_text(self) -> str:
        return self.banner.text() if self.banner.isVisible() else ""

    def _clear_problems(self) -> None:
        self.banner.hide()
        self.banner_detail.set_detail("")
        self.case_form.show_problems([])

    def _show_problems(self, problems: list[Problem], *, saved: bool = False) -> None:
        """Each problem under its box; a message naming the boxes; focus to the first bad one."""
        self.case_form.show_problems(problems)
        hard = [p for p in problems if p.blocking]
        lines = [f"· {field_label(p.field)}:{p.message}" for p in problems]
        if hard:
            head = tr("无法保存,请先改正以下 {n} 处:").format(n=len(hard))
            self._show_banner(head + "\n" + "\n".join(lines), "error")
            if hard[0].field in self.editors:
                self.tabs.setCurrentIndex(0)
            self.case_form.focus_field(hard[0].field)
        elif problems:
            head = tr("已保存,但请核对:") if saved else tr("请核对:")
            self._show_banner(head + "\n" + "\n".join(lines), "warning")
        else:
            self.banner.hide()
            self.banner_detail.set_detail("")

    def check(self) -> list[Problem]:
        """Every problem with what is typed now (unreadable dates first, then the rules)."""
        return self.case_form.check(self.session.ctx(), self.case_id is None, self._snapshot)

    # --- saving ---------------------------------------------------------------------------------

    def save(self, then: Callable[[], None] | None = None) -> bool:
        """Validate, then save on the worker. Returns False when refused before saving.
        ``then`` runs after a successful save (e.g. closing the window)."""
        if self._saving or not self.save_button.isEnabled():
            return False
        problems = self.check()
        if any(p.blocking for p in problems):
            self._show_problems(problems)
            return False
        ctx = self.session.ctx()
        values = self.values()
        case_id, revision, version = self.case_id, self.revision, self.version
        if case_id is not None:  # only what the user changed: each change has its permission
            values = {k: v for k, v in values.items() if v != self._snapshot.get(k)}
        self._saving = True
        self._after_save = then
        self.save_button.setEnabled(False)

        def work() -> tuple[cases.SaveResult, dict[str, Any]]:
            if case_id is None:
                result = cases.create_case(ctx, values)
            else:
                result = cases.update_case(
                    ctx, case_id, values, expected_revision=revision, expected_version=version
                )
            return result, cases.get_case(result.id)

        self.session.taskman.run(
            work, self._on_saved, on_error=self._on_save_error, label=tr("正在保存…"), parent=self
        )
        return True

    def _on_saved(self, result: tuple[cases.SaveResult, dict[str, Any]]) -> None:
        res, fresh = result
        self._saving = False
        self.save_button.setEnabled(True)
        was_new = self.case_id is None
        self.case_id = res.id
        self.draft.saved_as(res.id)
        self._fill(fresh)
        if res.warnings:
            self._show_problems(list(res.warnings), saved=True)
        else:
            self._clear_problems()
            self._show_banner(tr("已保存 {number}").format(number=res.number), "info")
        if was_new:
            self.attachments.set_case(res.id)
        self._update_tabs()
        self.saved.emit(res.id)
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    def _on_session_changed(self, changes: OpChanges) -> None:
        """Someone (a tab of this window, another window, an import) changed cases: show
        the new values and revision, unless the user is editing (then a save reports
        StaleRecord and keeps the edits). This editor's own save is told while it is still
        saving, and the save's result fills the editor."""
        if (
            not changes.touches(("cases", "entries"))
            or self.case_id is None
            or self._saving
            or self._loading
            or self._dirty
        ):
            return
        case_id = self.case_id
        self.session.taskman.run(
            lambda: cases.get_case(case_id),
            self._on_refreshed,
            on_error=lambda _e: None,
            parent=self,
        )

    def _on_refreshed(self, values: dict[str, Any]) -> None:
        if self._dirty or self._saving or values.get("id") != self.case_id:
            return
        if values.get("revision") != self.revision or self.values() != {
            k: values.get(k) for k in self.editors
        }:
            self._fill(values)

    def _on_save_error(self, exc: BaseException) -> None:
        self._saving = False
        self._after_save = None
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self._show_problems(list(exc.problems))
        elif isinstance(exc, StaleRecord):
            self._show_banner(
                said(exc).message
                + "\n"
                + tr("您在此窗口中的修改仍然保留,没有丢失。")
                + (tr("也可以按下面的按钮,载入对方的内容并放回您的修改。") if self.case_id else ""),
                "error",
            )
            self.stale_button.setEnabled(True)
            self.stale_button.setVisible(self.case_id is not None)
        else:  # a refusal, the server's trouble, a program error: said alike
            told = said(exc)
            self._show_banner(
                tr("保存失败:") + told.message + "\n" + tr("您的修改仍然保留。"),
                "error",
                told.detail,
            )

    def reload_keeping_mine(self) -> None:
        """After a save refused as stale: load what the other person saved, then put the
        boxes changed in this window back over it, unsaved, naming those both changed."""
        if self.case_id is None or self._saving:
            return
        before = dict(self._snapshot)
        mine = {k: v for k, v in self.values().items() if v != before.get(k)}
        case_id = self.case_id
        self.stale_button.setEnabled(False)

        def put_back(fresh: dict[str, Any]) -> None:
            if fresh.get("id") != self.case_id:
                return
            self._fill(fresh)
            theirs = self.values()
            both = [n for n in mine if theirs.get(n) != before.get(n) and theirs.get(n) != mine[n]]
            for name, value in mine.items():
                self.editors[name].set_value(value)
            self._on_edited()
            text = tr("已载入对方保存的内容,并放回了您的修改(尚未保存)。请核对后按 Ctrl+S 保存。")
            if both:
                text += (
                    "\n"
                    + tr("以下项目对方也改过,现在显示的是您的内容:")
                    + "、".join(self.editors[n].field.label for n in both)
                )
            self._show_banner(text, "warning")

        def failed(exc: BaseException) -> None:
            self.stale_button.setEnabled(True)
            told = said(exc)
            self._show_banner(
                tr("无法载入对方保存的内容:") + told.message + "\n" + tr("您的修改仍然保留。"),
                "error",
                told.detail,
            )

        self.session.taskman.run(
            lambda: cases.get_case(case_id), put_back, on_error=failed, parent=self
        )

    # --- closing --------------------------------------------------------------------------------

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """保存 / 放弃 / 取消 for unsaved edits."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("未保存的修改"),
            tr("投诉单“{name}”有未保存的修改。").format(name=self.number or tr("新投诉单")),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Save).setText(tr("保存"))
        box.button(QMessageBox.StandardButton.Discard).setText(tr("放弃"))
        box.button(QMessageBox.StandardButton.Cancel).setText(tr("取消"))
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        return QMessageBox.StandardButton(box.exec())

    def confirm_close(self, close: Callable[[], None]) -> bool:
        """True if the editor may close now; with 保存 it saves first and calls ``close``
        once saved (False now); with 取消 it stays (False)."""
        if self._saving:
            return False
        if not self._dirty:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Discard:
            self._dirty = False
            self.draft.drop()
            return True
        if answer == QMessageBox.StandardButton.Save:
            self.save(then=close)
        return False

    def request_close(self) -> None:
        """Esc: ask about unsaved edits, then ask the container to close."""
        if self.confirm_close(self.close_requested.emit):
            self.close_requested.emit()
