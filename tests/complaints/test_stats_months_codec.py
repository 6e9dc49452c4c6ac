"""A kept month's partial reads back as the partial written (stats_months.encode/decode),
whatever its ids, hours and closing times; phones and VINs come back as hashes that link the
same cases."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from complaints.rules import figures as fig
from complaints.rules.deadline_rules import RULES
from complaints.usecases import stats_months

ids_st = st.lists(st.integers(1, 2**40), max_size=12, unique=True)
hours = st.lists(st.floats(0, 10_000, allow_nan=False), max_size=6)
texts = st.one_of(st.none(), st.sampled_from(["", " 138 ", "138", "lvs1", "LVS1 "]))


@st.composite
def partials(draw) -> fig.Partial:
    ids = draw(ids_st)
    sub = st.lists(st.sampled_from(ids), max_size=len(ids)) if ids else st.just([])
    by = {
        k: {
            v: draw(sub)
            for v in draw(st.lists(st.sampled_from(["a", "售后", "未填"]), unique=True))
        }
        for k in fig.DIMENSIONS
    }
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    closed = [(i, t0 + timedelta(seconds=draw(st.integers(0, 10**7)))) for i in ids]
    timeliness = {
        r: fig.Timeliness(r, *draw(st.tuples(*[st.integers(0, 99)] * 3)), draw(sub)) for r in RULES
    }
    return fig.Partial(
        ids,
        by,
        timeliness,
        fig.Timeliness("全部", 1, 2, 3, draw(sub)),
        draw(hours),
        draw(hours),
        {v: draw(sub) for v in fig.LEVELS},
        draw(sub),
        draw(sub),
        closed,
        [(i, draw(texts), draw(texts)) for i in ids],
        draw(st.sets(st.one_of(st.none(), st.sampled_from(["BJ01", "SH01"])))),
        0,
    )


@given(partials())
def test_a_partial_reads_back_as_written(part):
    back = stats_months.decode(stats_months.encode(part))
    same = ("ids", "by", "timeliness", "overall", "contact", "handling", "satisfaction")
    for name in (*same, "called_back", "reopened", "closed", "sites", "unsettled"):
        assert getattr(back, name) == getattr(part, name), name
    assert [list(b.by[k]) for b in (back,) for k in fig.DIMENSIONS] == [
        list(part.by[k]) for k in fig.DIMENSIONS
    ]  # the values' order of first appearance too
    assert fig._repeat_groups(back.keys) == fig._repeat_groups(part.keys)
    assert not {p for _i, p, _v in back.keys} & {"138", "LVS1"}  # nothing personal kept
