"""Rendering the filled forms with LibreOffice: the PDF's text holds the values, and the
VIN stays on one line. Slow (starts LibreOffice); skipped where it is not installed."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from conftest_forms import VIN
from test_form_fill import CASE, ENTRIES, SANCTION

from complaints.rules.policy import Policy
from complaints.usecases.context import CHINA_TZ
from forms import fill, pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pdf.find_soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed"),
]


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_forms_render_to_pdf_with_their_values(tmp_path):
    docs = {
        "A": fill.fill_case_form(
            CASE,
            ENTRIES,
            "A",
            Policy(),
            tz=CHINA_TZ,
            today=date(2026, 11, 22),
            out=tmp_path / "A.docx",
        ),
        "B": fill.fill_case_form(
            CASE,
            ENTRIES,
            "B",
            Policy(),
            tz=CHINA_TZ,
            today=date(2026, 11, 22),
            out=tmp_path / "B.docx",
        ),
        "C": fill.fill_sanction_notice(SANCTION, out=tmp_path / "C.docx"),
        "batch": fill.fill_notice_batch(
            [SANCTION, dict(SANCTION, type="奖励", amount=300)], out=tmp_path / "batch.docx"
        ),
    }
    texts = {}
    for name, docx in docs.items():
        out = pdf.to_pdf(docx)
        assert out is not None and out.read_bytes().startswith(b"%PDF")
        texts[name] = pdf_text(out)
    for name, text in texts.items():  # each form fits one A4 sheet (two notices share one)
        assert text.count("\f") == 1, name
    a = texts["A"]
    assert VIN in a  # one unbroken run: the VIN did not wrap
    for value in (
        "顾客抱怨/投诉处理表",
        "张三",
        "帕萨特 330TSI",
        "☑重大投诉",
        "☑满意",
        "售后服务部",
        "关单时间",
    ):
        assert value in a, value
    b = texts["B"]
    assert VIN in b and "CAC-88001" in b and "☑In process" in b
    assert "请酌情填入状态栏" in b.replace("\n", "")
    assert "壹佰元整" in texts["C"] and "罚款通知单" in texts["C"]
    assert "叁佰元整" in texts["batch"] and "沿此线剪开" in texts["batch"]


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(pdf.PdfError, match="LibreOffice"):
        pdf.to_pdf(tmp_path / "nothing.docx")
