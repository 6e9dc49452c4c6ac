"""Headquarters scale (issue 23 §3–4): the bulk writes and the faster reads give exactly what
the per-case and plain paths give. Speed itself is measured by bench/bench_hq.py."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from complaints.query import NEWEST_FIRST, CaseFilter
from complaints.rules import figures as fig
from complaints.rules.periods import parse_period
from complaints.types import State
from complaints.usecases import audit, cases, oem, proposals, stats, stats_review, tracking, users
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import CHINA_TZ
from db import queries
from db.models import database
from db.timeutil import to_db
from tests.conftest import FIXED_NOW

AS_OF = datetime(2026, 11, 20, 9, 30, tzinfo=CHINA_TZ)


def rows(sql, params=()):
    return database.execute_sql(sql, params).fetchall()


# --- bulk writes ----------------------------------------------------------------------------


def test_record_many_continues_the_chain_as_record_does(ctx):
    audit.record(ctx, "case.update", table="cases", uid="a", note="one")
    n = audit.record_many(
        ctx,
        [
            ("case.update", "cases", "b", {"phone": ("13812345678", None)}, "two"),
            ("sanction.withdraw", "sanctions", "c", {"deleted": (False, True)}, "three"),
        ],
    )
    audit.record(ctx, "case.update", table="cases", uid="d", note="four")
    assert n == 2 and audit.record_many(ctx, []) == 0
    got = audit.entries(newest_first=False)
    assert [(e.event, e.uid, e.note) for e in got][-4:] == [
        ("case.update", "a", "one"),
        ("case.update", "b", "two"),
        ("sanction.withdraw", "c", "three"),
        ("case.update", "d", "four"),
    ]
    assert got[-3].changes == {"phone": ["138****5678", None]}  # masked like record()
    assert audit.verify_chain() == []


def _closed_case(ctx, name, phone, years_ago):
    v = {**cases.blank_case(ctx), "customer_name": name, "content": "x", "phone": phone}
    cid = cases.create_case(ctx, v).id
    closed = FIXED_NOW.replace(year=FIXED_NOW.year - years_ago)
    cases.update_case(ctx, cid, {"state": "已关闭", "closed_at": closed})
    return cid


def test_anonymise_writes_every_case_its_revision_search_and_audit_at_once(ctx):
    admin = dataclasses.replace(ctx, clock=lambda: FIXED_NOW + timedelta(minutes=5))
    own = _closed_case(ctx, "老客户", "13911112222", 4)
    other = _closed_case(ctx, "外店客户", "13933334444", 5)
    database.execute_sql("UPDATE cases SET site = 'BJ02' WHERE id = ?", [other])
    recent = _closed_case(ctx, "新客户", "13955556666", 1)
    before = {
        cid: rows("SELECT revision FROM cases WHERE id = ?", [cid])[0][0]
        for cid in (own, other, recent)
    }
    assert users.anonymise_candidates(3, FIXED_NOW) == 2
    assert users.anonymise_closed_cases(admin, 3, FIXED_NOW) == 2
    after = {
        cid: rows(
            "SELECT customer_name, phone, revision, modified_at FROM cases WHERE id = ?", [cid]
        )[0]
        for cid in (own, other, recent)
    }
    stamp = "2026-11-20T01:35:00+00:00"
    assert after[own] == ("(已匿名)", None, before[own] + 1, stamp)
    assert after[other] == ("(已匿名)", None, before[other], stamp)  # the owner counts
    assert after[recent][:3] == ("新客户", "13955556666", before[recent])
    assert cases.search("13911112222") == [] and cases.search("外店客户") == []
    assert cases.search("新客户") == [recent]
    per_case = [e for e in audit.entries(event="privacy.anonymise", newest_first=False) if e.uid]
    assert sorted(e.uid for e in per_case) == sorted(
        r[0] for r in rows("SELECT uid FROM cases WHERE id IN (?, ?)", [own, other])
    )
    assert {e.changes["customer_name"][0] for e in per_case} == {"老**", "外***"}
    assert audit.verify_chain() == []
    assert users.anonymise_closed_cases(admin, 3, FIXED_NOW) == 0


def _stored():
    return sorted(
        rows(
            "SELECT case_id, rule, person, type, amount, amount_min, amount_max, "
            "reason, status, deleted, date FROM sanctions WHERE rule IS NOT NULL"
        )
    )


def test_the_sweep_in_batches_proposes_what_each_case_s_rules_say(ctx, monkeypatch):
    from complaints.usecases import demo

    demo.load_demo(ctx, 120, seed=7)
    database.execute_sql("DELETE FROM sanctions")
    ids = [r[0] for r in rows("SELECT id FROM cases WHERE site = 'SH01' ORDER BY id")]
    monkeypatch.setattr(proposals, "SYNC_BATCH", 7)  # several batches, one of them short
    report = proposals.sync_many(ctx, ids)
    assert report.created and not (report.updated or report.withdrawn)
    org = proposals.load_org()
    for cid in ids:  # every stored proposal is what the rules propose for its case
        want = sorted((p.rule, p.person, p.amount) for p in proposals.case_proposals(cid, ctx, org))
        got = sorted((r[1], r[2], r[4]) for r in _stored() if r[0] == cid)
        assert got == want, cid
    assert proposals.sync_many(ctx, ids) == proposals.SyncReport()  # nothing twice
    assert all(proposals.sync_proposals(ctx, cid) == proposals.SyncReport() for cid in ids[:20])
    assert len(audit.entries(event="sanction.propose")) >= len(report.created)
    assert audit.verify_chain() == []


# --- reads ----------------------------------------------------------------------------------


def test_oem_rows_are_the_manufacturer_cases_by_either_path(ctx):
    def make(**kw):
        v = {
            **cases.blank_case(ctx),
            "customer_name": "张伟",
            "content": "x",
            "received_at": FIXED_NOW - timedelta(hours=5),
        }
        v.update(kw)
        return cases.create_case(ctx, v).id

    forwarded = make(channel="厂家转发", severity="重大投诉")
    flagged = make(needs_oem=True)
    reported = make()
    tracking.record_action(ctx, reported, "上报厂家", cac_number="CAC1")
    plain = make()
    closed = make(channel="厂家转发")
    cases.update_case(ctx, closed, {"state": State.CLOSED.value, "closed_at": FIXED_NOW})
    both = {r.case_id for r in oem.oem_rows(ctx)}
    assert both == {forwarded, flagged, reported, closed} and plain not in both
    assert {r.case_id for r in oem.oem_rows(ctx, include_closed=False)} == {
        forwarded,
        flagged,
        reported,
    }
    assert [r.case_id for r in oem.oem_rows(ctx, sites=["BJ02"])] == []
    row = next(r for r in oem.oem_rows(ctx, sites=["SH01"]) if r.case_id == reported)
    assert row.reported_at is not None and row.last_action == "上报厂家"
    assert row.cac_number == "CAC1"


def _figures(f: fig.Figures) -> str:
    return repr(dataclasses.asdict(f))


@pytest.mark.parametrize("code", ["2026", "2026Q4", "2026-10"])
def test_figures_joined_from_months_equal_the_whole_period_at_once(stats_demo, code):
    period = parse_period(code)

    def whole():
        c, e, earlier, sanctions = stats.load_period(period, (), CHINA_TZ)
        vols = stats.volumes((), stats.volume_months(period))
        vsites = tuple(sorted({x["site"] for x in c} | {k[0] for k in vols}))
        return fig.compute(
            period,
            (),
            c,
            e,
            earlier,
            sanctions,
            policy_uc.book().at,
            AS_OF,
            CHINA_TZ,
            volumes=vols,
            volume_sites=vsites,
        )

    first = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    assert _figures(first) == _figures(whole())
    assert _figures(stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)) == _figures(first)
    # A write to a case of a month already kept: the figures follow it.
    start = to_db(period.bounds(CHINA_TZ)[0])
    cid = rows(
        "SELECT id FROM cases WHERE received_at >= ? AND received_at < ? AND state = ? "
        "ORDER BY received_at LIMIT 1",
        [start, "2026-10-20T00:00:00+00:00", State.CLOSED.value],
    )[0][0]
    channel = (
        "其他" if rows("SELECT channel FROM cases WHERE id = ?", [cid])[0][0] != "其他" else "现场"
    )
    cases.update_case(stats_demo, cid, {"channel": channel})
    again = stats.figures_for(period, (), as_of=AS_OF, tz=CHINA_TZ)
    assert _figures(again) == _figures(whole()) and cid in again.by["channel"][channel]


def test_the_year_before_is_computed_once_for_a_year(stats_demo, monkeypatch):
    calls = []
    real = stats.figures_for
    monkeypatch.setattr(
        stats, "figures_for", lambda p, *a, **k: calls.append(p) or real(p, *a, **k)
    )
    prev, ly = stats_review.comparisons(stats_demo, parse_period("2026"), as_of=AS_OF)
    assert calls == [parse_period("2025")] and prev == ly


def _items(xs):
    return [dataclasses.astuple(i) for i in xs]


@pytest.mark.parametrize("window", [5, 20_000])
def test_searches_give_the_plain_query_s_top_100(stats_demo, monkeypatch, window):
    monkeypatch.setattr(queries, "SHORT_WINDOW", window)
    name = rows("SELECT customer_name FROM cases LIMIT 1")[0][0]
    texts = ("锦旗", "异响", name[:2], name, "客户反", "回访", "SH", "sh", "1", "%", "沪A")
    for text in (*texts, name[:1], "锦", "漆,", "a1"):
        plain = queries._case_ids(CaseFilter(text=text), NEWEST_FIRST, 100)
        assert cases.search(text, 100) == plain, text
        assert cases.search(text, 3) == plain[:3], text


def test_searches_with_filters_and_ties_give_the_plain_query_s_top_n(stats_demo):
    name = rows("SELECT customer_name FROM cases LIMIT 1")[0][0]
    common = rows("SELECT substr(content, 1, 3) FROM cases GROUP BY 1 ORDER BY count(*) DESC")
    texts = (common[0][0], "客户反", "回访时", name, name[:2], "锦旗", "SH", "%", "a_")
    filters = (
        CaseFilter(),
        CaseFilter(include_deleted=True),
        CaseFilter(states=frozenset({State.CLOSED.value})),
        CaseFilter(received_to=datetime(2026, 10, 1, tzinfo=CHINA_TZ)),
    )
    # two cases received at the same moment as the 10th newest: ties at the top N's edge
    tenth = rows("SELECT received_at FROM cases ORDER BY received_at DESC, id DESC")[9][0]
    for cid in (r[0] for r in rows("SELECT id FROM cases ORDER BY id LIMIT 2")):
        database.execute_sql("UPDATE cases SET received_at = ? WHERE id = ?", [tenth, cid])
    for text in texts:
        for base in filters:
            f = dataclasses.replace(base, text=text)
            plain = queries._case_ids(f, NEWEST_FIRST, None)
            for limit in (100, 5, 1):
                assert queries.case_ids(f, NEWEST_FIRST, limit) == plain[:limit], (text, f)


@pytest.mark.sqlite_only("SQLite's bigram index; on the server pg_trgm answers short text")
def test_a_short_text_is_looked_up_in_the_bigram_index(stats_demo, monkeypatch):
    real, calls = queries._case_ids, []

    def spy(f, sort, limit, extra="", extra_params=(), indexed_by=""):
        calls.append((extra, indexed_by))
        return real(f, sort, limit, extra, extra_params, indexed_by)

    monkeypatch.setattr(queries, "_case_ids", spy)
    name = rows("SELECT customer_name FROM cases ORDER BY id LIMIT 1")[0][0]
    common = rows("SELECT substr(content, 1, 2) FROM cases GROUP BY 1 ORDER BY count(*) DESC")
    # rare: the cases the index names; common: the received-time index walked newest first
    for text, route in (
        ("锦旗", (queries.BIGRAM_CLAUSE, "")),
        (name[:2], (queries.BIGRAM_CLAUSE, "")),
        (common[0][0], ("", "INDEXED BY cases_received")),
    ):
        calls.clear()
        assert cases.search(text, 100) == real(CaseFilter(text=text), NEWEST_FIRST, 100)
        assert calls == [route], text
