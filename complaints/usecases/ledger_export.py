"""Exporting the Excel ledger (ledger.md): every site's records or this site's, all of them
(全部) or those changed since the last ledger to the same destination (增量), with this
site's audit entries so the receiver keeps the chain. The GUI and the CLI both call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from complaints.usecases import audit, audit_exchange, settings
from complaints.usecases.auth import require
from complaints.usecases.context import Context, format_tz
from complaints.usecases.errors import UseCaseError
from complaints.usecases.output_files import writing
from db import exchange_rows
from db.models import data_folder, database
from db.page_cache import page_cache
from db.partfiles import REGISTRY, Partial
from db.retry import retried
from db.timeutil import to_db
from ledger import audit_sheet, columns, entry_values, store
from ledger.export import ExportCounts, LedgerMeta, safe_text_cell, write_ledger

FULL = "全部"
INCREMENTAL = "增量"
EXCEL_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one of them the header
# The page cache of an export: it reads each table once, in order.
EXPORT_CACHE_KIB = 4 * 1024


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
    """When a ledger was last exported to ``dest``."""
    return exchange_rows.last_export_to(destination_key(dest))


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

    def write_audit(book: Workbook) -> None:
        carried.extend(audit_exchange.chain_for_export(dest_key, whole=since is None))
        audit_sheet.write_sheet(
            book, carried, ctx.tz, safe_text_cell, lambda e: audit.EVENT_LABELS.get(e, e)
        )

    dest_key = destination_key(dest)
    try:
        # One read transaction: a consistent snapshot (WAL), so an entry saved meanwhile
        # never travels without its case; writers are not blocked (a deferred transaction,
        # where database.atomic() would take the write lock).
        with page_cache(EXPORT_CACHE_KIB), database.read_snapshot():
            expected = {
                columns.TABLE_SHEET[t]: store.count_records(t, sites=query_sites, since=since)
                for t in ("cases", "entries", "sanctions")
            }
            # 审计记录: this site's audit entries since the last ledger to this destination
            # (all of them in a 全部 ledger), so the receiver keeps the chain
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
            folder = data_folder()
            with (
                writing(dest),
                Partial(dest.with_name(dest.name + ".part"), folder / REGISTRY if folder else None),
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

    @retried  # the ledger file above is written once; only this transaction runs again
    def remember() -> None:
        with database.atomic():
            # The versions of our own records this file sent are remembered (docs/ledger.md):
            # those saved since the last export (earlier ones were remembered then).
            store.record_own_versions(ctx.site, to_db(exchange_rows.last_export()))
            exchange_rows.save_export(dest_key, now, scope, ",".join(chosen), counts.as_dict())
            audit_exchange.mark_exported(dest_key, carried, now)
            audit.record(
                ctx,
                "ledger.export",
                note=f"{dest.name} {scope} 站点:"
                f"{','.join(chosen) or '全部'} 投诉 {counts.cases} 条"
                + (",电话已隐藏" if mask_phones else ""),
            )

    remember()
    return ExportResult(
        dest, FULL if since is None else INCREMENTAL, since, chosen, counts, now, mask_phones
    )
