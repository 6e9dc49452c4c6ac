"""Export → import round trips, merge rules (ledger.md), conflicts."""

from __future__ import annotations

import itertools
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from complaints.usecases import cases, ledger_conflicts, ledger_export, ledger_import
from complaints.usecases.errors import PermissionDenied
from db.database import close_database, open_database
from tests.ledger.helpers import T0, Sites, add_sanction, ctx_for, later, new_case, snapshot

RICH = dict(
    customer_name="王五",
    phone="13812345678",
    vin="LSVAM4187C2184847",
    plate="沪A12345",
    car_model="帕萨特",
    mileage=12034,
    purchase_date=date(2025, 3, 4),
    media=True,
    content='=HYPERLINK("http://x")\n第二行',
    background="+86 138",
    demand="-退款",
    plan="@领导 请批示",
    repair_content="\t开头是制表符",
    gender="男",
    department="车间",
    responsible="赵六",
    handled_date=date(2026, 11, 21),
    fmc_status="On-going",
    satisfaction="满意",
)


def _populate(ctx):
    a = new_case(ctx, **RICH)
    new_case(ctx, customer_name="李雷", content="销售态度差", business="销售", area=None)
    add_sanction(ctx, a)
    add_sanction(ctx, None, amount=50)
    return a


def test_round_trip_into_a_fresh_site_gives_equal_records(sites, tmp_path):
    ctx = sites.use("SH01")
    _populate(ctx)
    before = snapshot()
    out = tmp_path / "sh01.xlsx"
    res = ledger_export.export_ledger(ctx, out)
    assert res.counts.cases == 2 and res.counts.entries == 2 and res.counts.sanctions == 2

    hq = sites.use("HQ")
    report = ledger_import.apply_import(hq, [out])
    assert report.applied and not report.rejected and not report.differences, report
    assert snapshot() == before

    # and again from HQ (all sites) into a third site: still the same rows
    out2 = tmp_path / "hq.xlsx"
    ledger_export.export_ledger(hq, out2, all_sites=True)
    sites.use("BJ02")
    ledger_import.apply_import(ctx_for("BJ02"), [out2])
    assert snapshot() == before


def test_exported_file_reads_well_in_a_spreadsheet(sites, tmp_path):
    ctx = sites.use("SH01")
    _populate(ctx)
    out = tmp_path / "x.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out)  # normal mode, as a person's Excel would see it
    assert wb.sheetnames == ["说明", "投诉台账", "跟踪记录", "奖惩记录", "审计记录"]
    info = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert info["格式"] == "投诉台账" and str(info["格式版本"]) == "1"
    assert info["站点代码"] == "SH01" and info["时区"] == "+08:00" and info["范围"] == "全部"
    assert info["投诉台账行数"] == 2
    ws = wb["投诉台账"]
    assert ws.freeze_panes == "B2"  # header row and the 编号 column stay in view
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}3"
    headers = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(headers, ws[2], strict=True)}
    assert headers[0] == "编号" and headers[-6:] == [
        "记录ID",
        "所属站点",
        "修订号",
        "最后修改时间",
        "已删除",
        "版本指纹",
    ]
    assert ws.column_dimensions["A"].width == 18
    entries = wb["跟踪记录"]
    assert next(c.value for c in entries[2]) == row["编号"].value  # 投诉编号 for people
    # dates are real dates in the site's time zone, phones and VINs are text
    assert row["登记时间"].is_date and row["登记时间"].value == T0.replace(tzinfo=None)
    assert row["购车/维修时间"].is_date
    assert row["联系电话"].data_type == "s" and row["联系电话"].value == "13812345678"
    assert row["VIN"].data_type == "s"
    assert row["公里数"].value == 12034 and row["涉及媒体"].value == "是"
    # text that looks like a formula is text, with Excel's quote prefix
    for h in ("投诉内容", "顾客背景", "顾客需求", "调查结果及处理意见", "维修内容"):
        assert row[h].data_type == "s", h
        assert row[h].quotePrefix, h
    assert row["投诉内容"].value.startswith("=HYPERLINK")
    import zipfile

    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            assert b"<f>" not in z.read(name), name


def test_masked_phones_are_exported_masked_and_import(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, phone="13812345678")
    out = tmp_path / "m.xlsx"
    ledger_export.export_ledger(ctx, out, mask_phones=True)
    ws = load_workbook(out, read_only=True)["投诉台账"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][rows[0].index("联系电话")] == "138****5678"
    hq = sites.use("HQ")
    rep = ledger_import.apply_import(hq, [out])
    assert rep.rejected == 0
    assert snapshot()["cases"][0]["phone"] == "138****5678"


def test_import_twice_changes_nothing(sites, tmp_path):
    ctx = sites.use("SH01")
    _populate(ctx)
    out = tmp_path / "a.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [out])
    first = snapshot()
    rep = ledger_import.apply_import(hq, [out])
    assert snapshot() == first
    for c in rep.files[0].counts.values():
        assert c.new == c.updated == c.conflict == c.rejected == 0


def _three_sites_files(sites: Sites, tmp_path: Path) -> list[Path]:
    files = []
    for code in ("SH01", "BJ02", "GZ03"):
        ctx = sites.use(code)
        cid = _populate(ctx)
        f1 = tmp_path / f"{code}-1.xlsx"
        ledger_export.export_ledger(ctx, f1)
        files.append(f1)
        if code == "SH01":  # a later revision of one case, and a deletion
            later_ctx = ctx_for(code, later(60))
            cases.update_case(later_ctx, cid, {"plan": "已更换刹车片"})
            other = cases.case_ids(
                __import__("complaints.query", fromlist=["CaseFilter"]).CaseFilter()
            )[0]
            if other != cid:
                cases.delete_case(later_ctx, other)
            f2 = tmp_path / f"{code}-2.xlsx"
            ledger_export.export_ledger(later_ctx, f2)
            files.append(f2)
    return files


def test_any_import_order_gives_the_same_database(sites, tmp_path):
    files = _three_sites_files(sites, tmp_path)
    sites.close()
    results = {}

    @settings(
        max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.permutations(files), st.booleans())
    def run(order, one_by_one):
        with tempfile.TemporaryDirectory() as d:
            open_database(Path(d) / "hq.sqlite3")
            try:
                from complaints.usecases import site

                site.init_site("HQ", "总部", now=T0)
                hq = ctx_for("HQ")
                if one_by_one:
                    for f in order:
                        ledger_import.apply_import(hq, [f], backup_dir=Path(d) / "b")
                else:
                    ledger_import.apply_import(hq, list(order), backup_dir=Path(d) / "b")
                snap = snapshot()
            finally:
                close_database()
        results.setdefault("first", snap)
        assert snap == results["first"]
        revs = {c["number"]: c["revision"] for c in snap["cases"]}
        assert max(revs.values()) == 2  # the later revision won whatever the order
        assert sum(c["deleted"] for c in snap["cases"]) == 1

    run()


@pytest.mark.sqlite_only("moves the site's data folder aside (a PC lost)")
def test_owner_counts_revisions_and_takes_its_records_back(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    cases.update_case(ctx_for("SH01", later(5)), cid, {"plan": "第一次处理"})
    out = tmp_path / "sh.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [out])
    hq_out = tmp_path / "hq.xlsx"
    ledger_export.export_ledger(hq, hq_out, all_sites=True)
    # SH01 loses its data: a fresh database takes its own records back from HQ's ledger
    sites.root.joinpath("SH01").rename(sites.root / "SH01-lost")
    ctx = sites.use("SH01")
    rep = ledger_import.apply_import(ctx, [hq_out])
    assert rep.files[0].counts["投诉台账"].new == 1
    case = snapshot()["cases"][0]
    assert case["revision"] == 2 and case["plan"] == "第一次处理"
    # the owner edits again: revision 3; an older file does not undo it
    cid = cases.find_case_id(case["number"])
    cases.update_case(ctx_for("SH01", later(30)), cid, {"plan": "第二次处理"})
    rep = ledger_import.apply_import(ctx, [hq_out])
    assert rep.files[0].counts["投诉台账"].unchanged == 1
    assert cases.get_case(cid)["revision"] == 3
    assert cases.get_case(cid)["plan"] == "第二次处理"


def test_tombstones_travel(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "1.xlsx")
    cases.delete_case(ctx_for("SH01", later(10)), cid)
    ledger_export.export_ledger(ctx, tmp_path / "2.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "2.xlsx"])
    assert snapshot()["cases"][0]["deleted"] is True
    ledger_import.apply_import(hq, [tmp_path / "1.xlsx"])  # the older, live version comes late
    assert snapshot()["cases"][0]["deleted"] is True


def test_conflict_keeps_local_and_incoming_side_by_side(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "1.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "1.xlsx"])
    number = snapshot()["cases"][0]["number"]
    hq_id = cases.find_case_id(number)
    cases.update_case(ctx_for("HQ", later(20)), hq_id, {"gm_instruction": "总部:尽快处理"})
    # meanwhile the owner changes it too
    sites.use("SH01")
    cases.update_case(ctx_for("SH01", later(30)), cid, {"plan": "站点处理意见"})
    ledger_export.export_ledger(ctx, tmp_path / "2.xlsx")
    hq = sites.use("HQ")
    rep = ledger_import.apply_import(hq, [tmp_path / "2.xlsx"])
    assert rep.files[0].counts["投诉台账"].conflict == 1
    local = cases.get_case(hq_id)
    assert local["gm_instruction"] == "总部:尽快处理" and local["plan"] is None  # kept
    conflicts = ledger_conflicts.list_conflicts()
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.title == number and c.local_revision == 1 and c.incoming_revision == 2
    diff = {f.header: (f.local, f.incoming) for f in c.fields if f.differs}
    assert diff["调查结果及处理意见"] == (None, "站点处理意见")
    assert diff["总经理批示"] == ("总部:尽快处理", None)
    # importing the same file again: still one conflict, nothing else changes
    before = snapshot()
    ledger_import.apply_import(hq, [tmp_path / "2.xlsx"])
    assert snapshot() == before and len(ledger_conflicts.list_conflicts()) == 1
    ledger_conflicts.resolve_conflict(hq, c.id, keep="incoming")
    local = cases.get_case(hq_id)
    assert local["plan"] == "站点处理意见" and local["revision"] == 2
    assert ledger_conflicts.list_conflicts() == []
    rep = ledger_import.apply_import(hq, [tmp_path / "2.xlsx"])
    assert rep.files[0].counts["投诉台账"].unchanged == 1


def test_conflict_resolved_keeping_local(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "1.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "1.xlsx"])
    hq_id = cases.find_case_id(snapshot()["cases"][0]["number"])
    cases.update_case(ctx_for("HQ", later(20)), hq_id, {"gm_instruction": "总部意见"})
    sites.use("SH01")
    cases.update_case(ctx_for("SH01", later(30)), cid, {"plan": "站点意见"})
    ledger_export.export_ledger(ctx, tmp_path / "2.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "2.xlsx"])
    (c,) = ledger_conflicts.list_conflicts()
    ledger_conflicts.resolve_conflict(hq, c.id, keep="local")
    assert cases.get_case(hq_id)["gm_instruction"] == "总部意见"
    assert ledger_conflicts.list_conflicts() == []
    ledger_import.apply_import(hq, [tmp_path / "2.xlsx"])  # the same version: no new conflict
    assert ledger_conflicts.list_conflicts() == []


def test_incremental_export_since_last_export_to_the_same_destination(sites, tmp_path):
    ctx = sites.use("SH01")
    a = new_case(ctx)
    new_case(ctx, customer_name="李雷")
    dest = tmp_path / "to-hq.xlsx"
    first = ledger_export.export_ledger(ctx_for("SH01", later(1)), dest, incremental=True)
    assert first.scope == "全部" and first.counts.cases == 2
    cases.update_case(ctx_for("SH01", later(60)), a, {"plan": "更新"})
    second = ledger_export.export_ledger(ctx_for("SH01", later(61)), dest, incremental=True)
    assert second.scope == "增量" and second.counts.cases == 1
    info = {r[0]: r[1] for r in load_workbook(dest)["说明"].iter_rows(values_only=True)}
    assert info["范围"].startswith("增量 since 2026-11-20T09:31")
    since = ledger_export.export_ledger(ctx, tmp_path / "other.xlsx", since=T0 + timedelta(hours=2))
    assert since.counts.cases == 0


def test_export_and_import_need_permission(sites, tmp_path):
    sites.use("SH01")
    from complaints.usecases.context import Context

    nobody = Context(site="SH01", actor="路人", clock=lambda: T0)
    with pytest.raises(PermissionDenied):
        ledger_export.export_ledger(nobody, tmp_path / "x.xlsx")
    with pytest.raises(PermissionDenied):
        ledger_import.check_import(nobody, [tmp_path / "x.xlsx"])


def test_files_of_three_sites_all_pairs_commute(sites, tmp_path):
    """A cheap exhaustive check beside the property test: every pair order."""
    files = _three_sites_files(sites, tmp_path)
    snaps = []
    for i, (a, b) in enumerate(itertools.permutations(files[:3], 2)):
        hq = sites.use(f"HQ{i}")
        ledger_import.apply_import(hq, [a])
        ledger_import.apply_import(hq, [b])
        ledger_import.apply_import(hq, [a])
        s = snapshot()
        snaps.append({k: [r for r in v if isinstance(r, dict)] for k, v in s.items()})
    pairs = {}
    for (a, b), s in zip(itertools.permutations(files[:3], 2), snaps, strict=True):
        pairs.setdefault(frozenset((a, b)), []).append(s)
    for group in pairs.values():
        assert group[0] == group[1]


def test_full_phone_wins_over_masked_at_the_same_revision_in_any_order(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx, phone="13812345678")
    ledger_export.export_ledger(ctx, tmp_path / "masked.xlsx", mask_phones=True)
    ledger_export.export_ledger(ctx, tmp_path / "full.xlsx", mask_phones=False)
    for i, order in enumerate((("masked", "full"), ("full", "masked"))):
        hq = sites.use(f"HQ{i}")
        for name in order:
            ledger_import.apply_import(hq, [tmp_path / f"{name}.xlsx"])
        assert snapshot()["cases"][0]["phone"] == "13812345678"


def test_entries_and_sanctions_made_at_hq_travel_back_to_the_owner(sites, tmp_path):
    import uuid as _uuid

    from db.models import Entry

    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "sh.xlsx"])
    number = snapshot()["cases"][0]["number"]
    hq_case = cases.find_case_id(number)
    Entry.create(
        uid=str(_uuid.uuid4()),
        site="HQ",
        modified_at=later(90),
        case=hq_case,
        at=later(90),
        action="备注",
        actor="总部",
        note="=总部督办",
        recorded_at=later(90),
    )
    add_sanction(ctx_for("HQ", later(95)), hq_case, amount=500)
    ledger_export.export_ledger(hq, tmp_path / "hq.xlsx", all_sites=True)
    sites.use("SH01")
    rep = ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    counts = rep.files[0].counts
    assert counts["跟踪记录"].new == 1 and counts["奖惩记录"].new == 1
    assert counts["投诉台账"].unchanged == 1
    notes = [e["note"] for e in cases.list_entries(cid)]
    assert "=总部督办" in notes
    sanctions = snapshot()["sanctions"]
    assert sanctions[0]["amount"] == 500 and sanctions[0]["site"] == "HQ"
    assert sanctions[0]["case_uid"] == snapshot()["cases"][0]["uid"]


def test_export_refuses_more_rows_than_a_sheet_can_hold(sites, tmp_path, monkeypatch):
    from complaints.usecases.errors import UseCaseError

    ctx = sites.use("SH01")
    new_case(ctx)
    new_case(ctx, customer_name="李雷")
    monkeypatch.setattr(ledger_export, "EXCEL_MAX_ROWS", 1)
    with pytest.raises(UseCaseError, match="超过 Excel"):
        ledger_export.export_ledger(ctx, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_a_file_without_the_settled_on_site_column_still_imports(sites, tmp_path):
    """当场是否解决 is an optional column; a file of an earlier version (without
    it) imports, its cases not settled on the spot (D3 applies)."""
    ctx = sites.use("SH01")
    new_case(ctx, customer_name="王五", content="现场投诉", channel="现场", settled_on_site=True)
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    wb = load_workbook(out)
    ws = wb["投诉台账"]
    headers = [c.value for c in ws[1]]
    assert "当场是否解决" in headers
    assert ws.cell(2, headers.index("当场是否解决") + 1).value == "是"
    ws.delete_cols(headers.index("当场是否解决") + 1)
    for sheet in ("投诉台账", "跟踪记录", "奖惩记录"):  # nor did it write 版本指纹
        head = [c.value for c in wb[sheet][1]]
        wb[sheet].delete_cols(head.index("版本指纹") + 1)
    old = tmp_path / "old.xlsx"
    wb.save(old)
    sites.use("HQ")
    report = ledger_import.apply_import(ctx_for("HQ"), [old])
    assert report.applied and not report.rejected, report
    assert snapshot()["cases"][0]["settled_on_site"] is False
