"""Versions of a record (docs/ledger.md): a file never takes a record from
its owner, revisions are bounded, equal revisions with other content and edits made at a
site that does not own the record are put before a person, never decided silently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from complaints.usecases import cases, ledger_conflicts, ledger_export, ledger_import
from db.models import Case, database
from tests.ledger.helpers import Sites, ctx_for, later, new_case, snapshot


def _edit_cells(
    src: Path,
    dest: Path,
    sheet: str,
    changes: dict[str, object],
    rows: range | None = None,
    info: dict[str, object] | None = None,
) -> Path:
    wb = load_workbook(src)
    ws = wb[sheet]
    h = [c.value for c in ws[1]]
    for r in rows or range(2, ws.max_row + 1):
        for header, value in changes.items():
            ws.cell(r, h.index(header) + 1).value = value
    for row in wb["说明"].iter_rows(min_row=2):
        if info and row[0].value in info:
            row[1].value = info[row[0].value]
    wb.save(dest)
    return dest


def _case_rows(path: Path) -> list[dict]:
    ws = load_workbook(path, read_only=True)["投诉台账"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _counts(report, sheet="投诉台账"):
    return report.files[0].counts[sheet]


# --- ownership and bounds ---------------------------------------------------------------------


def test_a_file_cannot_take_a_record_from_its_owner(sites: Sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    forged = _edit_cells(
        tmp_path / "sh.xlsx",
        tmp_path / "zz.xlsx",
        "投诉台账",
        {"所属站点": "ZZ99", "修订号": 99, "投诉内容": "被改走了"},
    )
    before = snapshot()
    rep = ledger_import.apply_import(ctx, [forged])
    (rej,) = rep.files[0].rejected
    assert (rej.sheet, rej.row, rej.problems[0].column) == ("投诉台账", 2, "所属站点")
    assert "SH01" in rej.reason and "ZZ99" in rej.reason
    assert snapshot()["cases"] == before["cases"]
    ledger_export.export_ledger(ctx, tmp_path / "again.xlsx")  # still ours, still exported
    assert [r["所属站点"] for r in _case_rows(tmp_path / "again.xlsx")] == ["SH01"]
    assert cases.get_case(cid)["content"] == "刹车异响"
    # the same at HQ, which holds the case as SH01's
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "sh.xlsx"])
    rep = ledger_import.apply_import(hq, [forged])
    assert _counts(rep).rejected == 1 and snapshot()["cases"][0]["site"] == "SH01"


def test_a_revision_above_the_bound_is_rejected_and_later_saves_work(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx)
    new_case(ctx, customer_name="李雷")
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    huge = _edit_cells(
        tmp_path / "sh.xlsx",
        tmp_path / "huge.xlsx",
        "投诉台账",
        {"修订号": 2**63 - 1, "版本指纹": None},
        rows=range(2, 3),
    )
    hq = sites.use("HQ")
    rep = ledger_import.apply_import(hq, [huge])
    (rej,) = [r for r in rep.files[0].rejected if r.sheet == "投诉台账"]
    assert rej.problems[0].column == "修订号" and "上限" in rej.reason
    assert _counts(rep).new == 1  # the good row imports
    # a revision at the bound itself is accepted, and saving that case still works
    edge = _edit_cells(
        tmp_path / "sh.xlsx",
        tmp_path / "edge.xlsx",
        "投诉台账",
        {"修订号": 1_000_000_000, "版本指纹": None},
        rows=range(2, 3),
    )
    rep = ledger_import.apply_import(hq, [edge])
    assert rep.rejected == 0
    number = _case_rows(edge)[0]["编号"]
    hq_id = cases.find_case_id(number)
    cases.update_case(ctx_for("HQ", later(5)), hq_id, {"plan": "总部意见"})
    assert cases.get_case(hq_id)["plan"] == "总部意见"


# --- equal revisions, other content -----------------------------------------------------------


def test_equal_revision_other_content_is_a_conflict_whatever_the_order(sites, tmp_path):
    """Four files of one case at one revision (as an older version writes them: no
    版本指纹), each with other content: the first applies, each other one is a conflict."""
    ctx = sites.use("SH01")
    new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    files = [
        _edit_cells(
            tmp_path / "sh.xlsx",
            tmp_path / f"v{i}.xlsx",
            "投诉台账",
            {"投诉内容": f"第 {i} 种说法", "版本指纹": None},
        )
        for i in range(4)
    ]
    for n, order in enumerate((files, files[::-1])):
        hq = sites.use(f"HQ{n}")
        outcomes = []
        for f in order:
            c = _counts(ledger_import.apply_import(hq, [f]))
            outcomes.append((c.new, c.conflict))
        assert outcomes == [(1, 0), (0, 1), (0, 1), (0, 1)]
        assert snapshot()["cases"][0]["content"] == ("第 0 种说法" if n == 0 else "第 3 种说法")
        assert len(ledger_conflicts.list_conflicts()) == 3  # each one before a person


def test_a_changed_time_zone_cell_is_put_before_a_person_not_applied(sites, tmp_path):
    ctx = sites.use("SH01")
    for name in ("甲", "乙", "丙"):
        new_case(ctx, customer_name=name)
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "sh.xlsx"])
    before = snapshot()
    shifted = _edit_cells(
        tmp_path / "sh.xlsx", tmp_path / "tz.xlsx", "投诉台账", {}, info={"时区": "+09:00"}
    )
    rep = ledger_import.apply_import(hq, [shifted])
    assert _counts(rep).conflict == 3 and _counts(rep).updated == 0
    assert snapshot()["cases"] == before["cases"]
    views = ledger_conflicts.list_conflicts()
    assert {v.kind for v in views} == {"proposal"}
    diff = {f.header for f in views[0].fields if f.differs}
    assert "登记时间" in diff
    # at a site that does not hold them, the shifted rows are not taken either
    other = sites.use("BJ02")
    rep = ledger_import.apply_import(other, [shifted])
    assert _counts(rep).new == 0 and _counts(rep).conflict == 3
    assert snapshot()["cases"] == []


def test_a_file_without_the_fingerprint_column_still_imports(sites, tmp_path):
    ctx = sites.use("SH01")
    new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    wb = load_workbook(tmp_path / "sh.xlsx")
    for name in ("投诉台账", "跟踪记录", "奖惩记录"):
        ws = wb[name]
        h = [c.value for c in ws[1]]
        ws.delete_cols(h.index("版本指纹") + 1)
    wb.save(tmp_path / "v1.xlsx")
    first = snapshot()
    hq = sites.use("HQ")
    rep = ledger_import.apply_import(hq, [tmp_path / "v1.xlsx"])
    assert rep.rejected == 0 and _counts(rep).new == 1
    assert snapshot()["cases"] == first["cases"]
    # and the same version with the column afterwards is the same version
    rep = ledger_import.apply_import(hq, [tmp_path / "sh.xlsx"])
    assert _counts(rep).unchanged == 1 and ledger_conflicts.list_conflicts() == []


# --- a restored owner -------------------------------------------------------------------------


def _reopen(sites: Sites, code: str, now):
    return sites.use(code, now=now), ctx_for(code, now)


@pytest.mark.sqlite_only("restores a site from a copy of its SQLite file or folder")
def test_an_owner_restored_to_an_older_revision_conflicts_instead_of_unchanged(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    for i in range(2, 4):  # revisions 2, 3
        cases.update_case(ctx_for("SH01", later(i)), cid, {"plan": f"第{i}版"})
    sites.close()
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(sites.path("SH01"), backup)  # a backup at revision 3
    ctx = sites.use("SH01")
    for i in range(4, 6):  # revisions 4, 5: HQ gets them
        cases.update_case(ctx_for("SH01", later(i)), cid, {"plan": f"第{i}版"})
    ledger_export.export_ledger(ctx, tmp_path / "old-life.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "old-life.xlsx"])
    # SH01 restores the backup (revision 3) and edits again: revisions 4, 5 once more
    sites.close()
    shutil.copy(backup, sites.path("SH01"))
    for suffix in ("-wal", "-shm"):
        Path(str(sites.path("SH01")) + suffix).unlink(missing_ok=True)
    ctx = sites.use("SH01")
    for i in range(4, 6):
        cases.update_case(ctx_for("SH01", later(10 + i)), cid, {"plan": f"恢复后第{i}版"})
    assert cases.get_case(cid)["revision"] == 5
    ledger_export.export_ledger(ctx, tmp_path / "new-life.xlsx")
    # HQ: revision 5 against revision 5, other content: a conflict, not "unchanged"
    hq = sites.use("HQ")
    rep = ledger_import.apply_import(hq, [tmp_path / "new-life.xlsx"])
    assert _counts(rep).conflict == 1 and _counts(rep).unchanged == 0
    assert snapshot()["cases"][0]["plan"] == "第5版"
    ledger_export.export_ledger(hq, tmp_path / "hq.xlsx", all_sites=True)
    # SH01: HQ's revision 5 against its own: a conflict too
    ctx = sites.use("SH01")
    rep = ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    assert _counts(rep).conflict == 1
    (c,) = ledger_conflicts.list_conflicts()
    assert c.local_revision == 5 and c.incoming_revision == 5
    # the owner decides (keeps its own): a new revision above both, which HQ takes
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(30)), c.id, keep="local")
    assert cases.get_case(cid)["revision"] == 6
    ledger_export.export_ledger(ctx, tmp_path / "decided.xlsx")
    owner = snapshot()
    hq = sites.use("HQ")
    rep = ledger_import.apply_import(hq, [tmp_path / "decided.xlsx"])
    assert _counts(rep).updated == 1
    assert ledger_conflicts.list_conflicts() == []  # HQ's open one is superseded by revision 6
    assert snapshot()["cases"] == owner["cases"]


@pytest.mark.sqlite_only("restores a site from a copy of its SQLite file or folder")
def test_an_owner_at_a_lower_revision_after_a_restore_does_not_lose_its_edit(sites, tmp_path):
    """Restored to revision 1, edited once (revision 2): HQ's revision 3 is not taken over
    the edit silently."""
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    sites.close()
    shutil.copy(sites.path("SH01"), tmp_path / "b.sqlite3")
    ctx = sites.use("SH01")
    cases.update_case(ctx_for("SH01", later(1)), cid, {"plan": "旧2"})
    cases.update_case(ctx_for("SH01", later(2)), cid, {"plan": "旧3"})
    ledger_export.export_ledger(ctx, tmp_path / "old.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "old.xlsx"])
    ledger_export.export_ledger(hq, tmp_path / "hq.xlsx", all_sites=True)
    sites.close()
    shutil.copy(tmp_path / "b.sqlite3", sites.path("SH01"))
    for suffix in ("-wal", "-shm"):
        Path(str(sites.path("SH01")) + suffix).unlink(missing_ok=True)
    ctx = sites.use("SH01")
    cases.update_case(ctx_for("SH01", later(5)), cid, {"plan": "恢复后2"})
    rep = ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    assert _counts(rep).conflict == 1
    assert cases.get_case(cid)["plan"] == "恢复后2"
    (c,) = ledger_conflicts.list_conflicts()
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(6)), c.id, keep="incoming")
    got = cases.get_case(cid)
    assert got["plan"] == "旧3" and got["revision"] == 3  # HQ's revision 3, as it was


@pytest.mark.sqlite_only("restores a site from a copy of its SQLite file or folder")
def test_a_site_that_lost_everything_takes_its_records_back(sites, tmp_path):
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    cases.update_case(ctx_for("SH01", later(1)), cid, {"plan": "二"})
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    hq = sites.use("HQ")
    ledger_import.apply_import(hq, [tmp_path / "sh.xlsx"])
    ledger_export.export_ledger(hq, tmp_path / "hq2.xlsx", all_sites=True)
    sites.close()
    shutil.rmtree(sites.root / "SH01")
    ctx = sites.use("SH01")
    rep = ledger_import.apply_import(ctx, [tmp_path / "hq2.xlsx"])
    assert _counts(rep).new == 1
    # and a later revision HQ has from an older file of ours arrives: taken back too
    assert ledger_conflicts.list_conflicts() == []


# --- edits made where the record is not owned ------------------------------------------------


def _shared_case(sites: Sites, tmp_path: Path) -> tuple[int, str]:
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "sh.xlsx")
    sites.use("HQ")
    ledger_import.apply_import(ctx_for("HQ"), [tmp_path / "sh.xlsx"])
    return cid, snapshot()["cases"][0]["number"]


def test_an_edit_made_at_hq_reaches_the_owner_as_a_proposal(sites, tmp_path):
    cid, number = _shared_case(sites, tmp_path)
    hq_id = cases.find_case_id(number)
    cases.update_case(ctx_for("HQ", later(10)), hq_id, {"gm_instruction": "总部:尽快处理"})
    ledger_export.export_ledger(ctx_for("HQ", later(11)), tmp_path / "hq.xlsx", all_sites=True)
    ctx = sites.use("SH01")
    rep = ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    assert _counts(rep).conflict == 1 and _counts(rep).unchanged == 0
    (c,) = ledger_conflicts.list_conflicts()
    assert c.kind == "proposal"
    assert {f.header: (f.local, f.incoming) for f in c.fields if f.differs}["总经理批示"] == (
        None,
        "总部:尽快处理",
    )
    assert cases.get_case(cid)["gm_instruction"] is None  # not applied by itself
    # importing it again lists nothing new
    rep = ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    assert _counts(rep).conflict == 1 and len(ledger_conflicts.list_conflicts()) == 1
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(20)), c.id, keep="incoming")
    got = cases.get_case(cid)
    assert got["gm_instruction"] == "总部:尽快处理" and got["revision"] == 2
    ledger_export.export_ledger(ctx_for("SH01", later(21)), tmp_path / "sh2.xlsx")
    owner = snapshot()
    sites.use("HQ")
    rep = ledger_import.apply_import(ctx_for("HQ", later(22)), [tmp_path / "sh2.xlsx"])
    assert _counts(rep).updated == 1 and ledger_conflicts.list_conflicts() == []
    assert snapshot()["cases"] == owner["cases"]


def test_an_owner_that_declines_a_proposal_overrides_it_everywhere(sites, tmp_path):
    cid, number = _shared_case(sites, tmp_path)
    cases.update_case(ctx_for("HQ", later(10)), cases.find_case_id(number), {"plan": "总部版"})
    ledger_export.export_ledger(ctx_for("HQ", later(11)), tmp_path / "hq.xlsx", all_sites=True)
    ctx = sites.use("SH01")
    ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    (c,) = ledger_conflicts.list_conflicts()
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(20)), c.id, keep="local")
    assert cases.get_case(cid)["revision"] == 2  # the decision is a new revision
    ledger_export.export_ledger(ctx_for("SH01", later(21)), tmp_path / "sh2.xlsx")
    owner = snapshot()
    sites.use("HQ")
    rep = ledger_import.apply_import(ctx_for("HQ", later(22)), [tmp_path / "sh2.xlsx"])
    # HQ's edit loses: HQ is told (a conflict), then takes the owner's version
    assert _counts(rep).conflict == 1
    (c,) = ledger_conflicts.list_conflicts()
    ledger_conflicts.resolve_conflict(ctx_for("HQ", later(23)), c.id, keep="incoming")
    assert snapshot()["cases"] == owner["cases"]


def test_a_branch_sends_its_edits_of_another_sites_case_in_its_own_ledger(sites, tmp_path):
    cid, number = _shared_case(sites, tmp_path)
    bj = sites.use("BJ02")
    ledger_import.apply_import(bj, [tmp_path / "sh.xlsx"])
    bj_id = cases.find_case_id(number)
    cases.delete_case(ctx_for("BJ02", later(10)), bj_id)
    res = ledger_export.export_ledger(ctx_for("BJ02", later(11)), tmp_path / "bj.xlsx")
    assert res.counts.cases == 1  # BJ02's ledger (its own site) carries SH01's case
    (row,) = _case_rows(tmp_path / "bj.xlsx")
    assert row["所属站点"] == "SH01" and row["已删除"] == "是" and row["修订号"] == 1
    ctx = sites.use("SH01")
    rep = ledger_import.apply_import(ctx, [tmp_path / "bj.xlsx"])
    assert _counts(rep).conflict == 1 and not Case.get_by_id(cid).deleted
    (c,) = ledger_conflicts.list_conflicts()
    assert c.kind == "proposal" and c.source_site == "BJ02"
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(20)), c.id, keep="incoming")
    assert Case.get_by_id(cid).deleted and Case.get_by_id(cid).revision == 2
    # an unedited copy of another site's case does not travel in a branch's ledger
    sites.use("HQ")
    assert (
        ledger_export.export_ledger(ctx_for("HQ", later(30)), tmp_path / "hq.xlsx").counts.cases
        == 0
    )


def test_conflict_rows_keep_both_sides(sites, tmp_path):
    _cid, number = _shared_case(sites, tmp_path)
    cases.update_case(ctx_for("HQ", later(10)), cases.find_case_id(number), {"plan": "总部版"})
    ctx = sites.use("SH01")
    cases.update_case(ctx_for("SH01", later(12)), _cid, {"plan": "站点版"})
    ledger_export.export_ledger(ctx, tmp_path / "sh2.xlsx")
    sites.use("HQ")
    ledger_import.apply_import(ctx_for("HQ", later(13)), [tmp_path / "sh2.xlsx"])
    local, incoming = database.execute_sql(
        "SELECT local, incoming FROM ledger_conflicts"
    ).fetchone()
    assert "总部版" in local and "站点版" in incoming


@pytest.mark.sqlite_only("restores a site from a copy of its SQLite file or folder")
def test_an_older_version_the_owner_never_had_is_a_conflict(sites, tmp_path):
    """Restored to revision 1, the owner edits past HQ (revisions 2, 3 again): a file
    holding the revision 2 it lost with the restore is not an "older version of ours"."""
    ctx = sites.use("SH01")
    cid = new_case(ctx)
    ledger_export.export_ledger(ctx, tmp_path / "r1.xlsx")
    sites.close()
    shutil.copy(sites.path("SH01"), tmp_path / "b.sqlite3")
    ctx = sites.use("SH01")
    cases.update_case(ctx_for("SH01", later(1)), cid, {"plan": "恢复前2"})
    ledger_export.export_ledger(ctx_for("SH01", later(2)), tmp_path / "r2-old.xlsx")
    sites.close()
    shutil.copy(tmp_path / "b.sqlite3", sites.path("SH01"))
    for suffix in ("-wal", "-shm"):
        Path(str(sites.path("SH01")) + suffix).unlink(missing_ok=True)
    ctx = sites.use("SH01")
    for i in (2, 3):
        cases.update_case(ctx_for("SH01", later(10 + i)), cid, {"plan": f"恢复后{i}"})
    ledger_export.export_ledger(ctx_for("SH01", later(20)), tmp_path / "r3.xlsx")
    # its own older files it did send are older versions of its own: unchanged
    rep = ledger_import.apply_import(ctx_for("SH01", later(21)), [tmp_path / "r1.xlsx"])
    assert _counts(rep).unchanged == 1
    rep = ledger_import.apply_import(ctx_for("SH01", later(22)), [tmp_path / "r2-old.xlsx"])
    assert _counts(rep).conflict == 1
    (c,) = ledger_conflicts.list_conflicts()
    assert c.incoming_revision == 2 and c.local_revision == 3
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(23)), c.id, keep="incoming")
    got = cases.get_case(cid)
    assert got["plan"] == "恢复前2" and got["revision"] == 4  # a new revision above both


def test_a_proposal_taken_at_hq_travels_on_to_the_owner_once(sites, tmp_path):
    cid, number = _shared_case(sites, tmp_path)
    bj = sites.use("BJ02")
    ledger_import.apply_import(bj, [tmp_path / "sh.xlsx"])
    cases.update_case(
        ctx_for("BJ02", later(10)), cases.find_case_id(number), {"plan": "北京的处理意见"}
    )
    ledger_export.export_ledger(ctx_for("BJ02", later(11)), tmp_path / "bj.xlsx")
    sites.use("HQ")
    ledger_import.apply_import(ctx_for("HQ", later(12)), [tmp_path / "bj.xlsx"])
    (c,) = ledger_conflicts.list_conflicts()
    assert c.kind == "proposal" and c.source_site == "BJ02"
    ledger_conflicts.resolve_conflict(ctx_for("HQ", later(13)), c.id, keep="incoming")
    assert cases.get_case(cases.find_case_id(number))["plan"] == "北京的处理意见"
    ledger_export.export_ledger(ctx_for("HQ", later(14)), tmp_path / "hq.xlsx", all_sites=True)
    ctx = sites.use("SH01")
    for f in ("hq.xlsx", "bj.xlsx", "hq.xlsx"):  # the same edit by two roads: listed once
        rep = ledger_import.apply_import(ctx, [tmp_path / f])
        assert _counts(rep).conflict == 1
    (c,) = ledger_conflicts.list_conflicts()
    assert c.kind == "proposal"
    assert cases.get_case(cid)["plan"] is None


def test_an_owner_edit_made_after_a_conflict_was_found_stays_on_record(sites, tmp_path):
    """Found by the three-site property test: the owner edits the case while a proposal
    is open, then takes the proposal; its later edit is overwritten, so the conflict keeps
    it as the local side the person decided against (never dropped without a trace)."""
    cid, number = _shared_case(sites, tmp_path)
    cases.update_case(ctx_for("HQ", later(10)), cases.find_case_id(number), {"plan": "总部版"})
    ledger_export.export_ledger(ctx_for("HQ", later(11)), tmp_path / "hq.xlsx", all_sites=True)
    ctx = sites.use("SH01")
    ledger_import.apply_import(ctx, [tmp_path / "hq.xlsx"])
    (c,) = ledger_conflicts.list_conflicts()
    cases.update_case(ctx_for("SH01", later(15)), cid, {"plan": "本店后来改的"})
    ledger_conflicts.resolve_conflict(ctx_for("SH01", later(20)), c.id, keep="incoming")
    assert cases.get_case(cid)["plan"] == "总部版"
    (local,) = database.execute_sql(
        "SELECT local FROM ledger_conflicts WHERE id = ?", (c.id,)
    ).fetchone()
    assert "本店后来改的" in local
