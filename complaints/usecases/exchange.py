"""Use cases of the Excel ledger exchange (ledger.md): export, check, import, conflicts.

The GUI and the CLI both call these. Import runs in one outer transaction with a
savepoint per file: a crash, a power cut or a cancel leaves the data as it was; a file
whose rows are rejected still applies its good rows unless all-or-nothing is asked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from complaints.usecases import audit, audit_exchange, settings
from complaints.usecases.auth import require
from complaints.usecases.context import Context, format_tz
from complaints.usecases.errors import NotFound, UseCaseError
from complaints.usecases.output_files import writing
from db.backup import make_backup
from db.database import database_path
from db.errors import StorageError
from db.models import database
from db.models_ledger import LedgerConflict, LedgerExport, LedgerImport
from db.partfiles import Partial, registry_for
from db.timeutil import to_db
from ledger import audit_sheet, entry_values, store
from ledger import columns as C
from ledger.bulk import BulkLoad, tables_to_bulk_load
from ledger.export import ExportCounts, LedgerMeta, safe_text_cell, write_ledger
from ledger.merge import (
    OUTCOME_LABELS,
    OUTCOMES,  # noqa: F401 (re-exported for the GUI)
    FileResult,
    ImportCancelled,
    Merger,
    RowRejected,
    SheetCounts,
    counts_json,
    fresh_tables,
    merge_file,
)
from ledger.reader import DEFAULT_LIMITS, LedgerFile, LedgerRefused, ZipLimits, open_ledger
from ledger.rejects import SHOWN, write_rejects  # noqa: F401 (SHOWN: for the CLI, GUI)

# For the GUI, which does not reach into ledger/: sheet names and outcome words.
DATA_SHEETS = C.DATA_SHEETS

FULL = "全部"
INCREMENTAL = "增量"
FUTURE_TOLERANCE = timedelta(minutes=5)
EXCEL_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one of them the header

Progress = Callable[[int, int, str], None]


# --- export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    scope: str
    since: datetime | None
    sites: tuple[str, ...]  # empty: every site
    counts: ExportCounts
    exported_at: datetime
    masked: bool


def destination_key(dest: Path) -> str:
    """How a destination is remembered for 增量: its absolute path."""
    return str(Path(dest).expanduser().resolve())


def last_export(dest: Path) -> datetime | None:
    row = LedgerExport.get_or_none(LedgerExport.destination == destination_key(dest))
    return row.exported_at if row else None


def export_ledger(
    ctx: Context,
    dest: Path,
    *,
    incremental: bool = False,
    since: datetime | None = None,
    sites: Sequence[str] | None = None,
    all_sites: bool = False,
    mask_phones: bool | None = None,
    app_version: str = "",
) -> ExportResult:
    """Write a ledger to ``dest``. ``since`` (or ``incremental``: since the last export to
    the same destination) makes it 增量; ``sites`` defaults to this site; ``all_sites``
    writes every site's records (HQ). ``mask_phones`` defaults to the office setting."""
    require(ctx, "ledger.export")
    dest = Path(dest)
    if since is not None and since.tzinfo is None:
        raise UseCaseError("起始时间必须带时区")
    if incremental and since is None:
        since = last_export(dest)
    chosen: tuple[str, ...] = () if all_sites else tuple(sites or (ctx.site,))
    if mask_phones is None:
        mask_phones = bool(settings.get("privacy.mask_phone_in_export"))
    now = ctx.now()
    scope = FULL if since is None else f"{INCREMENTAL} since {ctx.local(since).isoformat()}"
    meta = LedgerMeta(
        site=ctx.site,
        site_name=settings.get("site.name"),
        exported_at=now,
        tz_text=format_tz(ctx.tz),
        scope=scope,
        app_version=app_version,
    )
    query_sites = list(chosen) or None
    carried: list[dict[str, Any]] = []

    def write_audit(book) -> None:
        carried.extend(audit_exchange.chain_for_export(dest_key, whole=since is None))
        audit_sheet.write_sheet(
            book, carried, ctx.tz, safe_text_cell, lambda e: audit.EVENT_LABELS.get(e, e)
        )

    dest_key = destination_key(dest)
    try:
        # One read transaction: a consistent snapshot (WAL), so an entry saved meanwhile
        # never travels without its case; writers are not blocked (a deferred transaction:
        # database.atomic() takes the write lock, issue 15 §4).
        with _page_cache(EXPORT_CACHE_KIB), database.read_snapshot():
            expected = {
                C.TABLE_SHEET[t]: store.count_records(t, sites=query_sites, since=since)
                for t in ("cases", "entries", "sanctions")
            }
            # 审计记录: this site's audit entries since the last ledger to this destination
            # (all of them in a 全部 ledger), so the receiver keeps the chain (issue 15 §6)
            expected[audit_sheet.SHEET_AUDIT] = audit_exchange.count_for_export(
                dest_key, whole=since is None
            )
            too_many = {s: n for s, n in expected.items() if n > EXCEL_MAX_ROWS}
            if too_many:
                raise UseCaseError(
                    "、".join(f"“{s}”{n} 行" for s, n in too_many.items())
                    + f"超过 Excel 每张表 {EXCEL_MAX_ROWS} 行的上限:请按站点分开导出,"
                    "或用“增量”分批导出"
                )
            # write_ledger writes DEST.part and renames it: a kill leaves it to the next
            # start; a ledger open in Excel: say so, offer another name
            live = database_path()
            with (
                writing(dest),
                Partial(dest.with_name(dest.name + ".part"), registry_for(live) if live else None),
            ):
                counts = write_ledger(
                    dest,
                    meta,
                    ctx.tz,
                    cases=store.iter_records(
                        "cases", sites=query_sites, since=since, my_site=ctx.site
                    ),
                    entries=map(
                        entry_values.to_wire,
                        store.iter_records(
                            "entries", sites=query_sites, since=since, my_site=ctx.site
                        ),
                    ),
                    sanctions=store.iter_records(
                        "sanctions", sites=query_sites, since=since, my_site=ctx.site
                    ),
                    mask_phones=mask_phones,
                    expected=expected,
                    extra_sheet=write_audit,
                )
    except OSError as e:
        raise UseCaseError(f"无法写入 {dest}:{e}") from None
    with database.atomic():
        # The versions of our own records this file sent are remembered (docs/ledger.md):
        # those saved since the last export (earlier ones were remembered then).
        last = LedgerExport.select().order_by(LedgerExport.exported_at.desc()).first()
        store.record_own_versions(ctx.site, to_db(last.exported_at) if last else None)
        LedgerExport.insert(
            destination=destination_key(dest),
            exported_at=now,
            scope=scope,
            sites=",".join(chosen),
            counts=json.dumps(counts.as_dict(), ensure_ascii=False),
        ).on_conflict_replace().execute()
        audit_exchange.mark_exported(dest_key, carried, now)
        audit.record(
            ctx,
            "ledger.export",
            note=f"{dest.name} {scope} 站点:"
            f"{','.join(chosen) or '全部'} 投诉 {counts.cases} 条"
            + (",电话已隐藏" if mask_phones else ""),
        )
    return ExportResult(
        dest, FULL if since is None else INCREMENTAL, since, chosen, counts, now, mask_phones
    )


@contextmanager
def _page_cache(kib: int):
    """SQLite's page cache (32 MB for the app) sized for one job, then put back. The export
    reads each table once, in order: a big cache would only hold pages never read again
    (flat memory). An import inserts keys (uuids) all over its indexes: a bigger cache
    keeps them in memory instead of spilling pages mid-transaction."""
    before = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(before)}")


EXPORT_CACHE_KIB = 4 * 1024
IMPORT_CACHE_KIB = 128 * 1024


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    files: list[FileResult]
    warnings: list[str] = field(default_factory=list)
    # A sending site's audit chain that does not continue what this site holds (issue 15
    # §6): the case rows still apply (nothing is lost), the break is said loudly (exit 1).
    audit_problems: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(f.rejected_count for f in self.files)

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.refused]

    def totals(self) -> dict[str, SheetCounts]:
        out = {s: SheetCounts() for s in C.DATA_SHEETS}
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
    cancelled: bool = False
    backup: Path | None = None
    differences: list[str] = field(default_factory=list)  # file vs database after import


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _open_all(
    paths: Sequence[Path], limits: ZipLimits
) -> list[tuple[FileResult, LedgerFile | None]]:
    out = []
    for p in paths:
        p = Path(p)
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
    out = dict.fromkeys((*C.SHEET_TABLE.values(), "ledger_base"), 0)
    for res, lf in opened:
        if lf is None:
            continue
        for sheet, n in res.declared_counts.items():
            if n and sheet in C.SHEET_TABLE:
                out[C.SHEET_TABLE[sheet]] += n
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
        with _page_cache(IMPORT_CACHE_KIB), database.atomic() as outer:
            # A big load into a small database: plain indexes dropped now, rebuilt before
            # the commit (same transaction: a rollback brings them back as they were).
            tables = _bulk_tables(bulk, _incoming_by_table(opened))
            loader = BulkLoad(tables) if tables else None
            fresh = fresh_tables()
            for res, lf in opened:
                if lf is None:
                    continue
                with database.atomic() as sp:
                    merger = Merger(ctx.site, now, res.path.name, lf.site, fresh=fresh)
                    try:
                        done = merge_file(
                            lf,
                            merger,
                            res,
                            progress=progress,
                            cancelled=cancelled,
                            done_before=done,
                            total=total,
                        )
                    except LedgerRefused as e:  # met mid-stream (e.g. a bomb in a later part,
                        sp.rollback()  # or a later sheet's header, read when reached)
                        res.refused = str(e)
                        res.counts.clear()
                        res.rejected.clear()
                        res.unknown_columns.clear()
                        res.headers.clear()
                        res.accepted_uids.clear()
                        failed = True
                        continue
                    res.warnings.extend(lf.cleaning_notes())  # issue 15 §4
                    if all_or_nothing and res.rejected_count:
                        failed = True
                    _receive_audit(ctx, lf, res, report)
                    res.applied = apply
                    if apply:
                        LedgerImport.create(
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
                loader.restore()
    finally:
        for _, lf in opened:
            if lf is not None:
                lf.close()
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
    ctx: Context, paths: Sequence[Path], *, limits: ZipLimits = DEFAULT_LIMITS
) -> ImportPreview:
    """What importing ``paths`` would do, per file and sheet; changes nothing (the merge
    runs in a transaction that is rolled back, so the counts are exact)."""
    require(ctx, "ledger.import")
    report = ImportReport(files=[])
    _run(
        ctx,
        paths,
        apply=False,
        all_or_nothing=False,
        progress=None,
        cancelled=None,
        limits=limits,
        report=report,
    )
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
) -> ImportReport:
    """Import ``paths``: a verified backup first, then every file in one transaction (one
    savepoint each). Cancel rolls everything back. With ``all_or_nothing`` a single rejected
    row or refused file applies nothing. ``bulk`` (default: decided from the row counts)
    loads without the plain indexes and rebuilds them at the end (ledger.bulk); the
    outcome is the same either way."""
    require(ctx, "ledger.import")
    report = ImportReport(files=[])
    folder = backup_dir or Path(database.database).parent / "backups"
    try:
        report.backup = make_backup(folder, reason="before-import", now=ctx.now())
    except (StorageError, OSError) as e:
        raise UseCaseError(f"导入前备份失败,未导入任何数据:{e}") from None
    try:
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
    except ImportCancelled:
        report.cancelled = True
        for res in report.files:
            res.applied = False
        report.warnings.append("导入已取消,数据保持导入前的样子")
        return report
    report.applied = any(f.applied for f in report.files)
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
            unique = sorted(set(uids))  # in key order: neighbours in the uid index
            found = store.count_uids(C.SHEET_TABLE[sheet], unique)
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
    return [
        {
            "id": r.id,
            "file_name": r.file_name,
            "source_site": r.source_site,
            "exported_at": r.exported_at,
            "imported_at": r.imported_at,
            "actor": r.actor,
            "status": r.status,
            "counts": json.loads(r.counts),
        }
        for r in LedgerImport.select()
        .order_by(LedgerImport.imported_at.desc(), LedgerImport.id.desc())
        .limit(limit)
    ]


# --- conflicts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    header: str
    local: Any
    incoming: Any

    @property
    def differs(self) -> bool:
        return self.local != self.incoming


@dataclass(frozen=True)
class ConflictView:
    id: int
    uid: str
    sheet: str
    site: str
    title: str  # 编号 of the case (or of the entry's case) for people
    local_revision: int
    incoming_revision: int
    source_file: str
    source_site: str
    found_at: datetime
    fields: tuple[FieldDiff, ...]
    local_missing: bool = False
    # "version": two versions of one record; "proposal": an edit made at a site that does
    # not own the record (docs/ledger.md)
    kind: str = "version"


def _view(c: LedgerConflict) -> ConflictView:
    sheet = C.TABLE_SHEET[c.tbl]
    incoming = store.from_json(sheet, c.incoming)
    local = store.local_values(c.tbl, c.uid)
    fields = tuple(
        FieldDiff(col.header, (local or {}).get(col.key), incoming.get(col.key))
        for col in C.SHEET_COLUMNS[sheet]
        if col.stored
    )
    title = incoming.get("number") or ""
    if not title and incoming.get("case_uid"):
        case = store.local_values("cases", incoming["case_uid"])
        title = case["number"] if case else ""
    return ConflictView(
        c.id,
        c.uid,
        sheet,
        c.site,
        title,
        c.local_revision,
        c.incoming_revision,
        c.source_file,
        c.source_site,
        c.found_at,
        fields,
        local is None,
        c.kind,
    )


def list_conflicts() -> list[ConflictView]:
    """Open conflicts, oldest first."""
    q = (
        LedgerConflict.select()
        .where(LedgerConflict.resolved_at.is_null())
        .order_by(LedgerConflict.found_at, LedgerConflict.id)
    )
    return [_view(c) for c in q]


def open_conflict_count() -> int:
    return LedgerConflict.select().where(LedgerConflict.resolved_at.is_null()).count()


def get_conflict(conflict_id: int) -> ConflictView:
    c = LedgerConflict.get_or_none(LedgerConflict.id == conflict_id)
    if c is None:
        raise NotFound(f"找不到冲突记录(id {conflict_id})")
    return _view(c)


def resolve_conflict(ctx: Context, conflict_id: int, keep: str) -> None:
    """Keep the local record (``keep='local'``) or take the incoming version
    (``'incoming'``); either way the conflict is closed and does not come back for the
    same incoming version."""
    require(ctx, "ledger.resolve")
    if keep not in ("local", "incoming"):
        raise ValueError(keep)
    with database.atomic():
        c = LedgerConflict.get_or_none(LedgerConflict.id == conflict_id)
        if c is None:
            raise NotFound(f"找不到冲突记录(id {conflict_id})")
        if c.resolved_at is not None:
            raise UseCaseError("该冲突已处理过")
        view = _view(c)
        try:
            Merger(ctx.site, ctx.now()).resolve(c, keep)
        except RowRejected as e:
            raise UseCaseError(f"无法采用对方版本:{e.reason}") from None
        c.resolved_at = ctx.now()
        c.resolution = keep
        c.resolved_by = ctx.actor
        c.save()
        changes = (
            {f.header: (f.local, f.incoming) for f in view.fields if f.differs}
            if keep == "incoming"
            else None
        )
        audit.record(
            ctx,
            "ledger.resolve",
            table=c.tbl,
            uid=c.uid,
            changes=changes,
            note="保留本地版本" if keep == "local" else "采用导入版本",
        )
