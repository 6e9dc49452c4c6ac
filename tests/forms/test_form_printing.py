"""Printing use cases and the printed-forms history (schema 4)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest
from conftest_forms import VIN, make_sanction, plain_text

from complaints.usecases import form_templates, printed_forms, printing
from complaints.usecases.context import CHINA_TZ
from complaints.usecases.errors import NotFound, PermissionDenied, UseCaseError
from db.models import database


@pytest.fixture
def dirs(tmp_path):
    return {"templates_dir": tmp_path / "templates", "printed_dir": tmp_path / "printed"}


def audit_events():
    return [r[0] for r in database.execute_sql("SELECT event FROM audit_log ORDER BY id")]


def test_printing_form_a_saves_the_file_and_a_history_row(ctx, case_id, dirs):
    res = printing.print_case_form(ctx, case_id, "A", **dirs)
    assert res.docx.exists() and res.pdf is None
    assert res.docx.relative_to(dirs["printed_dir"]).parts[:2] == ("2026", "11")
    text = plain_text(res.docx.read_bytes())
    assert VIN in text and "张三" in text
    assert "烦请在3小时内与客户取得联系" in text  # the policy in force
    [row] = printed_forms.history(case_id=case_id)
    assert row["form"] == "A" and row["printed_by"] == "测试员"
    assert row["printed_at"] == datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
    assert row["template_source"] == "default" and len(row["template_sha256"]) == 64
    assert res.template_version == "默认:" + row["template_sha256"][:12]
    assert dirs["printed_dir"] / row["file_path"] == res.docx
    assert row["signed_returned_at"] is None
    assert "form.print" in audit_events()


def test_form_b_on_a_case_that_is_not_a_manufacturer_case_warns(ctx, case_id, dirs):
    from db.models import database

    res = printing.print_case_form(ctx, case_id, "B", **dirs)
    assert res.warnings == ()  # it has a CAC number: it was reported to the manufacturer
    assert "CAC-88001" in plain_text(res.docx.read_bytes())
    database.execute_sql("UPDATE cases SET cac_number = NULL WHERE id = ?", (case_id,))
    res = printing.print_case_form(ctx, case_id, "B", **dirs)
    assert any("不是厂家转发" in w for w in res.warnings)
    with pytest.raises(UseCaseError):
        printing.print_case_form(ctx, case_id, "C", **dirs)


def test_two_prints_keep_two_files(ctx, case_id, dirs):
    a = printing.print_case_form(ctx, case_id, "A", **dirs)
    b = printing.print_case_form(ctx, case_id, "A", **dirs)
    assert a.docx != b.docx and a.docx.exists() and b.docx.exists()
    assert len(printed_forms.history(case_id=case_id)) == 2


def test_notice_needs_an_approved_sanction(ctx, case_id, dirs):
    pending = make_sanction(ctx, case_id, status="待审批")
    with pytest.raises(UseCaseError, match="尚未批准"):
        printing.print_sanction_notice(ctx, pending.id, **dirs)
    approved = make_sanction(ctx, case_id)
    res = printing.print_sanction_notice(ctx, approved.id, **dirs)
    text = plain_text(res.docx.read_bytes())
    assert "罚款通知单" in text and "壹佰元整" in text and "SH01-202611-0001" in text
    [row] = printed_forms.history(sanction_id=approved.id)
    assert row["form"] == "C" and row["case_id"] == case_id
    assert printing.find_sanction_id(approved.uid) == approved.id
    assert printing.find_sanction_id(approved.uid[:8].upper()) == approved.id


def test_month_batch_records_every_notice(ctx, case_id, dirs):
    a = make_sanction(ctx, case_id)
    b = make_sanction(ctx, case_id, type="奖励", rule="S11", amount=300, reason="客户赠送锦旗")
    make_sanction(ctx, case_id, status="已驳回")
    make_sanction(ctx, case_id, date=date(2026, 12, 1))
    make_sanction(ctx, None, site="BJ02")  # another site's notice is not ours to print
    res = printing.print_month_notices(ctx, "2026-11", per_page=3, **dirs)
    assert len(res.printed_ids) == 2
    text = plain_text(res.docx.read_bytes())
    assert "罚款通知单" in text and "奖励通知单" in text and "叁佰元整" in text
    rows = printed_forms.history(case_id=case_id)
    assert {r["sanction_id"] for r in rows} == {a.id, b.id}
    assert len({r["batch_uid"] for r in rows}) == 1 and rows[0]["batch_uid"]
    with pytest.raises(UseCaseError, match="没有已批准"):
        printing.print_month_notices(ctx, "2026-10", **dirs)
    with pytest.raises(UseCaseError, match="月份格式"):
        printing.print_month_notices(ctx, "2026-13", **dirs)


def test_mark_signed_returned_with_scan(ctx, case_id, dirs, tmp_path):
    res = printing.print_case_form(ctx, case_id, "A", **dirs)
    scan = tmp_path / "scan.PDF"
    scan.write_bytes(b"%PDF-1.4 scan")
    when = datetime(2026, 11, 21, 16, 0, tzinfo=CHINA_TZ)
    row = printed_forms.mark_signed_returned(
        ctx, res.printed_ids[0], when, scan, printed_dir=dirs["printed_dir"]
    )
    assert row["signed_returned_at"] == when
    stored = dirs["printed_dir"] / row["scan_path"]
    assert stored.read_bytes() == b"%PDF-1.4 scan" and stored.suffix == ".pdf"
    assert printed_forms.history(case_id=case_id)[0]["scan_path"] == row["scan_path"]
    assert printed_forms.awaiting_return() == []
    assert "form.signed_returned" in audit_events()
    with pytest.raises(UseCaseError):
        printed_forms.mark_signed_returned(ctx, res.printed_ids[0], datetime(2026, 11, 21))


def test_printing_needs_the_permission(ctx, case_id, dirs):
    nobody = dataclasses.replace(ctx, roles=frozenset())
    with pytest.raises(PermissionDenied):
        printing.print_case_form(nobody, case_id, "A", **dirs)
    assert printed_forms.history(case_id=case_id) == []
    assert not dirs["printed_dir"].exists() or not any(dirs["printed_dir"].rglob("*.docx"))


def test_office_templates_through_the_use_cases(ctx, dirs, tmp_path):
    from forms.templates import default_bytes

    folder = dirs["templates_dir"]
    status = form_templates.template_status(folder)
    assert [s["form"] for s in status] == ["A", "B", "C", "D"]
    assert all(s["source"] == "default" and not s["problems"] for s in status)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"junk")
    error, problems = form_templates.check_office_template(broken, "A")
    assert error and problems == [error]
    with pytest.raises(UseCaseError, match="不是 Word 文档"):
        form_templates.install_office_template(ctx, "A", broken, folder)
    good = tmp_path / "good.docx"
    good.write_bytes(default_bytes("A"))
    assert form_templates.install_office_template(ctx, "A", good, folder) == []
    assert form_templates.template_status(folder)[0]["source"] == "custom"
    assert form_templates.restore_default_template(ctx, "A", folder) is not None
    assert form_templates.template_status(folder)[0]["source"] == "default"
    assert form_templates.copy_default_template(ctx, "B", folder).read_bytes() == default_bytes("B")
    events = audit_events()
    assert "form.template_replaced" in events and "form.template_restored" in events
    clerk = dataclasses.replace(ctx, roles=frozenset({"客服专员"}))
    with pytest.raises(PermissionDenied):
        form_templates.install_office_template(clerk, "A", good, folder)


def test_a_printed_record_id_of_digits_only_is_found(ctx, case_id):
    """About 2 % of printed 记录ID prefixes are all digits: they are not numeric ids."""
    from complaints.usecases import sanctions
    from db.models import Sanction

    s = make_sanction(ctx, case_id)
    Sanction.update(uid="56173395-0c1d-4e5f-8a9b-0123456789ab").where(Sanction.id == s.id).execute()
    assert printing.find_sanction_id("56173395") == s.id
    assert sanctions.get_sanction("56173395")["uid"].startswith("56173395")
    assert printing.find_sanction_id(str(s.id)) == s.id  # a numeric id still wins
    with pytest.raises(NotFound):
        printing.find_sanction_id("99999999")
