"""Writing a file the person chose (.docx, .xlsx, .csv, .pdf) over one that another program
holds: one rule for every writer, the CLI's and the GUI's.

On Windows, Word, Excel and WPS keep the file they show open and refuse to let it be
replaced (PermissionError, WinError 32 "being used by another process" or 5 "access
denied"). The person gets a message naming the file and proposing a free name beside it,
never a traceback; nothing is written. ``writing(path)`` checks before the work starts (an
existing file is opened for writing and closed again, unchanged) and turns the same refusal
during the write into the same message.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from complaints.usecases.errors import UseCaseError

# errno values of "this file may not be written now": EACCES (Windows maps its sharing
# violations here too), EPERM (an immutable file), EBUSY, ETXTBSY, EROFS.
_REFUSED_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EBUSY, errno.ETXTBSY, errno.EROFS})
# Windows error codes: access denied, sharing violation, lock violation, user-mapped section.
_REFUSED_WINERRORS = frozenset({5, 32, 33, 1224})


class OutputInUse(UseCaseError):
    """``path`` cannot be written now (open in Word/Excel/WPS, or read-only); ``alternative``
    is a free name beside it the person may save to instead."""

    def __init__(self, path: Path, alternative: Path) -> None:
        self.path = Path(path)
        self.alternative = Path(alternative)
        super().__init__(
            f"无法写入文件 {self.path}:它可能正被 Word、Excel 或 WPS 打开,或者是只读文件。"
            f"请关闭该文件后重试,或改存为 {self.alternative.name}。"
        )


def is_refusal(e: OSError) -> bool:
    """True when ``e`` says the file may not be written (rather than: no such folder, disk
    full…)."""
    if getattr(e, "winerror", None) in _REFUSED_WINERRORS:
        return True
    return isinstance(e, PermissionError) or e.errno in _REFUSED_ERRNOS


def other_name(path: Path | str) -> Path:
    """The first free name beside ``path``: 台账 (2).xlsx, 台账 (3).xlsx…"""
    path = Path(path)
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def check_writable(path: Path | str) -> None:
    """Raise OutputInUse if ``path`` exists and cannot be opened for writing now. The file
    is opened without truncating and closed at once: its content does not change."""
    path = Path(path)
    if not path.is_file():
        return
    try:
        with open(path, "r+b"):
            pass
    except OSError as e:
        if is_refusal(e):
            raise OutputInUse(path, other_name(path)) from None
        raise


@contextmanager
def writing(path: Path | str) -> Iterator[Path]:
    """Around the writing of ``path``: OutputInUse before the work if the file is held, and
    instead of a PermissionError about ``path`` (or its temporary ``.part`` beside it)
    during the write. Other errors pass unchanged."""
    path = Path(path)
    check_writable(path)
    try:
        yield path
    except OSError as e:
        concerned = {str(path), str(path.with_name(path.name + ".part"))}
        names = {str(Path(f)) for f in (e.filename, getattr(e, "filename2", None)) if f}
        if is_refusal(e) and (not names or names & concerned):
            raise OutputInUse(path, other_name(path)) from None
        raise
