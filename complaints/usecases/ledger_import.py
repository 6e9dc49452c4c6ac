"""Importing Excel ledgers (ledger.md): check what a set of files would do, apply them, say
what was rejected and what the database holds after.

The GUI and the CLI both call these. Import runs in one outer transaction with a savepoint
per file: a crash, a power cut or a cancel leaves the data as it was; a file whose rows are
rejected still applies its good rows unless all-or-nothing is asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from complaints.usecases import audit, audit_exchange, import_backup
from complaints.usecases.auth import require
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.output_files import writing
from db import exchange_rows
from db.bulk_load import BulkLoad, tables_to_bulk_load
from db.models import database, on_server
from db.page_cache import page_cache
from db.retry import retried
from db.wal import commit_unhurried
from ledger import audit_sheet, columns, entry_values, store
from ledger.merge import Merger, fresh_tables
from ledger.merge_file import merge_file
from ledger.reader import LedgerFile, open_ledger
from ledger.refusal import LedgerRefused, ReadAgain
from ledger.rejects import SHOWN, write_rejects  # noqa: F401 (SHOWN: see DATA_SHEETS)
from ledger.results import (
    OUTCOME_LABELS,
    OUTCOMES,  # noqa: F401 (for the GUI and the CLI, see DATA_SHEETS)
    FileResult,
    ImportCancelled,
    SheetCounts,
    counts_json,
)
from ledger.zip_check import DEFAULT_LIMITS, ZipLimits

# What the GUI and the CLI show of an import, so that they do not reach into ledger/: the
# data sheets, the outcome words (OUTCOMES), how many rejected rows a summary lists (SHOWN).
DATA_SHEETS = columns.DATA_SHEETS

FUTURE_TOLERANCE = timedelta(minutes=5)
# The page cache of an import: it inserts keys (uuids) all over its indexes.
IMPORT_CACHE_KIB = 128 * 1024
# ...and while a bulk load rebuilds its indexes: SQLite's sorter may hold as much as the
# page cache in memory beside it; the tables are read once, in order (an import stays
# under 500 MB).
REBUILD_CACHE_KIB = 32 * 1024

Progress = Callable[[int, int, str], None]


@dataclass
class ImportPreview:
    files: list[FileResult]
    warnings: list[str] = field(default_factory=list)
    # A sending site's audit chain that does not continue what this site holds: the case
    # rows still apply (nothing is lost), the break is said loudly (exit 1).
    audit_problems: list[str] = field(default_factory=list)
    cancelled: bool = False  # stopped by the person: nothing was written, nothing is known

    @property
    def rejected(self) -> int:
        return sum(f.rejected_count for f in self.files)

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.refused]

    def totals(self) -> dict[str, SheetCounts]:
        out = {s: SheetCounts() for s in columns.DATA_SHEETS}
        for f in self.files:
            for s, c in f.counts.items():
                for k, v in c.as_dict().items():
                    setattr(out[s], k, getattr(out[s], k) + v)
        return out

    @property
    def ok(self) -> bool:
        return not self.refused and not self.rejected


@dataclass
class ImportReport(ImportPreview):
    applied: bool = False  # something was committed
    backup: Path | None = None
    backup_said: str = ""  # the backup's sentence for the report (import_backup)
    # the server's backup, written beside the import, could not be finished (the import
    # stands): the sentence saying so
    backup_failed: str = ""
    differences: list[str] = field(default_factory=list)  # file vs database after import
    # this PC's file: the import's pages wait in SQLite's log for checkpoint.after_import
    checkpoint_due: bool = False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _open_all(
    paths: Sequence[Path], limits: ZipLimits
) -> list[tuple[FileResult, LedgerFile | None]]:
    out: list[tuple[FileResult, LedgerFile | None]] = []
    for given in paths:
        p = Path(given)
        res = FileResult(p)
        try:
            lf = open_ledger(p, limits)
        except LedgerRefused as e:
            res.refused = str(e)
            out.append((res, None))
            continue
        res.site, res.site_name = lf.site, lf.site_name
        res.exported_at, res.scope = lf.exported_at, lf.scope
        res.info = dict(lf.info)
        res.declared_counts = dict(lf.declared_counts)
        res.warnings.extend(lf.notes)
        out.append((res, lf))
    return out


def _forget_merged(res: FileResult) -> None:
    """What the merge of a file rolled back had noted."""
    res.counts.clear()
    res.rejected.clear()
    res.unknown_columns.clear()
    res.headers.clear()
    res.accepted_uids.clear()


def _forget_s5(res: FileResult) -> None:
    """The count of 无责 rows skipped, for a file merged again from the start."""
    if res.s5_rows:
        text = entry_values.S5_SKIPPED.format(n=res.s5_rows)
        if text in res.warnings:
            res.warnings.remove(text)
        res.s5_rows = 0


def _file_warnings(ctx: Context, res: FileResult) -> None:
    if res.exported_at is not None and res.exported_at > ctx.now() + FUTURE_TOLERANCE:
        ahead = res.exported_at - ctx.now()
        res.warnings.append(
            f"{res.path.name}:导出时间 {ctx.local(res.exported_at):%Y-%m-%d %H:%M} 比本机时间晚 "
            f"{int(ahead.total_seconds() // 60)} 分钟:发出方或本机的电脑时钟可能不对"
        )
    for sheet, unknown in res.unknown_columns.items():
        if unknown:
            res.warnings.append(
                f"{res.path.name}:“{sheet}”中有本程序不认识的列(已忽略):{'、'.join(unknown)}"
            )
    for sheet, declared in res.declared_counts.items():
        if declared is None or sheet not in res.counts:
            continue
        found = res.counts[sheet].total
        if declared != found:
            res.warnings.append(
                f"{res.path.name}:“说明”写着“{sheet}”有 {declared} 行,实际读到 {found} 行"
            )


def _incoming_by_table(opened: Sequence[tuple[FileResult, LedgerFile | None]]) -> dict[str, int]:
    """Rows the files say they hold (说明), by table; every row also gets a ledger_base
    row (rows of this site's own records do not, so this is an upper bound)."""
    out = dict.fromkeys((*columns.SHEET_TABLE.values(), "ledger_base"), 0)
    for res, lf in opened:
        if lf is None:
            continue
        for sheet, n in res.declared_counts.items():
            if n and sheet in columns.SHEET_TABLE:
                out[columns.SHEET_TABLE[sheet]] += n
                out["ledger_base"] += n
    return out


def _bulk_tables(bulk: bool | None, incoming: dict[str, int]) -> list[str]:
    if bulk is None:
        return tables_to_bulk_load(incoming)
    return list(incoming) if bulk else []


def _run(
    ctx: Context,
    paths: Sequence[Path],
    *,
    apply: bool,
    all_or_nothing: bool,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    limits: ZipLimits,
    report: ImportReport,
    bulk: bool | None = None,
) -> None:
    opened = _open_all(paths, limits)
    try:
        report.files = [r for r, _ in opened]
        total = sum(sum(v or 0 for v in r.declared_counts.values()) for r, _ in opened)
        now = ctx.now()
        done = 0
        failed = bool(report.refused)
        # The commit leaves its pages in SQLite's log, copied into the database file later
        # (complaints/usecases/checkpoint.py), off the person's path; nothing is lost meanwhile.
        with page_cache(IMPORT_CACHE_KIB), commit_unhurried(), database.atomic() as outer:
            # A big load into a small database: plain indexes dropped now, rebuilt before
            # the commit (same transaction: a rollback brings them back as they were).
            tables = _bulk_tables(bulk, _incoming_by_table(opened))
            loader = BulkLoad(tables) if tables else None
            fresh = fresh_tables()
            for k, (res, first) in enumerate(opened):
                if first is None:
                    continue
                lf = first
                with database.atomic() as sp:
                    before = done
                    try:
                        while True:
                            merger = Merger(ctx.site, now, res.path.name, lf.site, fresh=fresh)
                            try:
                                done = merge_file(
                                    lf,
                                    merger,
                                    res,
                                    progress=progress,
                                    cancelled=cancelled,
                                    done_before=before,
                                    total=total,
                                )
                                lf.confirm()  # the check's last word, when it ran beside
                                break
                            except ReadAgain:  # it needs another reader: from the start
                                sp.rollback()
                                _forget_merged(res)
                                _forget_s5(res)
                                lf.close()
                                lf = open_ledger(res.path, limits, ahead=False)
                                opened[k] = (res, lf)
                    except LedgerRefused as e:  # met mid-stream (e.g. a bomb in a later part,
                        sp.rollback()  # or a later sheet's header, read when reached)
                        res.refused = str(e)
                        _forget_merged(res)
                        failed = True
                        continue
                    res.warnings.extend(lf.cleaning_notes())
                    if all_or_nothing and res.rejected_count:
                        failed = True
                    _receive_audit(ctx, lf, res, report)
                    res.applied = apply
                    if apply:
                        exchange_rows.save_import(
                            file_name=res.path.name,
                            sha256=_sha256(res.path),
                            source_site=lf.site,
                            exported_at=lf.exported_at,
                            imported_at=now,
                            actor=ctx.actor,
                            status="部分导入" if res.rejected_count else "已导入",
                            counts=counts_json(res),
                        )
                        audit.record(
                            ctx,
                            "ledger.import",
                            note=f"{res.path.name} 来自 {lf.site}:" + _counts_text(res.counts),
                        )
                _file_warnings(ctx, res)
            if not apply or (all_or_nothing and failed):
                outer.rollback()  # the dropped indexes come back with it
                for res in report.files:
                    res.applied = False
            elif loader is not None:
                with page_cache(REBUILD_CACHE_KIB):
                    loader.restore()  # on the server it ANALYZEs what it loaded
    finally:
        for _, held in opened:
            if held is not None:
                held.close()
    for res in report.files:
        report.warnings.extend(res.warnings)


def _receive_audit(ctx: Context, lf: LedgerFile, res: FileResult, report: ImportPreview) -> None:
    """Keep the sending site's 审计记录 if its chain continues what this site holds;
    otherwise say where it breaks. A file without the sheet (format 1 from an older
    program) changes nothing here."""
    if lf.site == ctx.site:
        return
    try:
        present, rows = audit_sheet.has_sheet(lf.other_sheet(audit_sheet.SHEET_AUDIT))
        if not present:
            return
        got = audit_exchange.receive_chain(
            ctx, lf.site, audit_sheet.iter_sheet(rows, res.path.name), res.path.name, lf.exported_at
        )
    except LedgerRefused as e:  # a broken part met while streaming the sheet
        report.audit_problems.append(f"{e}(“{audit_sheet.SHEET_AUDIT}”未能读取)")
        return
    report.audit_problems.extend(f"{res.path.name}:{p}" for p in got.problems)


def check_import(
    ctx: Context,
    paths: Sequence[Path],
    *,
    limits: ZipLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportPreview:
    """What importing ``paths`` would do, per file and sheet; changes nothing (the merge
    runs in a transaction that is rolled back, so the counts are exact). It reads every
    row as the import does (a headquarters file takes as long), reporting
    ``progress(done, total, what)``; once ``cancelled()`` it stops and returns a preview
    that says so (``cancelled``) and holds no file."""
    require(ctx, "ledger.import")
    report = ImportReport(files=[])

    @retried  # one transaction, rolled back; run again on a fresh report
    def run() -> None:
        report.warnings.clear()
        report.audit_problems.clear()
        _run(
            ctx,
            paths,
            apply=False,
            all_or_nothing=False,
            progress=progress,
            cancelled=cancelled,
            limits=limits,
            report=report,
        )

    try:
        run()
    except ImportCancelled:
        return ImportPreview([], cancelled=True)
    return ImportPreview(report.files, report.warnings, report.audit_problems)


def apply_import(
    ctx: Context,
    paths: Sequence[Path],
    *,
    all_or_nothing: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    backup_dir: Path | None = None,
    limits: ZipLimits = DEFAULT_LIMITS,
    bulk: bool | None = None,
    backup_later: Callable[[import_backup.PendingBackup], None] | None = None,
) -> ImportReport:
    """Import ``paths``: a backup first (import_backup), then every file in one transaction
    (one savepoint each). Cancel rolls everything back. With ``all_or_nothing`` a single rejected
    row or refused file applies nothing. ``bulk`` (default: decided from the row counts)
    loads without the plain indexes and rebuilds them at the end (db.bulk_load); the
    outcome is the same either way.

    On the office server the backup is only begun (its snapshot fixed) before the import:
    ``backup_later(pending)`` is handed it to write meanwhile (the GUI's maintenance
    thread); without it, it is written on a thread of its own beside the import and this
    waits for it at the end (``backup_failed`` says when it could not be finished)."""
    require(ctx, "ledger.import")
    report = ImportReport(files=[])
    # a file restore reads, in this PC's backups (on the server once a day: import_backup)
    safety = import_backup.before_import(backup_dir, ctx.now(), ctx.tz)
    report.backup, report.backup_said = safety.path, safety.said()
    if safety.pending is None:
        return _apply(ctx, paths, report, all_or_nothing, progress, cancelled, limits, bulk)
    if backup_later is not None:  # the caller writes it meanwhile
        backup_later(safety.pending)
        return _apply(ctx, paths, report, all_or_nothing, progress, cancelled, limits, bulk)
    beside = import_backup.BackgroundBackup(safety.pending)
    try:
        return _apply(ctx, paths, report, all_or_nothing, progress, cancelled, limits, bulk)
    finally:
        try:
            beside.wait()
            report.backup_said = f"导入前备份:{report.backup}"  # written by now
        except UseCaseError as e:
            report.backup_failed = str(e)


def _apply(
    ctx: Context,
    paths: Sequence[Path],
    report: ImportReport,
    all_or_nothing: bool,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    limits: ZipLimits,
    bulk: bool | None,
) -> ImportReport:
    """The import itself, once its backup is made or begun (apply_import)."""

    @retried  # one transaction (the backup file above is made once); run on a fresh report
    def run() -> None:
        report.warnings.clear()
        report.audit_problems.clear()
        _run(
            ctx,
            paths,
            apply=True,
            all_or_nothing=all_or_nothing,
            progress=progress,
            cancelled=cancelled,
            limits=limits,
            report=report,
            bulk=bulk,
        )

    try:
        run()
    except ImportCancelled:
        report.cancelled = True
        for res in report.files:
            res.applied = False
        report.warnings.append("导入已取消,数据保持导入前的样子")
        return report
    report.applied = any(f.applied for f in report.files)
    report.checkpoint_due = report.applied and not on_server()
    if report.applied:
        report.differences = compare_with_database(report.files)
    elif all_or_nothing and (report.rejected or report.refused):
        report.warnings.append("已选择“全部成功才导入”:有被拒绝的行或文件,未导入任何数据")
    return report


def compare_with_database(files: Sequence[FileResult]) -> list[str]:
    """After an import: every accepted row of each file must be in the database."""
    out = []
    for res in files:
        if not res.applied:
            continue
        for sheet, uids in res.accepted_uids.items():
            # in key order (neighbours in the uid index), sorted in place: a set and a
            # sorted copy of a million keys beside the list was an import's peak memory
            uids.sort()
            unique = [uid for uid, _ in groupby(uids)]
            found = store.count_uids(columns.SHEET_TABLE[sheet], unique)
            if found != len(unique):
                out.append(
                    f"{res.path.name}:“{sheet}”接受 {len(unique)} 条,数据库中只找到 {found} 条"
                )
    return out


def _counts_text(counts: dict[str, SheetCounts]) -> str:
    parts = []
    for sheet, c in counts.items():
        d = c.as_dict()
        parts.append(sheet + " " + " ".join(f"{OUTCOME_LABELS[k]}{v}" for k, v in d.items() if v))
    return ";".join(parts)


def write_rejected_rows(preview: ImportPreview, dest: Path) -> list[Path]:
    """Write every file's rejected rows to ``dest`` (one file per source when several
    files had rejects: dest-<source name>.xlsx). Returns the files written."""
    dest = Path(dest)
    with_rejects = [f for f in preview.files if f.rejected]
    written = []
    for f in with_rejects:
        target = (
            dest
            if len(with_rejects) == 1
            else dest.with_name(f"{dest.stem}-{f.path.stem}{dest.suffix or '.xlsx'}")
        )
        with writing(target):
            written.append(write_rejects(f, target))
    return written


def import_history(limit: int = 200) -> list[dict[str, Any]]:
    """The newest imports first: file, source site, when, by whom, counts."""
    return exchange_rows.imports(limit)
