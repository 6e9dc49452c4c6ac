"""Helpers for the Windows-path tests that run on any system."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def hold():
    """``hold(path)`` makes an existing file unwritable, as Windows does with a .docx open
    in Word: read-only for an ordinary user; for root (who ignores file modes) the file is
    made immutable with chattr +i (skipped where the file system cannot). Undone after."""
    held: list[tuple[Path, str]] = []

    def _hold(path: Path) -> Path:
        if os.name == "posix" and os.geteuid() == 0:
            chattr = shutil.which("chattr")
            if (
                chattr is None
                or subprocess.run(
                    [chattr, "+i", str(path)], capture_output=True, check=False
                ).returncode
                != 0
            ):
                pytest.skip(
                    "running as root and chattr +i is not available here: "
                    "no way to make a file unwritable"
                )
            held.append((path, "chattr"))
        else:
            path.chmod(stat.S_IREAD)
            held.append((path, "chmod"))
        return path

    yield _hold
    for path, how in held:
        if how == "chattr":
            subprocess.run([shutil.which("chattr") or "chattr", "-i", str(path)], check=False)
        else:
            path.chmod(stat.S_IREAD | stat.S_IWRITE)
