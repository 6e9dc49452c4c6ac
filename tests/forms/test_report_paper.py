"""The Word report on paper (LibreOffice): in 一、主要指标 a change such as "−17.1 个百分点"
prints on one line, not as "个百分" above a lone "点". Slow (starts LibreOffice); skipped
where it is not installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from complaints.rules.periods import month
from complaints.usecases import report_files
from forms import pdf, report_docx

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pdf.find_soffice() is None, reason="LibreOffice (soffice) not installed"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed"),
]

WIDEST = {
    "vs_prev": "−17.1 个百分点",
    "vs_ly": "+21.2 个百分点",
    "prev": "10,930 元",
    "ly": "117.7 小时",
}


def test_the_headline_changes_print_on_one_line(stats_demo, tmp_path):
    ctx = stats_demo
    today = ctx.local(ctx.now()).date()
    saved = report_files.save_report(
        ctx, month(today.year, today.month), ["SH01"], tmp_path / "月报.docx", templates_dir=None
    )
    data = dict(saved.data)
    data["kpis"] = [{**k, **WIDEST} for k in data["kpis"]]
    out = report_docx.write_report(data, tmp_path / "widest.docx")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf.to_pdf(out)), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for value in WIDEST.values():
        assert text.count(value) == len(data["kpis"]), value
