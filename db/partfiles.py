"""Half-written files: a ``.part`` written beside its destination and renamed when whole.

A restore, a migration's backup, a backup or a ledger export that is killed (a power cut,
kill -9) leaves its ``.part`` behind. The next start deletes them and says so
in the log; a ``.part`` that another running process is still writing is left alone.

How a start tells the two apart: whoever writes a ``.part`` first writes a small marker in
the data folder's ``partial/`` naming it, and holds a lock on that marker while it writes
(flock on POSIX, msvcrt.locking on Windows; the operating system drops the lock when the
process dies, however it dies). A marker nobody holds is a writer that died: its ``.part``
goes. The lock is on the marker, never on the ``.part`` itself, so SQLite's own locks on a
``.part`` it writes are never disturbed.

No peewee here: the cleanup runs before the database is opened.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import uuid
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
REGISTRY = "partial"  # the folder of markers, in the data folder


def registry_for(database_file: Path | str) -> Path:
    return Path(database_file).parent / REGISTRY


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":  # each platform's own lock module
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Partial:
    """``with Partial(part, registry):`` around the writing of ``part`` (and its rename):
    a start meanwhile leaves it alone; a kill leaves a marker the next start acts on.
    Without a registry (no data folder known) it does nothing."""

    def __init__(self, part: Path | str, registry: Path | str | None):
        self.part = Path(part)
        self.registry = Path(registry) if registry is not None else None
        self._marker: Path | None = None
        self._fd: int | None = None

    def __enter__(self) -> Path:
        if self.registry is None:
            return self.part
        name = uuid.uuid4().hex
        # locked and filled under another name, then renamed: a start never sees a marker
        # that is not yet held
        # (Windows renames no open file: there the marker gets its name at once; a start
        # cannot read a locked marker there either, and takes it for a live writer's.)
        draft = self.registry / f"{name}.{'json' if os.name == 'nt' else 'tmp'}"
        fd = None
        for _attempt in range(2):  # another writer may remove the empty folder meanwhile
            try:
                self.registry.mkdir(parents=True, exist_ok=True)
                fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileNotFoundError:
                continue
            except OSError:  # a marker is a courtesy to the next start, never a reason to fail
                return self.part
        if fd is None:
            return self.part
        self._fd = fd
        self._marker = draft
        try:
            _try_lock(fd)
            os.write(
                fd,
                json.dumps({"part": str(self.part.resolve()), "pid": os.getpid()}).encode("utf-8"),
            )
            if draft.suffix != ".json":
                marker = self.registry / f"{name}.json"
                os.replace(draft, marker)
                self._marker = marker
        except OSError:
            pass
        return self.part

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # drops the lock
            self._fd = None
        if self._marker is not None:
            try:
                self._marker.unlink(missing_ok=True)
                self._marker.parent.rmdir()  # only when empty: no folder left for nothing
            except OSError:
                pass
            self._marker = None


def _unlink(path: Path) -> bool:
    removed = False
    for p in (path, path.with_name(path.name + "-journal")):
        try:
            if p.is_file():
                p.unlink()
                removed = True
        except OSError as e:
            log.warning("could not delete the leftover %s: %s", p, e)
    return removed


def remove_leftovers(data_root: Path | str) -> list[Path]:
    """Delete the ``.part`` files that killed writers left: those named by a marker that
    nobody holds (anywhere: a ledger export goes where the person chose), and any ``.part``
    in the data folder and its backups/ that no running writer holds. Returns what was
    deleted; each is also logged."""
    root = Path(data_root)
    registry = root / REGISTRY
    live: set[Path] = set()
    dead: list[tuple[Path, Path | None]] = []
    unknown_live = False
    markers = sorted(registry.glob("*.json")) if registry.is_dir() else []
    for marker in markers:
        try:
            fd = os.open(marker, os.O_RDWR)
        except OSError:
            continue
        try:
            part = Path(json.loads(os.read(fd, 65_536).decode("utf-8"))["part"])
        except (OSError, ValueError, KeyError, TypeError):
            part = None
        if _try_lock(fd):
            dead.append((marker, part))  # nobody writes under a dead marker's name again
        elif part is not None:
            live.add(part)
        else:
            unknown_live = True  # a live writer whose marker cannot be read (Windows)
        os.close(fd)  # before deleting the marker: Windows deletes no open file
    removed: list[Path] = []
    for marker, part in dead:
        if part is not None and part.name.endswith(PART_SUFFIX) and _unlink(part):
            removed.append(part)
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)
    if dead and not live and not unknown_live:
        with contextlib.suppress(OSError):
            registry.rmdir()
    for folder in () if unknown_live else (root, root / "backups"):
        if not folder.is_dir():
            continue
        for part in folder.glob(f"*{PART_SUFFIX}"):
            if part.resolve() not in live and part not in removed and _unlink(part):
                removed.append(part)
    for part in removed:
        log.warning(
            "deleted %s, left half-written by an interrupted restore, migration, backup or export",
            part,
        )
    return removed
