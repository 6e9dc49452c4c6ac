"""Property: export → import into an empty site → export again gives the same rows."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from complaints.types import Business, Channel, FmcStatus, Gender, Kind, Satisfaction, Severity
from complaints.usecases import cases, exchange, site
from complaints.usecases.context import CHINA_TZ
from db.database import close_database, open_database
from tests.ledger.helpers import T0, ctx_for, snapshot

# Printable text, with the characters that trip spreadsheets: formula prefixes, tab, CR, LF.
_ALPHABET = st.sampled_from(list("=+-@\t\r\n 甲乙丙丁张王李赵投诉车辆abcXYZ0129,.;:'\"<>&%()"))
_text = st.text(_ALPHABET, min_size=1, max_size=30).filter(lambda s: s.strip())


@st.composite
def case_values(draw):
    received = T0 - timedelta(minutes=draw(st.integers(0, 500_000)))
    return dict(
        received_at=received,
        channel=draw(st.sampled_from([c.value for c in Channel])),
        kind=draw(st.sampled_from([k.value for k in Kind])),
        severity=draw(st.sampled_from([s.value for s in Severity])),
        business=draw(st.sampled_from([b.value for b in Business])),
        customer_name=draw(_text.map(lambda s: s[:40])),
        content=draw(_text),
        background=draw(st.none() | _text),
        plan=draw(st.none() | _text),
        phone=draw(st.none() | st.sampled_from(["13812345678", "021-62345678", "+86 13912345678"])),
        vin=draw(st.none() | st.just("LSVAM4187C2184847")),
        mileage=draw(st.none() | st.integers(0, 999_999)),
        purchase_date=draw(st.none() | st.dates(date(2000, 1, 1), date(2026, 11, 20))),
        callback_at=draw(
            st.none()
            | st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(
                lambda d: d.replace(microsecond=0, tzinfo=CHINA_TZ)
            )
        ),
        media=draw(st.booleans()),
        gender=draw(st.none() | st.sampled_from([g.value for g in Gender])),
        satisfaction=draw(st.none() | st.sampled_from([s.value for s in Satisfaction])),
        fmc_status=draw(st.none() | st.sampled_from([f.value for f in FmcStatus])),
    )


def _rows(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, read_only=True)
    out = {}
    for name in ("投诉台账", "跟踪记录", "奖惩记录"):
        rows = list(wb[name].iter_rows(values_only=True))
        out[name] = sorted(rows[1:], key=repr)
    wb.close()
    return out


def test_export_import_export_gives_the_same_rows():
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(case_values(), min_size=1, max_size=4))
    def run(values):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            try:
                open_database(d / "sh.sqlite3")
                site.init_site("SH01", "上海", now=T0)
                ctx = ctx_for("SH01")
                for v in values:
                    cases.create_case(ctx, {**cases.blank_case(ctx), **v})
                first = snapshot()
                exchange.export_ledger(ctx, d / "1.xlsx")
                close_database()
                open_database(d / "hq.sqlite3")
                site.init_site("HQ", "总部", now=T0)
                rep = exchange.apply_import(ctx_for("HQ"), [d / "1.xlsx"], backup_dir=d / "b")
                assert rep.rejected == 0, [str(p) for f in rep.files for p in f.problems]
                assert snapshot() == first
                exchange.export_ledger(ctx_for("HQ"), d / "2.xlsx", sites=["SH01"])
            finally:
                close_database()
            assert _rows(d / "1.xlsx") == _rows(d / "2.xlsx")

    run()
