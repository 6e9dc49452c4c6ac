"""统计: the monthly review on screen (policy.md §6) — pick a period and sites, read the figure
cards and the charts, click a card or a bar to list the cases behind it, and save the meeting's
report as Excel (native charts) or Word (with these charts as pictures).

The figures are computed on the task manager's worker (complaints.usecases.stats.review);
the page only lays them out. It refreshes when cases, entries or sanctions change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from complaints.rules import figures as fig
from complaints.rules.periods import Period, PeriodKind, current, custom, following, previous
from complaints.usecases import stats
from ui import options, stats_charts

ALL_SITES = "全部站点"
KINDS = (PeriodKind.HALF, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR, PeriodKind.CUSTOM)
REFRESH_TOPICS = frozenset({"cases", "entries", "sanctions", "settings", "ledger"})
CASE_COLUMNS = (
    "编号",
    "登记时间",
    "状态",
    "渠道",
    "类别",
    "客户",
    "部门",
    "第一责任人",
    "投诉内容",
)


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsPage", text)


class Card(QFrame):
    """One figure: label, value, change against the previous period and last year."""

    clicked = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("statCard")
        self.setStyleSheet(
            "#statCard { background: #f7f9fc; border: 1px solid #d5dde8; border-radius: 4px; }"
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(2)
        self.title = QLabel(fig.KPIS[key][0])
        self.title.setStyleSheet("color: #555;")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 18pt; font-weight: bold; color: #1b1b1b;")
        self.change = QLabel("")
        self.change.setStyleSheet("color: #666; font-size: 9pt;")
        for w in (self.title, self.value, self.change):
            lay.addWidget(w)

    def show_value(
        self, value: Any, vs_prev: float | None, vs_ly: float | None, none_text: str | None = None
    ) -> None:
        self.value.setText(fig.format_kpi(self.key, value, none_text))
        self.change.setText(
            tr("环比 {0}\n同比 {1}").format(
                fig.format_change(self.key, vs_prev), fig.format_change(self.key, vs_ly)
            )
        )

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.key)
        super().mousePressEvent(event)


class CasesDialog(QDialog):
    """The cases behind a figure; double-click (or Enter) opens one."""

    def __init__(self, session, title: str, ids: Sequence[int], parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(title)
        self.resize(1100, 560)
        lay = QVBoxLayout(self)
        self.info = QLabel(tr("共 {0} 件,正在读取…").format(len(ids)))
        lay.addWidget(self.info)
        self.table = QTableWidget(0, len(CASE_COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in CASE_COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            len(CASE_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.doubleClicked.connect(self._open)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.ids = list(ids)
        self.loaded = False
        session.taskman.run(lambda: stats.case_list(self.ids[:5000]), self._show, parent=self)

    def _show(self, rows: list[tuple]) -> None:
        tz = self.session.ctx().tz
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            case_id, *values = row
            for c, v in enumerate(values):
                if hasattr(v, "astimezone"):
                    v = v.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                text = "" if v is None else str(v).replace("\n", " ")
                item = QTableWidgetItem(text[:200])
                item.setData(Qt.ItemDataRole.UserRole, case_id)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(len(CASE_COLUMNS) - 1, 300)
        more = len(self.ids) - len(rows)
        self.info.setText(
            tr("共 {0} 件(双击打开)").format(len(self.ids))
            + (tr(",只列出前 {0} 件").format(len(rows)) if more > 0 else "")
        )
        self.loaded = True

    def _open(self, index) -> None:
        item = self.table.item(index.row(), 0)
        if item is not None:
            self.session.request_open_case(int(item.data(Qt.ItemDataRole.UserRole)))

    def keyPressEvent(self, event) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.table.currentIndex().isValid()
        ):
            self._open(self.table.currentIndex())
            return
        super().keyPressEvent(event)


class VolumeDialog(QDialog):
    """业务量: a site's 进厂台次 and 新车销售台数 for each month of the period, the complaint
    rate's base. A blank row removes the month's figures (the rate then says 未填业务量)."""

    saved = Signal()
    loaded_volumes = Signal()
    HEADERS = ("月份", "进厂台次", "新车销售台数")

    def __init__(
        self,
        session,
        months: Sequence[str],
        sites: Sequence[str],
        site: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.months = list(months)
        self.ready = False  # the entered figures are on screen
        self.setWindowTitle(tr("业务量(投诉率的基数)"))
        lay = QVBoxLayout(self)
        note = QLabel(
            tr(
                "按月填写本店的业务量:投诉率 = 投诉件数 ÷(进厂台次 + 新车销售台数)"
                "× 1000。两项都留空即删除该月的业务量。"
            )
        )
        note.setWordWrap(True)
        lay.addWidget(note)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("站点:")))
        self.site = QComboBox()
        for code in sites:
            self.site.addItem(code, code)
        self.site.setCurrentIndex(max(self.site.findData(site), 0))
        self.site.setEnabled(len(sites) > 1)
        self.site.currentIndexChanged.connect(lambda _i: self.load())
        row.addWidget(self.site)
        row.addStretch(1)
        lay.addLayout(row)
        self.table = QTableWidget(len(self.months), len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in self.HEADERS])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r, m in enumerate(self.months):
            item = QTableWidgetItem(m)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(r, 0, item)
            for c in (1, 2):
                self.table.setItem(r, c, QTableWidgetItem(""))
        lay.addWidget(self.table)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(460, min(560, 200 + 32 * len(self.months)))
        self.load()

    def load(self) -> None:
        site, months = self.site.currentData(), self.months
        self.session.taskman.run(lambda: stats.volumes([site], months), self._show, parent=self)

    def _show(self, vols: dict) -> None:
        site = self.site.currentData()
        for r, m in enumerate(self.months):
            v = vols.get((site, m))
            self.table.item(r, 1).setText("" if v is None else str(v.service_visits))
            self.table.item(r, 2).setText("" if v is None else str(v.new_car_sales))
        self.ready = True
        self.loaded_volumes.emit()

    def set_row(self, month: str, visits: int | str, sales: int | str) -> None:
        r = self.months.index(month)
        self.table.item(r, 1).setText(str(visits))
        self.table.item(r, 2).setText(str(sales))

    def values(self) -> dict[str, tuple[int, int] | None]:
        """month → (visits, sales) or None; ValueError names the bad cell."""
        out: dict[str, tuple[int, int] | None] = {}
        for r, m in enumerate(self.months):
            texts = [self.table.item(r, c).text().strip().replace(",", "") for c in (1, 2)]
            if not any(texts):
                out[m] = None
                continue
            if not all(t.isdigit() for t in texts):
                raise ValueError(tr("{0}:进厂台次和新车销售台数都应填不小于 0 的整数").format(m))
            out[m] = (int(texts[0]), int(texts[1]))
        return out

    def save(self) -> None:
        try:
            values = self.values()
        except ValueError as e:
            self.error.setText(str(e))
            return
        ctx, site = self.session.ctx(), self.site.currentData()

        def done(_r) -> None:
            self.session.notify_changed("settings")
            self.saved.emit()
            self.accept()

        def failed(exc: BaseException) -> None:
            self.error.setText(str(exc))

        self.session.taskman.run(
            lambda: stats.set_volumes(ctx, site, values), done, on_error=failed, parent=self
        )


class StatsPage(QWidget):
    loaded = Signal()  # the figures on screen are fresh (tests wait for it)
    compared = Signal()  # the cards now show the change against earlier periods

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.review: stats.Review | None = None
        self._dirty = True
        self._busy = False
        self.dialogs: list[CasesDialog] = []
        today = session.ctx().now().astimezone(session.ctx().tz).date()
        self.period: Period = (
            previous(current(PeriodKind.MONTH, today))
            if today.day <= 5
            else current(PeriodKind.MONTH, today)
        )

        top = QHBoxLayout()
        top.addWidget(QLabel(tr("期间:")))
        self.kind = QComboBox()
        for k in KINDS:
            self.kind.addItem(tr(k.value), k.value)  # plain text: Qt keeps no enum identity
        self.kind.setCurrentIndex(KINDS.index(PeriodKind.MONTH))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        top.addWidget(self.kind)
        self.prev_btn = QPushButton("◀")
        self.prev_btn.setToolTip(tr("上一期"))
        self.prev_btn.setFixedWidth(32)
        self.prev_btn.clicked.connect(lambda: self.set_period(previous(self.period)))
        self.period_label = QLabel()
        self.period_label.setMinimumWidth(200)
        self.period_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.period_label.setStyleSheet("font-weight: bold;")
        self.next_btn = QPushButton("▶")
        self.next_btn.setToolTip(tr("下一期"))
        self.next_btn.setFixedWidth(32)
        self.next_btn.clicked.connect(lambda: self.set_period(following(self.period)))
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.dateChanged.connect(self._custom_changed)
        self.to_label = QLabel(tr("至"))
        for w in (
            self.prev_btn,
            self.period_label,
            self.next_btn,
            self.date_from,
            self.to_label,
            self.date_to,
        ):
            top.addWidget(w)
        top.addSpacing(16)
        self.site_label = QLabel(tr("站点:"))
        self.site = QComboBox()
        self.site.addItem(tr(ALL_SITES), None)
        self.site.currentIndexChanged.connect(lambda _i: self.refresh())
        top.addWidget(self.site_label)
        top.addWidget(self.site)
        top.addStretch(1)
        self.status = QLabel()
        self.status.setStyleSheet("color: #666;")
        top.addWidget(self.status)
        self.volume_btn = QPushButton(tr("业务量…"))
        self.volume_btn.setToolTip(tr("填写各月进厂台次和新车销售台数(投诉率的基数)"))
        self.volume_btn.clicked.connect(self.open_volumes)
        top.addWidget(self.volume_btn)
        self.refresh_btn = QPushButton(tr("刷新"))
        self.refresh_btn.clicked.connect(self.refresh)
        self.xlsx_btn = QPushButton(tr("导出 Excel…"))
        self.xlsx_btn.clicked.connect(lambda: self.save_report("xlsx"))
        self.docx_btn = QPushButton(tr("生成 Word 报告…"))
        self.docx_btn.clicked.connect(lambda: self.save_report("docx"))
        for b in (self.refresh_btn, self.xlsx_btn, self.docx_btn):
            top.addWidget(b)

        self.cards: dict[str, Card] = {}
        cards = QGridLayout()
        cards.setSpacing(8)
        for i, key in enumerate(fig.KPIS):
            card = Card(key)
            card.clicked.connect(self.open_card)
            self.cards[key] = card
            cards.addWidget(card, i // 7, i % 7)

        self.charts = QGridLayout()
        self.charts.setSpacing(8)
        self.charts.setColumnStretch(0, 1)
        self.charts.setColumnStretch(1, 1)
        self.chart_views: dict[str, Any] = {}

        body = QWidget()
        blay = QVBoxLayout(body)
        blay.addLayout(cards)
        blay.addLayout(self.charts, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.body = scroll
        # Without the right to see the figures, the page says so (issue 17 §1) instead of
        # showing empty tiles.
        self.denied = QLabel()
        self.denied.setWordWrap(True)
        self.denied.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.denied.setStyleSheet("color: #555; font-size: 15px; padding: 40px;")
        self.denied.hide()
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.denied, 1)

        self._show_period_controls()
        session.changed.connect(self._on_changed)
        session.user_changed.connect(self._on_user)
        self._on_user()
        self._load_sites()
        self.refresh()

    # --- period and sites ----------------------------------------------------------------

    def _show_period_controls(self) -> None:
        is_custom = self.period.kind is PeriodKind.CUSTOM
        for w in (self.prev_btn, self.next_btn):
            w.setVisible(True)
        self.period_label.setVisible(not is_custom)
        for w in (self.date_from, self.to_label, self.date_to):
            w.setVisible(is_custom)
        self.period_label.setText(self.period.label)
        if is_custom:
            for edit, day in (
                (self.date_from, self.period.start),
                (self.date_to, self.period.last_day),
            ):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)

    def set_period(self, period: Period) -> None:
        self.period = period
        if self.kind.currentIndex() != KINDS.index(period.kind):
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(KINDS.index(period.kind))
            self.kind.blockSignals(False)
        self._show_period_controls()
        self.refresh()

    def _kind_changed(self, _i: int) -> None:
        kind = KINDS[self.kind.currentIndex()]
        day = self.period.last_day
        if kind is PeriodKind.CUSTOM:
            p = custom(self.period.start, self.period.last_day)
        else:
            p = current(kind, day)
        self.set_period(p)

    def _custom_changed(self, _d) -> None:
        a, b = self.date_from.date(), self.date_to.date()
        first = date(a.year(), a.month(), a.day())
        last = date(b.year(), b.month(), b.day())
        if last < first:
            self.status.setText(tr("结束日期早于开始日期"))
            return
        self.period = custom(first, last)
        self.refresh()

    def sites(self) -> tuple[str, ...]:
        code = self.site.currentData()
        return () if code is None else (code,)

    def _load_sites(self) -> None:
        self.session.taskman.run(stats.sites_present, self._show_sites, parent=self)

    def _show_sites(self, codes: list[str]) -> None:
        chosen = self.site.currentData()
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItem(tr(ALL_SITES), None)
        for c in codes:
            self.site.addItem(c, c)
        i = self.site.findData(chosen)
        self.site.setCurrentIndex(max(i, 0))
        self.site.blockSignals(False)
        many = len(codes) > 1  # a branch office sees only itself: no picker
        self.site.setVisible(many)
        self.site_label.setVisible(many)

    def _on_user(self) -> None:
        from complaints.usecases import auth
        from ui.permits import gate

        ctx = self.session.ctx()
        gate(
            self.volume_btn,
            ctx,
            "stats.report",
            tip=tr("填写各月进厂台次和新车销售台数(投诉率的基数)"),
        )
        for b in (self.xlsx_btn, self.docx_btn):
            gate(b, ctx, "stats.report")
        why = auth.decide(ctx, "stats.view").reason
        self.body.setVisible(not why)
        self.denied.setVisible(bool(why))
        about = tr(
            "统计页显示本站点的月度数字:数量、及时率、满意度、投诉率与奖惩。"
            "请用有权限的账户登录(文件 → 切换用户)。"
        )
        self.denied.setText(why + "\n\n" + about if why else "")
        self.refresh_btn.setEnabled(not why)
        self.refresh_btn.setToolTip(why)
        if not why and self.review is None and not self._busy and self.isVisible():
            self.refresh()

    def _on_changed(self, topic: str) -> None:
        if topic in REFRESH_TOPICS:
            self._dirty = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty and not self._busy:
            self.refresh()

    # --- computing and showing -------------------------------------------------------------

    def refresh(self) -> None:
        from complaints.usecases import auth

        if not auth.allowed(self.session.ctx(), "stats.view"):
            self.status.setText("")
            return
        ctx, period, sites = self.session.ctx(), self.period, self.sites()
        self._busy = True
        self._dirty = False
        self.status.setText(tr("正在统计…"))

        def done(review: stats.Review) -> None:
            self._busy = False
            if (period, sites) != (self.period, self.sites()):
                return  # the user moved on meanwhile; a newer run is queued
            self.show_review(review)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.status.setText(tr("统计失败:{0}").format(exc))

        def compared(result: tuple[dict, dict]) -> None:
            if self.review is None or (period, sites) != (self.period, self.sites()):
                return
            self.review.previous, self.review.last_year = result
            self._show_cards(self.review)
            self.compared.emit()

        self.session.taskman.run(
            lambda: stats.review(ctx, period, sites, compare=False),
            done,
            on_error=failed,
            label=tr("正在统计…"),
            parent=self,
        )
        # The comparisons (two more periods) come second: the page is readable before them.
        self.session.taskman.run(
            lambda: stats.comparisons(ctx, period, sites), compared, on_error=failed, parent=self
        )

    def show_review(self, review: stats.Review) -> None:
        self.review = review
        self._show_cards(review)
        self._build_charts(review)
        tz = self.session.ctx().tz
        self.status.setText(
            tr("{0},时限按 {1} 判断").format(
                review.figures.period.label, review.as_of.astimezone(tz).strftime("%m-%d %H:%M")
            )
        )
        self.loaded.emit()

    def _show_cards(self, review: stats.Review) -> None:
        vs_p, vs_l = review.vs_previous, review.vs_last_year
        rate = review.figures.complaint_rate
        why = rate.why_none if rate is not None else None
        for key, card in self.cards.items():
            card.show_value(review.kpis.get(key), vs_p.get(key), vs_l.get(key), why)
            card.setToolTip(
                tr("上期({0}):{1};去年同期({2}):{3}。点击查看投诉单").format(
                    review.previous_label,
                    fig.format_kpi(key, review.previous.get(key), why),
                    review.last_year_label,
                    fig.format_kpi(key, review.last_year.get(key), why),
                )
            )
        if rate is not None:
            self.cards["complaint_rate"].setToolTip(self._rate_tip(rate))

    def _rate_tip(self, rate: fig.ComplaintRate) -> str:
        if rate.volume is None:
            if not rate.whole_months:
                return tr("业务量按月填写,投诉率只对整月、季度、年计算。")
            months = "、".join(f"{s} {m}" for s, m in rate.missing[:6])
            more = tr(" 等 {0} 个月").format(len(rate.missing)) if len(rate.missing) > 6 else ""
            return tr("缺少业务量:{0}{1}。点击填写。").format(months, more)
        v = rate.volume
        return tr(
            "投诉 {0} 件 ÷ 业务量 {1} 台次(进厂 {2} + 新车 {3})× 1000\n"
            "售后:{4};销售:{5}。点击修改业务量。"
        ).format(
            rate.cases,
            f"{v.total:,}",
            f"{v.service_visits:,}",
            f"{v.new_car_sales:,}",
            fig.format_kpi("complaint_rate", rate.service_value, "—"),
            fig.format_kpi("complaint_rate", rate.sales_value, "—"),
        )

    def _build_charts(self, review: stats.Review) -> None:
        for v in self.chart_views.values():
            self.charts.removeWidget(v)
            v.deleteLater()
        f = review.figures
        ch = f.by["channel"]
        dept = f.by["department"]
        sat = f.satisfaction
        self.chart_views = {
            "chart_channel": stats_charts.bar_chart(
                tr("按渠道"),
                list(ch),
                [len(v) for v in ch.values()],
                on_click=lambda i: self.open_bucket("channel", i),
            ),
            "chart_department": stats_charts.bar_chart(
                tr("按责任部门"),
                list(dept),
                [len(v) for v in dept.values()],
                on_click=lambda i: self.open_bucket("department", i),
            ),
            "chart_trend": stats_charts.line_chart(
                tr("近12个月投诉量"),
                [f"{int(m[5:7])}月" for m, _n in review.trend],
                [n for _m, n in review.trend],
            ),
            "chart_satisfaction": stats_charts.bar_chart(
                tr("回访满意度(满意率 {0})").format(
                    fig.format_kpi("satisfied_share", f.satisfied_share.value)
                ),
                list(sat),
                [len(v) for v in sat.values()],
                color=stats_charts.SATISFACTION_COLOR,
                on_click=lambda i: self.open_satisfaction(i),
            ),
        }
        for i, key in enumerate(
            ("chart_channel", "chart_department", "chart_trend", "chart_satisfaction")
        ):
            self.charts.addWidget(self.chart_views[key], i // 2, i % 2)

    # --- the cases behind a number -----------------------------------------------------------

    def ids_for_card(self, key: str) -> tuple[str, list[int]]:
        f = self.review.figures if self.review else None
        if f is None:
            return "", []
        label = fig.KPIS[key][0]
        match key:
            case "complaints":
                return label, f.by["kind"].get("投诉", [])
            case "major":
                return label, f.by["severity"].get("重大投诉", [])
            case "carried_over":
                return label, f.carried_over
            case "open_at_end":
                return label, f.open_at_end
            case "timeliness":
                return tr("有时限未按时完成的投诉单"), f.overall.late_ids
            case "satisfied_share":
                return tr("已回访的投诉单"), f.called_back
            case "reopen_rate":
                return tr("重开的投诉单"), f.reopened
            case "repeat":
                return tr("重复投诉(同一电话或VIN)"), f.repeat_case_ids
            case "fines" | "rewards":
                return label, []
            case _:
                return tr("本期投诉单"), f.case_ids

    def open_volumes(self) -> VolumeDialog:
        months = stats.volume_months(self.period)
        codes = [self.site.itemData(i) for i in range(1, self.site.count())]
        own = self.session.ctx().site
        chosen = self.site.currentData() or own
        sites = sorted(set(codes) | {own})
        dlg = VolumeDialog(self.session, months, sites, chosen, self)
        dlg.show()
        self.volume_dialog = dlg
        return dlg

    def open_card(self, key: str) -> CasesDialog | VolumeDialog | None:
        if key == "complaint_rate":
            if self.volume_btn.isEnabled():
                return self.open_volumes()
            key = "total"
        title, ids = self.ids_for_card(key)
        if key in ("fines", "rewards"):
            QMessageBox.information(
                self,
                tr("奖惩"),
                tr("罚款和奖励的明细请在“奖惩”页查看;Word/Excel 报告按部门和人员列出。"),
            )
            return None
        return self._open_dialog(title, ids)

    def open_bucket(self, dimension: str, index: int) -> CasesDialog | None:
        if self.review is None:
            return None
        buckets = self.review.figures.by[dimension]
        name = list(buckets)[index]
        title = fig.DIMENSIONS[dimension][0]
        return self._open_dialog(f"{title}:{name}", buckets[name])

    def open_satisfaction(self, index: int) -> CasesDialog | None:
        if self.review is None:
            return None
        level = fig.LEVELS[index]
        return self._open_dialog(
            tr("回访满意度:{0}").format(level), self.review.figures.satisfaction[level]
        )

    def _open_dialog(self, title: str, ids: Sequence[int]) -> CasesDialog:
        period = self.review.figures.period.label if self.review else ""
        dlg = CasesDialog(self.session, f"{period} {title}({len(ids)} 件)", ids, self)
        self.dialogs = [d for d in self.dialogs if d.isVisible()] + [dlg]
        dlg.show()
        return dlg

    # --- reports -----------------------------------------------------------------------------

    def chart_pngs(self) -> dict[str, bytes]:
        return {k: stats_charts.to_png(v) for k, v in self.chart_views.items()}

    def save_report(self, kind: str, path: Path | None = None) -> None:
        if self.review is None:
            return
        period = self.review.figures.period
        if path is None:
            name = f"投诉分析报告_{period.code.replace('..', '_')}.{kind}"
            start = str(
                Path(options.STATS_REPORT_DIR.read(self.session.ui_settings) or Path.home()) / name
            )
            filt = tr("Excel 工作簿 (*.xlsx)") if kind == "xlsx" else tr("Word 文档 (*.docx)")
            chosen, _ = QFileDialog.getSaveFileName(self, tr("保存报告"), start, filt)
            if not chosen:
                return
            path = Path(chosen)
            if path.suffix.lower() != f".{kind}":
                path = path.with_name(path.name + f".{kind}")
            options.STATS_REPORT_DIR.write(self.session.ui_settings, str(path.parent))
        ctx, sites, review = self.session.ctx(), self.sites(), self.review
        charts = self.chart_pngs() if kind == "docx" else {}
        templates = self.session.paths.templates
        info = self.session.site()
        title_site = (
            "、".join(sites)
            if sites and sites != (ctx.site,)
            else (info.name if info else ctx.site)
        )

        def work() -> Path:
            from complaints.usecases.output_files import writing

            with writing(path):  # open in Excel/Word: OutputInUse before anything is recorded
                stats.record_report(ctx, period, sites, path.name)
                data = stats.report_data(
                    review, title_site=title_site, generated=ctx.now(), tz=ctx.tz
                )
                if kind == "xlsx":
                    from ledger.report_xlsx import write_report

                    return write_report(data, path)
                from forms.report_docx import write_report

                return write_report(data, path, charts=charts, templates_dir=templates)

        def done(out: Path) -> None:
            self.status.setText(tr("已保存 {0}").format(out))
            self.report_saved.emit(str(out))

        from ui.save_elsewhere import retry_elsewhere

        self.session.taskman.run(
            work,
            done,
            label=tr("正在生成报告…"),
            parent=self,
            on_error=retry_elsewhere(self, lambda other: self.save_report(kind, other)),
        )

    report_saved = Signal(str)
