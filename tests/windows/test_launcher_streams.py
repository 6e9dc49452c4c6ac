"""The bundled program's entry point on an English Windows: its Chinese output redirected
to a file in code page 1252 must not end in a UnicodeEncodeError (PYTHONIOENCODING plays
the code page here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(encoding: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING=encoding, PYTHONPATH=str(ROOT))
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "launcher.py"), "--help"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_code_page_without_chinese_gets_utf8():
    proc = run("cp1252")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "数据文件夹" in proc.stdout.decode("utf-8")


def test_a_chinese_code_page_is_kept():
    proc = run("gbk")
    assert proc.returncode == 0
    assert "数据文件夹" in proc.stdout.decode("gbk")
