"""What a version of a record is (docs/ledger.md): its 修订号 and its 版本指纹, with the
standing of the copy that carries it, and the checks of those two cells."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from ledger import columns as C
from ledger.results import RowRejected

# Bits of a version's standing beside its revision (stored in the from_owner columns).
FROM_OWNER = 2  # came in a file written by the record's owner
COMPLETE = 1  # not degraded: the phone is not masked (138****5678)

CONFLICT_VERSION = "version"  # two versions of one record, neither known to follow the other
CONFLICT_PROPOSAL = "proposal"  # an edit made where the record is not owned, sent as an edit
_HEX = frozenset("0123456789abcdef")


@dataclass
class Version:
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
class Base:
    """The version last applied here from a ledger (ledger_base)."""

    revision: int
    standing: int
    digest: str
    fingerprint: str  # "" for a row of schema < 8 whose version is not known


def check_version_cells(values: MutableMapping[str, Any]) -> RowRejected | None:
    """修订号 within bounds and 版本指纹 well formed, else the rejection. A 版本指纹 in
    capitals is put in small letters, as fingerprints are compared."""
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
            values["fingerprint"] = low
    return None
