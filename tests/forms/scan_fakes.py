"""What a scanner or a phone does to a printed page, with Pillow alone (tests of 签字回收)."""

from __future__ import annotations

import io
import itertools
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFilter

from forms import qr


def render(pdf: Path, dpi: int, out_dir: Path) -> list[Path]:
    """The PDF's pages as PNG files, with pdftoppm (poppler), as a scanner driver would."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = out_dir / f"{pdf.stem}-{dpi}"
    subprocess.run(
        ["pdftoppm", "-png", "-gray", "-r", str(dpi), str(pdf), str(prefix)],
        check=True,
        timeout=120,
    )
    return sorted(out_dir.glob(f"{prefix.name}-*.png"))


def rotate(degrees: float) -> Callable[[Image.Image], Image.Image]:
    def f(im: Image.Image) -> Image.Image:
        return im.convert("L").rotate(
            degrees, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=232
        )

    return f


def blur(radius: float) -> Callable[[Image.Image], Image.Image]:
    return lambda im: im.convert("L").filter(ImageFilter.GaussianBlur(radius))


def jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    def f(im: Image.Image) -> Image.Image:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality)
        return Image.open(io.BytesIO(buf.getvalue()))

    return f


def grey(im: Image.Image) -> Image.Image:
    """A grey scan: the paper mid-grey-white, the ink dark grey, low contrast."""
    g = im.convert("L")
    return g.point(lambda v: 60 + v * 150 // 255)


def skew(fraction: float) -> Callable[[Image.Image], Image.Image]:
    """A phone photo taken at an angle: the top edge narrower than the bottom (a few
    degrees of keystone), with the table's edge in view around the page."""

    def f(im: Image.Image) -> Image.Image:
        w, h = im.size
        d = int(w * fraction)
        # source quad (upper-left, lower-left, lower-right, upper-right) mapped to the output
        quad = (-d, -d // 2, 0, h, w, h + d // 3, w + d, 0)
        return im.convert("L").transform(
            (w, h), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR, fillcolor=80
        )

    return f


def stain(seed: int = 1) -> Callable[[Image.Image], Image.Image]:
    """A coffee stain of noise over the page, and a light one across the code's corner."""

    def f(im: Image.Image) -> Image.Image:
        rnd = random.Random(seed)
        page = im.convert("L")
        w, h = page.size
        for cx, cy, r, alpha in (
            (w * 0.55, h * 0.45, w * 0.18, 150),
            (w * 0.16, h * 0.08, w * 0.05, 70),
        ):
            box = (int(cx - r), int(cy - r), int(cx + r), int(cy + r))
            size = (box[2] - box[0], box[3] - box[1])
            small = (max(8, size[0] // 4), max(8, size[1] // 4))
            noise = Image.effect_noise(small, 60).resize(size).point(lambda v: 60 + v // 3)
            mask = Image.new("L", small, 0)
            draw = ImageDraw.Draw(mask)
            oval = (1, small[1] * (1 - rnd.uniform(0.7, 1.0)) / 2, small[0] - 2, small[1] - 2)
            draw.ellipse(oval, fill=alpha)
            draw.ellipse(oval, outline=min(255, alpha + 80), width=max(1, small[0] // 40))
            mask = mask.filter(ImageFilter.BoxBlur(1)).resize(size)
            page.paste(Image.composite(noise, page.crop(box), mask), box[:2])
        return page

    return f


def chain(*steps: Callable[[Image.Image], Image.Image]) -> Callable[[Image.Image], Image.Image]:
    def f(im: Image.Image) -> Image.Image:
        for step in steps:
            im = step(im)
        return im

    return f


# name → what it does; the tests assert a match through each, at 150 and 300 dpi
DEGRADATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "clean": lambda im: im,
    "rotate 1°": rotate(1),
    "rotate -3°": rotate(-3),
    "rotate 5°": rotate(5),
    "blur": blur(1.2),
    "jpeg q50": jpeg(50),
    "grey": grey,
    "skew": skew(0.04),
    "stain": stain(),
    "all of them": chain(grey, stain(2), rotate(2.5), skew(0.03), blur(1.0), jpeg(50)),
}


def cut_in_three(im: Image.Image) -> list[Image.Image]:
    """A three-notice page cut along its lines (at a third and two thirds, a little off,
    as scissors go)."""
    w, h = im.size
    cuts = [0, int(h * 0.335), int(h * 0.655), h]
    return [im.crop((0, a, w, b)) for a, b in itertools.pairwise(cuts)]


def blank_page(dpi: int = 200) -> Image.Image:
    """The white back of a sheet as a scanner sees it: paper grain, no ink."""
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    noise = Image.effect_noise((w, h), 6)
    return Image.blend(Image.new("L", (w, h), 245), noise.point(lambda v: v // 10 + 230), 0.5)


def other_program_page(dpi: int = 200) -> Image.Image:
    """A page another program printed: text lines and a QR code that is not ours."""
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    for y in range(int(h * 0.2), int(h * 0.8), 40):
        draw.line((w * 0.1, y, w * 0.9, y), fill=40, width=6)
    buf = io.BytesIO()
    segno.make_qr("https://example.com/invoice/12345?code=7F3K").save(
        buf, kind="png", scale=6, border=2
    )
    page.paste(Image.open(buf).convert("L"), (int(w * 0.08), int(h * 0.04)))
    return page


def sheet_page(*codes: qr.SheetCode, dpi: int = 200) -> Image.Image:
    """A quick stand-in for a printed sheet (no LibreOffice): an A4 page with text lines and
    each given code's QR at the printed size, one under the other."""
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    side = int(qr.QR_WIDTH_MM / 25.4 * dpi)
    if not codes:  # a letter: text, no code
        for y in range(int(h * 0.1), int(h * 0.9), 45):
            draw.line((w * 0.1, y, w * 0.9, y), fill=30, width=4)
    for i, code in enumerate(codes):
        top = int(h * i / max(1, len(codes))) + int(0.06 * dpi * 10)
        symbol = Image.open(io.BytesIO(qr.qr_png(code))).convert("L")
        page.paste(symbol.resize((side, side), Image.Resampling.NEAREST), (int(0.8 * dpi), top))
        for y in range(top + side + 40, top + int(h / max(1, len(codes))) - 60, 45):
            draw.line((w * 0.1, y, w * 0.9, y), fill=30, width=4)
    return page
