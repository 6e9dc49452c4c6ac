"""签字回收: scans of signed sheets find their printed sheet (complaints.usecases.scans).

The forms are printed to PDF with LibreOffice and rendered with pdftoppm, as the office's
printer and scanner would, then damaged the way scans and phone photos are (scan_fakes)."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
import scan_fakes
from conftest_forms import make_sanction
from PIL import Image

from complaints.usecases import printed_forms, printing, scans
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import UseCaseError
from db.models import Case
from forms import pdf, qr
from forms.scan_pages import pages

needs_office = pytest.mark.skipif(
    not pdf.available() or shutil.which("pdftoppm") is None,
    reason="LibreOffice and pdftoppm print and scan the forms",
)
# early morning at the office, still the day before in UTC: messages must say the office's day
RETURNED_AT = datetime(2026, 11, 21, 6, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def dirs(tmp_path):
    return {"templates_dir": tmp_path / "templates", "printed_dir": tmp_path / "printed"}


def _printed(ctx, case_id, form, dirs):
    if form in "AB":
        res = printing.print_case_form(ctx, case_id, form, pdf=True, **dirs)
        [row] = [r for r in printed_forms.history(case_id=case_id) if r["form"] == form]
        record = Case.get_by_id(case_id).number
    else:
        kind = {"C": "罚款", "D": "奖励"}[form]
        s = make_sanction(ctx, case_id, type=kind)
        res = printing.print_sanction_notice(ctx, s.id, pdf=True, **dirs)
        [row] = printed_forms.history(sanction_id=s.id)
        record = s.uid[:8].upper()
    assert res.pdf is not None and res.pdf.exists()
    return res, qr.SheetCode(form, record, row["revision"], row["code"]), row["id"]


@pytest.mark.slow
@needs_office
@pytest.mark.parametrize("form", ["A", "B", "C", "D"])
def test_each_form_matches_through_what_scanning_does_to_it(ctx, case_id, dirs, tmp_path, form):
    res, code, sheet_id = _printed(ctx, case_id, form, dirs)
    for dpi in (150, 300):
        [png] = scan_fakes.render(res.pdf, dpi, tmp_path / "scans")
        page = Image.open(png)
        for name, damage in scan_fakes.DEGRADATIONS.items():
            found = [f.code for f in qr.read(damage(page)) if f.code]
            assert found == [code], f"{form} at {dpi} dpi, {name}"
    # the worst of it, as a phone photo, through the use case: matched and marked returned
    photo = tmp_path / "photo.jpg"
    scan_fakes.DEGRADATIONS["all of them"](Image.open(png)).convert("RGB").save(photo, quality=50)
    report = scans.import_scans(ctx, [photo], printed_dir=dirs["printed_dir"], when=RETURNED_AT)
    [r] = report.results
    assert r.outcome == scans.Outcome.MATCHED and r.sheet_id == sheet_id and r.code == code
    assert report.all_matched and report.returned == (sheet_id,)
    [row] = [h for h in printed_forms.history(case_id=case_id) if h["id"] == sheet_id]
    assert row["signed_returned_at"] == RETURNED_AT
    assert (dirs["printed_dir"] / row["scan_path"]).is_file()
    # the same sheet scanned again: said, not matched twice
    again = scans.import_scans(ctx, [png], printed_dir=dirs["printed_dir"])
    assert [x.outcome for x in again.results] == [scans.Outcome.RETURNED]
    assert "2026-11-21" in again.results[0].message and not again.all_matched


@pytest.mark.slow
@needs_office
def test_a_page_of_three_notices_matches_three_times_whole_or_cut(ctx, case_id, dirs, tmp_path):
    for person in ("赵六", "钱七", "孙八"):
        make_sanction(ctx, case_id, person=person)
    first = printing.print_month_notices(ctx, "2026-11", pdf=True, **dirs)
    assert first.pdf is not None
    # whole: the scanner's PDF as it is, read through pypdfium2
    report = scans.import_scans(ctx, [first.pdf], printed_dir=dirs["printed_dir"])
    assert [r.outcome for r in report.results] == [scans.Outcome.MATCHED] * 3
    assert sorted(report.returned) == sorted(first.printed_ids)
    assert {r.code.sheet for r in report.results if r.code} == {
        h["code"] for h in printed_forms.history(case_id=case_id) if h["id"] in first.printed_ids
    }
    # cut in three along the lines, each piece photographed on its own
    second = printing.print_month_notices(ctx, "2026-11", pdf=True, **dirs)
    assert second.pdf is not None
    [png] = scan_fakes.render(second.pdf, 200, tmp_path / "scans")
    pieces = []
    for i, piece in enumerate(scan_fakes.cut_in_three(Image.open(png))):
        pieces.append(tmp_path / f"piece{i}.jpg")
        scan_fakes.rotate(2 - 2 * i)(piece).save(pieces[-1], quality=60)
    report = scans.import_scans(ctx, pieces, printed_dir=dirs["printed_dir"])
    assert [r.outcome for r in report.results] == [scans.Outcome.MATCHED] * 3
    assert sorted(report.returned) == sorted(second.printed_ids)
    assert [r.file for r in report.results] == pieces


def test_blank_pages_and_other_programs_pages_are_reported_never_matched(ctx, case_id, tmp_path):
    printing.print_case_form(ctx, case_id, "A", templates_dir=None, printed_dir=tmp_path / "p")
    blank, other = tmp_path / "blank.png", tmp_path / "invoice.jpg"
    scan_fakes.blank_page().save(blank)
    scan_fakes.other_program_page().convert("RGB").save(other)
    text_only = tmp_path / "letter.png"
    scan_fakes.sheet_page().save(text_only)
    report = scans.import_scans(
        ctx, [blank, other, text_only], printed_dir=tmp_path / "p", keep_dir=tmp_path / "keep"
    )
    outcomes = [r.outcome for r in report.results]
    assert outcomes == [scans.Outcome.BLANK, scans.Outcome.FOREIGN, scans.Outcome.NO_CODE]
    assert report.returned == () and not report.all_matched
    assert all(r.sheet_id is None for r in report.results)
    assert printed_forms.awaiting_return()  # the printed sheet is still out
    # the pages to assign by hand are kept (a blank page is not worth a look)
    assert report.results[0].image is None
    assert report.results[1].image is not None and report.results[1].image.is_file()


def test_unknown_older_and_by_hand(ctx, case_id, tmp_path):
    printed = tmp_path / "p"
    res = printing.print_case_form(ctx, case_id, "A", templates_dir=None, printed_dir=printed)
    [row] = printed_forms.history(case_id=case_id)
    code = qr.SheetCode("A", "SH01-202611-0001", 1, row["code"])
    stranger = qr.SheetCode("A", "SH01-202611-0001", 1, "ZZZZ" if row["code"] != "ZZZZ" else "YYYY")
    forged = qr.SheetCode("B", "SH01-202611-0001", 1, row["code"])  # the code, another form
    Case.update(revision=Case.revision + 1).where(Case.number == "SH01-202611-0001").execute()
    files = []
    for name, c in (("older", code), ("stranger", stranger), ("forged", forged)):
        files.append(tmp_path / f"{name}.png")
        scan_fakes.sheet_page(c).save(files[-1])
    report = scans.import_scans(ctx, files, printed_dir=printed, keep_dir=tmp_path / "keep")
    older, unknown, forged_r = report.results
    assert older.outcome == scans.Outcome.OLDER and "r1" in older.message and "r2" in older.message
    assert unknown.outcome == forged_r.outcome == scans.Outcome.UNKNOWN
    assert report.returned == () and older.image is not None
    # the clerk checks the older sheet by eye and assigns it
    [sheet] = scans.find_sheets(row["code"].lower())
    assert scans.find_sheets("SH01-202611-0001") == [sheet]
    done = scans.assign_page(ctx, older.image, sheet.id, printed_dir=printed, when=RETURNED_AT)
    assert done.matched and done.sheet_id == sheet.id
    [row] = printed_forms.history(case_id=case_id)
    assert row["signed_returned_at"] == RETURNED_AT and row["scan_path"]
    with pytest.raises(UseCaseError, match="已于 2026-11-21"):
        scans.assign_page(ctx, older.image, sheet.id, printed_dir=printed)
    assert res.docx.exists()


def test_the_pages_of_one_sheet_are_kept_as_one_scan(ctx, case_id, tmp_path):
    printed = tmp_path / "p"
    printing.print_case_form(ctx, case_id, "A", templates_dir=None, printed_dir=printed)
    [row] = printed_forms.history(case_id=case_id)
    code = qr.SheetCode("A", "SH01-202611-0001", 1, row["code"])
    two = tmp_path / "two.pdf"
    p1, p2 = scan_fakes.sheet_page(code), scan_fakes.sheet_page(code)
    p1.save(two, "PDF", save_all=True, append_images=[p2], resolution=200.0)
    report = scans.import_scans(ctx, [two], printed_dir=printed)
    assert [r.outcome for r in report.results] == [scans.Outcome.MATCHED] * 2
    assert "另一页" in report.results[1].message
    [row] = printed_forms.history(case_id=case_id)
    stored = printed / row["scan_path"]
    assert stored.suffix == ".pdf" and len(list(pages(stored))) == 2


def test_a_file_that_is_not_a_scan_is_said(ctx, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    report = scans.import_scans(ctx, [bad], printed_dir=tmp_path / "p")
    [r] = report.results
    assert r.outcome == scans.Outcome.UNREADABLE and "broken.pdf" in r.line()
    (tmp_path / "empty").mkdir()
    with pytest.raises(UseCaseError, match="没有可读取的扫描件"):
        scans.import_scans(ctx, [tmp_path / "empty"], printed_dir=tmp_path / "p")
