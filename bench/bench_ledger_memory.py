"""Peak memory of a ledger import, for hostile and big files (issue 15 §1, §3).

    .venv/bin/python bench/bench_ledger_memory.py [--work DIR] [--only NAME,...]
        [--rejects 1048575] [--cases 100000] [--entries 300000]

Builds the files in WORK (default /tmp/cd-bench-ledger-memory), then imports each one in
a child process of its own, ``python -m desktop --data-dir D ledger import FILE --rejects
OUT.xlsx`` (the console output, the rejects file and the database's transaction all
count), into a fresh data folder of site HQ01. The child's peak RSS comes from
``os.wait4`` (its own rusage, not the other children's). Printed per file: exit status,
seconds, peak RSS, and the peak as a ratio of the baseline (a two-case ledger imported
the same way in the same run). Target: every peak < 500 MB; no exit but 0 or 1.

Files:
- ``baseline``: a valid ledger of two cases.
- ``stray-xfd``: the two cases plus one text cell at XFD1048576 in 投诉台账 (calamine
  allocated its bounding box, 549,755,813,888 bytes, and the process aborted: exit 134).
- ``row-99999999``: a cell at A99999999 (refused: outside A1:XFD1048576).
- ``col-xfe``: a cell at XFE1 (refused).
- ``dimension``: the two cases with ``<dimension ref="A1:XFD1048576"/>``.
- ``rejects``: ``--rejects`` case rows (default 1,048,575: a full sheet), each with a 渠道
  no policy knows, so every row is rejected (2.2 GB before).
- ``big``: ``--cases`` valid cases and ``--entries`` entries (a big legitimate file; read as
  a stream once it is too big for calamine's grid). With ``--compare``, ``big-calamine`` is
  the same import with calamine forced (its budget lifted in the child): the speed and
  memory the stream trades.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from _common import ROOT

NAMES = ("baseline", "stray-xfd", "row-99999999", "col-xfe", "dimension", "rejects", "big")


def _cli(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop", "--data-dir", str(data), *args]


def _template(work: Path) -> tuple[dict, dict]:
    """A real case and entry, as the exporter's records (from a scratch database)."""
    from complaints.rules.permissions import ROLES
    from complaints.usecases import cases, site
    from complaints.usecases.context import CHINA_TZ, Context
    from db.database import close_database, open_database
    from ledger import store

    folder = work / "template"
    shutil.rmtree(folder, ignore_errors=True)
    now = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
    open_database(folder / "complaintdesk.sqlite3", backup_dir=folder / "backups")
    try:
        site.init_site("SH01", "SH01 店", now=now)
        ctx = Context(
            site="SH01",
            actor="bench",
            clock=lambda: now,
            roles=frozenset(ROLES),
            department="客服部",
        )
        v = cases.blank_case(ctx)
        v.update(customer_name="张三", content="刹车异响,多次维修未好", phone="13812345678")
        cases.create_case(ctx, v)
        case = next(store.iter_records("cases", sites=None, since=None))
        entry = next(store.iter_records("entries", sites=None, since=None))
    finally:
        close_database()
    return case, entry


def _write(path: Path, cases, entries) -> None:
    from complaints.usecases.context import CHINA_TZ
    from ledger.export import LedgerMeta, write_ledger

    meta = LedgerMeta(
        site="SH01",
        site_name="SH01 店",
        exported_at=datetime(2026, 11, 20, 10, 0, tzinfo=CHINA_TZ),
        tz_text="+08:00",
        scope="全部",
        app_version="bench",
    )
    write_ledger(path, meta, CHINA_TZ, cases=cases, entries=entries, sanctions=())


def _cases(template: dict, n: int, **changes):
    t0 = template["received_at"]
    for i in range(n):
        yield {
            **template,
            "uid": str(uuid.uuid4()),
            "number": f"B{i:08d}",
            "received_at": t0 - timedelta(minutes=i),
            **changes,
        }


def _entries(template: dict, case_uids: list[str], n: int):
    for i in range(n):
        yield {**template, "uid": str(uuid.uuid4()), "case_uid": case_uids[i % len(case_uids)]}


def _patch_sheet(src: Path, dest: Path, fn) -> Path:
    """Copy an .xlsx with 投诉台账's part (sheet2.xml, ours) changed by ``fn``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = fn(data)
            zout.writestr(info.filename, data)
    return dest


def _stray(ref: str, row: str):
    cell = (
        f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    ).encode()
    return lambda xml: xml.replace(b"</sheetData>", cell)


def build(work: Path, names: list[str], args) -> dict[str, Path]:
    work.mkdir(parents=True, exist_ok=True)
    case, entry = _template(work)
    files: dict[str, Path] = {}
    base = work / "baseline.xlsx"
    two = list(_cases(case, 2))
    _write(base, two, _entries(entry, [c["uid"] for c in two], 2))
    files["baseline"] = base
    if "stray-xfd" in names:
        files["stray-xfd"] = _patch_sheet(
            base, work / "stray-xfd.xlsx", _stray("XFD1048576", "1048576")
        )
    if "row-99999999" in names:
        files["row-99999999"] = _patch_sheet(
            base, work / "row-99999999.xlsx", _stray("A99999999", "99999999")
        )
    if "col-xfe" in names:
        files["col-xfe"] = _patch_sheet(base, work / "col-xfe.xlsx", _stray("XFE1", "1"))
    if "dimension" in names:
        files["dimension"] = _patch_sheet(
            base,
            work / "dimension.xlsx",
            lambda xml: re.sub(
                rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml, count=1
            ),
        )
    if "rejects" in names:
        path = work / f"rejects-{args.rejects}.xlsx"
        if not path.exists():
            t = time.perf_counter()
            _write(path, _cases(case, args.rejects, channel="飞鸽传书"), ())
            print(
                f"built {path.name} ({path.stat().st_size / 1024**2:.0f} MB) in "
                f"{time.perf_counter() - t:.0f} s",
                flush=True,
            )
        files["rejects"] = path
    if "big" in names:
        path = work / f"big-{args.cases}-{args.entries}.xlsx"
        if not path.exists():
            t = time.perf_counter()
            uids = [str(uuid.uuid4()) for _ in range(args.cases)]
            cases = ({**c, "uid": u} for c, u in zip(_cases(case, args.cases), uids, strict=True))
            _write(path, cases, _entries(entry, uids, args.entries))
            print(
                f"built {path.name} ({path.stat().st_size / 1024**2:.0f} MB) in "
                f"{time.perf_counter() - t:.0f} s",
                flush=True,
            )
        files["big"] = path
    return files


_CHILD = """
import sys
import ledger.zip_check
if {budget!r} is not None:  # the fast reader whatever the size: the trade-off's other side
    ledger.zip_check.CALAMINE_BUDGET = {budget!r}
from desktop.cli import main
sys.exit(main({argv!r}))
"""


def measure(
    work: Path, name: str, path: Path, budget: int | None = None
) -> tuple[int, float, float, str]:
    """(exit status, seconds, peak RSS in MB, last lines of output) of importing ``path``."""
    data = work / f"data-{name}"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run(
        _cli(data, "init", "--site", "HQ01", "--name", "总部"),
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    out = work / f"out-{name}.txt"
    t = time.perf_counter()
    with open(out, "w") as f:
        argv = _cli(
            data, "ledger", "import", str(path), "--rejects", str(work / f"rejects-of-{name}.xlsx")
        )[3:]
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD.format(budget=budget, argv=argv)],
            cwd=ROOT,
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = out.read_text(errors="replace")
    if "Traceback" in text:
        print(f"!! {name}: traceback in the output ({out})")
    tail = " | ".join(line.strip() for line in text.splitlines()[-3:])
    return proc.returncode, seconds, usage.ru_maxrss / 1024, tail


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/cd-bench-ledger-memory"))
    ap.add_argument("--only", default=",".join(NAMES))
    ap.add_argument("--rejects", type=int, default=1_048_575)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=300_000)
    ap.add_argument(
        "--compare",
        action="store_true",
        help="also import the big file with calamine whatever its size",
    )
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    files = build(args.work, names, args)
    base = None
    print(f"{'file':<14} {'exit':>4} {'time':>8} {'peak RSS':>10} {'× baseline':>10}  output")
    runs = [(n, n, None) for n in ("baseline", *[n for n in names if n != "baseline"])]
    if "big" in names and args.compare:
        runs.append(("big-calamine", "big", 1 << 62))
    for label, name, budget in runs:
        code, seconds, peak, tail = measure(args.work, label, files[name], budget)
        base = base or peak
        print(
            f"{label:<14} {code:>4} {seconds:>7.1f}s {peak:>8.0f} MB {peak / base:>9.2f}×  "
            f"{tail[:150]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
