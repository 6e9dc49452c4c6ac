"""A policy's deadline limits as timedeltas and as people say them ("2小时", "当天23:59前"),
which rules count office time, and the 不适用 deadline of each rule: the rules run for every
case of a month or of the to-do list while the policy changes rarely, so this is worked out
once per policy value and kept on that (frozen) value.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo

from complaints.rules.deadlines import WHAT, Deadline, DeadlineStatus
from complaints.rules.officetime import OfficeCalendar
from complaints.rules.policy import Policy

# The attribute of a Policy value its limits are kept under (not a dataclass field: not
# compared, not stored; a changed policy is a new value without it).
_KEPT_AS = "_deadline_limits"


def _hours(n: int) -> str:
    return f"{n}小时"


def _na(rule: str, limit: str = "") -> Deadline:
    return Deadline(rule, WHAT[rule], None, None, None, DeadlineStatus.NOT_APPLICABLE, limit)


class DeadlineLimits:
    """A policy's limits as timedeltas and as people say them, with its 不适用 deadlines
    (immutable, so one per rule and limit serves every case)."""

    __slots__ = (
        "cal",
        "cal_tz",
        "d1",
        "d1_text",
        "d2",
        "d2_text",
        "d2m",
        "d2m_text",
        "d3",
        "d3_text",
        "d4_hm",
        "d4_text",
        "d5",
        "d5_text",
        "d6",
        "d6_text",
        "d7",
        "d7_text",
        "d8",
        "d8_text",
        "d9",
        "d9_text",
        "d10",
        "d10_text",
        "d11_onsite",
        "d11_onsite_text",
        "d11_other",
        "d11_other_text",
        "na",
        "office",
        "onsite",
        "policy",
    )

    def __init__(self, p: Policy):
        self.policy = p
        self.d1, self.d1_text = timedelta(hours=p.d1_hours), _hours(p.d1_hours)
        self.d2, self.d2_text = timedelta(hours=p.d2_hours), _hours(p.d2_hours)
        self.d2m = timedelta(hours=p.d2_media_hours)
        self.d2m_text = _hours(p.d2_media_hours) + "(涉及媒体)"
        self.d3, self.d3_text = timedelta(minutes=p.d3_minutes), f"{p.d3_minutes}分钟"
        self.d4_hm: tuple[int, int] | None = None  # parsed when D4 first needs it
        self.d4_text = f"当天{p.d4_cutoff}前"
        self.d5, self.d5_text = timedelta(hours=p.d5_hours), _hours(p.d5_hours)
        self.d6, self.d6_text = timedelta(hours=p.d6_hours), _hours(p.d6_hours)
        self.d7, self.d7_text = timedelta(hours=p.d7_hours), _hours(p.d7_hours)
        self.d8, self.d8_text = timedelta(hours=p.d8_hours), _hours(p.d8_hours)
        self.d9, self.d9_text = timedelta(minutes=p.d9_minutes), f"{p.d9_minutes}分钟"
        self.d10, self.d10_text = timedelta(days=p.d10_days), f"{p.d10_days}天"
        self.d11_onsite = timedelta(hours=p.d11_onsite_hours)
        self.d11_onsite_text = _hours(p.d11_onsite_hours)
        self.d11_other = timedelta(hours=p.d11_other_days * 24)
        self.d11_other_text = f"{p.d11_other_days}天"
        self.onsite = p.onsite_channels
        # The rules counted in office time, and their calendar (built on first use, per zone).
        self.office = p.office_rules()
        self.cal: OfficeCalendar | None = None
        self.cal_tz: tzinfo | None = None
        if self.office:
            self._office_texts(p)
        texts = {
            "D1": self.d1_text,
            "D3": self.d3_text,
            "D4": self.d4_text,
            "D5": self.d5_text,
            "D6": self.d6_text,
            "D7": self.d7_text,
            "D8": self.d8_text,
            "D9": self.d9_text,
            "D10": self.d10_text,
        }
        self.na = {rule: _na(rule, text) for rule, text in texts.items()}
        self.na["D2"] = _na("D2", self.d2_text)
        self.na["D2m"] = _na("D2", self.d2m_text)
        self.na["D11o"] = _na("D11", self.d11_onsite_text)
        self.na["D11"] = _na("D11", self.d11_other_text)

    def _office_texts(self, p: Policy) -> None:
        o = self.office
        for rule, attrs in (
            ("D1", ("d1_text",)),
            ("D2", ("d2_text", "d2m_text")),
            ("D3", ("d3_text",)),
            ("D5", ("d5_text",)),
            ("D6", ("d6_text",)),
            ("D7", ("d7_text",)),
            ("D8", ("d8_text",)),
            ("D9", ("d9_text",)),
        ):
            if rule in o:
                for a in attrs:
                    setattr(self, a, getattr(self, a) + "(工作时间)")
        if "D4" in o:
            self.d4_text = "当天下班前(工作时间)"
        if "D10" in o:
            self.d10_text = f"{p.d10_days}个工作日"
        if "D11" in o:
            self.d11_onsite_text += "(工作时间)"
            self.d11_other_text = f"{p.d11_other_days}个工作日"


def limits_of(policy: Policy) -> DeadlineLimits:
    """The limits of ``policy``, worked out on first use and kept on the policy value."""
    lim = policy.__dict__.get(_KEPT_AS)
    if not isinstance(lim, DeadlineLimits):
        lim = DeadlineLimits(policy)
        object.__setattr__(policy, _KEPT_AS, lim)
    return lim


def calendar_of(lim: DeadlineLimits, tz: tzinfo) -> OfficeCalendar:
    """The office calendar the policy's office-time rules count on, in zone ``tz``."""
    cal = lim.cal
    if cal is None or lim.cal_tz is not tz:
        p = lim.policy
        cal = lim.cal = OfficeCalendar.of(p.office_hours, tz, p.calendar)
        lim.cal_tz = tz
    return cal
