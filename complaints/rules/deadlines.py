"""Deadlines D1–D11 and the escalation hints of policy.md §4, derived, never stored.

Each rule is a pure function of (case values, tracking entries, Policy, now, tz) and returns a
``Deadline``. Nothing here is saved: a case that arrives in another site's ledger gets its
deadlines from its row and its entries like any local one. Entries timed after ``now`` are
ignored, so a deadline can be judged "as of" any moment.

Conventions (deliberate, tested):
- a deadline is met when its action is recorded at or before ``due`` (exactly on the limit is met);
- D4's due is the end of the cutoff minute (23:59:59 local) of the day the case was received,
  in the office's time zone; a case received after the cutoff is due at the next day's cutoff;
- 处理完成 and 回传客服 both mean the sheet is back at CS with a handling plan (state 已处理);
- D3 is not applicable when the advisor settled the case on the spot: answered 当场已解决
  at registration (settled_on_site; not answered = not settled), or handled within the limit
  without escalating;
- once a case is closed, a deadline it had not met is 已逾期 (missed) if it was due before the
  closing, else 不适用 (the case ended before it could fall due); one whose clock never
  started is 不适用;
- 进行中 = the rule applies but its clock has not started yet (e.g. D7 before 派单): no due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from complaints.rules.workflow import CALLBACKS, HANDLING
from complaints.types import Action

CST = timezone(timedelta(hours=8), "CST")

# The only actions the rules look at, and the only entries whose 说明 they read (a callback's
# satisfaction): a caller judging thousands of cases may leave the other entries, and the
# other notes, out and get the same deadlines. Keep these in step with the rules below.
RULE_ACTIONS = frozenset(
    {
        Action.CONTACT.value,
        Action.DISPATCH.value,
        Action.NAME_RESPONSIBLE.value,
        Action.ESCALATE.value,
        Action.REPORT_OEM.value,
        Action.REOPEN.value,
        Action.CLOSE.value,
        Action.PAUSE.value,
        Action.RESUME.value,
        *HANDLING,
        *CALLBACKS,
    }
)
NOTE_ACTIONS = CALLBACKS


class DeadlineStatus(StrEnum):
    NOT_APPLICABLE = "不适用"
    WAITING = "进行中"  # applies, but the event that starts its clock is not recorded yet
    PENDING = "有余量"
    AT_RISK = "将到期"  # less than Policy.at_risk_fraction of its time left
    MET = "按时完成"
    MET_LATE = "逾期完成"
    OVERDUE = "已逾期"  # due passed and not met (still open, or missed before closing)
    PAUSED = "暂停"  # the case is on hold: the clock stands with the time it had left

    @property
    def is_open(self) -> bool:
        """On the to-do list: something still has to be done against a due time."""
        return self in (
            DeadlineStatus.PENDING,
            DeadlineStatus.AT_RISK,
            DeadlineStatus.OVERDUE,
            DeadlineStatus.PAUSED,
        )

    @property
    def counts(self) -> bool:
        """Counts in the timeliness rate (met ÷ due)."""
        return self in (DeadlineStatus.MET, DeadlineStatus.MET_LATE, DeadlineStatus.OVERDUE)


@dataclass(frozen=True)
class Deadline:
    rule: str  # D1…D11
    what: str  # what must happen, in Chinese
    start: datetime | None
    due: datetime | None
    met_at: datetime | None
    status: DeadlineStatus
    limit: str = ""  # the limit as people say it: "2小时", "当天23:59前"
    # While on hold (暂停): the time left on the rule's clock when the hold began; ``due``
    # is then the due time were the case resumed at the moment judged.
    left: timedelta | None = None
    held: timedelta = timedelta(0)  # hold time counted on the rule's clock within its run

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left until due (negative once overdue); None without a due time. On hold:
        the time it had left when the hold began (it does not run down)."""
        if self.left is not None:
            return self.left
        return None if self.due is None else self.due - now


WHAT = {
    "D1": "填写处理单并联系客户",
    "D2": "上报厂家",
    "D3": "顾问无法当场解决时升级至部门负责人",
    "D4": "处理单当天回传客服部",
    "D5": "将处理单交责任部门经理(派单)",
    "D6": "指定第一责任人、填写处理意见并联系客户",
    "D7": "处理完毕并将处理单回传客服部",
    "D8": "处理完毕(回访重大投诉)",
    "D9": "部门经理联系客户(厂家转发)",
    "D10": "重开后再次处理完毕",
    "D11": "客服回访",
}
