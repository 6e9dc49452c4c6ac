"""Merging a ledger file into the database, exactly as ledger.md says.

Order: a version's rank is (修订号, came from the owner's own file, digest of its values).
- A record this site owns: an incoming higher 修订号 replaces it (the owner takes its own
  records back from HQ); equal or lower is unchanged.
- A record another site owns: the incoming version replaces the local one when its rank is
  higher than the version last applied here (ledger_base) - unless the local record was
  edited here since then (its digest differs from the base): then it is a conflict, the
  local record stays and the incoming version is kept beside it (ledger_conflicts; the
  highest-ranked incoming version wins, so the import order does not matter).
Ranks are totally ordered, so importing files in any order gives the same data, and
importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from complaints.rules.validation import normalize_vin
from db.models import database
from db.models_ledger import LedgerConflict
from db.timeutil import to_db
from ledger import columns as C
from ledger import store
from ledger.columns import Kind
from ledger.reader import LedgerFile
from ledger.validate import RowParser, RowProblem, is_masked_phone

OUTCOMES = ("new", "updated", "unchanged", "conflict", "rejected")
OUTCOME_LABELS = {"new": "新增", "updated": "更新", "unchanged": "未变", "conflict": "冲突",
                  "rejected": "拒绝"}


NO_CASE = "找不到对应的投诉单(请先导入含该投诉单的台账)"


class ImportCancelled(Exception):
    """The user cancelled; the transaction around the import is rolled back."""


class RowRejected(Exception):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class SheetCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflict: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.conflict + self.rejected

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in OUTCOMES}


@dataclass
class RejectedRow:
    sheet: str
    row: int
    raw: tuple
    problems: list[RowProblem]

    @property
    def reason(self) -> str:
        return ";".join(f"{p.column}:{p.reason}" if p.column else p.reason
                        for p in self.problems)


@dataclass
class FileResult:
    path: Path
    site: str = ""
    site_name: str = ""
    exported_at: datetime | None = None
    scope: str = ""
    refused: str | None = None  # the whole file was refused: why
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    accepted_uids: dict[str, list[str]] = field(default_factory=dict)
    declared_counts: dict[str, int | None] = field(default_factory=dict)
    applied: bool = False

    @property
    def problems(self) -> list[RowProblem]:
        return [p for r in self.rejected for p in r.problems]

    @property
    def rejected_count(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    @property
    def conflict_count(self) -> int:
        return sum(c.conflict for c in self.counts.values())


Progress = Callable[[int, int, str], None]


# Bits of a version's standing beside its revision (stored in the from_owner columns).
FROM_OWNER = 2  # came in a file written by the record's owner
COMPLETE = 1  # not degraded: the phone is not masked (138****5678)


@dataclass
class _Rank:
    """A version's place in the total order: (修订号, standing bits, digest). At equal
    revisions the owner's own file wins, then a file with the full phone, then - only so
    that the result does not depend on import order - the larger digest."""

    revision: int
    standing: int
    digest: str

    def key(self) -> tuple[int, int, str]:
        return (self.revision, int(self.standing), self.digest)


class Merger:
    """Merges rows into the open database; call inside a transaction."""

    def __init__(self, my_site: str, now: datetime, source_file: str = "",
                 source_site: str = "", fresh: dict[str, set[str]] | None = None):
        self.my_site = my_site
        self.now = now
        self.source_file = source_file
        self.source_site = source_site
        self._case_ids: dict[str, int] = {}
        # Tables that were empty when this import began (see fresh_tables), each with the
        # uids inserted since: a uid not in the set is not in the table, no query needed.
        self.fresh = fresh or {}
        # ledger_base rows of new records, written in uid order by flush_bases (keys in
        # order land next to each other in the uid index, instead of all over it).
        self._bases: list[tuple] = []

    def flush_bases(self) -> None:
        """Write the pending ledger_base rows. Called before anything reads or writes
        ledger_base row by row, and at the end of a file (merge_file)."""
        if self._bases:
            self._bases.sort()
            database.cursor().executemany(
                "INSERT OR REPLACE INTO ledger_base (uid, tbl, revision, from_owner, digest, "
                "applied_at) VALUES (?, ?, ?, ?, ?, ?)", self._bases)
            self._bases = []

    # --- helpers ---------------------------------------------------------------------------
    def case_id(self, case_uid: str) -> int | None:
        cid = self._case_ids.get(case_uid)
        if cid is None:
            row = database.execute_sql("SELECT id FROM cases WHERE uid = ?",
                                       (case_uid,)).fetchone()
            if row is None:
                return None
            cid = self._case_ids[case_uid] = row[0]
        return cid

    def _db_data(self, sheet: str, values: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
        """Model field values for an insert/update from full ledger values."""
        data: dict[str, Any] = {}
        for col in C.SHEET_COLUMNS[sheet]:
            if col.key == "case_uid" or col.derived:
                continue
            data[col.key] = values.get(col.key)
        if data.get("modified_at") is None:
            data["modified_at"] = self.now
        if sheet == C.SHEET_ENTRIES:
            data["case_id"] = self.case_id(values["case_uid"])
            data["actor"] = data.get("actor") or ""
            data["note"] = data.get("note") or ""
            if new:
                data["recorded_at"] = data["modified_at"]
        elif sheet == C.SHEET_SANCTIONS:
            cu = values.get("case_uid")
            data["case_id"] = self.case_id(cu) if cu else None
            for k in ("department", "person", "reason"):
                data[k] = data.get(k) or ""
            data["status"] = data.get("status") or "待审批"
        else:
            for k in ("media", "needs_oem", "attitude", "collective", "settled_on_site"):
                data[k] = bool(data.get(k))
            data["liability"] = data.get("liability") or "待定"
            data["state"] = data.get("state") or "登记"
        return data

    def _new_row_builder(self, sheet: str) -> tuple[list[str], Callable[[dict], list]]:
        """(column names, function giving a new row's INSERT parameters from its full
        values): what _db_data(new=True) and _db_value give, with the per-column work
        decided once per batch instead of once per cell."""
        cols = [c.key for c in C.SHEET_COLUMNS[sheet] if c.key != "case_uid" and not c.derived]
        at = {k: i for i, k in enumerate(cols)}
        i_mod = at["modified_at"]
        now = self.now
        case_ids = self._case_ids
        case_id = self.case_id
        if sheet == C.SHEET_ENTRIES:
            names = [*cols, "case_id", "recorded_at"]
            i_actor, i_note = at["actor"], at["note"]

            def fix(full: dict, row: list) -> None:
                if row[i_mod] is None:
                    row[i_mod] = now
                cu = full["case_uid"]
                cid = case_ids.get(cu)
                row.append(cid if cid is not None else case_id(cu))
                row.append(row[i_mod])
                row[i_actor] = row[i_actor] or ""
                row[i_note] = row[i_note] or ""
        elif sheet == C.SHEET_SANCTIONS:
            names = [*cols, "case_id"]
            blanks = [at[k] for k in ("department", "person", "reason")]
            i_status = at["status"]

            def fix(full: dict, row: list) -> None:
                if row[i_mod] is None:
                    row[i_mod] = now
                cu = full.get("case_uid")
                row.append(case_id(cu) if cu else None)
                for i in blanks:
                    row[i] = row[i] or ""
                row[i_status] = row[i_status] or "待审批"
        else:
            names = list(cols)
            flags = [at[k] for k in ("media", "needs_oem", "attitude", "collective",
                                     "settled_on_site")]
            i_liability, i_state = at["liability"], at["state"]

            def fix(full: dict, row: list) -> None:
                if row[i_mod] is None:
                    row[i_mod] = now
                for i in flags:
                    row[i] = bool(row[i])
                row[i_liability] = row[i_liability] or "待定"
                row[i_state] = row[i_state] or "登记"

        def build(full: dict) -> list:
            get = full.get
            row = [get(k) for k in cols]
            fix(full, row)
            # str, int and None go in as they are; the rest (times, dates, bools) converted
            return [v if (c := v.__class__) is str or c is int or v is None
                    else int(v) if c is bool else _db_value(v) for v in row]
        return names, build

    def _write(self, sheet: str, values: Mapping[str, Any], *, new: bool) -> None:
        # Plain SQL (statements cached by sqlite3): building peewee queries row by row was
        # most of an import's time.
        table = C.SHEET_TABLE[sheet]
        data = self._db_data(sheet, values, new=new)
        names = list(data)
        params = [_db_value(data[n]) for n in names]
        if new:
            sql = (f"INSERT INTO {table} ({', '.join(names)}) "
                   f"VALUES ({', '.join('?' * len(names))})")
            database.execute_sql(sql, params)
            if table in self.fresh:
                self.fresh[table].add(values["uid"])
        else:
            sets = ", ".join(f"{n} = ?" for n in names if n != "uid")
            params = [p for n, p in zip(names, params, strict=True) if n != "uid"]
            database.execute_sql(f"UPDATE {table} SET {sets} WHERE uid = ?",
                                 (*params, values["uid"]))

    def _set_base(self, sheet: str, uid: str, rank: _Rank) -> None:
        self.flush_bases()
        database.execute_sql(
            "INSERT OR REPLACE INTO ledger_base (uid, tbl, revision, from_owner, digest, "
            "applied_at) VALUES (?, ?, ?, ?, ?, ?)",
            (uid, C.SHEET_TABLE[sheet], rank.revision, rank.standing, rank.digest,
             to_db(self.now)))

    def _base(self, uid: str) -> _Rank | None:
        self.flush_bases()
        row = database.execute_sql(
            "SELECT revision, from_owner, digest FROM ledger_base WHERE uid = ?",
            (uid,)).fetchone()
        return _Rank(row[0], row[1], row[2]) if row else None

    # --- a batch of rows -------------------------------------------------------------------
    def merge_batch(self, sheet: str, rows: list[dict[str, Any]]) -> list[str | RowRejected]:
        """Merge parsed rows in order; each gets the outcome merge() would give it, or the
        RowRejected it would raise. A batch of rows that are all new here (the usual
        first import) is checked with one query per batch and inserted with executemany;
        any other batch goes row by row through merge()."""
        if not rows:
            return []
        uids = [r["uid"] for r in rows]
        table = C.SHEET_TABLE[sheet]
        seen = self.fresh.get(table)
        if len(set(uids)) == len(uids) and not (
                _any_existing(table, uids) if seen is None else not seen.isdisjoint(uids)):
            return self._insert_new(sheet, rows)
        self.flush_bases()
        out: list[str | RowRejected] = []
        for r in rows:
            try:
                out.append(self.merge(sheet, r))
            except RowRejected as e:
                out.append(e)
        return out

    def _insert_new(self, sheet: str, rows: list[dict[str, Any]]) -> list[str | RowRejected]:
        """merge() for rows none of which exists here yet: the same checks (编号 unique per
        site, the case of an entry or sanction present), digests and ledger_base rows."""
        table = C.SHEET_TABLE[sheet]
        cases = sheet == C.SHEET_CASES
        times = [c.key for c in C.SHEET_COLUMNS[sheet] if c.kind in (Kind.DATETIME, Kind.STAMP)]
        if cases:
            by_site: dict[str, set[str]] = {}
            for r in rows:
                by_site.setdefault(r["site"], set()).add(r["number"])
            taken = {}
            for site, numbers in by_site.items():  # by site: the (site, number) index serves
                taken.update(((site, number), uid) for number, uid in _select_in(
                    "SELECT number, uid FROM cases WHERE site = ? AND number IN ({})",
                    sorted(numbers), (site,)))
        else:
            wanted = {r["case_uid"] for r in rows if r.get("case_uid")} - self._case_ids.keys()
            self._case_ids.update(_select_in("SELECT uid, id FROM cases WHERE uid IN ({})",
                                             list(wanted)))
        out: list[str | RowRejected] = []
        inserts: list[list[Any]] = []
        bases: list[tuple] = []
        names, build = self._new_row_builder(sheet)
        stamp = to_db(self.now)
        # the loop's names as locals (about a million rows in a big import)
        case_ids = self._case_ids
        source_site, my_site = self.source_site, self.my_site
        digest = store.digest_of(sheet)
        to_text = store.fast_to_db
        for full in rows:
            # The parsed row itself, completed in place (nothing reads it after the merge
            # but its uid); a column the file lacks reads as None through .get, as it would
            # from a dict completed with every key.
            uid = full["uid"]
            if cases:
                self._normalise_case(full, None)
                key = (full["site"], full["number"])
                clash = taken.get(key)
                if clash is not None and clash != uid:
                    out.append(RowRejected("编号", f"编号 {full['number']} 在站点 {full['site']} "
                                                  f"已被另一条记录({clash})使用"))
                    continue
                taken[key] = uid
            elif (cu := full.get("case_uid")) and cu not in case_ids:
                out.append(RowRejected("投诉记录ID", NO_CASE))
                continue
            site = full["site"]
            standing = (FROM_OWNER if site == source_site else 0) | (
                0 if cases and is_masked_phone(full.get("phone")) else COMPLETE)
            # Each time as its stored text, once: that text is also the digest's canonical
            # form of a time, so digest() gives the same value from it.
            for k in times:
                v = full.get(k)
                if v.__class__ is datetime:
                    full[k] = to_text(v)
            inserts.append(build(full))
            if site != my_site:
                bases.append((uid, table, int(full.get("revision") or 1), standing,
                              digest(full), stamp))
            out.append("new")
        if inserts:
            database.cursor().executemany(
                f"INSERT INTO {table} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})", inserts)
            if table in self.fresh:
                self.fresh[table].update(
                    r["uid"] for r, o in zip(rows, out, strict=True) if o == "new")
        if bases:
            self._bases += bases
            if len(self._bases) >= BASES_PENDING:
                self.flush_bases()
        return out

    # --- one row ---------------------------------------------------------------------------
    def merge(self, sheet: str, incoming: Mapping[str, Any]) -> str:
        """Merge one parsed row; returns its outcome or raises RowRejected."""
        table = C.SHEET_TABLE[sheet]
        uid = incoming["uid"]
        local = store.local_values(table, uid)
        full = dict(local) if local else {c.key: None for c in C.SHEET_COLUMNS[sheet]}
        full.update(incoming)
        if sheet == C.SHEET_CASES:
            self._normalise_case(full, local)
        self._check_links(sheet, full, local)
        standing = (FROM_OWNER if full.get("site") == self.source_site else 0) | (
            0 if sheet == C.SHEET_CASES and is_masked_phone(full.get("phone")) else COMPLETE)
        rank = _Rank(int(full.get("revision") or 1), standing, store.digest(sheet, full))
        if local is None:
            self._write(sheet, full, new=True)
            if full["site"] != self.my_site:
                self._set_base(sheet, uid, rank)
            return "new"
        local_digest = store.digest(sheet, local)
        if local["site"] == self.my_site:  # the owner counts revisions
            if rank.revision > local["revision"]:
                self._write(sheet, full, new=False)
                return "updated"
            return "unchanged"
        base = self._base(uid)
        if base is None:
            base = _Rank(local["revision"], 0, local_digest)
            edited = False
        else:
            edited = local_digest != base.digest
        if rank.key() <= base.key():
            return "unchanged"
        if rank.digest == local_digest or not edited:
            self._write(sheet, full, new=False)
            self._set_base(sheet, uid, rank)
            return "updated" if (rank.digest != local_digest
                                 or rank.revision != local["revision"]) else "unchanged"
        self._keep_conflict(sheet, full, local, rank)
        return "conflict"

    def _normalise_case(self, full: dict[str, Any], local: Mapping[str, Any] | None) -> None:
        if full.get("vin"):
            full["vin"] = normalize_vin(full["vin"])
        if full.get("plate"):
            full["plate"] = full["plate"].upper()
        # A masked phone (a file that left its branch) never overwrites a real number.
        if local and local.get("phone") and is_masked_phone(full.get("phone")):
            full["phone"] = local["phone"]

    def _check_links(self, sheet: str, full: Mapping[str, Any],
                     local: Mapping[str, Any] | None) -> None:
        if sheet == C.SHEET_CASES:
            clash = database.execute_sql(
                "SELECT uid FROM cases WHERE site = ? AND number = ? AND uid <> ?",
                (full["site"], full["number"], full["uid"])).fetchone()
            if clash is not None:
                raise RowRejected("编号", f"编号 {full['number']} 在站点 {full['site']} "
                                          f"已被另一条记录({clash[0]})使用")
        elif full.get("case_uid") and self.case_id(full["case_uid"]) is None:
            raise RowRejected("投诉记录ID", NO_CASE)

    def _keep_conflict(self, sheet: str, full: Mapping[str, Any], local: Mapping[str, Any],
                       rank: _Rank) -> None:
        uid = full["uid"]
        open_ = LedgerConflict.get_or_none((LedgerConflict.uid == uid)
                                           & LedgerConflict.resolved_at.is_null())
        if open_ is not None:
            held = _Rank(open_.incoming_revision, open_.incoming_from_owner,
                         open_.incoming_digest)
            if rank.key() <= held.key():
                return
            open_.delete_instance()
        LedgerConflict.create(
            uid=uid, tbl=C.SHEET_TABLE[sheet], site=full["site"],
            local_revision=local["revision"], incoming_revision=rank.revision,
            incoming_from_owner=rank.standing, incoming_digest=rank.digest,
            incoming=store.to_json(sheet, full), source_file=self.source_file,
            source_site=self.source_site, found_at=self.now)

    # --- resolving -------------------------------------------------------------------------
    def resolve(self, conflict: LedgerConflict, keep: str) -> None:
        sheet = C.TABLE_SHEET[conflict.tbl]
        incoming = store.from_json(sheet, conflict.incoming)
        rank = _Rank(conflict.incoming_revision, conflict.incoming_from_owner,
                     conflict.incoming_digest)
        if keep == "incoming":
            if store.local_values(conflict.tbl, conflict.uid) is None:
                self._write(sheet, incoming, new=True)
            else:
                self._check_links(sheet, incoming, None)
                self._write(sheet, incoming, new=False)
        # Either way this incoming version is now the base: it will not conflict again,
        # and a local version kept stays "edited here" until the owner sends a newer one.
        self._set_base(sheet, conflict.uid, rank)


def fresh_tables() -> dict[str, set[str]]:
    """For Merger(fresh=...): the data tables empty now, each with an empty set. Share one
    across the Mergers of one import (in one transaction): a rolled-back savepoint leaves
    uids in a set that are no longer in the table, which only sends their rows the slow
    way (merge() looks them up)."""
    return {t: set() for t in C.SHEET_TABLE.values()
            if not database.execute_sql(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]}


def _any_existing(table: str, uids: list[str]) -> bool:
    return bool(_select_in(f"SELECT uid FROM {table} WHERE uid IN ({{}})", uids))


def _select_in(sql: str, keys: list[Any], before: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` (with ``{}`` where the IN list goes, after the ``before``
    parameters) for ``keys``, in chunks that stay under SQLite's parameter limit."""
    out: list[tuple] = []
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        out += database.execute_sql(sql.format(",".join("?" * len(chunk))),
                                    (*before, *chunk)).fetchall()
    return out


def _db_value(v: Any) -> Any:
    if v.__class__ is datetime:
        return store.fast_to_db(v)
    if isinstance(v, datetime):
        return to_db(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


BASES_PENDING = 100_000  # ledger_base rows held back, then written in uid order
BATCH = 500  # rows merged together: one look-up of their uids, one executemany of new rows


def merge_file(lf: LedgerFile, merger: Merger, result: FileResult, *,
               progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
               done_before: int = 0, total: int = 0) -> int:
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


def _merge_items(items: Iterator, lf: LedgerFile, merger: Merger, result: FileResult,
                 progress: Progress | None, cancelled: Callable[[], bool] | None,
                 done: int, total: int) -> int:
    sheet = ""
    counts = SheetCounts()
    accepted: list[str] = []
    first_reject = 0
    batch: list[tuple[int, dict[str, Any], tuple]] = []
    for item in items:
        if isinstance(item, str):  # a sheet begins
            sheet = item
            layout = lf.sheets[sheet]
            counts = result.counts.setdefault(sheet, SheetCounts())
            result.unknown_columns[sheet] = list(layout.unknown)
            result.headers[sheet] = list(layout.headers)
            accepted = result.accepted_uids.setdefault(sheet, [])
            first_reject = len(result.rejected)
            continue
        if item is None:  # the sheet ends
            _flush(merger, sheet, batch, result, counts, accepted)
            # Rejected at parse time and at merge time: listed in row order all the same.
            result.rejected[first_reject:] = sorted(result.rejected[first_reject:],
                                                    key=lambda r: r.row)
            continue
        for row_no, values, raw_row, problems in item:
            if problems:
                result.rejected.append(RejectedRow(sheet, row_no, raw_row, problems))
                counts.rejected += 1
            else:
                batch.append((row_no, values, raw_row))
                if len(batch) >= BATCH:
                    _flush(merger, sheet, batch, result, counts, accepted)
            done += 1
            if done % 200 == 0:
                if cancelled is not None and cancelled():
                    raise ImportCancelled()
                if progress is not None:
                    progress(done, total, f"{lf.path.name} · {sheet}")
    return done


def _parsed(lf: LedgerFile) -> Iterator[str | None | list[tuple[int, dict[str, Any], tuple,
                                                                   list[RowProblem]]]]:
    """Each data sheet's name, its parsed rows in chunks of (row number, values, raw row,
    problems), then None. Parsing stays on this thread (parsing and merging both hold the
    GIL: a parser thread ahead of the merge was measured no faster); calamine's loading of
    each whole sheet does release the GIL, and runs on a helper thread (ledger.reader)."""
    for sheet in C.DATA_SHEETS:
        layout = lf.sheets.get(sheet)
        if layout is None:
            continue
        yield sheet
        parse = RowParser(sheet, layout.columns, lf.tz).parse
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


def _flush(merger: Merger, sheet: str, batch: list[tuple[int, dict[str, Any], tuple]],
           result: FileResult, counts: SheetCounts, accepted: list[str]) -> None:
    outcomes = merger.merge_batch(sheet, [b[1] for b in batch])
    for (row_no, values, raw_row), outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, RowRejected):
            result.rejected.append(RejectedRow(
                sheet, row_no, raw_row, [RowProblem(sheet, row_no, outcome.column,
                                                    outcome.reason)]))
            counts.rejected += 1
        else:
            accepted.append(values["uid"])
            counts.add(outcome)
    batch.clear()


def counts_json(result: FileResult) -> str:
    return json.dumps({s: c.as_dict() for s, c in result.counts.items()}, ensure_ascii=False)


def in_transaction() -> bool:
    return database.in_transaction()
