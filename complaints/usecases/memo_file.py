"""What the to-do list's memos judged (memo_slot), kept on this PC from one session to the
next, so the first read of a session judges only what changed since the last one.

At HQ the first read of the list judges every open case and every recent closing afresh
(seconds at a million cases); the file lets it judge only the cases written since it was
kept (``db.case_touches``: the database's own log, whoever wrote) and those whose ``until``
came, as a read after a write does within a session.

The file is a cache of this PC (``cache/<name>.json`` in the data folder, also for the
office server: this PC's folder named when it was opened); it is JSON, written whole to a
temporary file and then put in place. It is taken only where it cannot be wrong, else every
case is judged afresh and nothing is said (a cache): its format and the code that judged it
(a digest of the sources of the modules the memos judge with), the database (the touch log's
epoch, the mark it reaches, and ``case_touches.witness``: a copy that went its own way is
told apart), the policy book and calendar, the time zone, the clock not set back. A file that
cannot be read, parsed or decoded is the same as none.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from complaints.rules.deadlines import Deadline, DeadlineStatus
from complaints.usecases.gc_pause import cyclic_gc_paused
from complaints.usecases.policy import PolicyBook
from db import case_touches
from db.models import data_folder, database, on_server

FORMAT = 1  # a new number whenever what the file holds changes shape
FOLDER = "cache"
# Within a session the file follows the kept memo at most this often (a write costs tens
# of milliseconds at HQ); a read that judged every case afresh writes it at once.
SAVE_EVERY = timedelta(minutes=5)

K = TypeVar("K")
Json = Any  # what json.loads gives: a file's content is checked as it is decoded

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a UTC time is written as EPOCH + n * US
US = timedelta(microseconds=1)
_STATUS = {s.value: s for s in DeadlineStatus}


class Unstorable(Exception):
    """A value the file cannot hold exactly (a time in another zone): nothing is kept."""


class Packing:
    """How the values of one file are written: times as whole microseconds since 1970 (UTC
    ones as an int, the office's zone's as a one-element list, so they come back with the
    same zone; the rules give UTC times), and a deadline's rule, text, limit and status as
    the index of that combination in the file's table of them (a few dozen at most)."""

    def __init__(self, tz: tzinfo, shapes: Json = ()):
        self.tz = tz
        self.shapes: list[tuple[str, str, str, DeadlineStatus]] = [
            (str(rule), str(what), str(limit), _STATUS[status])
            for rule, what, limit, status in shapes
        ]
        self._index = {shape: i for i, shape in enumerate(self.shapes)}

    def shape(self, d: Deadline) -> int:
        key = (d.rule, d.what, d.limit, d.status)
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.shapes)
            self.shapes.append(key)
        return i

    def table(self) -> Json:
        return [[rule, what, limit, status.value] for rule, what, limit, status in self.shapes]

    def put(self, t: datetime | None) -> Json:
        if t is None:
            return None
        us = (t - EPOCH) // US
        if t.tzinfo is UTC:
            return us
        if t.tzinfo is self.tz:
            return [us]
        raise Unstorable(repr(t.tzinfo))

    def get(self, v: Json) -> datetime | None:
        if v is None:
            return None
        if isinstance(v, int):
            return EPOCH + v * US
        (us,) = v
        return (EPOCH + int(us) * US).astimezone(self.tz)


def put_span(d: timedelta | None) -> Json:
    return None if d is None else d // US


def get_span(v: Json) -> timedelta | None:
    return None if v is None else int(v) * US


def put_deadline(d: Deadline, p: Packing) -> Json:
    return [
        p.shape(d),
        p.put(d.start),
        p.put(d.due),
        p.put(d.met_at),
        put_span(d.left),
        put_span(d.held),
    ]


def get_deadline(v: Json, p: Packing) -> Deadline:
    shape, start, due, met_at, left, held = v
    rule, what, limit, status = p.shapes[shape]
    return Deadline(
        rule,
        what,
        p.get(start),
        p.get(due),
        p.get(met_at),
        status,
        limit,
        get_span(left),
        get_span(held) or timedelta(0),
    )


@dataclass(frozen=True)
class Codec(Generic[K]):
    """How one memo's kept cases are written (``put``) and read back (``get``)."""

    name: str  # the file: cache/<name>.json
    put: Callable[[K, Packing], Json]
    get: Callable[[list[Json], Packing], list[K]]  # all of them at once (tens of thousands)


@dataclass
class Loaded(Generic[K]):
    """A memo found valid in the file: its mark, when it was judged, and its cases."""

    mark: case_touches.Mark
    now: datetime
    cases: dict[int, K]


# --- the key --------------------------------------------------------------------------------


def _digest_code(code: CodeType, h: Any) -> None:
    h.update(code.co_code)
    h.update(repr(code.co_names).encode())
    for c in code.co_consts:
        if isinstance(c, CodeType):
            _digest_code(c, h)
        else:
            h.update(repr(c).encode())


def _module_digest(module: ModuleType, h: Any) -> bool:
    """The module's source (or, where the program ships without it, its compiled code)."""
    loader = getattr(getattr(module, "__spec__", None), "loader", None)
    name = module.__name__
    get_source = getattr(loader, "get_source", None)
    get_code = getattr(loader, "get_code", None)
    try:
        source = get_source(name) if get_source is not None else None
        code = get_code(name) if source is None and get_code is not None else None
    except (ImportError, OSError):
        return False
    if isinstance(source, str):
        h.update(name.encode() + b"\0" + source.encode())
        return True
    if not isinstance(code, CodeType):
        return False
    h.update(name.encode() + b"\0")
    _digest_code(code, h)
    return True


def _own_modules(roots: tuple[str, ...]) -> list[ModuleType]:
    """The program's modules the roots use, directly or not (by name, of complaints/ and db/)."""
    seen: dict[str, ModuleType] = {}
    todo = [m for m in (sys.modules.get(r) for r in roots) if m is not None]
    while todo:
        module = todo.pop()
        if module.__name__ in seen:
            continue
        seen[module.__name__] = module
        for value in list(vars(module).values()):
            name: object
            if isinstance(value, ModuleType):
                name = value.__name__
            else:
                name = getattr(value, "__module__", None)
            if isinstance(name, str) and name.split(".", 1)[0] in ("complaints", "db"):
                found = sys.modules.get(name)
                if found is not None and found.__name__ not in seen:
                    todo.append(found)
    return [seen[n] for n in sorted(seen)]


@functools.cache
def code_digest(roots: tuple[str, ...]) -> str | None:
    """A digest of the code the memos judge with (None: not knowable here, keep no file)."""
    h = hashlib.sha256()
    for module in _own_modules(roots):
        if not _module_digest(module, h):
            return None
    return h.hexdigest()


def _tz_name(tz: tzinfo | None) -> str | None:
    """The time zone as the file names it; None for one it cannot (the PC's local time)."""
    if isinstance(tz, ZoneInfo):
        return f"zone:{tz.key}"
    if isinstance(tz, timezone):
        return repr(tz)
    return None


def policy_digest(book: PolicyBook) -> str:
    """The policy book as the memos compare it, with each version's calendar."""
    parts = [
        [
            v.effective_from.isoformat(),
            v.by,
            v.policy.to_dict(),
            v.policy.calendar.fingerprint,
        ]
        for v in book.versions
    ]
    parts.append(["", "", book.default.to_dict(), book.default.calendar.fingerprint])
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _database_name() -> str | None:
    """Which database: this PC's file, or the office server's address (None: no file)."""
    if on_server():
        return f"server:{getattr(database.obj, 'address', '')}"
    name = str(database.database or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return "file"  # the file sits beside the database in its data folder


# --- the file -------------------------------------------------------------------------------


def _remove_stale(path: Path) -> None:
    """What a writer killed halfway left of ``path`` (a temporary file an hour old)."""
    cutoff = time.time() - 3600
    for stale in path.parent.glob(f"{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()


class MemoFile(Generic[K]):
    """One memo's file: ``load`` at a session's first read, ``save`` after a read."""

    def __init__(self, codec: Codec[K], roots: tuple[str, ...]):
        """``roots``: the modules that judge what is kept (with every module of the program
        they use). Made as the memo's module is imported, so the digest is of the sources
        this process compiled, not of a newer program installed while it runs."""
        self.codec = codec
        self.code = code_digest(roots)
        self._saved_at: float | None = None  # time.monotonic() of the last write

    def path(self) -> Path | None:
        folder = data_folder()
        if folder is None or _database_name() is None:
            return None
        return folder / FOLDER / f"{self.codec.name}.json"

    def _key(self, book: PolicyBook, tz: tzinfo) -> dict[str, Json] | None:
        code, zone, db = self.code, _tz_name(tz), _database_name()
        if code is None or zone is None or db is None:
            return None
        return {
            "format": FORMAT,
            "memo": self.codec.name,
            "code": code,
            "database": db,
            "tz": zone,
            "policy": policy_digest(book),
        }

    def forget(self) -> None:
        """Delete the file (the next session's first read judges every case afresh)."""
        path = self.path()
        self._saved_at = None
        if path is not None:
            with contextlib.suppress(OSError):  # no such folder (a file in its place)
                path.unlink(missing_ok=True)

    def load(self, book: PolicyBook, tz: tzinfo, now: datetime) -> Loaded[K] | None:
        """The memo of the file where it is valid for this database, policy, time zone and
        code and was judged no later than ``now``; else None (judge every case afresh)."""
        path, key = self.path(), self._key(book, tz)
        if path is None or key is None:
            return None
        try:
            with cyclic_gc_paused():
                raw = json.loads(path.read_bytes())
            if not isinstance(raw, dict) or raw.get("key") != key:
                return None
            packing = Packing(tz, raw["shapes"])
            epoch, at = raw["mark"]
            if on_server() != isinstance(at, str):
                return None  # the server's mark is a snapshot, SQLite's a number
            mark = case_touches.Mark(int(epoch), at if isinstance(at, str) else int(at))
            judged_at = packing.get(raw["now"])
            if judged_at is None or judged_at > now:
                return None
            if not case_touches.witnessed(mark, raw["witness"]):
                return None
            ids, kept = raw["ids"], raw["kept"]
            if not all(type(cid) is int for cid in ids):
                return None
            with cyclic_gc_paused():
                cases = dict(zip(ids, self.codec.get(kept, packing), strict=True))
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None  # unreadable, not JSON, or not of this shape: judged afresh
        self._saved_at = time.monotonic()  # the file is as of its mark: written, in effect
        return Loaded(mark, judged_at, cases)

    def due(self, afresh: bool, judged: int) -> bool:
        """Whether a read should write the file: one that judged every case afresh, or one
        after cases were judged again, ``SAVE_EVERY`` or more since the file was last
        written or taken (so the first read of a session is not slowed by it)."""
        if afresh:
            return True
        return judged > 0 and (
            self._saved_at is None
            or time.monotonic() - self._saved_at >= SAVE_EVERY.total_seconds()
        )

    def save(
        self,
        book: PolicyBook,
        tz: tzinfo,
        now: datetime,
        mark: case_touches.Mark,
        cases: dict[int, K],
    ) -> None:
        """Write the memo (best effort: a folder it cannot write only means no file)."""
        self._saved_at = time.monotonic()  # tried: not again before SAVE_EVERY
        path, key = self.path(), self._key(book, tz)
        if path is None or key is None:
            return
        packing = Packing(tz)
        put = self.codec.put
        try:
            kept = [put(k, packing) for k in cases.values()]
            body = {
                "key": key,
                "mark": [mark.epoch, mark.at],
                "witness": case_touches.witness(mark),
                "now": packing.put(now),
                "shapes": packing.table(),
                "ids": list(cases),
                "kept": kept,
            }
        except Unstorable:
            return
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        part = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # each writer its own
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale(path)
            part.write_text(text, encoding="utf-8")
            os.replace(part, path)
        except OSError:
            with contextlib.suppress(OSError):  # no folder to hold it: nothing was written
                part.unlink(missing_ok=True)
