"""数据交换 page: export the Excel ledger, check and import ledgers (dialog or drag and
drop), the conflicts, and the import history (the HQ view: per site, the last file)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QTime, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from complaints.usecases import ledger_export, ledger_import, settings
from complaints.usecases.changes import OpChanges
from complaints.usecases.ledger_import import DATA_SHEETS, OUTCOME_LABELS, OUTCOMES
from desktop import __version__
from ui.checkpoint_job import CheckpointJob
from ui.conflicts_page import ConflictsPage, show_value
from ui.date_edits import date_time_edit, local_time_of
from ui.file_dialogs import ask_open, ask_save, suggested_name
from ui.import_backup_job import ImportBackupJob
from ui.permits import gate
from ui.save_elsewhere import retry_elsewhere
from ui.session import Session
from ui.tables import read_only
from ui.toast import show_toast

REJECTS_SHOWN = 1000  # rejected rows listed on the page; the rest are counted


def tr(text: str) -> str:
    return QCoreApplication.translate("ExchangePage", text)


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    read_only(t, whole_rows=False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(t: QTableWidget, rows: list[list[str]]) -> None:
    t.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            t.setItem(i, j, QTableWidgetItem(str(text)))


class ExchangePage(QWidget):
    exported = Signal(object)  # ExportResult
    checked = Signal(object)  # ImportPreview
    imported = Signal(object)  # ImportReport

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.paths: list[Path] = []
        self.preview: ledger_import.ImportPreview | None = None
        self.check_task = 0  # the running check's task (taskman.cancel)
        self.report: ledger_import.ImportReport | None = None
        # the office server's backup before an import, written beside it: its last word
        self.backup_job = ImportBackupJob(session, self)
        self._backup_ends: dict[Path, str] = {}
        self.backup_job.written.connect(
            lambda p: self._backup_ended(p, tr("导入前备份已写完:{p}").format(p=p))
        )
        self.backup_job.failed.connect(self._backup_ended)
        self.checkpoint_job = CheckpointJob(session, self, self.imported)  # after an import
        self.tabs = QTabWidget()
        self.tabs.addTab(self._export_tab(), tr("导出台账"))
        self.tabs.addTab(self._import_tab(), tr("导入台账"))
        self.conflicts = ConflictsPage(session)
        self.tabs.addTab(self.conflicts, tr("冲突"))
        self.tabs.addTab(self._history_tab(), tr("导入记录"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        session.changed.connect(self._on_changed)
        session.user_changed.connect(self._gate)
        self._gate()
        self.reload_history()

    def _gate(self) -> None:
        """导出… and 选择文件… only for whoever may export / import the ledger; the reason
        as tooltip otherwise."""
        ctx = self.session.ctx()
        gate(self.export_button, ctx, "ledger.export")
        may_import = gate(self.choose, ctx, "ledger.import")
        self.setAcceptDrops(may_import)
        if not may_import:
            self.import_button.setEnabled(False)

    # --- export ----------------------------------------------------------------------------
    def _export_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        scope = QGroupBox(tr("范围"))
        sl = QVBoxLayout(scope)
        self.full = QRadioButton(tr("全部记录"))
        self.incremental = QRadioButton(tr("增量:上次导出到同一文件之后改动的记录"))
        self.since_radio = QRadioButton(tr("增量:此时间之后改动的记录"))
        # the office's clock, whatever zone the PC is set to
        ctx = self.session.ctx()
        local = ctx.local(ctx.now()).replace(tzinfo=None) - timedelta(days=30)
        self.since = date_time_edit(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )
        group = QButtonGroup(w)
        for b in (self.full, self.incremental, self.since_radio):
            group.addButton(b)
            sl.addWidget(b)
        sl.addWidget(self.since)
        self.since.setEnabled(False)
        self.since_radio.toggled.connect(self.since.setEnabled)
        self.full.setChecked(True)
        lay.addWidget(scope)
        sites = QGroupBox(tr("站点"))
        sites_l = QHBoxLayout(sites)
        self.site_codes = QLineEdit()
        self.site_codes.setPlaceholderText(tr("本站点;总部可填多个站点代码,用逗号分隔"))
        self.all_sites = QCheckBox(tr("所有站点"))
        self.all_sites.toggled.connect(lambda on: self.site_codes.setEnabled(not on))
        sites_l.addWidget(self.site_codes, 1)
        sites_l.addWidget(self.all_sites)
        lay.addWidget(sites)
        self.mask_check = QCheckBox(tr("隐藏手机号中间四位(138****5678),用于发出本店的文件"))
        lay.addWidget(self.mask_check)
        self.export_button = QPushButton(tr("导出…"))
        self.export_button.clicked.connect(self._ask_export)
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        lay.addWidget(self.export_status)
        lay.addStretch(1)
        self.session.taskman.run(
            lambda: settings.get("privacy.mask_phone_in_export"),
            lambda v: self.mask_check.setChecked(bool(v)),
            parent=self,
        )
        return w

    def _ask_export(self) -> None:
        ctx = self.session.ctx()
        name = suggested_name(ctx.site, tr("台账"), ctx.local(ctx.now()), ".xlsx")
        path = ask_save(self, "ledger", tr("导出台账"), name, tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_to(path.with_suffix(".xlsx"))

    def export_to(self, path: Path) -> None:
        ctx = self.session.ctx()
        since = None
        if self.since_radio.isChecked():
            since = local_time_of(self.since).replace(tzinfo=ctx.tz)
        codes = [
            c.strip().upper()
            for c in self.site_codes.text().replace(",", ",").split(",")
            if c.strip()
        ]
        incremental, all_sites = self.incremental.isChecked(), self.all_sites.isChecked()
        mask_phones = self.mask_check.isChecked()

        def done(res: ledger_export.ExportResult) -> None:
            c = res.counts
            self.export_status.setText(
                f"{tr('已导出到')} {res.path}\n{tr('范围')}:{res.scope};"
                f"{tr('投诉台账')} {c.cases} {tr('行')},{tr('跟踪记录')} {c.entries} {tr('行')},"
                f"{tr('奖惩记录')} {c.sanctions} {tr('行')}"
            )
            show_toast(
                self,
                tr("已导出台账:投诉 {a} 行、跟踪记录 {b} 行、奖惩 {c} 行").format(
                    a=c.cases, b=c.entries, c=c.sanctions
                ),
            )
            self.exported.emit(res)

        self.session.taskman.run(
            lambda: ledger_export.export_ledger(
                ctx,
                path,
                app_version=__version__,
                incremental=incremental,
                since=since,
                sites=codes or None,
                all_sites=all_sites,
                mask_phones=mask_phones,
            ),
            done,
            on_error=retry_elsewhere(self, self.export_to),  # the ledger open in Excel
            label=tr("正在导出台账…"),
            parent=self,
        )

    # --- import ----------------------------------------------------------------------------
    def _import_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        top = QHBoxLayout()
        self.choose = QPushButton(tr("选择文件…"))
        self.choose.clicked.connect(self._ask_files)
        top.addWidget(self.choose)
        self.files_label = QLabel(tr("也可以把 .xlsx 文件拖到此页面上。"))
        top.addWidget(self.files_label, 1)
        lay.addLayout(top)
        self.preview_table = _table(
            [tr("文件"), tr("来自站点"), tr("工作表")] + [OUTCOME_LABELS[k] for k in OUTCOMES]
        )
        lay.addWidget(self.preview_table, 2)
        lay.addWidget(QLabel(tr("被拒绝的行")))
        self.rejects_table = _table([tr("文件"), tr("工作表"), tr("行"), tr("列"), tr("原因")])
        lay.addWidget(self.rejects_table, 2)
        self.messages = QPlainTextEdit()
        self.messages.setReadOnly(True)
        self.messages.setMaximumHeight(110)
        lay.addWidget(self.messages)
        bottom = QHBoxLayout()
        self.all_or_nothing = QCheckBox(tr("全部成功才导入(有任何一行被拒绝就不导入)"))
        bottom.addWidget(self.all_or_nothing)
        bottom.addStretch(1)
        self.save_rejects_button = QPushButton(tr("导出被拒绝的行…"))
        self.save_rejects_button.clicked.connect(self._ask_rejects)
        self.import_button = QPushButton(tr("导入"))
        self.import_button.clicked.connect(self.apply_checked)
        bottom.addWidget(self.save_rejects_button)
        bottom.addWidget(self.import_button)
        lay.addLayout(bottom)
        self.import_button.setEnabled(False)
        self.save_rejects_button.setEnabled(False)
        return w

    def _ask_files(self) -> None:
        files = ask_open(self, "ledger", tr("选择台账文件"), tr("Excel 工作簿 (*.xlsx)"))
        if files:
            self.check_files(files)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._xlsx_urls(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._xlsx_urls(event)
        if files:
            event.acceptProposedAction()
            self.tabs.setCurrentIndex(1)
            self.check_files(files)

    @staticmethod
    def _xlsx_urls(event) -> list[Path]:
        md = event.mimeData()
        if not md.hasUrls():
            return []
        return [
            Path(u.toLocalFile())
            for u in md.urls()
            if u.isLocalFile() and u.toLocalFile().lower().endswith(".xlsx")
        ]

    def check_files(self, paths: list[Path]) -> None:
        """Check ``paths`` (nothing is written) and show the preview."""
        self.paths = list(paths)
        self.files_label.setText("、".join(p.name for p in self.paths))
        self.import_button.setEnabled(False)
        ctx = self.session.ctx()
        paths = list(self.paths)

        def work(progress, cancelled):
            return ledger_import.check_import(ctx, paths, progress=progress, cancelled=cancelled)

        # as long as the import itself for a big file: the count and 取消
        self.check_task = self.session.taskman.run_with_progress(
            work, self._show_preview, label=tr("正在检查台账…"), parent=self
        )

    def _show_result(self, result: ledger_import.ImportPreview, extra: list[str]) -> None:
        rows, rejects = [], []
        for f in result.files:
            if f.refused:
                rows.append([f.path.name, f.site, tr("整个文件被拒绝")] + [""] * len(OUTCOMES))
                rejects.append([f.path.name, "", "", "", f.refused])
                continue
            for sheet in DATA_SHEETS:
                c = f.counts.get(sheet)
                if c is not None:
                    rows.append(
                        [f.path.name, f.site, sheet] + [str(getattr(c, k)) for k in OUTCOMES]
                    )
            # the first rows only: a file may hold a million bad rows
            for p in f.rejected.problems(limit=REJECTS_SHOWN):
                rejects.append([f.path.name, p.sheet, str(p.row), p.column, p.reason])
            if len(f.rejected) > REJECTS_SHOWN:
                rejects.append(
                    [
                        f.path.name,
                        "",
                        "",
                        "",
                        tr(
                            "…… 共 {n} 行被拒绝,以上为前 {k} 行;点“导出被拒绝的行…”可写出全部"
                        ).format(n=len(f.rejected), k=REJECTS_SHOWN),
                    ]
                )
        _fill(self.preview_table, rows)
        _fill(self.rejects_table, rejects)
        chain = [f"{tr('审计记录不连续')}:{p}" for p in result.audit_problems]
        self.messages.setPlainText("\n".join(chain + list(result.warnings) + extra))
        self.save_rejects_button.setEnabled(result.rejected > 0)

    def _show_preview(self, preview: ledger_import.ImportPreview) -> None:
        self.report = None
        if preview.cancelled:
            self.preview = None
            _fill(self.preview_table, [])
            _fill(self.rejects_table, [])
            self.messages.setPlainText(tr("检查已取消,未写入任何数据。"))
            self.save_rejects_button.setEnabled(False)
            self.import_button.setEnabled(False)
            self.checked.emit(preview)
            return
        self.preview = preview
        ok_files = [f for f in preview.files if not f.refused]
        self._show_result(preview, [tr("以上为预览,尚未写入。")])
        self.import_button.setEnabled(bool(ok_files) and self.choose.isEnabled())
        self.checked.emit(preview)

    def apply_checked(self) -> None:
        if not self.paths:
            return
        ctx = self.session.ctx()
        paths, aon = list(self.paths), self.all_or_nothing.isChecked()
        backups = self.session.paths.backups

        def work(progress, cancelled):
            return ledger_import.apply_import(
                ctx,
                paths,
                all_or_nothing=aon,
                progress=progress,
                cancelled=cancelled,
                backup_dir=backups,
                backup_later=self.backup_job.hand_over,
            )

        self.import_button.setEnabled(False)
        self.session.taskman.run_with_progress(
            work, self._show_report, label=tr("正在导入台账…"), parent=self
        )

    def _show_report(self, report: ledger_import.ImportReport) -> None:
        extra = []
        if report.backup_said:  # where the backup is (on the server: today's, maybe earlier)
            extra.append(self._backup_ends.get(report.backup or Path(), report.backup_said))
        if report.cancelled and self.preview is not None:  # nothing written: as previewed
            self.report = None
            self._show_result(self.preview, [*extra, tr("导入已取消,数据未改动。")])
            self.import_button.setEnabled(self.choose.isEnabled())  # the preview had files
            self.imported.emit(report)
            return
        self.report = report
        extra += [f"{tr('核对不符')}:{d}" for d in report.differences]
        if report.cancelled:
            extra.append(tr("导入已取消,数据未改动。"))
        elif report.applied:
            n = sum(c.conflict for c in report.totals().values())
            extra.append(tr("导入完成。") + (f"{n} {tr('条冲突待处理,见“冲突”页。')}" if n else ""))
        else:
            extra.append(tr("未导入任何数据。"))
        self._show_result(report, extra)
        if report.applied:
            t = report.totals()
            count = {
                k: sum(getattr(v, k) for v in t.values())
                for k in ("new", "updated", "conflict", "rejected")
            }
            show_toast(
                self,
                tr(
                    "已导入:新增 {new} 条,更新 {updated} 条,冲突 {conflict} 条,拒绝 {rejected} 条"
                ).format(**count),
            )
        self.imported.emit(report)

    def _backup_ended(self, path: Path, said: str) -> None:
        """The server's backup before an import is whole (or failed): said under the report
        (or by it, when the import's report comes later)."""
        self._backup_ends[path] = said
        if self.report is not None and self.report.backup == path:
            self.messages.appendPlainText(said)

    def _ask_rejects(self) -> None:
        ctx = self.session.ctx()
        name = suggested_name(ctx.site, tr("被拒绝的行"), ctx.local(ctx.now()), ".xlsx")
        path = ask_save(self, "ledger", tr("导出被拒绝的行"), name, tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.save_rejects(path.with_suffix(".xlsx"))

    def save_rejects(self, path: Path) -> None:
        result = self.report or self.preview
        if result is None:
            return
        self.session.taskman.run(
            lambda: ledger_import.write_rejected_rows(result, path),
            lambda files: self.messages.appendPlainText(
                tr("被拒绝的行已写入:") + "、".join(map(str, files))
            ),
            on_error=retry_elsewhere(self, self.save_rejects),
            parent=self,
        )

    # --- history ---------------------------------------------------------------------------
    def _history_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(QLabel(tr("每个站点最近一次导入的文件")))
        self.last_table = _table([tr("站点"), tr("文件"), tr("导入时间"), tr("状态"), tr("计数")])
        lay.addWidget(self.last_table, 1)
        lay.addWidget(QLabel(tr("导入记录")))
        self.history_table = _table(
            [
                tr("导入时间"),
                tr("站点"),
                tr("文件"),
                tr("导出时间"),
                tr("经办人"),
                tr("状态"),
                tr("计数"),
            ]
        )
        lay.addWidget(self.history_table, 2)
        return w

    def reload_history(self) -> None:
        self.session.taskman.run(ledger_import.import_history, self._show_history, parent=self)

    def _show_history(self, rows: list[dict]) -> None:
        tz = self.session.ctx().tz

        def counts(d: dict) -> str:
            return ";".join(
                f"{s} " + " ".join(f"{OUTCOME_LABELS[k]}{v}" for k, v in c.items() if v)
                for s, c in d.items()
            )

        _fill(
            self.history_table,
            [
                [
                    show_value(r["imported_at"], tz),
                    r["source_site"],
                    r["file_name"],
                    show_value(r["exported_at"], tz),
                    r["actor"],
                    r["status"],
                    counts(r["counts"]),
                ]
                for r in rows
            ],
        )
        last: dict[str, dict] = {}
        for r in rows:  # newest first
            last.setdefault(r["source_site"], r)
        _fill(
            self.last_table,
            [
                [
                    s,
                    r["file_name"],
                    show_value(r["imported_at"], tz),
                    r["status"],
                    counts(r["counts"]),
                ]
                for s, r in sorted(last.items())
            ],
        )

    def _on_changed(self, changes: OpChanges) -> None:
        if "ledger" in changes:
            self.reload_history()

    def badge_count(self) -> int | None:
        return self.conflicts.badge_count()
