"""统计 on both engines: the year's review with its comparisons, and keeping what it computed
(the kept months and summaries read a write stamp each engine answers in its own way)."""

from datetime import timedelta

from complaints.rules.periods import parse_period
from complaints.usecases import stats, stats_review, tracking
from tests.complaints.case_clock import T0, new_case


def test_a_year_of_figures_on_both_engines(engine_ctx):
    cid = new_case(engine_ctx)
    tracking.record_action(engine_ctx, cid, "联系客户", note="已电话联系")
    year = parse_period(str(T0.year))
    r = stats_review.review(engine_ctx, year, as_of=T0 + timedelta(days=40))
    assert r.figures.case_ids == [cid]
    stats.keep_summaries()
