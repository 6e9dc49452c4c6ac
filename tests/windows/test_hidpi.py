"""High DPI, as Windows laptops run at 125 % and 150 %: every page and the main dialogs
rendered offscreen at QT_SCALE_FACTOR 1.25 and 1.5 with no clipped text (each label's and
button's size hint against its geometry: tests/windows/hidpi_check.py), screenshots at the
screen's real pixels, and the navigation icons drawn from their @2x images.

COMPLAINTDESK_SHOTS=DIR keeps the screenshots in DIR/<scale>/ (else they go to tmp_path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QVBoxLayout, QWidget

sys.path.insert(0, str(Path(__file__).parent))
from hidpi_check import clipped_texts

from ui.page_registry import PAGES, RESTRICTED_PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_the_check_finds_text_that_does_not_fit(qtbot):
    top = QWidget()
    qtbot.addWidget(top)
    lay = QVBoxLayout(top)
    narrow = QLabel("客户投诉处理跟踪表(厂家)")
    narrow.setFixedWidth(40)
    button = QPushButton("生成 Word 报告…")
    button.setFixedWidth(50)
    box = QCheckBox("隐藏手机号中间四位")
    box.setFixedWidth(30)
    wrapped = QLabel("一段会换行的说明文字," * 8)
    wrapped.setWordWrap(True)
    wrapped.setFixedSize(120, 20)
    roomy = QLabel("够宽")
    small_button = QPushButton("◀")
    small_button.setFixedWidth(40)  # narrower than a button's usual 80, but the text fits
    for w in (narrow, button, box, wrapped, roomy, small_button):
        lay.addWidget(w)
    top.show()
    qtbot.waitExposed(top)
    found = {f["text"][:6] for f in clipped_texts("sample", top)}
    assert found == {"客户投诉处理", "生成 Wor", "隐藏手机号中", "一段会换行的"}


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["1.25", "1.5"])
def test_every_page_and_dialog_fits_at_windows_scales(scale, tmp_path):
    shots = os.environ.get("COMPLAINTDESK_SHOTS")
    out = Path(shots) / scale if shots else tmp_path / scale
    env = dict(
        os.environ,
        QT_SCALE_FACTOR=scale,
        QT_QPA_PLATFORM="offscreen",
        QT_ENABLE_HIGHDPI_SCALING="1",
    )
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("hidpi_check.py")), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["not_checked"] == [], report["not_checked"]
    assert report["clipped"] == [], json.dumps(report["clipped"], ensure_ascii=False, indent=1)
    pages = [f"page-{key}@{float(scale):g}x.png" for key, _t, _m in PAGES + RESTRICTED_PAGES]
    assert set(pages) <= set(report["shots"])
    assert sum(s.startswith("dialog-") for s in report["shots"]) >= 12
    # drawn at the screen's real pixels: a 1280×693 window at 150 % is 1920×1040 pixels
    width, height = report["window"]
    img = QImage(str(out / pages[1]))
    assert (img.width(), img.height()) == (
        round(width * float(scale)),
        round(height * float(scale)),
    )
    # navigation icons drawn from their 40-pixel @2x image, scaled down to the screen
    for key, icon in report["icons"].items():
        assert [40, 40] in icon["sizes"], f"{key}: no @2x image"
        assert icon["pixmap"] == [round(20 * float(scale))] * 2, key


def test_the_windows_icon_has_the_sizes_windows_asks_for_at_125_and_150_percent():
    """Explorer, the taskbar and the title bar ask for 16/20/24 (small) and 32/40/48
    (large) at 100/125/150 %, 256 for big tiles."""
    import struct

    data = (ROOT / "packaging" / "windows" / "complaintdesk.ico").read_bytes()
    count = struct.unpack("<HHH", data[:6])[2]
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert sizes >= {16, 20, 24, 32, 40, 48, 64, 256}, sorted(sizes)
