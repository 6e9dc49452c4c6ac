"""How far a long command is (``ledger import``, its ``--dry-run``, ``check``, ``anonymise``),
said on stderr so that the command's own output on stdout stays as it is (scripts and the
tests parse it).

On a terminal: one line rewritten in place (``\\r``) at most a few times a second, cleared
when the work ends (left standing, with a line break, when it is interrupted: it says where).
Anywhere else (a pipe, a log file): a line each time the work passes another 5 % or enters
a new stage (its words change, not only its counts), never thousands of lines.

A ``ProgressLine`` is the use cases' ``progress(done, total, text)`` callback.
"""

from __future__ import annotations

import re
import sys
import time
import unicodedata
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

# a terminal's line is rewritten at most this often (seconds)
INTERVAL = 0.25
# a log's line each time the work passes another this many percent
STEP_PCT = 5
_COUNTS = re.compile(r"[\d,.]+")


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: a Chinese character two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ProgressLine:
    """``progress(done, total, text)`` said as ``label:37%(37,000/100,000 行)text``;
    ``unit`` names what done and total count ("" when they are only a share, e.g. the
    check's parts). Use it as a context manager: the line is cleared or ended on the way
    out."""

    def __init__(
        self,
        label: str,
        *,
        unit: str = "",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self._shown_at: float | None = None  # when the terminal's line was last written
        self._width = 0  # the columns the terminal's line takes now
        self._step = -1  # the last 5 % step a log's line said
        self._stage: str | None = None  # the words (without counts) of the last line said

    def __call__(self, done: int, total: int, text: str = "") -> None:
        pct = min(100, done * 100 // total) if total > 0 else 0
        line = self._line(pct, done, total, text)
        stage = _COUNTS.sub("", text)
        if self.terminal:
            now = self.clock()
            if self._shown_at is not None and now - self._shown_at < INTERVAL:
                return
            self._shown_at = now
            width = columns(line)
            self.stream.write("\r" + line + " " * max(0, self._width - width))
            self._width = width
            self.stream.flush()
            return
        step = pct // STEP_PCT
        # a part that says nothing of itself is not a new stage
        if step == self._step and (stage == self._stage or not text):
            return
        self._step, self._stage = step, stage
        print(line, file=self.stream, flush=True)

    def _line(self, pct: int, done: int, total: int, text: str) -> str:
        counts = f"({done:,}/{total:,} {self.unit})" if self.unit and total > 0 else ""
        return f"{self.label}:{pct}%{counts}" + (f" {text}" if text else "")

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.end(interrupted=exc_type is not None)

    def end(self, *, interrupted: bool = False) -> None:
        """The work is over: a terminal's line cleared (the command's own output follows
        where it stood), or, ``interrupted``, ended with a line break so that it stays
        above whatever is said next."""
        if not self.terminal or not self._width:
            return
        if interrupted:
            self.stream.write("\n")
        else:
            self.stream.write("\r" + " " * self._width + "\r")
        self._width = 0
        self._shown_at = None
        self.stream.flush()
