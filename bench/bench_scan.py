"""How fast a stack of signed sheets comes back: 100 scanned pages at 200 dpi (签字回收).

    .venv/bin/python bench/bench_scan.py [--pages 100] [--dir DIR]

Makes a fresh data folder with one case and ``--pages`` printed sheets (history rows with
their codes, as printing makes them), then a scanner's PDF of those sheets: each an A4 page
at 200 dpi with its QR code where the forms print it, text lines, turned a little (1-3°) and
stored as JPEG, as a multifunction printer does. Times ``scans.import_scans`` over the PDF:
every page rendered (pypdfium2), its code read (zxing-cpp), its sheet found, the scan stored
beside the printed file and the sheet marked returned. Target of issue 21: 100 pages ≤ 30 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repository on sys.path)


def _page(code, dpi: int, tilt: float):
    from PIL import Image, ImageDraw

    from forms import qr

    w, h = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    side = int(qr.QR_WIDTH_MM / 25.4 * dpi)
    symbol = Image.open(io.BytesIO(qr.qr_png(code))).convert("L").resize((side, side))
    page.paste(symbol, (int(0.8 * dpi), int(0.35 * dpi)))
    for y in range(int(1.4 * dpi), h - int(0.8 * dpi), 45):
        draw.line((w * 0.1, y, w * 0.9, y), fill=30, width=3)
    return page.rotate(tilt, resample=Image.Resampling.BILINEAR, fillcolor=235)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/complaintdesk-bench-scan"))
    args = ap.parse_args()

    from complaints.rules.permissions import ROLES
    from complaints.usecases import scans, site
    from complaints.usecases.cases import create_case
    from db.database import open_database
    from db.models_forms import PrintedForm
    from desktop.paths import DataPaths
    from forms import qr

    shutil.rmtree(args.dir, ignore_errors=True)
    paths = DataPaths(args.dir)
    paths.root.mkdir(parents=True)
    open_database(paths.database, backup_dir=paths.backups)
    now = datetime.now(UTC)
    site.init_site("SH01", "上海浦东店", now=now)
    ctx = dataclasses.replace(site.context_for("bench"), roles=frozenset(ROLES))
    case = create_case(
        ctx,
        {
            "received_at": now,
            "channel": "现场",
            "kind": "投诉",
            "severity": "一般投诉",
            "business": "售后",
            "content": "测试",
            "customer_name": "张三",
        },
    )
    printed = paths.printed
    (printed / "2026" / "11").mkdir(parents=True)
    codes = []
    taken: set[str] = set()
    for i in range(args.pages):
        code = qr.SheetCode("A", case.number, 1, qr.new_code(taken.__contains__))
        taken.add(code.sheet)
        codes.append(code)
        rel = f"2026/11/sheet{i:03d}.docx"
        (printed / rel).write_bytes(b"")
        PrintedForm.create(
            uid=str(uuid.uuid4()),
            form="A",
            case=case.id,
            printed_at=now,
            printed_by="bench",
            template_source="default",
            template_sha256="0" * 64,
            file_path=rel,
            code=code.sheet,
            record_ref=code.record,
            revision=1,
        )
    scan = args.dir / "scanner.pdf"
    t = time.perf_counter()
    pages = [_page(c, args.dpi, 1 + (i % 3)) for i, c in enumerate(codes)]
    pages[0].save(scan, "PDF", save_all=True, append_images=pages[1:], resolution=float(args.dpi))
    del pages
    made = time.perf_counter() - t
    print(f"scanner PDF: {args.pages} pages at {args.dpi} dpi, {scan.stat().st_size / 1e6:.1f} MB")
    print(f"  (made in {made:.1f} s, not counted)")

    t = time.perf_counter()
    report = scans.import_scans(ctx, [scan], printed_dir=printed)
    secs = time.perf_counter() - t
    matched = report.count(scans.Outcome.MATCHED)
    print(
        f"scan import: {len(report.results)} pages, {matched} matched, "
        f"{len(report.returned)} returned in {secs:.1f} s (target ≤ 30 s for 100 pages), "
        f"{secs / max(1, len(report.results)) * 1000:.0f} ms a page"
    )
    return 0 if matched == args.pages else 1


if __name__ == "__main__":
    raise SystemExit(main())
