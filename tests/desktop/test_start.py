"""The start path: without a command no command module is imported (the GUI opens sooner),
every command still parses; work the first paint does not need runs after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from desktop import app, cli

ROOT = Path(__file__).resolve().parents[2]


def test_options_only_import_no_command_module():
    code = (
        "import sys; from desktop.cli import parse_args; "
        "a = parse_args(['--data-dir', 'x', '--smoke']); "
        "print(a.command, a.smoke, a.data_dir, a.user, "
        "sorted(m for m in sys.modules if m.startswith('desktop.commands.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["None", "True", "x", "None", "[]"]


def test_a_command_still_parses_with_its_options():
    args = cli.parse_args(["--data-dir", "d", "todo", "--csv"])
    assert args.command == "todo" and callable(args.func) and str(args.data_dir) == "d"


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as e:
        cli.parse_args(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "todo" in out and "init" in out and "--smoke" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--data-dir"], "argument --data-dir: expected one argument"),
    ],
)
def test_errors_come_from_the_full_parser(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        cli.parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "COMMAND" in err  # the usage of the full parser


def test_version_without_command_modules(capsys):
    with pytest.raises(SystemExit) as e:
        cli.parse_args(["--version"])
    assert e.value.code == 0 and "ComplaintDesk" in capsys.readouterr().out


def test_after_first_paint_runs_once_when_the_window_has_painted(qtbot):
    w = QLabel("客诉管理台")
    qtbot.addWidget(w)
    calls: list[bool] = []
    app.after_first_paint(w, lambda: calls.append(w.isVisible()), fallback_ms=60_000)
    assert calls == []  # nothing before the window is shown
    w.show()
    qtbot.waitUntil(lambda: bool(calls))
    w.update()
    w.repaint()
    qtbot.waitExposed(w)
    assert calls == [True]


def test_after_first_paint_falls_back_when_never_painted(qtbot):
    w = QLabel("hidden")
    qtbot.addWidget(w)
    calls: list[int] = []
    app.after_first_paint(w, lambda: calls.append(1), fallback_ms=10)
    qtbot.waitUntil(lambda: bool(calls))
    assert calls == [1]
