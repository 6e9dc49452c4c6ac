"""Issue 15, Tests: mutated ledgers (cell values and types, cell places, headers, sheet
names, the dimension, 说明, the zip's bytes) never end in a traceback. The import either
refuses the file (and the database is as before) or applies its good rows and names
every rejected one; the report, the console text and the rejects file can all be made.
Memory is checked by bench/bench_ledger_memory.py, not here (no timed tests).

Bounded for CI: a fixed number of derandomized examples (same inputs every run)."""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from complaints.usecases import ledger_export, ledger_import
from complaints.usecases.errors import UseCaseError
from desktop.commands.ledger import print_result
from ledger import calamine_chunks, zip_check
from tests.ledger.helpers import Sites, add_sanction, ctx_for, new_case, snapshot

SHEET_PARTS = (
    "xl/worksheets/sheet1.xml",
    "xl/worksheets/sheet2.xml",
    "xl/worksheets/sheet3.xml",
    "xl/worksheets/sheet4.xml",
)  # 说明, then data
_CELL_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A valid ledger of SH01 (cases, entries, a sanction) as its zip parts, and HQ's
    database (holding one case of its own) open for the examples."""
    root = tmp_path_factory.mktemp("fuzz")
    sites = Sites(root)
    ctx = sites.use("SH01")
    for name in ("甲", "乙", "丙"):
        cid = new_case(ctx, customer_name=name)
    add_sanction(ctx, cid)
    out = root / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    with zipfile.ZipFile(out) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    hq = sites.use("HQ")
    new_case(hq, customer_name="总部客户")
    yield root, parts, hq
    sites.close()


TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "@SUM(A1)",
            "_xD800_",
            "_x0000_",
            "\u202e反",
            "是",
            "否",
            "2026-11-20 09:30",
            "2026-11-20T09:30:00+24:00",
            "9999-12-31",
            "9999-12-31T23:59:59-12:00",
            "1e30",
            str(2**63),
            "-1",
            "0",
            "登记",
            "电话",
            "SH01",
            "HQ",
            "x" * 5000,
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e30", "1E308", "-0", "46000.5", "2958465.99999", "NaN", "INF", "abc", ""]),
)


def _escape(s: str) -> str:
    s = "".join(
        c
        for c in s
        if c in "\t\n\r"
        or (ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff")
    )
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def cell_xml(draw, ref: str) -> bytes:
    kind = draw(st.sampled_from(["str", "num", "date", "bool", "err", "empty", "shared"]))
    if kind == "str":
        return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(draw(TEXTS))}</t></is></c>'.encode()
    if kind in ("num", "date"):
        style = ' s="1"' if kind == "date" else ""
        return f'<c r="{ref}"{style}><v>{draw(NUMBERS)}</v></c>'.encode()
    if kind == "bool":
        v = draw(st.sampled_from(["0", "1", "2", "x"]))
        return f'<c r="{ref}" t="b"><v>{v}</v></c>'.encode()
    if kind == "err":
        return f'<c r="{ref}" t="e"><v>#DIV/0!</v></c>'.encode()
    if kind == "shared":  # a shared string that does not exist
        return f'<c r="{ref}" t="s"><v>{draw(st.integers(0, 10**6))}</v></c>'.encode()
    return f'<c r="{ref}"/>'.encode()


REFS = st.one_of(
    st.builds(
        lambda c, r: f"{c}{r}",
        st.sampled_from(["A", "B", "Z", "AA", "AZ", "XFD"]),
        st.integers(1, 40),
    ),
    st.sampled_from(
        ["XFD1048576", "A1048576", "XFE1", "A99999999", "A0", "a1", "$A$1", "1A", "", "AAAA1", "B"]
    ),
)


@st.composite
def mutation(draw, parts: dict[str, bytes]):
    """One change to the parts (a dict, changed in place); returns a label."""
    what = draw(
        st.sampled_from(
            ["cell"] * 8
            + ["header", "ref", "ref", "dimension", "sheet-name", "info", "drop-part", "raw-bytes"]
        )
    )
    present = [p for p in SHEET_PARTS if p in parts]
    if not present:
        return "nothing"
    part = draw(st.sampled_from(present))
    xml = parts[part]
    cells = list(_CELL_RE.finditer(xml))
    if what in ("cell", "header", "ref") and cells:
        if what == "header":
            header = [m for m in cells if m.group(2) == b"1"]
            m = draw(st.sampled_from(header or cells))
        else:
            m = draw(st.sampled_from(cells))
        ref = (m.group(1) + m.group(2)).decode()
        if what == "ref":
            new = m.group(0).replace(f'r="{ref}"'.encode(), f'r="{draw(REFS)}"'.encode(), 1)
        else:
            new = draw(cell_xml(ref))
        parts[part] = xml[: m.start()] + new + xml[m.end() :]
    elif what == "dimension":
        ref = draw(st.sampled_from(["A1:XFD1048576", "A1", "B2:A1", "A1:A99999999", "ZZZZ", ""]))
        parts[part] = re.sub(
            rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml, count=1
        )
        if b"<dimension" not in xml:
            parts[part] = xml.replace(
                b"<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1
            )
    elif what == "sheet-name":
        names = [
            b"\xe8\xaf\xb4\xe6\x98\x8e",
            "投诉台账".encode(),
            "跟踪记录".encode(),
            "奖惩记录".encode(),
        ]
        old = draw(st.sampled_from(names))
        new = _escape(
            draw(
                st.sampled_from(["投诉台帐", "Sheet1", "跟踪记录", "", "说明 ", "投诉台账"])
                | st.text(max_size=5)
            )
        ).encode()
        if "xl/workbook.xml" in parts:
            parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
                b'name="' + old + b'"', b'name="' + new.replace(b'"', b"") + b'"', 1
            )
    elif what == "info":
        key = draw(
            st.sampled_from(["格式", "格式版本", "站点代码", "导出时间", "时区", "投诉台账行数"])
        )
        pattern = re.compile(("<t>" + key + "</t></is></c>(<c [^>]*>.*?</c>)").encode(), re.S)
        m = pattern.search(parts.get(SHEET_PARTS[0], b""))
        if m:
            ref = re.search(rb'r="([A-Z]+\d+)"', m.group(1)).group(1).decode()
            x = parts[SHEET_PARTS[0]]
            parts[SHEET_PARTS[0]] = x[: m.start(1)] + draw(cell_xml(ref)) + x[m.end(1) :]
    elif what == "drop-part":
        victim = draw(st.sampled_from(sorted(parts)))
        del parts[victim]
    elif xml:  # raw bytes of an XML part: a byte changed, a tail cut
        data = bytearray(xml)
        at = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data[at] = draw(st.integers(0, 255))
        else:
            del data[at:]
        parts[part] = bytes(data)
    return f"{what}:{part}"


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


@st.composite
def hostile_file(draw, parts: dict[str, bytes]) -> tuple[bytes, list[str]]:
    parts = dict(parts)
    labels = [draw(mutation(parts)) for _ in range(draw(st.integers(1, 3)))]
    data = bytearray(_zip(parts))
    if draw(st.integers(0, 9)) == 0:  # the zip's own bytes
        at = draw(st.integers(0, len(data) - 1))
        data[at] ^= draw(st.integers(1, 255))
        labels.append(f"zip-byte:{at}")
    return bytes(data), labels


_FILES = [0]


_SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@settings(max_examples=70, **_SETTINGS)
@given(data=st.data())
def test_mutated_ledgers_end_in_a_message_never_a_traceback(world, data):
    _import_one(world, data)


@settings(max_examples=40, **_SETTINGS)
@given(data=st.data())
def test_mutated_ledgers_read_as_a_stream_end_in_a_message(world, data, monkeypatch):
    """The same through the streamed reader (files too big for calamine's grid)."""
    monkeypatch.setattr(zip_check, "CALAMINE_BUDGET", -1)
    monkeypatch.setattr(zip_check, "CHUNKED_READING", False)
    _import_one(world, data)


@settings(max_examples=40, **_SETTINGS)
@given(data=st.data())
def test_mutated_ledgers_read_in_slices_end_in_a_message(world, data, monkeypatch):
    """The same through calamine a few rows at a time (ledger.calamine_chunks)."""
    monkeypatch.setattr(zip_check, "CALAMINE_BUDGET", -1)
    monkeypatch.setattr(calamine_chunks, "ROWS_PER_SLICE", 2)
    _import_one(world, data)


def _import_one(world, data) -> None:
    root, parts, hq = world
    content, labels = data.draw(hostile_file(parts), label="file")
    _FILES[0] += 1
    path = root / f"fuzz-{_FILES[0]}.xlsx"
    path.write_bytes(content)
    before = snapshot()
    try:
        report = ledger_import.apply_import(hq, [path], backup_dir=root / "backups")
    except UseCaseError:  # the project's own error (a message for the person): allowed
        assert snapshot() == before
        return
    res = report.files[0]
    event("refused" if res.refused else "rows rejected" if res.rejected else "imported")
    if res.refused:
        assert not report.applied and snapshot() == before, labels
        res.refused.encode("utf-8")
    else:
        assert not report.differences, (labels, report.differences)
        assert sum(c.rejected for c in res.counts.values()) == len(res.rejected)
    for p in res.problems:
        assert p.sheet and p.row >= 2 and p.reason, (labels, p)
        str(p).encode("utf-8")  # the console can print it
    console = io.StringIO()
    with redirect_stdout(console):
        print_result(report)
    console.getvalue().encode("utf-8")
    if res.rejected:
        (out,) = ledger_import.write_rejected_rows(report, root / f"rejects-{_FILES[0]}.xlsx")
        assert Path(out).stat().st_size > 0


def test_a_valid_file_still_imports_after_the_fuzzing(world):
    """The examples above left HQ's database usable: a clean file imports."""
    root, parts, hq = world
    path = root / "clean.xlsx"
    path.write_bytes(_zip(parts))
    report = ledger_import.apply_import(hq, [path], backup_dir=root / "backups")
    assert report.files[0].refused is None and not report.files[0].rejected
    assert not report.differences
    uids = {c["uid"] for c in snapshot()["cases"]}
    assert len(uids) >= 4
    ctx_for("HQ")
