"""The import's fast paths give exactly what the plain ones give: RowParser = parse_row,
and new rows merged in batches = the same rows merged one by one (Merger.merge)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from complaints.usecases import ledger_export, ledger_import
from complaints.usecases.context import CHINA_TZ
from db import ledger_rows
from ledger import columns as C
from ledger import merge_file
from ledger.apply import stored_value
from ledger.merge import Merger
from ledger.validate import RowParser, parse_row
from tests.ledger.helpers import new_case, snapshot

CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**7),
    st.floats(allow_nan=False, width=32),
    st.sampled_from(
        [
            "",
            " ",
            "是",
            "否",
            "Y",
            "1",
            "2026-11-22",
            "2026/11/22 09:30",
            "2026-11-22T09:30:00+08:00",
            "2026-11-22T09:30:00+8:00",
            "2026-02-30T09:30:00+08:00",
            "2026-11-22T25:30:00+08:00",
            "3",
            "3.0",
            "电话",
            "现场",
            "一般",
            "售后",
            "登记",
            "罚款",
            "S3",
            "待审批",
            "On-going",
            "LSVAM4187C2184847",
            "a1b2c3d4-0000-4000-8000-000000000001",
            " 前后空格 ",
            "\n多行\n说明\n",
            "x" * 70,
        ]
    ),
    st.text(max_size=12),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
    st.just(time(9, 30)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(C.DATA_SHEETS), st.data())
def test_row_parser_gives_what_parse_row_gives(sheet, data):
    cols = C.SHEET_COLUMNS[sheet]
    # a file's own column order, some columns left out, and a short row now and then
    order = data.draw(st.permutations(range(len(cols))))
    keep = data.draw(st.lists(st.booleans(), min_size=len(cols), max_size=len(cols)))
    columns = {i: cols[j] for i, j in enumerate(order) if keep[j] or cols[j].required}
    width = data.draw(st.integers(0, len(cols)))
    raw = tuple(data.draw(CELLS) for _ in range(width))
    mapping = {c.key: raw[i] if i < len(raw) else None for i, c in columns.items()}
    present = {c.key for c in columns.values()}
    try:
        expected = parse_row(sheet, 7, mapping, present, CHINA_TZ)
    except ValueError as e:  # parse_row itself fails on some inputs (an offset like +24:00)
        with pytest.raises(type(e)):
            RowParser(sheet, columns, CHINA_TZ).parse(7, raw)
        return
    assert RowParser(sheet, columns, CHINA_TZ).parse(7, raw) == expected


def _awkward_file(sites, tmp_path):
    """SH01's ledger edited so that batches meet every merge-time refusal: a second new
    case with a number already used in the file, a row repeated (same uid twice), an entry
    whose case is in no file; and the number of its second case (see _fresh_hq)."""
    ctx = sites.use("SH01")
    for name in ("甲", "乙", "丙", "丁", "戊"):
        new_case(ctx, customer_name=name)
    src = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, src)
    wb = load_workbook(src)
    ws = wb["投诉台账"]
    h = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    clash = list(rows[0])
    clash[h.index("记录ID")] = "ffffffff-0000-4000-8000-00000000000a"
    ws.append(clash)  # same 编号 as row 2, another uid: rejected
    ws.append(list(rows[2]))  # row 4 again: unchanged the second time
    es = wb["跟踪记录"]
    eh = [c.value for c in es[1]]
    orphan = [c.value for c in es[2]]
    orphan[eh.index("记录ID")] = "ffffffff-0000-4000-8000-00000000000b"
    orphan[eh.index("投诉记录ID")] = "ffffffff-0000-4000-8000-00000000000c"
    es.append(orphan)
    out = tmp_path / "awkward.xlsx"
    wb.save(out)
    return out, rows[1][h.index("编号")]


def _fresh_hq(sites, number):
    """HQ already holding SH01's ``number`` under another uid (a clash with the database,
    not within the file)."""
    from db.models import database

    hq = sites.use("HQ")
    new_case(hq, customer_name="占号")
    database.execute_sql(
        "UPDATE cases SET site = 'SH01', number = ?, "
        "uid = 'eeeeeeee-0000-4000-8000-000000000001' WHERE site = 'HQ'",
        (number,),
    )
    database.execute_sql(  # fixed uids: the two HQ databases compare equal
        "UPDATE entries SET uid = 'eeeeeeee-0000-4000-8000-000000000002' WHERE site = 'HQ'"
    )
    return hq


def _outcome(report):
    f = report.files[0]
    return (
        {s: c.as_dict() for s, c in f.counts.items()},
        [(r.sheet, r.row, r.reason) for r in f.rejected],
    )


@pytest.mark.sqlite_only("a fresh HQ by moving its data folder aside")
@pytest.mark.parametrize("batch", [1, 2, 3, 500])
def test_batches_merge_as_row_by_row(sites, tmp_path, monkeypatch, batch):
    out, number = _awkward_file(sites, tmp_path)
    hq = _fresh_hq(sites, number)
    before = snapshot()
    with monkeypatch.context() as m:  # every batch through merge(), row by row
        m.setattr(ledger_rows, "any_uid", lambda table, uids: True)
        slow = ledger_import.apply_import(hq, [out])
        slow_db = snapshot()
    sites.close()
    (sites.root / "HQ").rename(sites.root / "HQ-slow")
    hq = _fresh_hq(sites, number)
    assert snapshot() == before
    monkeypatch.setattr(merge_file, "BATCH", batch)
    fast = ledger_import.apply_import(hq, [out])
    assert _outcome(fast) == _outcome(slow)
    counts, rejected = _outcome(fast)
    assert counts["投诉台账"] == {
        "new": 4,
        "updated": 0,
        "unchanged": 1,
        "conflict": 0,
        "rejected": 2,
    }
    assert [r[1] for r in rejected if r[0] == "投诉台账"] == [3, 7]
    assert counts["跟踪记录"]["rejected"] == 2  # the orphan + the entry of the case at row 3
    assert snapshot() == slow_db
    assert not fast.differences


def test_import_twice_after_a_batch_changes_nothing(sites, tmp_path):
    ctx = sites.use("SH01")
    for i in range(7):
        new_case(
            ctx,
            customer_name=f"客户{i}",
            received_at=datetime(2026, 11, 1, 8, 0, tzinfo=CHINA_TZ) + timedelta(hours=i),
        )
    out = tmp_path / "sh01.xlsx"
    ledger_export.export_ledger(ctx, out)
    hq = sites.use("HQ")
    first = ledger_import.apply_import(hq, [out])
    assert first.files[0].counts["投诉台账"].new == 7
    after = snapshot()
    second = ledger_import.apply_import(hq, [out])
    assert second.files[0].counts["投诉台账"].unchanged == 7
    assert snapshot() == after


VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    st.integers(-5, 10**6),
    st.text(max_size=8),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(CHINA_TZ)
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(C.DATA_SHEETS), st.data())
def test_digest_is_the_reference_canonical_text(sheet, data):
    """digest() is compared with digests stored by earlier versions: it must stay the SHA-1
    of the reference canonical texts (store._canon), whatever shortcuts it takes."""
    import hashlib

    from ledger import store

    values = {c.key: data.draw(VALUES) for c in C.SHEET_COLUMNS[sheet]}
    by_key = {c.key: c for c in C.SHEET_COLUMNS[sheet]}
    frozen = store.DIGEST_KEYS[sheet]
    reference = "\x1f".join(store._canon(by_key[k], values.get(k)) for k in frozen)
    # columns added since the digest was frozen: only when they hold a value
    for c in C.SHEET_COLUMNS[sheet]:
        if (
            c.key not in frozen
            and c.key not in ("revision", "modified_at")
            and not c.derived
            and c.stored
        ):
            canon = store._canon(c, values.get(c.key))
            if canon and not (c.kind is C.Kind.BOOL and canon == "0"):  # 否 counts as empty
                reference += f"\x1e{c.key}={canon}"
    assert store.digest(sheet, values) == hashlib.sha1(reference.encode("utf-8")).hexdigest()


def test_the_digest_of_today_is_the_one_stored_by_earlier_versions():
    """The frozen digest columns are today's columns, in today's order (a column added to a
    sheet later goes after them, see store.DIGEST_KEYS)."""
    from ledger import store

    for sheet, cols in C.SHEET_COLUMNS.items():
        today = [
            c.key
            for c in cols
            if c.key not in ("revision", "modified_at") and not c.derived and c.stored
        ]
        assert [k for k in today if k in store.DIGEST_KEYS[sheet]] == list(store.DIGEST_KEYS[sheet])


@pytest.mark.sqlite_only("a fresh HQ by moving its data folder aside")
@pytest.mark.parametrize("bulk", [False, True])
def test_fresh_tables_known_uids_give_what_the_lookups_give(sites, tmp_path, monkeypatch, bulk):
    """Into an empty database the merge knows which uids are there without asking SQLite
    (merge.fresh_tables); the outcomes and data are those of the look-ups, also when the
    same rows come again in a second file of the same import."""
    out, _number = _awkward_file(sites, tmp_path)
    copy = tmp_path / "again.xlsx"
    copy.write_bytes(out.read_bytes())
    results = []
    for known in (False, True):
        if known:
            sites.close()
            (sites.root / "HQ").rename(sites.root / "HQ-lookups")
        hq = sites.use("HQ")
        with monkeypatch.context() as m:
            if not known:
                m.setattr(ledger_import, "fresh_tables", lambda: {})
            report = ledger_import.apply_import(hq, [out, copy], bulk=bulk)
        results.append(([(_outcome_of(f)) for f in report.files], snapshot()))
        assert not report.differences
    assert results[0] == results[1]
    first, second = results[1][0]
    assert first[0]["投诉台账"]["new"] == 5 and second[0]["投诉台账"]["new"] == 0


def _outcome_of(f):
    return (
        {s: c.as_dict() for s, c in f.counts.items()},
        [(r.sheet, r.row, r.reason) for r in f.rejected],
    )


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(C.DATA_SHEETS), st.data())
def test_new_row_builder_gives_what_db_data_gives(sheet, data):
    """The batch insert's row builder = _db_data(new=True) then stored_value, cell for cell."""
    now = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)
    merger = Merger("HQ", now)
    merger._case_ids.update({"case-aaaa-1": 7, "case-bbbb-2": 9})
    values = {c.key: data.draw(VALUES) for c in C.SHEET_COLUMNS[sheet]}
    values["uid"] = "row-uid-0001"
    case_uids = ["case-aaaa-1", "case-bbbb-2"] + ([None] if sheet == C.SHEET_SANCTIONS else [])
    values["case_uid"] = data.draw(st.sampled_from(case_uids))
    names, build = merger._new_row_builder(sheet)
    expected = merger._db_data(sheet, values, new=True)
    assert names == list(expected)
    assert build(dict(values)) == [stored_value(v) for v in expected.values()]


def test_an_imported_row_received_in_the_future_is_refused():
    """The import refuses what the editor refuses, naming sheet, row, column."""
    from ledger.validate import case_problems

    future = datetime(2099, 1, 1, 9, 0, tzinfo=CHINA_TZ)
    values = {
        "received_at": future,
        "purchase_date": date(2099, 1, 2),
        "channel": "现场",
        "kind": "投诉",
        "severity": "一般投诉",
        "business": "售后",
        "customer_name": "张伟",
        "content": "异响",
        "state": "已登记",
        "liability": "待认定",
        "number": "SH01-209901-0001",
    }
    problems = case_problems(12, values)
    found = {(p.row, p.column) for p in problems}
    assert (12, "登记时间") in found and (12, "购车/维修时间") in found
    assert any("晚于现在" in str(p) and "第 12 行" in str(p) for p in problems)
