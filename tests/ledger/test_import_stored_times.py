"""The import's times parsed straight to their stored text (RowParser(stored_times=True))
give exactly what parse_row's datetimes give: the same stored text, digest, row to insert
and problems, and (parsed_times) the same datetimes back for merge()."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from complaints.usecases.context import CHINA_TZ
from db.timeutil import to_db
from ledger import columns as C
from ledger import store
from ledger.apply import stored_value
from ledger.validate import RowParser, parse_row, parsed_times, stored_time_keys

ZONES = [
    CHINA_TZ,
    timezone(timedelta(hours=8)),
    UTC,
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=45)),
    timezone(timedelta(hours=-9, minutes=-30)),
    ZoneInfo("Asia/Shanghai"),  # daylight saving 1986-1991: no fast path, datetimes as before
]

STAMP_TEXTS = st.builds(
    lambda d, off: d.replace(tzinfo=timezone(off)).isoformat(timespec="seconds"),
    st.datetimes(min_value=datetime(1899, 12, 30), max_value=datetime(2101, 1, 2)),
    st.sampled_from(
        [timedelta(hours=8), timedelta(0), timedelta(hours=-5), timedelta(hours=5, minutes=45)]
    ),
)

# naive, as Excel gives them: microseconds (float noise), before 1991 (China's daylight
# saving), at and beyond the year bounds
NAIVE = st.one_of(
    st.datetimes(min_value=datetime(1899, 12, 31), max_value=datetime(2101, 1, 1)),
    st.datetimes(min_value=datetime(1985, 1, 1), max_value=datetime(1992, 1, 1)),
    st.sampled_from(
        [
            datetime(1900, 1, 1),
            datetime(1899, 12, 31, 23, 59, 59, 999_999),
            datetime(2100, 12, 31, 23, 59, 59, 500_000),
            datetime(2100, 12, 31, 23, 59, 59, 499_999),
            datetime(1988, 4, 10, 2, 30),
        ]
    ),
)

CELLS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "是",
            "否",
            "3",
            "登记",
            "罚款",
            "a1b2c3d4-0000-4000-8000-000000000001",
            "2026-11-22",
            "2026-11-22 09:30",
            "2026-11-22T09:30:00+08:00",
            "2026-11-22T09:30:00+0800",
            "2026-11-22T09:30:00Z",
            "2026-11-22T09:30:00.123+08:00",
            "2026-02-30T09:30:00+08:00",
            "2026-11-22T24:00:00+08:00",
            "1899-12-31T23:00:00+08:00",
            "2101-01-01T00:00:00+08:00",
            " 2026-11-22T09:30:00+08:00",
        ]
    ),
    STAMP_TEXTS,
    st.floats(allow_nan=False, width=32),
    st.integers(-3, 10**7),
    NAIVE,
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2030, 1, 1),
        timezones=st.sampled_from([UTC, CHINA_TZ, timezone(timedelta(hours=-3))]),
    ),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
)

SHEETS = [C.SHEET_ENTRIES, C.SHEET_SANCTIONS, C.SHEET_CASES]


def _same_moment(a, b) -> bool:
    """Equal, at the same offset, written the same (what to_json stores)."""
    return (
        a.__class__ is b.__class__
        and a == b
        and a.utcoffset() == b.utcoffset()
        and a.isoformat() == b.isoformat()
    )


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHEETS), st.sampled_from(ZONES), st.data())
def test_stored_times_give_what_parse_row_gives(sheet, tz, data):
    cols = C.SHEET_COLUMNS[sheet]
    order = data.draw(st.permutations(range(len(cols))))
    keep = data.draw(st.lists(st.booleans(), min_size=len(cols), max_size=len(cols)))
    columns = {i: cols[j] for i, j in enumerate(order) if keep[j] or cols[j].required}
    width = data.draw(st.one_of(st.just(len(cols)), st.integers(0, len(cols))))
    raw = [data.draw(CELLS) for _ in range(width)]
    times = stored_time_keys(sheet)
    for i, c in columns.items():  # the time columns mostly get a time
        if c.key in times and i < width and data.draw(st.booleans()):
            at_zone = st.builds(
                lambda d: d.replace(tzinfo=tz).isoformat(timespec="seconds"),
                st.datetimes(min_value=datetime(1899, 12, 31), max_value=datetime(2101, 1, 1)),
            )
            raw[i] = data.draw(st.one_of(STAMP_TEXTS, NAIVE, at_zone))
    _check(sheet, columns, tuple(raw), tz)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHEETS), st.sampled_from(ZONES), st.data())
def test_every_time_column_gives_what_parse_row_gives(sheet, tz, data):
    """Every time column of a full row at once, the other cells empty."""
    cols = C.SHEET_COLUMNS[sheet]
    columns = dict(enumerate(cols))
    times = stored_time_keys(sheet)
    at_zone = st.builds(
        lambda d: d.replace(tzinfo=tz).isoformat(timespec="seconds"),
        st.datetimes(min_value=datetime(1899, 12, 31), max_value=datetime(2101, 1, 1)),
    )
    cell = st.one_of(STAMP_TEXTS, NAIVE, at_zone, CELLS)
    raw = tuple(data.draw(cell) if c.key in times else None for c in cols)
    _check(sheet, columns, raw, tz)


def _check(sheet, columns, raw_row, tz):
    cols = C.SHEET_COLUMNS[sheet]
    times = stored_time_keys(sheet)
    width = len(raw_row)
    mapping = {c.key: raw_row[i] if i < width else None for i, c in columns.items()}
    present = {c.key for c in columns.values()}
    try:
        expected, expected_problems = parse_row(sheet, 7, mapping, present, tz)
    except ValueError as e:  # parse_row itself fails on some inputs
        try:
            RowParser(sheet, columns, tz, stored_times=True).parse(7, raw_row)
        except type(e):
            return
        raise AssertionError("the fast path accepted what parse_row refuses") from e
    fast, problems = RowParser(sheet, columns, tz, stored_times=True).parse(7, raw_row)
    assert problems == expected_problems
    assert fast.keys() == expected.keys()
    for key, v in fast.items():
        if key in times and v.__class__ is str:
            # the stored text, which is also the digest's canonical form of the time
            assert isinstance(tz, timezone)
            event(f"{key} as its stored text")
            assert v == to_db(expected[key]) == stored_value(expected[key])
        else:
            assert v == expected[key] and v.__class__ is expected[key].__class__
    assert store.digest(sheet, fast) == store.digest(sheet, expected)
    assert store.fingerprint(sheet, fast) == store.fingerprint(sheet, expected)
    assert [stored_value(fast.get(c.key)) for c in cols] == [
        stored_value(expected.get(c.key)) for c in cols
    ]
    back = parsed_times(sheet, dict(fast), tz)
    assert back == expected
    for key in times:
        if isinstance(expected.get(key), datetime):
            assert _same_moment(back[key], expected[key])
    if not expected_problems:  # what a conflict stores of the incoming row
        assert store.to_json(sheet, back) == store.to_json(sheet, expected)


def test_a_zone_with_a_history_gets_no_stored_text():
    """Asia/Shanghai had daylight saving in 1986-1991: its times stay datetimes."""
    tz = ZoneInfo("Asia/Shanghai")
    cols = C.SHEET_COLUMNS[C.SHEET_ENTRIES]
    columns = dict(enumerate(cols))
    at = next(i for i, c in columns.items() if c.key == "at")
    raw = [None] * len(cols)
    raw[at] = datetime(1988, 7, 1, 12, 0)
    values, _problems = RowParser(C.SHEET_ENTRIES, columns, tz, stored_times=True).parse(
        7, tuple(raw)
    )
    assert values["at"] == datetime(1988, 7, 1, 12, 0, tzinfo=tz)
    assert to_db(values["at"]) == "1988-07-01T03:00:00+00:00"  # +09:00 that summer


def test_a_fixed_offset_time_is_stored_as_to_db_stores_it():
    cols = C.SHEET_COLUMNS[C.SHEET_ENTRIES]
    columns = dict(enumerate(cols))
    idx = {c.key: i for i, c in columns.items()}
    raw: list = [None] * len(cols)
    raw[idx["at"]] = datetime(1900, 1, 1, 3, 4, 5, 600_000)
    raw[idx["modified_at"]] = "2025-12-08T08:22:36+08:00"
    values, _problems = RowParser(C.SHEET_ENTRIES, columns, CHINA_TZ, stored_times=True).parse(
        7, tuple(raw)
    )
    assert values["at"] == "1899-12-31T19:04:06+00:00"
    assert values["modified_at"] == "2025-12-08T00:22:36+00:00"
