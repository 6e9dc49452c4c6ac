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
        decided once per sheet (_row_builder_source) instead of once per cell."""
        names, make = _ROW_BUILDERS[sheet]
        return list(names), make(self.now, self._case_ids, self.case_id, stored_value)

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
            # a set comprehension, not ``set - dict.keys()``: that walks every key of the
            # dict (every case of the import so far) for every batch of entries
            known = self._case_ids
            wanted = {cu for r in rows if (cu := r.get("case_uid")) and cu not in known}
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
        fp_length = C.FINGERPRINT_LENGTH
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
            # only a case's fingerprint may differ from its digest's head (a phone masked)
            content = fingerprint(sheet, full, d) if cases else d[:fp_length]
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


# The defaults _db_data(new=True) fills in, by sheet: column → the text of an expression of
# ``v`` (the value as the row holds it) evaluated before the stored form is taken.
_FILL = {
    C.SHEET_ENTRIES: {"actor": "v or ''", "note": "v or ''"},
    C.SHEET_SANCTIONS: {
        "department": "v or ''",
        "person": "v or ''",
        "reason": "v or ''",
        "status": "v or '待审批'",
    },
    C.SHEET_CASES: {
        "media": "bool(v)",
        "needs_oem": "bool(v)",
        "attitude": "bool(v)",
        "collective": "bool(v)",
        "settled_on_site": "bool(v)",
        "liability": "v or '待定'",
        "state": "v or '登记'",
    },
}


def _row_builder_source(sheet: str) -> tuple[list[str], str]:
    """(column names, the source of ``make(NOW, CASE_IDS, CASE_ID, SV)``, which returns
    ``build(full)``): _db_data(new=True) then stored_value for each column, written out as
    straight-line code (one look-up per column, no intermediate row): it runs for every
    record a big import brings (about a million)."""
    cols = [
        c.key for c in C.SHEET_COLUMNS[sheet] if c.key != "case_uid" and not c.derived and c.stored
    ]
    fill = _FILL[sheet]
    # the stored form of v: str, int and None as they are, the rest as stored_value says
    stored = (
        "v if (c := v.__class__) is str or c is int or v is None "
        "else int(v) if c is bool else SV(v)"
    )
    body = ["    def build(full):", "        get = full.get"]
    for n, key in enumerate(cols):
        body.append(f"        v = get({key!r})")
        if key == "modified_at":
            body += ["        if v is None:", "            v = NOW"]
        elif key in fill:
            body.append(f"        v = {fill[key]}")
        body.append(f"        a{n} = {stored}")
    outs = [f"a{n}" for n in range(len(cols))]
    names = list(cols)
    if sheet == C.SHEET_ENTRIES:
        body += [
            "        cu = full['case_uid']",
            "        v = CASE_IDS.get(cu)",
            "        if v is None:",
            "            v = CASE_ID(cu)",
            f"        a{len(cols)} = {stored}",
        ]
        outs += [f"a{len(cols)}", f"a{cols.index('modified_at')}"]
        names += ["case_id", "recorded_at"]
    elif sheet == C.SHEET_SANCTIONS:
        body += [
            "        cu = get('case_uid')",
            "        v = CASE_ID(cu) if cu else None",
            f"        a{len(cols)} = {stored}",
        ]
        outs.append(f"a{len(cols)}")
        names.append("case_id")
    body.append(f"        return [{', '.join(outs)}]")
    src = "\n".join(["def make(NOW, CASE_IDS, CASE_ID, SV):", *body, "    return build"])
    return names, src


def _compile_row_builder(sheet: str) -> tuple[list[str], Callable[..., Callable[[dict], list]]]:
    names, src = _row_builder_source(sheet)
    ns: dict[str, Any] = {}
    exec(compile(src, f"<new row builder {sheet}>", "exec"), ns)
    return names, ns["make"]


_ROW_BUILDERS = {sheet: _compile_row_builder(sheet) for sheet in _FILL}
