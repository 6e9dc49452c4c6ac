"""The pages of scan files: a multifunction printer's PDF, a phone's JPEG, a PNG, a TIFF.

Each page comes out as a Pillow image at a resolution where a sheet's QR code reads
(a PDF page is rendered at SCAN_DPI; an image is taken as it is, turned upright by its EXIF
orientation, and halved while it is much larger than a 300 dpi A4 page). pypdfium2 renders
PDF pages here, below ui/, where Qt's own QtPdf may not be used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

PDF_SUFFIXES = (".pdf",)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
SUFFIXES = PDF_SUFFIXES + IMAGE_SUFFIXES
SCAN_DPI = 200  # what an office scanner is set to; a QR module is 4 pixels there
MAX_SIDE = 4000  # a 48-megapixel photo is halved until its longer side is below this


class ScanFileError(Exception):
    """A file that is not a readable scan; the message is for the user."""


@dataclass(frozen=True)
class Page:
    file: Path
    number: int  # 1-based, within its file
    count: int  # pages in the file
    image: Image.Image


def scan_files(paths: list[Path]) -> list[Path]:
    """The scan files among ``paths`` (a folder gives its scans, sorted by name, not its
    subfolders')."""
    out: list[Path] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES)
            )
        else:
            out.append(p)
    return out


def pages(path: Path, dpi: int = SCAN_DPI) -> Iterator[Page]:
    """Every page of one file, one at a time (a 100-page PDF is never held whole)."""
    path = Path(path)
    if not path.is_file():
        raise ScanFileError(f"找不到文件:{path}")
    if path.suffix.lower() in PDF_SUFFIXES:
        yield from _pdf_pages(path, dpi)
    elif path.suffix.lower() in IMAGE_SUFFIXES:
        yield from _image_pages(path)
    else:
        raise ScanFileError(f"{path.name}:不是扫描件(只读取 PDF、JPEG、PNG、TIFF)")


def page_count(path: Path) -> int:
    try:
        if path.suffix.lower() in PDF_SUFFIXES:
            pdf = pypdfium2.PdfDocument(path)
            try:
                return len(pdf)
            finally:
                pdf.close()
        with Image.open(path) as im:
            return getattr(im, "n_frames", 1)
    except (OSError, pypdfium2.PdfiumError, UnidentifiedImageError):
        return 0


def _pdf_pages(path: Path, dpi: int) -> Iterator[Page]:
    try:
        pdf = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as e:
        raise ScanFileError(f"{path.name}:PDF 文件无法打开({e})") from None
    try:
        count = len(pdf)
        for i in range(count):
            page = pdf[i]
            try:
                image = _scanned_image(page) or page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()
            while max(image.size) > MAX_SIDE:
                image = image.reduce(2)
            yield Page(path, i + 1, count, image)
    finally:
        pdf.close()


def _scanned_image(page: pypdfium2.PdfPage) -> Image.Image | None:
    """A scanner's page is one upright picture covering it: that picture as it is stored
    (decoding it is several times faster than rendering the page), else None."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pypdfium2.raw.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    a, b, c, d, _e, _f = image.get_matrix().get()
    if b != 0 or c != 0 or a <= 0 or d <= 0:  # turned or mirrored on the page: render it
        return None
    assert isinstance(image, pypdfium2.PdfImage)
    return image.get_bitmap(render=False).to_pil().convert("L")


def _image_pages(path: Path) -> Iterator[Page]:
    try:
        with Image.open(path) as im:
            count = getattr(im, "n_frames", 1)
            for i, frame in enumerate(ImageSequence.Iterator(im)):
                image = ImageOps.exif_transpose(frame.convert("RGB")) if i == 0 else frame
                image = image.convert("L")
                while max(image.size) > MAX_SIDE:
                    image = image.reduce(2)
                yield Page(path, i + 1, count, image)
    except (OSError, UnidentifiedImageError) as e:
        raise ScanFileError(f"{path.name}:图片无法打开({e})") from None


def is_blank(image: Image.Image) -> bool:
    """A page with (almost) nothing on it: a blank back side fed through the scanner."""
    grey = image.convert("L")
    small = grey.reduce(4) if min(grey.size) > 64 else grey
    # a 4×4 block with a pen stroke in it averages well below paper white
    ink = small.point(lambda v: 255 if v < 180 else 0).histogram()[255]
    return ink <= small.width * small.height * 0.002


def thumbnail(image: Image.Image, out: Path, width: int = 360) -> Path:
    """A small JPEG of a page (the 签字回收 page shows it to assign a page by hand)."""
    small = image.copy()
    small.thumbnail((width, width * 2))
    out.parent.mkdir(parents=True, exist_ok=True)
    small.convert("L").save(out, "JPEG", quality=80)
    return out


def save_pages(images: Sequence[Image.Image], out: Path, dpi: int = SCAN_DPI) -> Path:
    """Pages of one sheet as one file: a JPEG for one page, a PDF for several."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if len(images) == 1:
        out = out.with_suffix(".jpg")
        images[0].convert("L").save(out, "JPEG", quality=85, dpi=(dpi, dpi))
        return out
    out = out.with_suffix(".pdf")
    first, *rest = (im.convert("L") for im in images)
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return out
