"""Applying a merge's decisions to the database (docs/ledger.md): a record written as it
was merged, the version it now stands at, and the conflicts kept for a person."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from complaints.rules.validation import normalize_vin
from db import ledger_rows, ledger_state
from db.ledger_state import BaseRow
from db.models_ledger import LedgerConflict
from db.timeutil import to_db
from ledger import columns as C
from ledger import store
from ledger.results import RowRejected
from ledger.validate import is_masked_phone
from ledger.versions import CONFLICT_VERSION, Base, Version

NO_CASE = "找不到对应的投诉单(请先导入含该投诉单的台账)"


class Applier:
    """The database side of a merge: a record written as merged, the version it now
    stands at (ledger_base), the versions of its own records this site has had
    (ledger_versions), and the conflicts kept for a person. Call inside a transaction."""

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
        self._bases: list[BaseRow] = []
        self._since: str | None = None  # ledger_state.versions_since, read once (_known_own)
        self._history = False

    def flush_bases(self) -> None:
        """Write the pending ledger_base rows. Called before anything reads or writes
        ledger_base row by row, and at the end of a file (merge_file)."""
        if self._bases:
            self._bases.sort()
            ledger_state.put_bases(self._bases)
            self._bases = []

    def case_id(self, case_uid: str) -> int | None:
        cid = self._case_ids.get(case_uid)
        if cid is None:
            cid = ledger_rows.case_id(case_uid)
            if cid is None:
                return None
            self._case_ids[case_uid] = cid
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

    def _write(self, sheet: str, values: Mapping[str, Any], *, new: bool) -> None:
        table = C.SHEET_TABLE[sheet]
        data = self._db_data(sheet, values, new=new)
        names = list(data)
        params = [stored_value(data[n]) for n in names]
        if new:
            ledger_rows.insert(table, names, params)
            if table in self.fresh:
                self.fresh[table].add(values["uid"])
        else:
            keep = [i for i, n in enumerate(names) if n != "uid"]
            ledger_rows.update(
                table, values["uid"], [names[i] for i in keep], [params[i] for i in keep]
            )

    def _set_base(self, sheet: str, uid: str, v: Version, *, applied: bool = True) -> None:
        """Record ``v`` as the version last applied here. ``applied``: the record now holds
        it as it came (else the record keeps an edit made here, to travel to its owner)."""
        self.flush_bases()
        table = C.SHEET_TABLE[sheet]
        modified = ledger_rows.modified_at_text(table, uid) if applied else None
        ledger_state.put_bases(
            [(uid, table, v.revision, v.standing, v.digest, self._stamp(), v.named, modified)]
        )

    def _applied(self, sheet: str, uid: str, v: Version) -> None:
        """``v`` now stands here as it came: it is the base, and a conflict still open
        over an earlier version of the record is superseded (kept on record, closed)."""
        self._set_base(sheet, uid, v)
        self._supersede(uid, v.revision)

    def _supersede(self, uid: str, revision: int) -> None:
        ledger_state.supersede_conflicts(uid, CONFLICT_VERSION, revision, self._stamp())

    def _stamp(self) -> str | None:
        """The time of this merge as stored."""
        return to_db(self.now)

    def _remember_own(self, uid: str, v: Version) -> None:
        """A version of our own that came back from a ledger is one we had."""
        ledger_state.remember_versions([(uid, v.revision, v.content)])

    def _known_own(self, uid: str, v: Version, modified: Any) -> bool:
        """Whether this site had ``v`` (an older version of its own record): sent it or
        took it back, or it is older than the history this site keeps."""
        if self._since is None:
            since = ledger_state.versions_since()
            self._since = since or ""
            self._history = since is not None
        if not self._history or modified is None or v.revision == 1:
            return True  # (a record's first version is made once, by its creation)
        text = stored_value(modified) if isinstance(modified, datetime) else str(modified)
        if self._since and text < self._since:
            return True
        if ledger_state.had_version(uid, v.revision, v.content):
            return True
        base = self._base(uid)
        return base is not None and (base.revision, base.digest) == (v.revision, v.digest)

    def _base(self, uid: str) -> Base | None:
        self.flush_bases()
        row = ledger_state.base(uid)
        return Base(*row) if row else None

    def _seen(self, uid: str, v: Version) -> bool:
        """This content at this revision was already put before a person (either side of
        a conflict, open or resolved): it is not listed again."""
        return ledger_state.conflict_seen(uid, v.revision, v.digest)

    def _version(self, sheet: str, full: Mapping[str, Any], standing: int) -> Version:
        content = store.fingerprint(sheet, full)
        return Version(
            int(full.get("revision") or 1),
            full.get("fingerprint") or content,
            content,
            store.digest(sheet, full),
            standing,
        )

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
            clash = ledger_rows.number_holder(full["site"], full["number"], full["uid"])
            if clash is not None:
                raise number_taken(full["number"], full["site"], clash)
        elif full.get("case_uid") and self.case_id(full["case_uid"]) is None:
            raise RowRejected("投诉记录ID", NO_CASE)

    def _keep_conflict(
        self,
        sheet: str,
        full: Mapping[str, Any],
        local: Mapping[str, Any] | None,
        local_digest: str,
        v: Version,
        kind: str,
    ) -> str:
        """Keep the incoming version beside the local record for a person to decide.
        Returns "conflict" (new or still open) or "unchanged" (already decided)."""
        uid = full["uid"]
        if ledger_state.conflict_open(uid, v.revision, v.digest):
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


def number_taken(number: str, site: str, holder: str) -> RowRejected:
    """The rejection of a case whose 编号 another record of its site holds."""
    return RowRejected("编号", f"编号 {number} 在站点 {site} 已被另一条记录({holder})使用")


def stored_value(v: Any) -> Any:
    """A ledger value in the form the database stores: a time as its stored text, a date
    as ISO text, a yes/no as 0/1, the rest as it is."""
    if v.__class__ is datetime:
        return store.fast_to_db(v)
    if isinstance(v, datetime):
        return to_db(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v
