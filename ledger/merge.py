"""Merging a ledger's rows into the database, exactly as docs/ledger.md says (its table of
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

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from db import ledger_rows
from ledger import columns as C
from ledger import store
from ledger.new_rows import NewRows
from ledger.resolve import Resolver
from ledger.results import RowRejected
from ledger.validate import is_masked_phone, parsed_times
from ledger.versions import (
    COMPLETE,
    CONFLICT_PROPOSAL,
    CONFLICT_VERSION,
    FROM_OWNER,
    Base,
    Version,
    check_version_cells,
)


class Merger(NewRows, Resolver):
    """Merges rows into the open database, and carries out decisions on the conflicts it
    kept (resolve); call inside a transaction."""

    def merge_batch(
        self, sheet: str, rows: list[dict[str, Any]], tz: tzinfo | None = None
    ) -> list[str | RowRejected]:
        """Merge parsed rows in order; each gets the outcome merge() would give it, or the
        RowRejected it would raise. A batch of rows that are all new here (the usual
        first import) is checked with one query per batch and inserted with executemany;
        any other batch goes row by row through merge(). ``tz``: the rows come from
        RowParser(·, tz, stored_times=True), some times as their stored text, which only
        the batch of new rows takes as it is."""
        if not rows:
            return []
        bad = {i: e for i, r in enumerate(rows) if (e := check_version_cells(r)) is not None}
        if bad:
            good = iter(
                self.merge_batch(sheet, [r for i, r in enumerate(rows) if i not in bad], tz)
            )
            return [bad[i] if i in bad else next(good) for i in range(len(rows))]
        uids = [r["uid"] for r in rows]
        table = C.SHEET_TABLE[sheet]
        seen = self.fresh.get(table)
        if len(set(uids)) == len(uids) and not (
            ledger_rows.any_uid(table, uids) if seen is None else not seen.isdisjoint(uids)
        ):
            return self._insert_new(sheet, rows)
        self.flush_bases()
        if tz is not None:
            for r in rows:
                parsed_times(sheet, r, tz)
        out: list[str | RowRejected] = []
        for r in rows:
            try:
                out.append(self.merge(sheet, r))
            except RowRejected as e:
                out.append(e)
        return out

    def merge(self, sheet: str, incoming: dict[str, Any]) -> str:
        """Merge one parsed row; returns its outcome or raises RowRejected. The cases and
        their outcomes are the table of docs/ledger.md."""
        rejected = check_version_cells(incoming)
        if rejected is not None:
            raise rejected
        table = C.SHEET_TABLE[sheet]
        uid = incoming["uid"]
        local = store.local_values(table, uid)
        if local is not None and incoming.get("site") != local["site"]:
            # a file never takes a record from its owner
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
        v: Version,
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
        v: Version,
    ) -> str:
        """A record another site owns: the version last applied here is the base."""
        uid = full["uid"]
        base = self._base(uid)
        if base is None:  # a copy not from a ledger: as if it came in unedited
            base = Base(local["revision"], 0, local_digest, store.fingerprint(sheet, local))
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


def fresh_tables() -> dict[str, set[str]]:
    """For Merger(fresh=...): the data tables empty now, each with an empty set. Share one
    across the Mergers of one import (in one transaction): a rolled-back savepoint leaves
    uids in a set that are no longer in the table, which only sends their rows the slow
    way (merge() looks them up)."""
    return {t: set() for t in ledger_rows.empty_tables(list(C.SHEET_TABLE.values()))}
