"""The cause Pareto: ordering, ties, the cumulative share reaching exactly 100 %, the cases
without a cause beside it, and the causes of repeat complaints."""

from __future__ import annotations

import pytest

from complaints.rules.causes import NO_CAUSE, pareto, repeat_causes

ORDER = ["维修质量", "配件质量/供应", "服务态度", "价格/费用", "其他"]


def test_largest_first_with_counts_shares_and_cumulative_share():
    p = pareto({"服务态度": [1, 2], "维修质量": [3, 4, 5, 6, 7], "价格/费用": [8, 9, 10]}, ORDER)
    assert [(r.cause, r.count) for r in p.rows] == [
        ("维修质量", 5),
        ("价格/费用", 3),
        ("服务态度", 2),
    ]
    assert [r.share for r in p.rows] == [0.5, 0.3, 0.2]
    assert [r.cumulative for r in p.rows] == pytest.approx([0.5, 0.8, 1.0])
    assert p.rows[0].case_ids == (3, 4, 5, 6, 7)
    assert p.classified == 10
    assert [r.cause for r in p.vital_few] == ["维修质量", "价格/费用"]  # reach 80 %


def test_ties_follow_the_office_list_then_the_name():
    p = pareto({"其他": [1], "服务态度": [2], "维修质量": [3], "旧分类": [4], "甲": [5]}, ORDER)
    # equal counts: the list's order, then causes no longer on the list by name
    assert [r.cause for r in p.rows] == ["维修质量", "服务态度", "其他", "旧分类", "甲"]


@pytest.mark.parametrize("n", [1, 3, 7, 11, 97])
def test_the_last_cumulative_share_is_exactly_one(n):
    by = {f"原因{i}": list(range(i * 100, i * 100 + 1 + i % 3)) for i in range(n)}
    p = pareto(by)
    assert p.rows[-1].cumulative == 1.0
    cum = [r.cumulative for r in p.rows]
    assert cum == sorted(cum)
    assert sum(r.count for r in p.rows) == p.classified


def test_cases_without_a_cause_are_counted_beside_the_chart():
    p = pareto({NO_CAUSE: [7, 8], "维修质量": [1], "服务态度": []}, ORDER)
    assert [r.cause for r in p.rows] == ["维修质量"]  # an empty bucket is no row either
    assert p.unclassified == (7, 8)
    assert p.classified == 1 and p.rows[0].cumulative == 1.0


def test_nothing_classified_gives_no_rows():
    p = pareto({NO_CAUSE: [1]})
    assert p.rows == () and p.classified == 0 and p.vital_few == ()


def test_causes_of_repeat_complaints_count_every_case_of_each_group():
    by = {"维修质量": [1, 2, 5], "服务态度": [3], "价格/费用": [9], NO_CAUSE: [4]}
    p = repeat_causes([[1, 2, 3], [4, 5]], by, ORDER)
    assert [(r.cause, r.count) for r in p.rows] == [("维修质量", 3), ("服务态度", 1)]
    assert p.unclassified == (4,)
    assert p.rows[-1].cumulative == 1.0
