"""Field checks that name the field: VIN, phone (and a phone hidden by a masked ledger)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.fields import CASE_FIELDS
from complaints.rules.validation import (
    _FIELD_PROBLEMS,
    _field_problems,
    mask_phone,
    phone_problems,
    search_text,
    tidy_phone,
    vin_check_digit,
    vin_problems,
)

GOOD_VIN = "LSGJA52U_BH001234".replace("_", vin_check_digit("LSGJA52U0BH001234"))


def test_vin_length_letters_and_check_digit():
    assert vin_problems(GOOD_VIN) == []
    (short,) = vin_problems(GOOD_VIN[:16])
    assert short.blocking and short.field == "vin"
    assert any(p.blocking for p in vin_problems(GOOD_VIN[:10] + "O" + GOOD_VIN[11:]))
    wrong = GOOD_VIN[:8] + ("1" if GOOD_VIN[8] != "1" else "2") + GOOD_VIN[9:]
    (warn,) = vin_problems(wrong)
    assert not warn.blocking  # a wrong check digit is warned, not blocked


@pytest.mark.parametrize("phone", ["13812345678", "021-6258 1234", "+86 13812345678"])
def test_good_phones(phone):
    assert phone_problems(phone) == []


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("139 8765 4321", "13987654321"),
        (" 139-8765-4321 ", "13987654321"),
        ("+86 139 8765 4321", "13987654321"),
        ("13987654321", "13987654321"),
        ("021-6258 1234", "021-6258 1234"),  # a landline keeps its area code's dash
        ("138****5678", "138****5678"),  # a masked phone is not a number to tidy
        ("139 8765 432", "139 8765 432"),  # too short: left for phone_problems to refuse
        ("天窗漏水", "天窗漏水"),
    ],
)
def test_a_mobile_typed_in_groups_is_kept_as_its_digits(typed, kept):
    assert tidy_phone(typed) == kept


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("沪A89243", "89243"),
        ("沪A·89243", "89243"),
        ("沪a 89243", "89243"),
        ("粤BD12345", "D12345"),  # a new-energy plate: six after the letter
        ("139 8765 4321", "13987654321"),
        ("天窗漏水", "天窗漏水"),
        ("SH01-202612-0064", "SH01-202612-0064"),
    ],
)
def test_the_list_searches_a_plate_by_what_follows_its_city_letter(typed, searched):
    assert search_text(typed) == searched


@pytest.mark.parametrize("phone", ["1381234567", "abc", "138-1234-567x"])
def test_bad_phones_block(phone):
    (p,) = phone_problems(phone)
    assert p.blocking and p.field == "phone"


def test_a_masked_phone_is_kept_with_a_warning():
    masked = mask_phone("13812345678")
    assert masked == "138****5678"
    (p,) = phone_problems(masked)
    assert not p.blocking and "隐藏" in p.message


def test_a_case_with_a_masked_phone_stays_editable(ctx):
    from complaints.usecases import cases

    v = cases.blank_case(ctx)
    v.update(
        customer_name="张伟",
        content="异响",
        phone="138****5678",
        received_at=ctx.now() - timedelta(hours=1),
    )
    saved = cases.create_case(ctx, v)
    assert [p.field for p in saved.warnings] == ["phone"]
    again = cases.update_case(ctx, saved.id, {"content": "异响,已约检"})
    assert cases.get_case(saved.id)["content"] == "异响,已约检" and again.warnings


def test_future_received_time_and_purchase_date_are_refused():
    """issue 17 §4: a slip into the future is refused; a minute's clock skew is not."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from complaints.rules.validation import future_problems, validate_case

    tz = timezone(timedelta(hours=8))
    now = datetime(2026, 12, 7, 23, 50, tzinfo=tz)
    ok = {"received_at": now + timedelta(seconds=59), "purchase_date": date(2026, 12, 7)}
    assert future_problems(ok, now, tz) == []
    bad = {"received_at": now + timedelta(minutes=2), "purchase_date": date(2026, 12, 8)}
    problems = future_problems(bad, now, tz)
    assert [p.field for p in problems] == ["received_at", "purchase_date"]
    assert all(p.blocking for p in problems)
    assert problems[0].message.startswith("“接单时间”2026-12-07 23:52 晚于现在(2026-12-07 23:50)")
    assert problems[1].message.startswith("“购车/维修时间”2026-12-08 晚于今天(2026-12-07)")
    # the office's today, whatever the zone of the clock's value (UTC here)
    utc_now = now.astimezone(UTC)
    assert [p.field for p in future_problems(bad, utc_now, tz)] == ["received_at", "purchase_date"]
    # only the fields asked (an edit checks the fields it changes)
    assert validate_case(bad, now=now, tz=tz, future_fields=()) == validate_case(bad)


_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**9),
    st.floats(allow_nan=False),
    st.sampled_from(["", " ", "\n", "现场", "投诉", "售后", "一般投诉", "Closed", "x" * 300]),
    st.text(max_size=8),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
    st.dates(),
)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_written_out_field_checks_are_the_loop(data):
    """validate_case's per-field checks, written out once as straight-line code, give
    exactly the reference loop's problems for any values of any type."""
    values = {}
    for f in CASE_FIELDS:
        if data.draw(st.booleans()):
            values[f.name] = data.draw(_ANY_VALUE)
        elif f.choices is not None and data.draw(st.booleans()):
            values[f.name] = data.draw(st.sampled_from([c.value for c in f.choices]))
    assert _FIELD_PROBLEMS(values) == _field_problems(values)
