"""One judgement of every office's cases kept between two reads of the to-do list (the open
cases' deadlines, todo_memo; the follow-up visits due, followup_memo).

What is kept holds while nothing was written to the database (its stamp, ``db.data_stamp``),
the policy and the time zone are the same and the clock has not gone back; otherwise the
next read judges every case afresh. Inside a transaction nothing is kept or used (the
stamp is None there: what is read may be rolled back). Past ``max_cases`` nothing is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Generic, TypeVar

from complaints.usecases.policy import PolicyBook
from db.data_stamp import data_stamp

K = TypeVar("K")
R = TypeVar("R")


@dataclass
class Memo(Generic[K]):
    stamp: tuple[Any, ...]
    book: PolicyBook
    tz: tzinfo
    now: datetime
    cases: dict[int, K] = field(default_factory=dict)

    def holds(
        self, stamp: tuple[Any, ...] | None, book: PolicyBook, tz: tzinfo, now: datetime
    ) -> bool:
        return (
            stamp is not None
            and self.stamp == stamp
            and self.tz is tz
            and now >= self.now
            and self.book.versions == book.versions
            and self.book.default == book.default
        )


class MemoSlot(Generic[K]):
    """At most one Memo: the last read of every office."""

    def __init__(self, max_cases: int):
        self._lock = threading.Lock()
        self._kept: Memo[K] | None = None
        self.max_cases = max_cases

    def clear(self) -> None:
        """Forget what is kept (the next read judges every case)."""
        with self._lock:
            self._kept = None

    def kept_cases(self) -> int | None:
        """How many cases are kept (None: nothing is kept)."""
        with self._lock:
            return len(self._kept.cases) if self._kept is not None else None

    def kept(self) -> Memo[K] | None:
        """What is kept now (for a benchmark's measure of its memory)."""
        with self._lock:
            return self._kept

    def read(
        self,
        book: PolicyBook,
        now: datetime,
        tz: tzinfo,
        afresh: Callable[[Memo[K]], None],
        again: Callable[[Memo[K]], None],
        answer: Callable[[Memo[K]], R],
    ) -> R:
        """``answer`` of the kept memo after ``again`` (judge what the clock brought) where it
        still holds, else of a new one that ``afresh`` fills (kept if it may be)."""
        with self._lock:
            stamp = data_stamp()
            memo = self._kept
            if memo is not None and memo.holds(stamp, book, tz, now):
                again(memo)
            else:
                self._kept = None
                memo = Memo(stamp or (), book, tz, now)
                afresh(memo)
                if stamp is not None and len(memo.cases) <= self.max_cases:
                    self._kept = memo
            return answer(memo)
