"""统计: the monthly review on screen (policy.md §6) — pick a period and sites, read the figure
cards and the charts, click a card or a bar to list the cases behind it, and save the meeting's
report as Excel (native charts) or Word (with these charts as pictures).

The figures are computed on the task manager's worker (complaints.usecases.stats_review);
the page only lays them out. It refreshes when cases, entries or sanctions change. Its
figure cards and dialogs are in ui.stats_dialogs, the report files in ui.stats_export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from complaints.rules import figures as fig
from complaints.rules import headline
from complaints.rules.periods import Period, PeriodKind, current, custom, following, previous
from complaints.usecases import auth, stats, stats_review
from complaints.usecases.changes import OpChanges
from ui import stats_causes, stats_charts, stats_export
from ui.date_edits import date_edit
from ui.error_detail import ErrorDetail, say
from ui.permits import gate
from ui.stats_dialogs import Card, CasesDialog, VolumeDialog, complaint_rate_tip
from ui.stats_followup import FollowUpLine, HoldLine
from ui.stats_sheets import SheetReturnsBox

ALL_SITES = "全部站点"
KINDS = (PeriodKind.HALF, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR, PeriodKind.CUSTOM)
REFRESH_TOPICS = frozenset({"cases", "entries", "sanctions", "settings", "ledger", "forms"})


def tr(text: str) -> str:
    return QCoreApplication.translate("StatsPage", text)


class StatsPage(QWidget):
    loaded = Signal()  # the figures on screen are fresh (tests wait for it)
    compared = Signal()  # the cards now show the change against earlier periods

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.review: stats_review.Review | None = None
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
        self.date_from = date_edit()
        self.date_to = date_edit()
        for d in (self.date_from, self.date_to):
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
        self.status.setWordWrap(True)  # a failed run's long message must not widen the window
        top.addWidget(self.status)
        self.status_detail = ErrorDetail(self)  # a failed run's technical words
        top.addWidget(self.status_detail)
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
        for i, key in enumerate(headline.KPIS):
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
        self.follow_up_line = FollowUpLine()
        blay.addWidget(self.follow_up_line)
        self.hold_line = HoldLine()
        blay.addWidget(self.hold_line)
        self.sheet_returns = SheetReturnsBox()
        blay.addWidget(self.sheet_returns)
        blay.addLayout(self.charts, 1)
        self.causes_panel = stats_causes.CausesPanel(session, self)
        blay.addWidget(self.causes_panel)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.body = scroll
        # Without the right to see the figures, the page says so instead of showing empty
        # tiles.
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
        for field in (self.date_from, self.to_label, self.date_to):
            field.setVisible(is_custom)
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
        self.session.taskman.run(stats_review.sites_present, self._show_sites, parent=self)

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

    def _on_changed(self, changes: OpChanges) -> None:
        if changes.touches(REFRESH_TOPICS):
            self._dirty = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty and not self._busy:
            self.refresh()

    # --- computing and showing -------------------------------------------------------------

    def refresh(self) -> None:
        if not auth.allowed(self.session.ctx(), "stats.view"):
            self.status.setText("")
            return
        ctx, period, sites = self.session.ctx(), self.period, self.sites()
        self._busy = True
        self._dirty = False
        self.status.setText(tr("正在统计…"))
        self.status_detail.set_detail("")

        def done(review: stats_review.Review) -> None:
            self._busy = False
            if (period, sites) != (self.period, self.sites()):
                return  # the user moved on meanwhile; a newer run is queued
            self.show_review(review)

        def failed(exc: BaseException) -> None:
            self._busy = False
            say(exc, self.status, self.status_detail, tr("统计失败:"))

        def compared(result: tuple[dict, dict]) -> None:
            if self.review is None or (period, sites) != (self.period, self.sites()):
                return
            self.review.previous, self.review.last_year = result
            self._show_cards(self.review)
            self.compared.emit()

        self.session.taskman.run(
            lambda: stats_review.review(ctx, period, sites, compare=False),
            done,
            on_error=failed,
            label=tr("正在统计…"),
            parent=self,
        )
        # The comparisons (two more periods) come second: the page is readable before them.
        self.session.taskman.run(
            lambda: stats_review.comparisons(ctx, period, sites),
            compared,
            on_error=failed,
            parent=self,
        )
        self.follow_up_line.load(self.session, period, sites)  # 跟踪回访 and 突发事件

    def show_review(self, review: stats_review.Review) -> None:
        self.review = review
        self._show_cards(review)
        self.sheet_returns.show_returns(review.sheet_returns)
        self.hold_line.show_duration(review.on_hold)
        self._build_charts(review)
        self.causes_panel.show_review(review, self.sites())
        tz = self.session.ctx().tz
        self.status.setText(
            tr("{0},时限按 {1} 判断").format(
                review.figures.period.label, review.as_of.astimezone(tz).strftime("%m-%d %H:%M")
            )
        )
        self.loaded.emit()

    def _show_cards(self, review: stats_review.Review) -> None:
        vs_p, vs_l = review.vs_previous, review.vs_last_year
        rate = review.figures.complaint_rate
        why = rate.why_none if rate is not None else None
        for key, card in self.cards.items():
            card.show_value(review.kpis.get(key), vs_p.get(key), vs_l.get(key), why)
            card.setToolTip(
                tr("上期({0}):{1};去年同期({2}):{3}。点击查看投诉单").format(
                    review.previous_label,
                    headline.format_kpi(key, review.previous.get(key), why),
                    review.last_year_label,
                    headline.format_kpi(key, review.last_year.get(key), why),
                )
            )
        if rate is not None:
            self.cards["complaint_rate"].setToolTip(complaint_rate_tip(rate))

    def _build_charts(self, review: stats_review.Review) -> None:
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
                    headline.format_kpi("satisfied_share", f.satisfied_share.value)
                ),
                list(sat),
                [len(v) for v in sat.values()],
                color=stats_charts.SATISFACTION_COLOR,
                on_click=self.open_satisfaction,
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
        label = headline.KPIS[key][0]
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

    report_saved = Signal(str)

    def chart_pngs(self) -> dict[str, bytes]:
        pngs = {k: stats_charts.to_png(v) for k, v in self.chart_views.items()}
        return pngs | self.causes_panel.chart_pngs()

    def save_report(self, kind: str, path: Path | None = None) -> None:
        """Save the report on screen as Excel (``kind`` "xlsx") or Word ("docx"): asks where
        unless ``path`` is given; report_saved(path) once written."""
        stats_export.save_report(self, kind, path)
