"""Carrying out a person's decision on a conflict (docs/ledger.md, "Resolving a
conflict"): at the owner a decision is a new version; elsewhere taking another site's
edit is making that edit here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from db import ledger_rows
from db.models_ledger import LedgerConflict
from ledger import columns as C
from ledger import store
from ledger.apply import Applier
from ledger.versions import Version


class Resolver(Applier):
    """Decisions on conflicts (Merger.resolve)."""

    def resolve(self, conflict: LedgerConflict, keep: str) -> None:
        """Carry out a person's decision (docs/ledger.md, "Resolving a conflict")."""
        sheet = C.TABLE_SHEET[conflict.tbl]
        uid = conflict.uid
        incoming = store.from_json(sheet, conflict.incoming)
        content = store.fingerprint(sheet, incoming)
        v = Version(
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
        v: Version,
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
            ledger_rows.update(
                C.SHEET_TABLE[sheet],
                incoming["uid"],
                ["revision", "modified_at"],
                [bumped, self._stamp()],
            )
            self._supersede(incoming["uid"], bumped)

    def _resolve_other(
        self,
        sheet: str,
        incoming: dict[str, Any],
        local: Mapping[str, Any] | None,
        v: Version,
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
            ledger_rows.update(C.SHEET_TABLE[sheet], uid, ["revision"], [v.revision])
