"""Merging a ledger file into the database, exactly as docs/ledger.md says (its table of
cases is the specification of Merger.merge).

A version of a record is its 修订号 and its 版本指纹 (a short hash of its content,
ledger.store.fingerprint); a row whose content is not the version it names is an edit of
that version made where nobody counts revisions (a proposal). Versions are not totally
ordered: a later revision replaces an earlier one where nothing was edited since; two
versions at one revision, an edit racing a newer version, a proposal, or a version the
owner never had are kept as conflicts (ledger_conflicts, both sides stored) for a person.
Decisions made at the owner become new revisions, so every site ends with the owner's
word; importing a file twice changes nothing the second time.
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
from ledger import entry_values, store
from ledger.columns import Kind
from ledger.reader import LedgerFile
from ledger.rejects import RejectedRows
from ledger.validate import RowParser, RowProblem, is_masked_phone

OUTCOMES = ("new", "updated", "unchanged", "conflict", "rejected")
OUTCOME_LABELS = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "conflict": "冲突",
    "rejected": "拒绝",
}


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
        return ";".join(f"{p.column}:{p.reason}" if p.column else p.reason for p in self.problems)


@dataclass
class FileResult:
    path: Path
    site: str = ""
    site_name: str = ""
    exported_at: datetime | None = None
    scope: str = ""
    refused: str | None = None  # the whole file was refused: why
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    rejected: RejectedRows = field(default_factory=RejectedRows)  # on disk, (sheet, row) order
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    accepted_uids: dict[str, list[str]] = field(default_factory=dict)
    declared_counts: dict[str, int | None] = field(default_factory=dict)
    applied: bool = False
    s5_rows: int = 0  # 奖惩记录 rows of S5 (无责) from earlier versions, not imported as fines

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


CONFLICT_VERSION = "version"  # two versions of one record, neither known to follow the other
CONFLICT_PROPOSAL = "proposal"  # an edit made where the record is not owned, sent as an edit
_HEX = frozenset("0123456789abcdef")


@dataclass
class _Version:
    """What an incoming row is (docs/ledger.md): the version it names - its 修订号 and
    版本指纹 (a file without the column names its own content) - and what it holds (the
    fingerprint and digest of its values). A row whose content is not the version it
    names is an edit of that version made where nobody counts revisions: a proposal."""

    revision: int
    named: str  # the fingerprint the row names
    content: str  # the fingerprint of its values
    digest: str  # the digest of its values (full phone where known)
    standing: int  # FROM_OWNER | COMPLETE bits, kept in ledger_base

    @property
    def proposal(self) -> bool:
        return self.named != self.content


@dataclass
class _Base:
    """The version last applied here from a ledger (ledger_base)."""

    revision: int
    standing: int
    digest: str
    fingerprint: str  # "" for a row of schema < 8 whose version is not known


def check_version_cells(values: Mapping[str, Any]) -> RowRejected | None:
    """修订号 within bounds and 版本指纹 well formed (issue 15 §2-3), else the rejection."""
    rev = values.get("revision") or 1
    if rev > C.REVISION_MAX:
        return RowRejected(
            "修订号",
            f"修订号 {rev} 超过上限 {C.REVISION_MAX:,}(不会有记录被修改这么多次,文件可能被改动过)",
        )
    fp = values.get("fingerprint")
    if fp is not None:
        low = fp.lower()
        if len(low) != C.FINGERPRINT_LENGTH or not _HEX.issuperset(low):
            return RowRejected(
                C.FINGERPRINT_HEADER,
                f"版本指纹应为 {C.FINGERPRINT_LENGTH} 位十六进制数字,"
                f"而不是“{fp}”(不知道时可清空该格)",
            )
        if low != fp:
            values["fingerprint"] = low  # type: ignore[index]
    return None


class Merger:
    """Merges rows into the open database; call inside a transaction."""

    def __init__(
        self,
        my_site: str,
        now: datetime,
        source_file: str = "",
        source_site: str = "",
        fresh: dict[str, set[str]] | None = None,
    ):
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
        self._since: str | None = None  # store.versions_since, read once (_known_own)
        self._history = False

    def flush_bases(self) -> None:
        """Write the pending ledger_base rows. Called before anything reads or writes
        ledger_base row by row, and at the end of a file (merge_file)."""
        if self._bases:
            self._bases.sort()
            database.cursor().executemany(
                "INSERT OR REPLACE INTO ledger_base (uid, tbl, revision, from_owner, digest, "
                "applied_at, fingerprint, record_modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self._bases,
            )
            self._bases = []

    # --- helpers ---------------------------------------------------------------------------
    def case_id(self, case_uid: str) -> int | None:
        cid = self._case_ids.get(case_uid)
        if cid is None:
            row = database.execute_sql("SELECT id FROM cases WHERE uid = ?", (case_uid,)).fetchone()
            if row is None:
                return None
            cid = self._case_ids[case_uid] = row[0]
        return cid

    def _db_data(self, sheet: str, values: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
        """Model field values for an insert/update from full ledger values."""
        data: dict[str, Any] = {}
        for col in C.SHEET_COLUMNS[sheet]:
            if col.key == "case_uid" or col.derived or not col.stored:
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
        cols = [
            c.key
            for c in C.SHEET_COLUMNS[sheet]
            if c.key != "case_uid" and not c.derived and c.stored
        ]
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
            flags = [
                at[k] for k in ("media", "needs_oem", "attitude", "collective", "settled_on_site")
            ]
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
            return [
                v
                if (c := v.__class__) is str or c is int or v is None
                else int(v)
                if c is bool
                else _db_value(v)
                for v in row
            ]

        return names, build

    def _write(self, sheet: str, values: Mapping[str, Any], *, new: bool) -> None:
        # Plain SQL (statements cached by sqlite3): building peewee queries row by row was
        # most of an import's time.
        table = C.SHEET_TABLE[sheet]
        data = self._db_data(sheet, values, new=new)
        names = list(data)
        params = [_db_value(data[n]) for n in names]
        if new:
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            database.execute_sql(sql, params)
            if table in self.fresh:
                self.fresh[table].add(values["uid"])
        else:
            sets = ", ".join(f"{n} = ?" for n in names if n != "uid")
            params = [p for n, p in zip(names, params, strict=True) if n != "uid"]
            database.execute_sql(
                f"UPDATE {table} SET {sets} WHERE uid = ?", (*params, values["uid"])
            )

    def _set_base(self, sheet: str, uid: str, v: _Version, *, applied: bool = True) -> None:
        """Record ``v`` as the version last applied here. ``applied``: the record now holds
        it as it came (else the record keeps an edit made here, to travel to its owner)."""
        self.flush_bases()
        modified = None
        if applied:
            modified = database.execute_sql(
                f"SELECT modified_at FROM {C.SHEET_TABLE[sheet]} WHERE uid = ?", (uid,)
            ).fetchone()
            modified = modified[0] if modified else None
        database.execute_sql(
            "INSERT OR REPLACE INTO ledger_base (uid, tbl, revision, from_owner, digest, "
            "applied_at, fingerprint, record_modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                C.SHEET_TABLE[sheet],
                v.revision,
                v.standing,
                v.digest,
                to_db(self.now),
                v.named,
                modified,
            ),
        )

    def _applied(self, sheet: str, uid: str, v: _Version) -> None:
        """``v`` now stands here as it came: it is the base, and a conflict still open
        over an earlier version of the record is superseded (kept on record, closed)."""
        self._set_base(sheet, uid, v)
        self._supersede(uid, v.revision)

    def _supersede(self, uid: str, revision: int) -> None:
        database.execute_sql(
            "UPDATE ledger_conflicts SET resolved_at = ?, resolution = 'superseded', "
            "resolved_by = '' WHERE uid = ? AND resolved_at IS NULL AND kind = ? "
            "AND incoming_revision < ?",
            (to_db(self.now), uid, CONFLICT_VERSION, revision),
        )

    def _remember_own(self, uid: str, v: _Version) -> None:
        """A version of our own that came back from a ledger is one we had."""
        database.execute_sql(
            "INSERT OR IGNORE INTO ledger_versions (uid, revision, fingerprint) VALUES (?, ?, ?)",
            (uid, v.revision, v.content),
        )

    def _known_own(self, uid: str, v: _Version, modified: Any) -> bool:
        """Whether this site had ``v`` (an older version of its own record): sent it or
        took it back, or it is older than the history this site keeps."""
        if self._since is None:
            self._since = store.versions_since() or ""
            self._history = store.versions_since() is not None
        if not self._history or modified is None or v.revision == 1:
            return True  # (a record's first version is made once, by its creation)
        text = _db_value(modified) if isinstance(modified, datetime) else str(modified)
        if self._since and text < self._since:
            return True
        if database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM ledger_versions WHERE uid = ? AND revision = ? "
            "AND fingerprint = ?)",
            (uid, v.revision, v.content),
        ).fetchone()[0]:
            return True
        base = self._base(uid)
        return base is not None and (base.revision, base.digest) == (v.revision, v.digest)

    def _base(self, uid: str) -> _Base | None:
        self.flush_bases()
        row = database.execute_sql(
            "SELECT revision, from_owner, digest, fingerprint FROM ledger_base WHERE uid = ?",
            (uid,),
        ).fetchone()
        return _Base(*row) if row else None

    def _seen(self, uid: str, v: _Version) -> bool:
        """This content at this revision was already put before a person (either side of
        a conflict, open or resolved): it is not listed again."""
        return (
            database.execute_sql(
                "SELECT EXISTS (SELECT 1 FROM ledger_conflicts WHERE uid = ? AND "
                "((incoming_revision = ? AND incoming_digest = ?) "
                "OR (local_revision = ? AND local_digest = ?)))",
                (uid, v.revision, v.digest, v.revision, v.digest),
            ).fetchone()[0]
            == 1
        )

    def _version(self, sheet: str, full: Mapping[str, Any], standing: int) -> _Version:
        content = store.fingerprint(sheet, full)
        return _Version(
            int(full.get("revision") or 1),
            full.get("fingerprint") or content,
            content,
            store.digest(sheet, full),
            standing,
        )

    # --- a batch of rows -------------------------------------------------------------------
    def merge_batch(self, sheet: str, rows: list[dict[str, Any]]) -> list[str | RowRejected]:
        """Merge parsed rows in order; each gets the outcome merge() would give it, or the
        RowRejected it would raise. A batch of rows that are all new here (the usual
        first import) is checked with one query per batch and inserted with executemany;
        any other batch goes row by row through merge()."""
        if not rows:
            return []
        bad = {i: e for i, r in enumerate(rows) if (e := check_version_cells(r)) is not None}
        if bad:
            good = iter(self.merge_batch(sheet, [r for i, r in enumerate(rows) if i not in bad]))
            return [bad[i] if i in bad else next(good) for i in range(len(rows))]
        uids = [r["uid"] for r in rows]
        table = C.SHEET_TABLE[sheet]
        seen = self.fresh.get(table)
        if len(set(uids)) == len(uids) and not (
            _any_existing(table, uids) if seen is None else not seen.isdisjoint(uids)
        ):
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
                taken.update(
                    ((site, number), uid)
                    for number, uid in _select_in(
                        "SELECT number, uid FROM cases WHERE site = ? AND number IN ({})",
                        sorted(numbers),
                        (site,),
                    )
                )
        else:
            wanted = {r["case_uid"] for r in rows if r.get("case_uid")} - self._case_ids.keys()
            self._case_ids.update(
                _select_in("SELECT uid, id FROM cases WHERE uid IN ({})", list(wanted))
            )
        out: list[str | RowRejected] = []
        inserts: list[list[Any]] = []
        bases: list[tuple] = []
        names, build = self._new_row_builder(sheet)
        stamp = to_db(self.now)
        # the loop's names as locals (about a million rows in a big import)
        case_ids = self._case_ids
        source_site, my_site = self.source_site, self.my_site
        own: list[tuple[str, int, str]] = []  # our own records taken back (_remember_own)
        digest = store.digest_of(sheet)
        to_text = store.fast_to_db
        fingerprint = store.fingerprint_from
        i_mod = names.index("modified_at")
        for full in rows:
            # The parsed row itself, completed in place (nothing reads it after the merge
            # but its uid); a column the file lacks reads as None through .get, as it would
            # from a dict completed with every key.
            uid = full["uid"]
            if cases:
                self._normalise_case(full, None)
            # Each time as its stored text, once: that text is also the digest's canonical
            # form of a time, so digest() gives the same value from it.
            for k in times:
                v = full.get(k)
                if v.__class__ is datetime:
                    full[k] = to_text(v)
            site = full["site"]
            standing = (FROM_OWNER if site == source_site else 0) | (
                0 if cases and is_masked_phone(full.get("phone")) else COMPLETE
            )
            if cases:
                key = (site, full["number"])
                clash = taken.get(key)
                if clash is not None and clash != uid:
                    out.append(
                        RowRejected(
                            "编号",
                            f"编号 {full['number']} 在站点 {site} 已被另一条记录({clash})使用",
                        )
                    )
                    continue
            elif (cu := full.get("case_uid")) and cu not in case_ids:
                out.append(RowRejected("投诉记录ID", NO_CASE))
                continue
            d = digest(full)
            content = fingerprint(sheet, full, d)
            named = full.get("fingerprint") or content
            if named != content:
                # an edit of a version this site does not hold: a person decides
                out.append(
                    self._keep_conflict(
                        sheet,
                        full,
                        None,
                        "",
                        _Version(int(full.get("revision") or 1), named, content, d, standing),
                        CONFLICT_PROPOSAL,
                    )
                )
                continue
            if cases:
                taken[key] = uid
            row = build(full)
            inserts.append(row)
            # every record that came in has its base, this site's own too (an owner that
            # lost its data takes it back, and may later take a newer one: _merge_own)
            rev = int(full.get("revision") or 1)
            bases.append((uid, table, rev, standing, d, stamp, named, row[i_mod]))
            if site == my_site:
                own.append((uid, rev, content))
            out.append("new")
        if inserts:
            database.cursor().executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                inserts,
            )
            if table in self.fresh:
                self.fresh[table].update(
                    r["uid"] for r, o in zip(rows, out, strict=True) if o == "new"
                )
        if own:
            database.cursor().executemany(
                "INSERT OR IGNORE INTO ledger_versions (uid, revision, fingerprint) "
                "VALUES (?, ?, ?)",
                own,
            )
        if bases:
            self._bases += bases
            if len(self._bases) >= BASES_PENDING:
                self.flush_bases()
        return out

    # --- one row ---------------------------------------------------------------------------
    def merge(self, sheet: str, incoming: Mapping[str, Any]) -> str:
        """Merge one parsed row; returns its outcome or raises RowRejected. The cases and
        their outcomes are the table of docs/ledger.md."""
        rejected = check_version_cells(incoming)
        if rejected is not None:
            raise rejected
        table = C.SHEET_TABLE[sheet]
        uid = incoming["uid"]
        local = store.local_values(table, uid)
        if local is not None and incoming.get("site") != local["site"]:
            # issue 15 §2: a file never takes a record from its owner
            raise RowRejected(
                "所属站点",
                f"本库中这条记录属于站点 {local['site']},文件却写着 "
                f"{incoming.get('site')}:台账不能改变记录的所属站点,"
                "此行未导入",
            )
        full = dict(local) if local else {c.key: None for c in C.SHEET_COLUMNS[sheet]}
        full.update(incoming)
        if sheet == C.SHEET_CASES:
            self._normalise_case(full, local)
        self._check_links(sheet, full, local)
        standing = (FROM_OWNER if full.get("site") == self.source_site else 0) | (
            0 if sheet == C.SHEET_CASES and is_masked_phone(full.get("phone")) else COMPLETE
        )
        v = self._version(sheet, full, standing)
        if local is None:
            if v.proposal:
                return self._keep_conflict(sheet, full, None, "", v, CONFLICT_PROPOSAL)
            self._write(sheet, full, new=True)
            self._set_base(sheet, uid, v)
            if full["site"] == self.my_site:
                self._remember_own(uid, v)
            return "new"
        local_digest = store.digest(sheet, local)
        if local["site"] == self.my_site:
            return self._merge_own(sheet, full, local, local_digest, v)
        return self._merge_other(sheet, full, local, local_digest, v)

    def _merge_own(
        self,
        sheet: str,
        full: dict[str, Any],
        local: Mapping[str, Any],
        local_digest: str,
        v: _Version,
    ) -> str:
        """A record this site owns: only its own edits raise the revision."""
        uid = full["uid"]
        rev = local["revision"]
        mine = store.fingerprint(sheet, local)
        if v.proposal:  # an edit made at another site: the owner sees it
            if v.content == mine or v.digest == local_digest:
                return "unchanged"
            return self._keep_conflict(sheet, full, local, local_digest, v, CONFLICT_PROPOSAL)
        if v.revision < rev:
            if self._known_own(uid, v, full.get("modified_at")):
                return "unchanged"  # an older version of ours
            # an older version this site never had: made before a backup it restored
            return self._keep_conflict(sheet, full, local, local_digest, v, CONFLICT_VERSION)
        if v.content == mine:
            if v.revision > rev:  # our content under a later number: take the number
                self._write(sheet, full, new=False)
                self._applied(sheet, uid, v)
                self._remember_own(uid, v)
                return "updated"
            return "unchanged"
        if v.revision > rev:
            base = self._base(uid)
            if base is not None and base.revision == rev and base.digest == local_digest:
                # our copy came in from a ledger (this site lost its data) and was not
                # changed here since: the newer version is taken back
                self._write(sheet, full, new=False)
                self._applied(sheet, uid, v)
                self._remember_own(uid, v)
                return "updated"
        # The same revision with other content, or a later one over a version made here
        # (this site restored a backup, or its copy was edited since it came back).
        return self._keep_conflict(sheet, full, local, local_digest, v, CONFLICT_VERSION)

    def _merge_other(
        self,
        sheet: str,
        full: dict[str, Any],
        local: Mapping[str, Any],
        local_digest: str,
        v: _Version,
    ) -> str:
        """A record another site owns: the version last applied here is the base."""
        uid = full["uid"]
        base = self._base(uid)
        if base is None:  # a copy not from a ledger: as if it came in unedited
            base = _Base(local["revision"], 0, local_digest, store.fingerprint(sheet, local))
        elif not base.fingerprint and base.digest == local_digest:
            base.fingerprint = store.fingerprint(sheet, local)  # schema < 8
        edited = local_digest != base.digest
        if v.digest == local_digest and (v.proposal or v.revision <= base.revision):
            return "unchanged"  # this site holds that content already
        if v.proposal:
            return self._keep_conflict(sheet, full, local, local_digest, v, CONFLICT_PROPOSAL)
        if v.revision > base.revision:
            if not edited or v.digest == local_digest:
                self._write(sheet, full, new=False)
                self._applied(sheet, uid, v)
                return "updated"
            return self._keep_conflict(sheet, full, local, local_digest, v, CONFLICT_VERSION)
        if v.revision < base.revision:
            return "unchanged"  # an older version
        same = v.content == base.fingerprint if base.fingerprint else v.digest == base.digest
        if same:
            # one version; a copy with the full phone completes a masked one
            if (
                v.digest != base.digest
                and v.standing & COMPLETE
                and not base.standing & COMPLETE
                and not edited
            ):
                self._write(sheet, full, new=False)
                self._applied(sheet, uid, v)
                return "updated"
            return "unchanged"
        return self._keep_conflict(sheet, full, local, local_digest, v, CONFLICT_VERSION)

    def _normalise_case(self, full: dict[str, Any], local: Mapping[str, Any] | None) -> None:
        if full.get("vin"):
            full["vin"] = normalize_vin(full["vin"])
        if full.get("plate"):
            full["plate"] = full["plate"].upper()
        # A masked phone (a file that left its branch) never overwrites a real number.
        if local and local.get("phone") and is_masked_phone(full.get("phone")):
            full["phone"] = local["phone"]

    def _check_links(
        self, sheet: str, full: Mapping[str, Any], local: Mapping[str, Any] | None
    ) -> None:
        if sheet == C.SHEET_CASES:
            clash = database.execute_sql(
                "SELECT uid FROM cases WHERE site = ? AND number = ? AND uid <> ?",
                (full["site"], full["number"], full["uid"]),
            ).fetchone()
            if clash is not None:
                raise RowRejected(
                    "编号",
                    f"编号 {full['number']} 在站点 {full['site']} 已被另一条记录({clash[0]})使用",
                )
        elif full.get("case_uid") and self.case_id(full["case_uid"]) is None:
            raise RowRejected("投诉记录ID", NO_CASE)

    def _keep_conflict(
        self,
        sheet: str,
        full: Mapping[str, Any],
        local: Mapping[str, Any] | None,
        local_digest: str,
        v: _Version,
        kind: str,
    ) -> str:
        """Keep the incoming version beside the local record for a person to decide.
        Returns "conflict" (new or still open) or "unchanged" (already decided)."""
        uid = full["uid"]
        still_open = database.execute_sql(
            "SELECT EXISTS (SELECT 1 FROM ledger_conflicts WHERE uid = ? AND "
            "incoming_revision = ? AND incoming_digest = ? AND resolved_at IS NULL)",
            (uid, v.revision, v.digest),
        ).fetchone()[0]
        if still_open:
            return "conflict"
        if self._seen(uid, v):
            return "unchanged"
        if kind == CONFLICT_VERSION:
            # A later version of the owner supersedes an earlier one still open: the
            # person decides once, against the latest (the earlier stays on record).
            self._supersede(uid, v.revision)
        LedgerConflict.create(
            uid=uid,
            tbl=C.SHEET_TABLE[sheet],
            site=full["site"],
            local_revision=local["revision"] if local else 0,
            incoming_revision=v.revision,
            incoming_from_owner=v.standing,
            incoming_digest=v.digest,
            incoming=store.to_json(sheet, full),
            source_file=self.source_file,
            source_site=self.source_site,
            found_at=self.now,
            kind=kind,
            incoming_fingerprint=v.named,
            local=store.to_json(sheet, local) if local else None,
            local_digest=local_digest,
        )
        return "conflict"

    # --- resolving -------------------------------------------------------------------------
    def resolve(self, conflict: LedgerConflict, keep: str) -> None:
        """Carry out a person's decision (docs/ledger.md, "Resolving a conflict")."""
        sheet = C.TABLE_SHEET[conflict.tbl]
        uid = conflict.uid
        incoming = store.from_json(sheet, conflict.incoming)
        content = store.fingerprint(sheet, incoming)
        v = _Version(
            conflict.incoming_revision,
            conflict.incoming_fingerprint or content,
            content,
            conflict.incoming_digest,
            conflict.incoming_from_owner,
        )
        local = store.local_values(conflict.tbl, uid)
        if local is not None:
            # The local side on record is the one the person decided against: edited here
            # since the conflict was found, it is kept as it is now, so taking the incoming
            # version never drops that edit without a trace.
            now_digest = store.digest(sheet, local)
            if now_digest != conflict.local_digest:
                conflict.local = store.to_json(sheet, local)
                conflict.local_digest = now_digest
                conflict.local_revision = local["revision"]
                conflict.save()
        if (local or incoming)["site"] == self.my_site:
            self._resolve_own(sheet, incoming, local, v, keep)
        else:
            self._resolve_other(sheet, incoming, local, v, keep)

    def _resolve_own(
        self,
        sheet: str,
        incoming: dict[str, Any],
        local: Mapping[str, Any] | None,
        v: _Version,
        keep: str,
    ) -> None:
        """At the owner a decision is a new version when needed: above both sides, so it
        reaches every site as the latest (and a site whose edit lost sees a conflict)."""
        rev = local["revision"] if local else 0
        bumped = max(rev, v.revision) + 1
        if keep == "incoming":
            values = dict(incoming)
            if not v.proposal and v.revision > rev:
                values["revision"] = v.revision  # the owner's own later version, as it was
            else:
                values["revision"], values["modified_at"] = bumped, self.now
            self._check_links(sheet, values, None)
            self._write(sheet, values, new=local is None)
            if values["revision"] == v.revision:
                self._applied(sheet, incoming["uid"], v)
                self._remember_own(incoming["uid"], v)
            else:
                self._supersede(incoming["uid"], values["revision"])
        elif local is not None and v.revision >= rev:
            database.execute_sql(
                f"UPDATE {C.SHEET_TABLE[sheet]} SET revision = ?, modified_at = ? WHERE uid = ?",
                (bumped, to_db(self.now), incoming["uid"]),
            )
            self._supersede(incoming["uid"], bumped)

    def _resolve_other(
        self,
        sheet: str,
        incoming: dict[str, Any],
        local: Mapping[str, Any] | None,
        v: _Version,
        keep: str,
    ) -> None:
        uid = incoming["uid"]
        if keep == "incoming" and v.proposal:
            # Taking another site's edit here is making that edit here: it is not a
            # version, so the base stays, and it travels to the owner as a proposal.
            base = self._base(uid)
            values = dict(incoming)
            if base is not None and local is not None:
                values["revision"] = local["revision"]
            values["modified_at"] = self.now
            self._check_links(sheet, values, None)
            self._write(sheet, values, new=local is None)
            if base is None:
                self._set_base(sheet, uid, v, applied=False)
            return
        if keep == "incoming":
            self._check_links(sheet, incoming, None)
            self._write(sheet, incoming, new=local is None)
            self._applied(sheet, uid, v)
            return
        if v.proposal or local is None:
            return  # the conflict, resolved, keeps the proposal on record
        base = self._base(uid)
        if base is None or v.revision >= base.revision:
            # The local edit is now an edit of the incoming version: it travels to the
            # owner as such (a proposal), and this version does not conflict again.
            self._set_base(sheet, uid, v, applied=False)
            database.execute_sql(
                f"UPDATE {C.SHEET_TABLE[sheet]} SET revision = ? WHERE uid = ?", (v.revision, uid)
            )


def fresh_tables() -> dict[str, set[str]]:
    """For Merger(fresh=...): the data tables empty now, each with an empty set. Share one
    across the Mergers of one import (in one transaction): a rolled-back savepoint leaves
    uids in a set that are no longer in the table, which only sends their rows the slow
    way (merge() looks them up)."""
    return {
        t: set()
        for t in C.SHEET_TABLE.values()
        if not database.execute_sql(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]
    }


def _any_existing(table: str, uids: list[str]) -> bool:
    return bool(_select_in(f"SELECT uid FROM {table} WHERE uid IN ({{}})", uids))


def _select_in(sql: str, keys: list[Any], before: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` (with ``{}`` where the IN list goes, after the ``before``
    parameters) for ``keys``, in chunks that stay under SQLite's parameter limit."""
    out: list[tuple] = []
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        out += database.execute_sql(
            sql.format(",".join("?" * len(chunk))), (*before, *chunk)
        ).fetchall()
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
            _flush(merger, sheet, batch, result, counts, accepted)
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
                    _flush(merger, sheet, batch, result, counts, accepted)
            done += 1
            if done % 200 == 0:
                if cancelled is not None and cancelled():
                    raise ImportCancelled()
                if progress is not None:
                    progress(done, total, f"{lf.path.name} · {sheet}")
    return done


def _parsed(
    lf: LedgerFile,
) -> Iterator[str | list[tuple[int, dict[str, Any], tuple, list[RowProblem]]] | None]:
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
) -> None:
    outcomes = merger.merge_batch(sheet, [b[1] for b in batch])
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


def counts_json(result: FileResult) -> str:
    return json.dumps({s: c.as_dict() for s, c in result.counts.items()}, ensure_ascii=False)


def in_transaction() -> bool:
    return database.in_transaction()
