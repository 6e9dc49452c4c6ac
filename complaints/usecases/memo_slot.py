"""One judgement of every office's cases kept between two reads of the to-do list (the open
cases' deadlines, todo_memo; the follow-up visits due, followup_memo).

What is kept holds while nothing was written to the database (its stamp, ``db.data_stamp``),
the policy and the time zone are the same and the clock has not gone back. After a write,
by this seat or any other, only the cases it touched are judged again
(``db.case_touches``: kept by the database's own triggers, on both engines); everything is
judged afresh where the log cannot say which (the policy or the office calendar written, a
bulk load, a restore, a log that no longer reaches back, more than ``MAX_TOUCHED`` cases),
on another connection (the database reopened), another policy or time zone, or a clock set
back. Inside a transaction nothing is kept or used (the stamp is None there: what is read
may be rolled back). Past ``max_cases`` nothing is kept.

A slot with a ``MemoFile`` also keeps its memo on this PC between sessions (memo_file): a
session's first read takes the file's memo where it is valid and, as after a write, judges
again only the cases written since the file's mark and those whose ``until`` came.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Generic, Protocol, TypeVar

from complaints.usecases.memo_file import MemoFile
from complaints.usecases.policy import PolicyBook
from db import case_touches
from db.data_stamp import data_stamp


class Timed(Protocol):
    """What is kept of one case: judged again from ``until`` on (None: only after a write)."""

    @property
    def until(self) -> datetime | None: ...


K = TypeVar("K", bound=Timed)
R = TypeVar("R")

# Past this many cases touched since the last read, judging every case afresh is as quick.
MAX_TOUCHED = 10_000


@dataclass
class Memo(Generic[K]):
    stamp: tuple[Any, ...]
    book: PolicyBook
    tz: tzinfo
    now: datetime
    mark: case_touches.Mark | None = None  # the touch log before the cases were read
    cases: dict[int, K] = field(default_factory=dict)

    def follows(
        self, stamp: tuple[Any, ...] | None, book: PolicyBook, tz: tzinfo, now: datetime
    ) -> bool:
        """Judged on this connection with this policy and time zone, the clock not set back:
        what was kept holds but for the cases written since."""
        return (
            stamp is not None
            and self.mark is not None
            and self.stamp[:1] == stamp[:1]  # the connection
            and self.tz is tz
            and now >= self.now
            and self.book.versions == book.versions
            and self.book.default == book.default
        )

    def holds(
        self, stamp: tuple[Any, ...] | None, book: PolicyBook, tz: tzinfo, now: datetime
    ) -> bool:
        """As ``follows``, and nothing was written since."""
        return self.follows(stamp, book, tz, now) and self.stamp == stamp


class MemoSlot(Generic[K]):
    """At most one Memo: the last read of every office."""

    def __init__(self, max_cases: int, stored: MemoFile[K] | None = None):
        self._lock = threading.Lock()
        self._kept: Memo[K] | None = None
        self.max_cases = max_cases
        self.stored = stored  # kept on this PC between sessions too
        self._judged = 0  # cases judged again since the file was last written

    def clear(self, *, stored: bool = False) -> None:
        """Forget what is kept in memory, as a new session would (the next read takes the
        file's memo where it is valid); ``stored``: the file too (the next read judges every
        case afresh)."""
        with self._lock:
            self._kept = None
            if stored and self.stored is not None:
                self.stored.forget()

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
        judge: Callable[[Memo[K], Sequence[int]], None],
        answer: Callable[[Memo[K]], R],
    ) -> R:
        """``answer`` of the kept memo where it still holds, after ``judge`` (judge the cases
        of these ids again as of ``now``) of the cases written since, then of those whose
        ``until`` came; else of a new one that ``afresh`` fills (kept if it may be)."""
        with self._lock:
            stamp = data_stamp()
            memo = self._kept
            since = None
            self._kept = None  # until judged again whole (a failure halfway keeps nothing)
            judged = 0

            def judge_counted(memo: Memo[K], ids: Sequence[int]) -> None:
                nonlocal judged
                judged += len(ids)
                judge(memo, ids)

            if memo is None and stamp is not None and self.stored is not None:
                memo = self._load(stamp, book, tz, now)
            if memo is not None and memo.follows(stamp, book, tz, now) and memo.stamp != stamp:
                assert memo.mark is not None and stamp is not None  # follows() says so
                since = case_touches.touched_since(memo.mark, MAX_TOUCHED)
                if since is not None:
                    memo.mark, cases = since
                    memo.stamp = stamp
                    judge_counted(memo, sorted(cases))
            if memo is not None and (since is not None or memo.holds(stamp, book, tz, now)):
                # the same instant in UTC, the rules' zone: comparing times of two zones costs
                # ~6 x as much (30 ms over 70,000 kept cases)
                at = now.astimezone(UTC)
                due = [i for i, k in memo.cases.items() if k.until is not None and k.until <= at]
                judge_counted(memo, due)
                memo.now = now
                self._kept = memo
                self._store(memo, afresh=False, judged=judged)
            else:
                mark = case_touches.mark() if stamp is not None else None
                memo = Memo(stamp or (), book, tz, now, mark)
                afresh(memo)
                if stamp is not None and len(memo.cases) <= self.max_cases:
                    self._kept = memo
                    self._store(memo, afresh=True, judged=len(memo.cases))
            return answer(memo)

    def _load(
        self, stamp: tuple[Any, ...], book: PolicyBook, tz: tzinfo, now: datetime
    ) -> Memo[K] | None:
        """The file's memo where it is valid, as one of this connection that a write since its
        mark left behind (so the touch log says which cases to judge again)."""
        assert self.stored is not None
        loaded = self.stored.load(book, tz, now)
        if loaded is None:
            return None
        self._judged = 0
        return Memo(stamp[:1], book, tz, loaded.now, loaded.mark, loaded.cases)

    def _store(self, memo: Memo[K], *, afresh: bool, judged: int) -> None:
        """Write the kept memo to its file when due (memo_file.MemoFile.due)."""
        if self.stored is None or memo.mark is None:
            return
        self._judged += judged
        if self.stored.due(afresh, self._judged):
            self.stored.save(memo.book, memo.tz, memo.now, memo.mark, memo.cases)
            self._judged = 0
