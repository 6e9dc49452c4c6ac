"""Reading, checking and merging every row of an open ledger file, sheet by sheet, in
batches of rows, in file order."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from datetime import tzinfo
from typing import Any

from ledger import columns as C
from ledger import entry_values
from ledger.merge import Merger
from ledger.reader import LedgerFile
from ledger.results import (
    FileResult,
    ImportCancelled,
    Progress,
    RejectedRow,
    RowRejected,
    SheetCounts,
)
from ledger.validate import RowParser, RowProblem

BATCH = 500  # rows merged together: one look-up of their uids, one executemany of new rows


def merge_file(
    lf: LedgerFile,
    merger: Merger,
    result: FileResult,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    done_before: int = 0,
    total: int = 0,
) -> int:
    """Read, check and merge every row of an open ledger; returns rows processed.
    Rows are merged in batches, in file order, with the same outcome each would have
    alone (Merger.merge_batch)."""
    done = done_before
    with closing(_parsed(lf)) as items:
        done = _merge_items(items, lf, merger, result, progress, cancelled, done, total)
    merger.flush_bases()
    if cancelled is not None and cancelled():
        raise ImportCancelled()
    if progress is not None:
        progress(done, total, lf.path.name)
    return done


def _merge_items(
    items: Iterator,
    lf: LedgerFile,
    merger: Merger,
    result: FileResult,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    done: int,
    total: int,
) -> int:
    sheet = ""
    counts = SheetCounts()
    accepted: list[str] = []
    batch: list[tuple[int, dict[str, Any], tuple]] = []
    for item in items:
        if isinstance(item, str):  # a sheet begins
            sheet = item
            layout = lf.sheets[sheet]
            counts = result.counts.setdefault(sheet, SheetCounts())
            result.unknown_columns[sheet] = list(layout.unknown)
            result.headers[sheet] = list(layout.headers)
            accepted = result.accepted_uids.setdefault(sheet, [])
            continue
        if item is None:  # the sheet ends
            _flush(merger, sheet, batch, result, counts, accepted, lf.tz)
            # Rejected at parse and at merge time: RejectedRows lists them in row order.
            continue
        for row_no, values, raw_row, problems in item:
            if problems:
                result.rejected.append(RejectedRow(sheet, row_no, raw_row, problems))
                counts.rejected += 1
            elif sheet == C.SHEET_SANCTIONS and entry_values.is_s5(values):
                _s5_row(result, counts)  # 无责 is the case's decision, not a fine
            else:
                if sheet == C.SHEET_ENTRIES:  # structured values from columns or 说明's tags
                    entry_values.from_wire(values)
                batch.append((row_no, values, raw_row))
                if len(batch) >= BATCH:
                    _flush(merger, sheet, batch, result, counts, accepted, lf.tz)
            done += 1
            if done % 200 == 0:
                if cancelled is not None and cancelled():
                    raise ImportCancelled()
                if progress is not None:
                    progress(done, total, f"{lf.path.name} · {sheet}")
    return done


def _parsed(
    lf: LedgerFile,
) -> Generator[str | list[tuple[int, dict[str, Any], tuple, list[RowProblem]]] | None]:
    """Each data sheet's name, its parsed rows in chunks of (row number, values, raw row,
    problems), then None. Parsing stays on this thread: parsing and merging both hold the
    GIL, so a parser thread ahead of the merge gains nothing; calamine's loading of each
    whole sheet does release the GIL, and runs on a helper thread (ledger.calamine_book)."""
    for sheet in C.DATA_SHEETS:
        layout = lf.sheets.get(sheet)
        if layout is None:
            continue
        yield sheet
        # a case's times stay datetimes: its domain checks (case_problems) compare them
        stored = sheet != C.SHEET_CASES
        parse = RowParser(sheet, layout.columns, lf.tz, stored_times=stored).parse
        chunk = []
        for row_no, raw_row in lf.raw_rows(sheet):
            values, problems = parse(row_no, raw_row)
            chunk.append((row_no, values, raw_row, problems))
            if len(chunk) >= 250:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        yield None


def _s5_row(result: FileResult, counts: SheetCounts) -> None:
    counts.unchanged += 1
    result.s5_rows = n = result.s5_rows + 1
    text = entry_values.S5_SKIPPED.format(n=n)
    prev = entry_values.S5_SKIPPED.format(n=n - 1)
    if prev in result.warnings:
        result.warnings[result.warnings.index(prev)] = text
    else:
        result.warnings.append(text)


def _flush(
    merger: Merger,
    sheet: str,
    batch: list[tuple[int, dict[str, Any], tuple]],
    result: FileResult,
    counts: SheetCounts,
    accepted: list[str],
    tz: tzinfo,
) -> None:
    outcomes = merger.merge_batch(sheet, [b[1] for b in batch], tz)
    if outcomes.count("new") == len(batch):  # every row new (a first import): counted at once
        accepted.extend([b[1]["uid"] for b in batch])
        counts.new += len(batch)
        batch.clear()
        return
    for (row_no, values, raw_row), outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, RowRejected):
            result.rejected.append(
                RejectedRow(
                    sheet,
                    row_no,
                    raw_row,
                    [RowProblem(sheet, row_no, outcome.column, outcome.reason)],
                )
            )
            counts.rejected += 1
        else:
            if outcome != "conflict":  # a conflict's record may not be here (a proposal)
                accepted.append(values["uid"])
            counts.add(outcome)
    batch.clear()
