"""Field checks that name the field: VIN, phone (and a phone hidden by a masked ledger)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.rules.validation import (
    mask_phone,
    phone_problems,
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
    v.update(customer_name="张伟", content="异响", phone="138****5678",
             received_at=ctx.now() - timedelta(hours=1))
    saved = cases.create_case(ctx, v)
    assert [p.field for p in saved.warnings] == ["phone"]
    again = cases.update_case(ctx, saved.id, {"content": "异响,已约检"})
    assert cases.get_case(saved.id)["content"] == "异响,已约检" and again.warnings
