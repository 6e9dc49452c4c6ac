"""What an import reports: each row's outcome, the counts per sheet, the rows rejected and
why, and a file refused as a whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger.rejects import RejectedRows
from ledger.validate import RowProblem

OUTCOMES = ("new", "updated", "unchanged", "conflict", "rejected")
OUTCOME_LABELS = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "conflict": "冲突",
    "rejected": "拒绝",
}


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


def counts_json(result: FileResult) -> str:
    return json.dumps({s: c.as_dict() for s, c in result.counts.items()}, ensure_ascii=False)
