"""The code on every printed sheet: a QR code and the same as a short line a person reads.

The QR holds ``CD1:<form>:<record>:<revision>:<sheet code>`` in QR's alphanumeric mode
(upper-case letters, digits, ``-`` and ``:``), short enough for a small symbol whose modules
survive a 150 dpi scan or a phone photo; the line under it reads
``A · SH01-202611-0007 · r3 · 7F3K``. ``record`` is what the paper names the record by:
the case number (forms A, B) or the notice number (C, D). The sheet code is the key a scan
is matched by; form, record and revision let a match be checked and a stale sheet be told.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import segno
import zxingcpp
from docx.shared import Mm
from docxtpl import InlineImage
from PIL import Image

PREFIX = "CD1"
# Crockford's base32: no I, L, O, U, so a code read aloud or typed is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 4
QR_WIDTH_MM = 16.0  # the printed symbol with its quiet zone; modules of 0.55 mm
QR_BORDER = 2  # quiet-zone modules inside the image (the cell around it adds more white)
UPSCALE_BELOW = 2000  # pixels on an image's longer side: under this it is read at 2×

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_PAYLOAD = re.compile(r"CD1:([A-D]):(.+):(\d{1,6}):([0-9A-Z]{4,8})")


@dataclass(frozen=True)
class SheetCode:
    form: str  # A, B, C or D
    record: str  # case number or notice number
    revision: int
    sheet: str  # the printed sheet's code

    def payload(self) -> str:
        return f"{PREFIX}:{self.form}:{self.record}:{self.revision}:{self.sheet}"

    def human(self) -> str:
        return f"{self.form} · {self.record} · r{self.revision} · {self.sheet}"


def parse(text: str) -> SheetCode | None:
    """A decoded QR text as a sheet code, or None when it is not ours."""
    m = _PAYLOAD.fullmatch(text.strip())
    if m is None:
        return None
    return SheetCode(m.group(1), m.group(2), int(m.group(3)), m.group(4))


def normalise(code: str) -> str:
    """A code as typed by a person: upper case, O→0, I/L→1, spaces and dots dropped."""
    return (
        re.sub(r"[\s·.\-]", "", code).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    )


def new_code(taken: Callable[[str], bool], length: int = CODE_LENGTH) -> str:
    """A random sheet code that ``taken`` says is free; longer when many tries collide."""
    while True:
        for _ in range(32):
            code = "".join(secrets.choice(ALPHABET) for _ in range(length))
            if not taken(code):
                return code
        length += 1


def qr_png(code: SheetCode) -> bytes:
    """The QR as a black-and-white PNG (error correction M or better, as room allows)."""
    qr = segno.make_qr(code.payload(), error="m", boost_error=True)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=8, border=QR_BORDER)
    return buf.getvalue()


@dataclass(frozen=True)
class QrImage:
    """A context value that prints as the QR picture; the template it fills is known only
    at rendering, so bind_images turns it into docxtpl's InlineImage then."""

    png: bytes
    width_mm: float = QR_WIDTH_MM

    def __str__(self) -> str:  # a template rendered without binding prints nothing
        return ""


def context(code: SheetCode | None) -> dict[str, Any]:
    """The placeholders of the code: ``sheet_qr`` (the picture) and ``sheet_line``."""
    if code is None:
        return {"sheet_qr": "", "sheet_line": ""}
    return {"sheet_qr": QrImage(qr_png(code)), "sheet_line": code.human()}


def bind_images(values: Mapping[str, Any], tpl: Any) -> dict[str, Any]:
    """The context with every QrImage made an InlineImage of ``tpl``."""
    return {
        k: InlineImage(tpl, io.BytesIO(v.png), width=Mm(v.width_mm))
        if isinstance(v, QrImage)
        else v
        for k, v in values.items()
    }


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    text: str  # the decoded text (ours or another program's)
    code: SheetCode | None  # None: a QR that is not a ComplaintDesk sheet code
    box: tuple[int, int, int, int]  # left, top, right, bottom in the image's pixels


def read(image: Image.Image) -> list[Found]:
    """Every QR code on an image, in reading order (top to bottom, then left to right).

    zxing-cpp reads rotated, skewed and blurred symbols itself; a scan whose codes all fail
    at full size is tried once more at half size (a 300 dpi scan's noise is smaller there)."""
    grey = image.convert("L")
    if max(grey.size) < UPSCALE_BELOW:
        # a low-resolution scan (A4 under ~200 dpi, or a small piece): modules of about
        # three pixels, smeared by blur and JPEG, read far better from a 2× bicubic copy
        big = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.BICUBIC)
        return sorted(
            (
                Found(f.text, f.code, (f.box[0] // 2, f.box[1] // 2, f.box[2] // 2, f.box[3] // 2))
                for f in _decode(big)
            ),
            key=lambda f: (f.box[1] // 25, f.box[0]),
        )
    results = _decode(grey)
    if not any(f.code for f in results) and min(grey.size) > 1600:
        half = grey.resize((grey.width // 2, grey.height // 2), Image.Resampling.BOX)
        results = [
            Found(f.text, f.code, (2 * f.box[0], 2 * f.box[1], 2 * f.box[2], 2 * f.box[3]))
            for f in _decode(half)
        ]
    return sorted(results, key=lambda f: (f.box[1] // 50, f.box[0]))


def _decode(grey: Image.Image) -> list[Found]:
    out: list[Found] = []
    seen: set[str] = set()
    for b in zxingcpp.read_barcodes(grey, formats=_QR):
        if not b.valid or b.text in seen:
            continue
        seen.add(b.text)
        out.append(Found(b.text, parse(b.text), _box(b.position)))
    return out


def _box(position: Any) -> tuple[int, int, int, int]:
    pts: Iterable[Any] = (
        position.top_left,
        position.top_right,
        position.bottom_right,
        position.bottom_left,
    )
    xs, ys = zip(*((p.x, p.y) for p in pts), strict=True)
    return min(xs), min(ys), max(xs), max(ys)
