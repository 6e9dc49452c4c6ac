"""Draw packaging/windows/complaintdesk.ico from desktop/resources/icon.svg, with every size
Windows asks for at 100 %, 125 % and 150 % display scale: 16, 20, 24 (title bar, small
icons), 32, 40, 48 (taskbar, desktop), 64 and 256 (large icons, tiles). An image per size,
drawn from the SVG at that size, so Windows never scales a neighbour up or down.

    .venv/bin/python packaging/windows/make_ico.py

The sizes below 256 are stored as 32-bit bitmaps, the 256 one as PNG: the classic layout that
Windows, PyInstaller's icon copier and Inno Setup all read. Run it again after changing the
SVG and commit the .ico.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[2]
SIZES = (16, 20, 24, 32, 40, 48, 64, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)  # BGRA in memory, little-endian
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return img


def png(img: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def dib(img: QImage) -> bytes:
    """A 32-bit BGRA bitmap as an .ico holds it: BITMAPINFOHEADER with twice the height
    (image + mask), the rows bottom-up, then a 1-bit AND mask (all 0: the alpha decides)."""
    w, h = img.width(), img.height()
    rows = [bytes(img.constScanLine(y))[: w * 4] for y in range(h)]
    mask_row = b"\0" * (((w + 31) // 32) * 4)
    header = struct.pack("<IiiHHIIiiII", 40, w, 2 * h, 1, 32, 0, w * h * 4, 0, 0, 0, 0)
    return header + b"".join(reversed(rows)) + mask_row * h


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """ICONDIR, one ICONDIRENTRY per image (0 in a byte means 256), then the PNGs."""
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = len(head) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    return head + entries + blobs


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ROOT / "desktop" / "resources" / "icon.svg"))
    if not renderer.isValid():
        print("icon.svg could not be read", file=sys.stderr)
        return 1
    out = ROOT / "packaging" / "windows" / "complaintdesk.ico"
    images = []
    for size in SIZES:
        img = render(renderer, size)
        images.append((size, png(img) if size >= 256 else dib(img)))
    out.write_bytes(ico(images))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
