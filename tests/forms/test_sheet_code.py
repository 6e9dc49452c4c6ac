"""The code on every printed sheet: its text, its picture, its placeholder in a template."""

from __future__ import annotations

import io
import zipfile

from conftest_forms import make_sanction, plain_text
from PIL import Image

from complaints.usecases import printed_forms, printing
from forms import fill, qr
from forms.templates import check_template, default_bytes, load_template


def _without(data: bytes, part: str, old: str) -> bytes:
    """A copy of a .docx with ``old`` removed from one part (what an admin does in Word)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            blob = src.read(item.filename)
            if item.filename == part:
                text = blob.decode("utf-8")
                assert old in text, old
                blob = text.replace(old, "").encode("utf-8")
            z.writestr(item, blob)
    return out.getvalue()


def test_payload_and_human_line_round_trip():
    code = qr.SheetCode("A", "SH01-202611-0007", 3, "7F3K")
    assert code.human() == "A · SH01-202611-0007 · r3 · 7F3K"
    assert qr.parse(code.payload()) == code
    assert qr.parse(" " + code.payload() + "\n") == code
    for other in ("", "https://example.com/x", "CD1:E:X:1:7F3K", "CD1:A::1:7F3K", "7F3K"):
        assert qr.parse(other) is None


def test_the_picture_reads_back_as_the_code():
    code = qr.SheetCode("C", "1A2B3C4D", 2, "Z9Q1")
    [found] = qr.read(Image.open(io.BytesIO(qr.qr_png(code))))
    assert found.code == code


def test_new_codes_avoid_taken_ones_and_typed_codes_normalise():
    taken = {c + d for c in qr.ALPHABET for d in qr.ALPHABET}  # every 2-character code
    code = qr.new_code(lambda c: c in taken, length=2)
    assert len(code) == 3 and set(code) <= set(qr.ALPHABET)
    assert qr.normalise(" 7f3k ") == "7F3K" and qr.normalise("OIL0") == "0110"


def test_printed_sheets_carry_their_code_and_the_history_keeps_it(ctx, case_id, tmp_path):
    dirs = {"templates_dir": tmp_path / "t", "printed_dir": tmp_path / "p"}
    res = printing.print_case_form(ctx, case_id, "A", **dirs)
    [row] = printed_forms.history(case_id=case_id)
    assert row["revision"] == 1 and len(row["code"]) == 4
    assert f"A · SH01-202611-0001 · r1 · {row['code']}" in plain_text(res.docx.read_bytes())
    s = make_sanction(ctx, case_id)
    t = make_sanction(ctx, case_id, person="钱七")
    batch = printing.print_month_notices(ctx, "2026-11", **dirs)
    codes = {r["code"] for r in printed_forms.history(case_id=case_id)}
    assert len(codes) == 3  # A and two notices, each its own
    text = plain_text(batch.docx.read_bytes())
    for sanction in (s, t):
        [n] = printed_forms.history(sanction_id=sanction.id)
        assert f"C · {sanction.uid[:8].upper()} · r1 · {n['code']}" in text
    with zipfile.ZipFile(batch.docx) as z:
        assert sum(n.startswith("word/media/") for n in z.namelist()) == 2  # one QR a notice


def test_a_template_without_the_code_prints_with_a_warning(tmp_path):
    data = _without(default_bytes("C"), "word/document.xml", "{{ sheet_qr }}")
    (tmp_path / "C_罚款通知单.docx").write_bytes(data)
    problems = check_template(tmp_path / "C_罚款通知单.docx", "C")
    assert any("签字回收二维码" in p and "手工登记" in p for p in problems)
    template = load_template("C", tmp_path)
    assert template.source == "custom" and any("二维码" in w for w in template.warnings)
    code = qr.SheetCode("C", "1A2B3C4D", 1, "7F3K")
    sanction = {"uid": "1a2b3c4d-0000", "type": "罚款", "amount": 100, "person": "赵六"}
    out = fill.fill_sanction_notice(sanction, template=template, code=code)
    assert isinstance(out, bytes) and "罚款通知单" in plain_text(out)
    assert check_template(tmp_path / "none.docx", "C")  # unreadable: said, not raised
