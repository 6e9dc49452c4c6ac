"""Every top-level window and dialog fits the office's screens (issue 17 §2).

Qt fixes the screen's size when it starts, so tests/ui/window_probe.py opens every window
(the main window on each page and tab, a new and an open case on each tab, the print
preview, every action dialog, the sanction, user, sign-in, first-run, about and 统计
dialogs) in a subprocess with an offscreen screen of the given size, and lists every window
frame or visible button outside the available screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("window_probe.py")
ROOT = PROBE.parents[2]


def _probe(tmp_path: Path, width: int, height: int, scale: str | None, *extra: str) -> dict:
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "probe",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        )
    )
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    env.pop("QT_SCALE_FACTOR", None)
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, str(PROBE), str(data), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("width", "height", "scale", "logical"),
    [
        (1366, 768, None, (1366, 768)),  # the commonest office laptop
        (1920, 1080, "1.5", (1280, 720)),  # a full-HD screen at Windows' 150 %
    ],
)
def test_every_window_and_button_lies_inside_the_screen(tmp_path, width, height, scale, logical):
    result = _probe(tmp_path, width, height, scale)
    assert tuple(result["screen"][2:]) == logical
    assert {
        "主窗口/cases",
        "主窗口/sanctions",
        "投诉单",
        "新投诉单",
        "打印预览",
        "操作/处理完成",
        "奖惩/批准",
        "关于",
    } <= set(result["opened"])
    assert result["problems"] == []
    assert result["sideways"] == []  # no page or 设置 tab of the main window scrolls sideways


def test_the_probe_sees_a_window_that_runs_off_the_screen(tmp_path):
    """Without the fitting, the case window (1100x860) and the print preview (820x960) run
    off a 1366x768 screen, their buttons with them: the probe would say so."""
    result = _probe(tmp_path, 1366, 768, None, "--no-fit")
    text = "\n".join(result["problems"])
    assert "打印预览: button '打印…'" in text
    assert "投诉单/奖惩: button '登记处理单遗失(S9)'" in text


def test_a_window_larger_than_the_screen_is_shrunk_and_moved_inside(qtbot):
    from PySide6.QtWidgets import QDialog

    from ui import window_fit

    window_fit.install()
    d = QDialog()
    qtbot.addWidget(d)
    area = window_fit.available(d)
    d.resize(area.width() + 300, area.height() + 300)
    d.move(area.right() - 50, area.bottom() - 50)
    d.show()
    qtbot.waitExposed(d)
    assert area.contains(d.frameGeometry())


def test_size_and_place_are_kept_per_screen(qtbot, qsettings):
    from PySide6.QtWidgets import QWidget

    from ui import window_fit

    window_fit.install()
    w = QWidget()
    qtbot.addWidget(w)
    window_fit.remember(w, "probe", qsettings)
    w.resize(400, 300)
    w.show()
    qtbot.waitExposed(w)
    w.resize(420, 310)
    w.hide()
    keys = [k for k in qsettings.allKeys() if k.startswith("windows/probe/")]
    area = window_fit.available(w)
    assert keys == [f"windows/probe/{window_fit._screen_key(w)}"]
    assert keys[0].endswith(f"_{area.width()}x{area.height()}")
    again = QWidget()
    qtbot.addWidget(again)
    window_fit.remember(again, "probe", qsettings)
    again.show()
    qtbot.waitExposed(again)
    assert again.size().width() == 420 and again.size().height() == 310
