"""奖惩 page: the general manager's queue of proposals, the lists, the month's totals.

Everything is read and written on the task manager's worker; the page keeps the last
result and redraws from it. Approve/reject are enabled only for whoever holds
sanction.approve (the GM); the use cases check again. A row opens its case on double-click.

One job, the page and what its buttons do, a little over 500 lines; the tables' set-up
(ui.sanction_tables), the month's totals (ui.sanction_totals), the dialogs
(ui.sanction_dialogs) and the case window's tab (ui.case_sanctions_tab) are beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import auth, sanctions
from complaints.usecases.cases import find_case_id
from complaints.usecases.changes import OpChanges
from complaints.usecases.site import department_names
from ui.error_detail import ErrorDetail, say
from ui.permits import gate
from ui.reload import ReloadGuard
from ui.sanction_dialogs import ApproveDialog, ManualDialog, RejectDialog
from ui.sanction_tables import _item, _table
from ui.sanction_totals import MonthTotalsTab
from ui.session import Session
from ui.site_filter import SiteFilter
from ui.tables import cell_text
from ui.taskman import show_error
from ui.toast import show_toast

ALL = "全部"
QUEUE_COLUMNS = ("日期", "投诉编号", "规则", "类型", "部门", "姓名", "建议金额", "可选范围", "原因")
LIST_COLUMNS = (
    "日期",
    "投诉编号",
    "规则",
    "类型",
    "部门",
    "姓名",
    "金额",
    "状态",
    "原因",
    "审批人",
    "审批意见",
)
STATE_BRUSH = {
    sanctions.PENDING: QBrush(QColor("#FFF2CC")),
    sanctions.REJECTED: QBrush(QColor("#EEEEEE")),
    sanctions.WITHDRAWN: QBrush(QColor("#EEEEEE")),
}


def tr(text: str) -> str:
    return QCoreApplication.translate("SanctionsPage", text)


@dataclass(frozen=True)
class PageData:
    queue: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    totals: sanctions.MonthTotals | None
    departments: list[str]
    pending: int


def months_back(today: date, n: int = 24) -> list[str]:
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


class SanctionsPage(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.data = PageData([], [], None, [], 0)
        self._reloads = ReloadGuard(self._start_reload)

        # --- filters (the month also drives the totals) -----------------------------------
        today = session.ctx().local(session.ctx().now()).date()
        self.month = QComboBox()
        self.month.addItem(tr("全部月份"), None)
        for m in months_back(today):
            self.month.addItem(m, m)
        self.month.setCurrentIndex(1)
        self.state = QComboBox()
        self.state.addItem(tr("全部(不含已撤回)"), None)
        for s in sanctions.STATES:
            self.state.addItem(tr(s), s)
        self.type = QComboBox()
        self.type.addItem(tr(ALL), None)
        for t in sanctions.TYPES:
            self.type.addItem(tr(t), t)
        self.department = QComboBox()
        self.department.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.department.addItem(tr(ALL), None)
        self.person = QLineEdit()
        self.person.setPlaceholderText(tr("姓名"))
        self.person.setClearButtonEnabled(True)
        for combo in (self.month, self.state, self.type, self.department):
            combo.currentIndexChanged.connect(self.reload)
        self.person.editingFinished.connect(self.reload)
        # the sanction's owning site (shown at the HQ, two sites or more); it narrows the
        # queue, the list and the month's totals alike
        self.site_filter = SiteFilter(session, remember_as="sanctions")
        self.site_filter.changed.connect(self.reload)
        filters = QHBoxLayout()
        for label, w in (
            (tr("月份"), self.month),
            (tr("状态"), self.state),
            (tr("类型"), self.type),
            (tr("部门"), self.department),
            (tr("姓名"), self.person),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(w)
        filters.addWidget(self.site_filter)
        filters.addStretch(1)

        # --- the GM's queue ---------------------------------------------------------------
        self.queue = _table(QUEUE_COLUMNS)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.queue.itemSelectionChanged.connect(self._update_buttons)
        self.queue.itemDoubleClicked.connect(lambda *_: self.open_case(self.queue))
        self.approve_btn = QPushButton(tr("批准"))
        self.amount_btn = QPushButton(tr("改金额后批准…"))
        self.reject_btn = QPushButton(tr("驳回…"))
        self.queue_open_btn = QPushButton(tr("打开投诉单"))
        self.approve_btn.clicked.connect(lambda _checked=False: self.approve_selected())
        self.amount_btn.clicked.connect(self.approve_with_dialog)
        self.reject_btn.clicked.connect(self.reject_with_dialog)
        self.queue_open_btn.clicked.connect(lambda: self.open_case(self.queue))
        self.queue_hint = QLabel()
        self.queue_hint.setWordWrap(True)
        qb = QHBoxLayout()
        for b in (self.approve_btn, self.amount_btn, self.reject_btn, self.queue_open_btn):
            qb.addWidget(b)
        qb.addStretch(1)
        queue_tab = QWidget()
        ql = QVBoxLayout(queue_tab)
        ql.addWidget(self.queue_hint)
        self.queue_detail = ErrorDetail(queue_tab)  # the server's own words of a failed read
        ql.addWidget(self.queue_detail)
        ql.addWidget(self.queue, 1)
        ql.addLayout(qb)

        # --- the list ---------------------------------------------------------------------
        self.list = _table(LIST_COLUMNS)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda *_: self.open_case(self.list))
        self.list_open_btn = QPushButton(tr("打开投诉单"))
        self.print_btn = QPushButton(tr("打印通知单"))
        self.print_month_btn = QPushButton(tr("打印本月全部通知单"))
        self.manual_btn = QPushButton(tr("新增奖惩…"))
        self.list_open_btn.clicked.connect(lambda: self.open_case(self.list))
        self.print_btn.clicked.connect(self.print_selected)
        self.print_month_btn.clicked.connect(self.print_month)
        self.manual_btn.clicked.connect(self.add_manual_with_dialog)
        lb = QHBoxLayout()
        for b in (self.list_open_btn, self.print_btn, self.print_month_btn, self.manual_btn):
            lb.addWidget(b)
        lb.addStretch(1)
        list_tab = QWidget()
        ll = QVBoxLayout(list_tab)
        ll.addWidget(self.list, 1)
        ll.addLayout(lb)

        # --- totals -----------------------------------------------------------------------
        self.totals_tab = totals_tab = MonthTotalsTab()
        self.summary = totals_tab.summary
        self.by_department, self.by_person = totals_tab.by_department, totals_tab.by_person
        self.by_person.itemDoubleClicked.connect(self._person_clicked)
        self.by_department.itemDoubleClicked.connect(self._department_clicked)

        self.tabs = QTabWidget()
        self.tabs.addTab(queue_tab, tr("待审批"))
        self.tabs.addTab(list_tab, tr("奖惩记录"))
        self.tabs.addTab(totals_tab, tr("月度合计"))
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.tabs, 1)

        self._writing = False  # an approval on its way: the buttons wait
        session.changed.connect(self._on_changed)
        # the hint above the queue says who may approve: it follows 切换用户
        session.user_changed.connect(self._on_user)
        self._update_buttons()
        self.reload()

    def _on_user(self) -> None:
        self._fill_queue(self.data.queue)
        self._update_buttons()

    # --- reading ---------------------------------------------------------------------------

    def filter(self) -> sanctions.SanctionFilter:
        dept = self.department.currentData()
        return sanctions.SanctionFilter(
            month=self.month.currentData(),
            state=self.state.currentData(),
            type=self.type.currentData(),
            department=dept,
            person=self.person.text().strip() or None,
            site=self.site_filter.code(),
        )

    def reload(self) -> None:
        self._reloads.request()

    def _start_reload(self) -> None:
        f = self.filter()
        month, site = f.month, f.site

        def load() -> PageData:
            queue = sanctions.list_sanctions(
                sanctions.SanctionFilter(state=sanctions.PENDING, site=site)
            )
            # the badge counts every site's proposals, whatever the filter shows
            pending = sanctions.pending_count() if site else len(queue)
            return PageData(
                queue,
                sanctions.list_sanctions(f),
                sanctions.month_totals(month, site=site) if month else None,
                department_names(),
                pending,
            )

        self.session.taskman.run(load, self._loaded, on_error=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self._reloads.failed()
        say(exc, self.queue_hint, self.queue_detail, tr("读取失败:"))

    def _loaded(self, data: PageData) -> None:
        self.queue_detail.set_detail("")
        self.data = data
        self._fill_departments(data.departments)
        self._fill_queue(data.queue)
        self._fill_list(data.rows)
        self.totals_tab.fill(data.totals)
        self._show_queue_count(data)
        self._update_buttons()
        # the navigation's count is asked again now that the page knows it (it is asked on
        # the change itself, before this reload has read the new count)
        refresh = getattr(self.window(), "refresh_badges", None)
        if callable(refresh):
            refresh()
        self._reloads.done()

    def _show_queue_count(self, data: PageData) -> None:
        """The tab counts what the navigation counts (every site's proposals); when a site
        filter shows fewer, both figures ("3 / 7")."""
        shown = len(data.queue)
        if shown == data.pending:
            text = f" ({shown})" if shown else ""
        else:
            text = f" ({shown} / {data.pending})"
        self.tabs.setTabText(0, tr("待审批") + text)

    def badge_count(self) -> int | None:
        return self.data.pending or None

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(("cases", "entries", "sanctions", "settings", "ledger")):
            self.reload()

    def _fill_departments(self, names: Sequence[str]) -> None:
        have = [self.department.itemData(i) for i in range(1, self.department.count())]
        if have == list(names):
            return
        current = self.department.currentData()
        self.department.blockSignals(True)
        while self.department.count() > 1:
            self.department.removeItem(1)
        for n in names:
            self.department.addItem(n, n)
        i = self.department.findData(current)
        self.department.setCurrentIndex(max(i, 0))
        self.department.blockSignals(False)

    def _fill_queue(self, rows: Sequence[Mapping[str, Any]]) -> None:
        t = self.queue
        t.setSortingEnabled(False)
        t.setRowCount(len(rows))
        for i, r in enumerate(rows):
            vals = (
                r["date"].isoformat(),
                r["case_number"] or "",
                r["rule"] or sanctions.MANUAL,
                r["type"],
                r["department"],
                r["person"] or tr("(无)"),
                r["amount"],
                sanctions.range_text(r["amount_min"], r["amount_max"]),
                r["reason"],
            )
            for c, v in enumerate(vals):
                t.setItem(i, c, _item(v, align_right=(c == 6), data=r if c == 0 else None))
        if auth.allowed(self.session.ctx(), "sanction.approve"):
            hint = tr("以下建议由系统按奖惩制度(S1–S11)提出,请逐条批准、改金额或驳回。")
        else:
            hint = tr("以下建议待总经理审批;您可以查看,但不能审批。")
        self.queue_hint.setText(hint if rows else tr("没有待审批的奖惩建议。"))

    def _fill_list(self, rows: Sequence[Mapping[str, Any]]) -> None:
        t = self.list
        t.setRowCount(len(rows))
        for i, r in enumerate(rows):
            vals = (
                r["date"].isoformat(),
                r["case_number"] or "",
                r["rule"] or sanctions.MANUAL,
                r["type"],
                r["department"],
                r["person"] or tr("(无)"),
                r["amount"],
                r["state"],
                r["reason"],
                r["decided_by"] or "",
                r["decision_note"] or "",
            )
            brush = STATE_BRUSH.get(r["state"])
            for c, v in enumerate(vals):
                it = _item(v, align_right=(c == 6), data=r if c == 0 else None)
                if brush is not None and c == 7:
                    it.setBackground(brush)
                t.setItem(i, c, it)

    # --- selection and buttons -------------------------------------------------------------

    @staticmethod
    def selected_all(table: QTableWidget) -> list[dict[str, Any]]:
        model = table.selectionModel()
        rows = sorted(i.row() for i in model.selectedRows()) if model else []
        items = [table.item(r, 0) for r in rows]
        return [it.data(Qt.ItemDataRole.UserRole) for it in items if it is not None]

    @classmethod
    def selected(cls, table: QTableWidget) -> dict[str, Any] | None:
        """The one selected row (None when none or several are selected)."""
        rows = cls.selected_all(table)
        return rows[0] if len(rows) == 1 else None

    def _update_buttons(self) -> None:
        ctx = self.session.ctx()
        why = auth.decide(ctx, "sanction.approve").reason
        can_approve = not why and not self._writing
        chosen = self.selected_all(self.queue)
        q = chosen[0] if len(chosen) == 1 else None
        self.approve_btn.setEnabled(can_approve and bool(chosen))
        self.approve_btn.setText(
            tr("批准") if len(chosen) <= 1 else tr("按建议金额批准所选") + f" ({len(chosen)})"
        )
        for b in (self.amount_btn, self.reject_btn):
            b.setEnabled(can_approve and q is not None)
        for b in (self.approve_btn, self.amount_btn, self.reject_btn):
            b.setToolTip(why or ("" if chosen else tr("请先在列表中选择一条建议")))
        self.queue_open_btn.setEnabled(bool(q and q.get("case_id")))
        r = self.selected(self.list)
        self.list_open_btn.setEnabled(bool(r and r.get("case_id")))
        can_print = auth.allowed(ctx, "form.print")
        self.print_btn.setEnabled(can_print and r is not None and r["state"] == sanctions.APPROVED)
        self.print_month_btn.setEnabled(can_print and self.month.currentData() is not None)
        gate(self.manual_btn, ctx, "sanction.propose")

    # --- actions ---------------------------------------------------------------------------

    def _write(self, fn, label: str | None = None, said: str | None = None) -> None:
        """Run a decision on the worker. Until it is back the queue's buttons wait and the
        selection is cleared, so a second click (a double-click on 批准) or the row that
        moves up under the pointer is never decided by accident. ``said``:
        the confirmation shown when it is done."""
        self._writing = True
        self.queue.clearSelection()
        self._update_buttons()

        def done(_result) -> None:
            self._writing = False
            self.queue.clearSelection()
            self._update_buttons()
            if said:
                show_toast(self, said)

        def failed(exc: BaseException) -> None:
            self._writing = False
            self._update_buttons()
            show_error(exc, self)

        self.session.taskman.run(fn, done, on_error=failed, parent=self, label=label)

    @staticmethod
    def _describe(r: Mapping[str, Any], amount: int | None = None) -> str:
        money = r["amount"] if amount is None else amount
        who = r["person"] or r["department"] or ""
        return f"{r['case_number'] or sanctions.MANUAL} {who} {r['type']} {money} 元"

    def approve_selected(
        self, amount: int | None = None, note: str = "", *, confirm: bool = True
    ) -> None:
        """Approve exactly the selected proposal(s). Several at once go at their proposed
        amounts, after one question naming how many and the total (``confirm``)."""
        if self._writing:
            return
        rows = self.selected_all(self.queue)
        if not rows:
            return
        if len(rows) > 1:
            amount = None
            if confirm and not self._confirm_several(rows):
                return
        uids = [r["uid"] for r in rows]
        ctx = self.session.ctx()
        said = (
            tr("已批准:") + self._describe(rows[0], amount)
            if len(rows) == 1
            else tr("已批准 {n} 条奖惩建议,合计 {total} 元").format(
                n=len(rows), total=sum(r["amount"] for r in rows)
            )
        )
        self._write(
            lambda: [sanctions.approve(ctx, u, amount=amount, note=note) for u in uids], said=said
        )

    def several_text(self, rows: Sequence[Mapping[str, Any]]) -> str:
        fines = sum(r["amount"] for r in rows if r["type"] == "罚款")
        rewards = sum(r["amount"] for r in rows if r["type"] != "罚款")
        return tr("按建议金额批准所选的 {n} 条奖惩建议?\n罚款合计 {f} 元,奖励合计 {r} 元。").format(
            n=len(rows), f=fines, r=rewards
        )

    def _confirm_several(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("批准多条"),
            self.several_text(rows),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(tr("批准 {n} 条").format(n=len(rows)))
        box.button(QMessageBox.StandardButton.Cancel).setText(tr("取消"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    def approve_with_dialog(self) -> None:
        r = self.selected(self.queue)
        if r is None:
            return
        dlg = ApproveDialog(r, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            amount, note = dlg.values()
            self.approve_selected(amount, note)

    def reject_selected(self, reason: str) -> None:
        r = self.selected(self.queue)
        if r is None:
            return
        ctx = self.session.ctx()
        self._write(
            lambda: sanctions.reject(ctx, r["uid"], reason), said=tr("已驳回:") + self._describe(r)
        )

    def reject_with_dialog(self) -> None:
        r = self.selected(self.queue)
        if r is None:
            return
        dlg = RejectDialog(r, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.reject_selected(dlg.value())

    def add_manual(self, values: Mapping[str, Any]) -> None:
        ctx = self.session.ctx()
        v = dict(values)

        def work():
            number = v.pop("case_number", "")
            case_id = find_case_id(number) if number else None
            return sanctions.add_manual(ctx, case_id=case_id, **v)

        self._write(work, said=tr("已新增奖惩记录"))

    def add_manual_with_dialog(self) -> None:
        dlg = ManualDialog(self.data.departments, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.add_manual(dlg.values())

    def open_case(self, table: QTableWidget) -> None:
        r = self.selected(table)
        if r and r.get("case_id"):
            self.session.request_open_case(r["case_id"])

    def _person_clicked(self, item: QTableWidgetItem) -> None:
        name = cell_text(self.by_person, item.row(), 0)
        self.person.setText(name)
        self.tabs.setCurrentIndex(1)
        self.reload()

    def _department_clicked(self, item: QTableWidgetItem) -> None:
        """The month's sanctions of that department in the list (each opens its case)."""
        i = self.department.findData(cell_text(self.by_department, item.row(), 0))
        if i < 0:
            return
        self.person.clear()
        self.department.setCurrentIndex(i)
        self.tabs.setCurrentIndex(1)
        self.reload()

    def print_selected(self) -> None:
        r = self.selected(self.list)
        if r is None or r["state"] != sanctions.APPROVED:
            return
        # the PDF preview (QtPdf, QtPrintSupport) is loaded when something is first printed
        from ui.print_preview import print_sanction_notice

        print_sanction_notice(self.session, r["id"], self)

    def print_month(self) -> None:
        month = self.month.currentData()
        if month:
            from ui.print_preview import print_month_notices  # as print_selected

            print_month_notices(self.session, month, self)
