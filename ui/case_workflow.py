"""跟踪与时限 tab of the case window: the timeline, every deadline, hints and the actions.

Everything shown comes from the use cases (tracking.timeline / case_deadlines / case_hints /
available_actions), loaded on the worker; an action button opens ui.action_dialog and
records through ``tracking.record_action`` on the worker, then tells every page that entries
and cases changed. Registered in ui.case_editor.CASE_TABS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.rules import workflow
from complaints.rules.deadlines import Deadline, DeadlineStatus
from complaints.types import Action
from complaints.usecases import cases, tracking, users
from complaints.usecases import causes as causes_uc
from complaints.usecases import policy as policy_uc
from complaints.usecases import site as site_uc
from complaints.usecases.changes import OpChanges
from complaints.usecases.context import Context
from complaints.usecases.errors import StaleRecord
from complaints.usecases.todo import format_remaining
from ui import case_emergency
from ui.action_dialog import ActionDialog
from ui.case_tab import CaseTab
from ui.error_detail import ErrorDetail, said
from ui.reload import ReloadGuard
from ui.tables import read_only
from ui.toast import show_toast
from ui.todo import STATUS_COLORS

DEADLINE_HEADERS = ("规则", "应办事项", "时限", "开始", "到期时间", "状态", "剩余/完成")
TIMELINE_HEADERS = ("时间", "动作", "经办人", "说明")
BUTTONS_PER_ROW = 7
REFRESH_MS = 60_000  # time left moves on while the tab is open


def tr(text: str) -> str:
    return QCoreApplication.translate("CaseWorkflowTab", text)


@dataclass
class WorkflowData:
    """What the tab shows, read in one go on the worker."""

    case: dict[str, Any]
    entries: list[dict[str, Any]]
    deadlines: list[Deadline]
    hints: list[str]
    actions: list[Action]
    proposed_department: str | None
    departments: list[str]
    people: list[str]
    at_risk_fraction: float
    now: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    causes: list[str] = field(default_factory=list)  # the office's list (原因分类)


def people_names(department: str | None) -> list[str]:
    """Names for the 指定责任人 box (still typed freely): the office's staff list, else the
    accounts of the app; the case's department first."""
    staff = site_uc.staff_names(department)
    if staff:
        return staff
    people = [u for u in users.list_users(include_inactive=False) if u.display_name]
    people.sort(key=lambda u: (u.department != department, u.display_name))
    return list(dict.fromkeys(u.display_name for u in people))


def load_workflow(ctx: Context, case_id: int, *, hints: bool = True) -> WorkflowData:
    """Worker side: everything the tab needs for one case. The hints look for other cases
    of the same customer or car (slower on a big ledger), so the tab reads them second."""
    case = cases.get_case(case_id)
    now = ctx.now()
    actions = tracking.available_actions(ctx, case_id)
    return WorkflowData(
        case=case,
        entries=tracking.timeline(case_id),
        deadlines=tracking.case_deadlines(ctx, case_id, now=now),
        hints=tracking.case_hints(ctx, case_id, now=now) if hints else [],
        actions=[a for a in Action if a in actions],
        proposed_department=tracking.proposed_department(case_id),
        departments=site_uc.department_names(),
        people=people_names(case.get("department")),
        at_risk_fraction=policy_uc.in_force(case["received_at"]).at_risk_fraction,
        now=now,
        causes=causes_uc.cause_list(),
    )


def deadline_cells(d: Deadline, now: datetime, tz) -> tuple[str, ...]:
    """One row of the deadlines table, as text."""

    def t(x: datetime | None) -> str:
        return "" if x is None else f"{x.astimezone(tz):%m-%d %H:%M}"

    if d.status in (DeadlineStatus.MET, DeadlineStatus.MET_LATE):
        left = tr("完成于 ") + t(d.met_at)
        if d.status is DeadlineStatus.MET_LATE and d.due and d.met_at:
            left += "(" + format_remaining(d.due - d.met_at).replace("超 ", tr("晚 ")) + ")"
    elif d.status is DeadlineStatus.PAUSED and d.left is not None:
        return (
            d.rule,
            tr(d.what),
            d.limit,
            t(d.start),
            tr("暂停中"),
            tr(d.status.value),
            tr("暂停,") + format_remaining(d.left),
        )
    elif d.status.is_open and d.due is not None:
        left = format_remaining(d.due - now)
    elif d.status is DeadlineStatus.WAITING:
        left = tr("计时尚未开始")
    else:
        left = ""
    return (d.rule, tr(d.what), d.limit, t(d.start), t(d.due), tr(d.status.value), left)


def entry_cells(e: dict[str, Any], tz) -> tuple[str, str, str, str]:
    """时间, 动作, 经办人, 说明 of an entry; a back-dated one says when it was typed and why."""
    note = e.get("summary") or e.get("note") or ""  # values in words, then the free 说明
    reason = e.get("reason")
    when = f"{e['at'].astimezone(tz):%Y-%m-%d %H:%M}"
    if reason:
        typed = e.get("recorded_at")
        typed_text = f"{typed.astimezone(tz):%m-%d %H:%M}" if typed else ""
        when += " " + tr("(补录)")
        note = tr("【补录于 {t},原因:{r}】").format(t=typed_text, r=reason) + note.replace(
            f"【补录原因:{reason}】", ""
        )
    return when, tr(e["action"]), e.get("actor") or "", note


class CaseWorkflowTab(CaseTab):
    """Registered in ui.case_editor.CASE_TABS as ("跟踪与时限", "ui.case_workflow:...")."""

    def __init__(self, session, case_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.data: WorkflowData | None = None
        self.action_buttons: dict[Action, QPushButton] = {}
        self.emergency_button: QPushButton | None = None
        self.dialog: ActionDialog | None = None
        self._reloads = ReloadGuard(self._start_reload)

        lay = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.summary_detail = ErrorDetail(self)  # the server's own words of a failed read
        lay.addWidget(self.summary_detail)
        self.hints = QLabel()
        self.hints.setWordWrap(True)
        self.hints.setStyleSheet(
            "QLabel { background: #fff4e5; color: #a15c00;"
            " border: 1px solid #e0a040; border-radius: 3px; padding: 6px; }"
        )
        self.hints.hide()
        lay.addWidget(self.hints)

        self.actions_box = QGroupBox(tr("记录处理动作"))
        self.actions_grid = QGridLayout(self.actions_box)
        self.actions_grid.setHorizontalSpacing(6)
        self.no_actions = QLabel()
        self.no_actions.setStyleSheet("color: #666;")
        lay.addWidget(self.actions_box)

        split = QSplitter(Qt.Orientation.Vertical)
        dbox = QGroupBox(tr("处理时限"))
        QVBoxLayout(dbox).addWidget(table := self._table(DEADLINE_HEADERS))
        self.deadline_table = table
        tbox = QGroupBox(tr("跟踪记录"))
        QVBoxLayout(tbox).addWidget(table := self._table(TIMELINE_HEADERS))
        self.timeline_table = table
        split.addWidget(dbox)
        split.addWidget(tbox)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        session.changed.connect(self._on_changed)
        self.reload()

    @staticmethod
    def _table(headers: tuple[str, ...]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels([tr(h) for h in headers])
        read_only(t)
        t.setWordWrap(True)
        t.verticalHeader().setMinimumSectionSize(t.fontMetrics().height() + 8)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        t.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        return t

    # --- loading ---------------------------------------------------------------------------

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "settings", "users")):
            self.reload()

    def reload(self) -> None:
        if self.case_id is not None:
            self._reloads.request()

    def _start_reload(self) -> None:
        ctx, case_id = self.session.ctx(), self.case_id
        if case_id is None:  # a read asked for again once the tab shows no case
            self._reloads.failed()
            return
        self.session.taskman.run(
            lambda: load_workflow(ctx, case_id, hints=False),
            self._show,
            on_error=self._load_failed,
            parent=self,
        )
        self.session.taskman.run(
            lambda: tracking.case_hints(ctx, case_id),
            self._show_hints,
            on_error=lambda _e: None,
            parent=self,
        )

    def _load_failed(self, exc: BaseException) -> None:
        self._reloads.failed()
        told = said(exc)
        self.summary.setText(tr("无法读取跟踪记录:") + told.message)
        self.summary_detail.set_detail(told.detail)

    def _show(self, data: WorkflowData) -> None:
        self._reloads.done()
        self.summary_detail.set_detail("")
        self.data = data
        tz = self.session.ctx().tz
        c = data.case
        opened = sum(1 for d in data.deadlines if d.status.is_open)
        overdue = sum(1 for d in data.deadlines if d.status is DeadlineStatus.OVERDUE)
        self.summary.setText(
            case_emergency.banner(c)
            + tr(
                "<b>{number}</b> · 状态:<b>{state}</b> · 渠道:{channel} · {severity} · "
                "处理部门:{dept} · 第一责任人:{person} · 未完成时限 {open} 项{over}"
            ).format(
                number=c.get("number") or "",
                state=c.get("state") or "",
                channel=c.get("channel") or "",
                severity=c.get("severity") or "",
                dept=c.get("department") or "—",
                person=c.get("responsible") or "—",
                open=opened,
                over=tr(",<span style='color:#c62828'>已逾期 {n} 项</span>").format(n=overdue)
                if overdue
                else "",
            )
        )
        self._show_buttons(data)
        self._fill(
            self.deadline_table,
            [deadline_cells(d, data.now, tz) for d in data.deadlines],
            [d.status for d in data.deadlines],
        )
        self._fill(
            self.timeline_table,
            [entry_cells(e, tz) for e in data.entries],
            [None] * len(data.entries),
            backdated=[bool(e.get("reason")) for e in data.entries],
        )

    def _show_hints(self, hints: list[str]) -> None:
        if self.data is not None:
            self.data.hints = hints
        if hints:
            self.hints.setText(
                tr("升级提示(仅为建议,由负责人决定):") + "\n" + "\n".join("· " + h for h in hints)
            )
            self.hints.show()
        else:
            self.hints.hide()

    def _show_buttons(self, data: WorkflowData) -> None:
        for b in [*self.action_buttons.values(), self.emergency_button]:
            if b is None:
                continue
            self.actions_grid.removeWidget(b)
            b.deleteLater()
        self.emergency_button = None
        self.action_buttons = {}
        self.actions_grid.removeWidget(self.no_actions)
        self.no_actions.hide()
        for i, a in enumerate(data.actions):
            b = QPushButton(tr(a.value), self.actions_box)
            b.setToolTip(tr(_TIPS.get(a, "")))
            b.clicked.connect(lambda _c=False, act=a: self.open_action(act))
            self.actions_grid.addWidget(b, i // BUTTONS_PER_ROW, i % BUTTONS_PER_ROW)
            self.action_buttons[a] = b
        if self.case_id is not None and case_emergency.may_declare(data.case):
            b = case_emergency.declare_button(self, self.case_id, data.case.get("number") or "")
            i = len(data.actions)
            self.actions_grid.addWidget(b, i // BUTTONS_PER_ROW, i % BUTTONS_PER_ROW)
            self.emergency_button = b
        if not data.actions:
            self.no_actions.setText(tr("当前没有可记录的动作(投诉单状态或您的权限不允许)。"))
            self.actions_grid.addWidget(self.no_actions, 0, 0, 1, BUTTONS_PER_ROW)
            self.no_actions.show()

    def _fill(
        self,
        table: QTableWidget,
        rows: list[tuple[str, ...]],
        statuses: list[DeadlineStatus | None],
        backdated: list[bool] | None = None,
    ) -> None:
        table.setRowCount(len(rows))
        for r, (row, status) in enumerate(zip(rows, statuses, strict=True)):
            colors = STATUS_COLORS.get(status) if status is not None else None
            for col, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if colors is not None:
                    bg, fg = colors
                    if bg:
                        item.setBackground(QBrush(QColor(bg)))
                    item.setForeground(QBrush(QColor(fg)))
                if backdated and backdated[r]:
                    item.setForeground(QBrush(QColor("#6a3d9a")))
                table.setItem(r, col, item)
        table.resizeColumnsToContents()
        for col in range(table.columnCount() - 1):
            table.setColumnWidth(col, min(320, table.columnWidth(col) + 12))
        table.resizeRowsToContents()

    # --- actions ---------------------------------------------------------------------------

    def open_action(self, action: Action) -> ActionDialog | None:
        """Open the action's dialog (non-modal in tests: it is returned)."""
        data = self.data
        if data is None:
            return None
        ctx = self.session.ctx()
        case_id = self.case_id
        if case_id is None:  # data is loaded for a saved case only
            return None
        dialog = ActionDialog(
            action,
            number=data.case.get("number") or "",
            now=ctx.now(),
            tz=ctx.tz,
            received_at=data.case.get("received_at"),
            departments=data.departments,
            proposed_department=data.proposed_department,
            people=data.people,
            causes=data.causes,
            current=data.case,
            parent=self,
            warnings=workflow.action_warnings(data.case, data.entries, action),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        # the case as the person saw it: another seat's change since refuses the action once
        seen = [cases.version_of(data.case)]

        def refused(exc: BaseException) -> None:
            if isinstance(exc, StaleRecord) and exc.current_version:
                seen[0] = exc.current_version  # told, and shown the case as it is now
            self._refused(dialog, exc)

        def submit(values: dict[str, Any]) -> None:
            def work() -> dict[str, Any]:
                return tracking.record_action(
                    ctx, case_id, action, expected_version=seen[0], **values
                )

            self.session.taskman.run(
                work, lambda _e: self._recorded(dialog), on_error=refused, parent=self
            )

        dialog._submit = submit
        self.dialog = dialog
        dialog.open()
        return dialog

    def _recorded(self, dialog: ActionDialog) -> None:
        number = (self.data.case.get("number") if self.data else None) or ""
        show_toast(self, tr("已记录:{n} {a}").format(n=number, a=tr(dialog.action.value)))
        dialog.done_ok()

    def _refused(self, dialog: ActionDialog, exc: BaseException) -> None:
        told = said(exc)  # a refusal, the server's trouble, a program error alike
        dialog.show_refusal(told.message, told.detail)
        self.reload()  # the case may have moved on in another window


_TIPS: dict[Action, str] = {
    Action.DISPATCH: "D5:回访投诉 1 小时内交部门经理",
    Action.CONTACT: "D1/D9:接单后联系客户",
    Action.ESCALATE: "D3:现场无法当场解决 5 分钟内升级",
    Action.REPORT_OEM: "D2:重大/需厂家支持时上报厂家",
    Action.HANDLED: "D4/D7/D8/D10",
    Action.RETURN_TO_CS: "D4/D7:处理单回传客服部",
    Action.CALLBACK: "D11:处理后回访",
    Action.PAUSE: "等待客户、配件或厂家时暂停计时",
    Action.RESUME: "恢复计时(按暂停时的剩余时间)",
    Action.FOLLOW_UP: "D12:关闭后跟踪回访,发现新问题时重开",
}
