"""Restarting after 设置 → 数据库 was saved: the same command line, once this instance ended."""

from __future__ import annotations

import sys

from desktop import app


def test_the_program_starts_again_with_its_command_line(monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(app.subprocess, "Popen", lambda argv, **_k: started.append(argv))
    monkeypatch.setattr(sys, "argv", ["/opt/x/desktop/__main__.py", "--data-dir", "/d"])
    app._start_again()
    assert started == [[sys.executable, "-m", "desktop", "--data-dir", "/d"]]
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # the packaged program
    app._start_again()
    assert started[-1] == [sys.executable, "--data-dir", "/d"]
