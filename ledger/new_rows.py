"""Merging rows none of which is here yet (the usual first import): the checks merge()
makes, done for a whole batch with one query, and the rows inserted together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from db import ledger_rows, ledger_state
from db.ledger_state import BaseRow
from db.timeutil import to_db
from ledger import columns as C
from ledger import store
from ledger.apply import NO_CASE, Applier, number_taken, stored_value
from ledger.columns import Kind
from ledger.results import RowRejected
from ledger.validate import is_masked_phone
from ledger.versions import COMPLETE, CONFLICT_PROPOSAL, FROM_OWNER, Version

BASES_PENDING = 50_000  # ledger_base rows held back, then written in uid order


class NewRows(Applier):
    """Rows that are all new here, merged as a batch (Merger.merge_batch)."""

    def _new_row_builder(self, sheet: str) -> tuple[list[str], Callable[[dict], list]]:
        """(column names, function giving a new row's INSERT parameters from its full
        values): what _db_data(new=True) and stored_value give, with the per-column work
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
                else stored_value(v)
                for v in row
            ]

        return names, build

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
            taken: dict[tuple[str, str], str] = {}
            for site, numbers in by_site.items():  # by site: the (site, number) index serves
                taken.update(
                    ((site, number), uid)
                    for number, uid in ledger_rows.numbers_taken(site, sorted(numbers))
                )
        else:
            wanted = {r["case_uid"] for r in rows if r.get("case_uid")} - self._case_ids.keys()
            self._case_ids.update(ledger_rows.case_ids(list(wanted)))
        out: list[str | RowRejected] = []
        inserts: list[list[Any]] = []
        bases: list[BaseRow] = []
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
                    out.append(number_taken(full["number"], site, clash))
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
                        Version(int(full.get("revision") or 1), named, content, d, standing),
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
            ledger_rows.insert_many(table, names, inserts)
            if table in self.fresh:
                self.fresh[table].update(
                    r["uid"] for r, o in zip(rows, out, strict=True) if o == "new"
                )
        if own:
            ledger_state.remember_versions(own)
        if bases:
            self._bases += bases
            if len(self._bases) >= BASES_PENDING:
                self.flush_bases()
        return out
