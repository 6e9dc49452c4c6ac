"""The life of one demo case as tracking entries (policy.md §3): who did what when, the
deadlines of §4 mostly met and some missed, and the case fields those entries set."""

from __future__ import annotations

import random
from datetime import date

from complaints.rules.pauses import PAUSE_REASONS
from complaints.types import (
    Action,
    Channel,
    FmcStatus,
    Liability,
    Satisfaction,
    Severity,
)
from complaints.usecases import demo_data
from complaints.usecases.demo_random import DAY, HOUR, MIN, DemoRandom, stored_time

_SATISFACTION = tuple(Satisfaction)
_SATISFACTION2_WEIGHTS = (12, 50, 24, 11, 3)  # the second callback's levels
HOLD_SHARE = 0.08  # cases put on hold for a while before their handling
_RESUMED = {
    "等待客户": "客户已回复,继续处理",
    "等待配件": "配件已到,继续处理",
    "厂家处理中": "厂家已答复,继续处理",
}


class DemoTimeline(DemoRandom):
    """The entries of a case's life (``timeline``) and the fields they set (``derive``)."""

    def derive(self, values: dict, kept: list) -> None:
        """Set the fields the recorded actions set (as complaints.usecases.tracking does),
        and the GM's liability once the case is handled."""
        rng = self.rng
        for at, action, _actor, params, _note in kept:
            if action is Action.DISPATCH:
                values["department"] = params["department"]
            elif action is Action.NAME_RESPONSIBLE:
                values["responsible"] = params["person"]
            elif action is Action.REPORT_OEM:
                values["fmc_status"] = values["fmc_status"] or FmcStatus.ON_GOING.value
            elif action in (Action.HANDLED, Action.RETURN_TO_CS):
                if params.get("plan"):
                    values["plan"] = params["plan"]
                if action is Action.HANDLED or values["handled_date"] is None:
                    values["handled_date"] = self.local_date(at).isoformat()
            elif action is Action.CALLBACK:
                values["callback_at"], values["satisfaction"] = (
                    stored_time(at),
                    params["satisfaction"],
                )
            elif action is Action.SECOND_CALLBACK:
                values["callback2_at"] = stored_time(at)
                values["satisfaction2"] = params["satisfaction"]
            elif action is Action.CLOSE:
                values["closed_at"] = stored_time(at)
            elif action is Action.REOPEN:
                values["closed_at"] = None
            elif action is Action.FMC_STATUS:
                values["fmc_status"] = params["status"]
                if params.get("cac_number"):
                    values["cac_number"] = params["cac_number"]
        if values["handled_date"] and rng.random() < 0.93:  # the GM has decided liability
            values["liability"] = (
                Liability.LIABLE if rng.random() < 0.45 else Liability.NOT_LIABLE
            ).value
            if rng.random() < 0.3 or values["severity"] == Severity.MAJOR.value:
                values["gm_instruction"] = self.pick(demo_data.GM_INSTRUCTIONS)

    def timeline(
        self,
        r: int,
        channel: Channel,
        major: bool,
        media: bool,
        oem_case: bool,
        dept: str,
        manager: str,
        responsible: str,
        sat: Satisfaction,
        plan: str,
        rec_date: date,
        stall_chance: float = 0.12,
    ) -> list:
        """Every entry of the case's life as (at, action, actor, params, note); the
        deadlines of policy.md §4 mostly met, some missed."""
        rng = self.rng
        late, span = self.late, self.span
        clerk = self.pick(self.cs_clerks)
        cs = self.cs_manager
        ev: list[tuple[int, Action, str, dict, str]] = [(r, Action.RECEIVED, clerk, {}, "")]

        def add(
            at: int, action: Action, actor: str, params: dict | None = None, note: str = ""
        ) -> int:
            ev.append((at, action, actor, params or {}, note))
            return at

        first = {"person": responsible}
        if channel is Channel.OEM:
            cac = f"CAC{rec_date:%y%m%d}{rng.randrange(10**5):05d}"
            add(
                r + span(1, 5),
                Action.FMC_STATUS,
                cs,
                {"status": FmcStatus.ON_GOING.value, "cac_number": cac},
                "厂家转发案例",
            )
            d = add(
                r + span(3, 12),
                Action.DISPATCH,
                cs,
                {"department": dept},
                "厂家转发,请立即联系客户",
            )
            contacted = add(
                r + (span(35, 180) if late(0.12) else span(12, 29)),  # D9
                Action.CONTACT,
                manager,
                None,
                self.pick(demo_data.CONTACT_NOTES),
            )
            add(contacted + span(5, 60), Action.NAME_RESPONSIBLE, manager, first)
            handled = contacted + int(rng.uniform(20, 90 if major else 60) * HOUR)
            handled = self.office(handled)
            back = handled + span(5, 90)
            callback_limit = 3 * DAY
        elif channel.is_callback:
            d = add(
                r + (span(65, 240) if late(0.1) else span(8, 58)),  # D5
                Action.DISPATCH,
                clerk,
                {"department": dept},
                f"交{manager}签收",
            )
            add(d + span(5, 60), Action.NAME_RESPONSIBLE, manager, first)
            room = 115 - (d - r) // MIN  # D1: contacted within 2 hours of receipt
            contacted = add(
                d + (span(125, 480) if late(0.1) else span(15, max(20, room))),
                Action.CONTACT,
                responsible,
                None,
                self.pick(demo_data.CONTACT_NOTES),
            )  # D6
            earliest = contacted + 10 * MIN
            if major:
                limit = 72 * HOUR  # D8
                handled = d + (span(73 * 60, 140 * 60) if late(0.1) else span(8 * 60, 70 * 60))
                if rng.random() < 0.5:
                    esc = add(
                        contacted + span(10, 120),
                        Action.ESCALATE,
                        manager,
                        {"to": f"总经理{self.gm}"},
                        "重大投诉,请总经理协调",
                    )
                    earliest = esc + 10 * MIN
            else:
                limit = 24 * HOUR  # D7
                handled = d + (span(25 * 60, 60 * 60) if late(0.1) else span(3 * 60, 22 * 60))
            handled = max(self.office(handled), earliest)
            back = handled + span(5, 90)
            if back > d + limit >= handled + 5 * MIN:
                back = d + limit - span(0, 4)  # D7/D8 met: the sheet is back in time
            callback_limit = 3 * DAY
        else:  # on site, and the channels that follow the on-site rules
            on_the_spot = False
            if channel is Channel.ON_SITE:
                add(r + span(1, 3), Action.NAME_RESPONSIBLE, manager, first)
                on_the_spot = rng.random() < 0.4  # settled by the advisor at once
                if not on_the_spot:  # D3: escalated to the department head within 5 minutes
                    add(
                        r + (span(6, 40) if late(0.12) else span(2, 4.9)),
                        Action.ESCALATE,
                        responsible,
                        {"to": manager},
                        "现场无法解决,请部门负责人共同处理",
                    )
                    contacted = r + (span(125, 300) if late(0.08) else span(45, 100))  # D1
            else:  # D3 for the other channels: the clerk tells the department head at once
                add(
                    r + (span(6, 40) if late(0.1) else span(2, 4.9)),
                    Action.ESCALATE,
                    clerk,
                    {"to": manager},
                    "已电话告知部门负责人",
                )
                d = add(
                    r + span(6, 40),
                    Action.DISPATCH,
                    clerk,
                    {"department": dept},
                    f"交{manager}处理",
                )
                add(d + span(3, 30), Action.NAME_RESPONSIBLE, manager, first)
                contacted = r + (span(125, 400) if late(0.1) else span(50, 115))  # D1
            if on_the_spot:
                contacted = r + span(2, 3.5)
            add(contacted, Action.CONTACT, responsible, None, self.pick(demo_data.CONTACT_NOTES))
            eod = self.end_of_local_day(r)
            room = (eod - 15 * MIN - contacted) // MIN  # minutes left today
            if on_the_spot:
                handled = contacted + span(0.5, 1.4)
                back = handled + span(5, max(10, min(180, room)))
            elif late(0.12) or room < 30:  # D4 missed: the sheet reaches CS later
                handled = contacted + span(20, 12 * 60)
                back = max(handled + span(10, 120), eod + span(30, 16 * 60))
            else:  # D4 met: handled and the sheet at CS the same day
                handled = contacted + span(10, min(300, room - 10))
                back = handled + span(5, min(120, (eod - handled) // MIN - 1))
            callback_limit = 36 * HOUR
        if oem_case:  # D2: reported to the manufacturer within 4 h, 2 h with the media
            limit = 2 * HOUR if media else 4 * HOUR
            rep = add(
                r + (limit + span(20, 600) if late(0.1) else span(15, limit // MIN - 5)),
                Action.REPORT_OEM,
                cs,
                None,
                "已通过厂家系统上报案例",
            )
            concluded = max(handled - span(1, 20), rep + span(5, 30))
            if rng.random() < stall_chance:  # stalled at the manufacturer for a while
                wait = span(12 * 60, 48 * 60) if stall_chance == 1 else span(24 * 60, 5 * 24 * 60)
                stall = add(
                    rep + wait,
                    Action.FMC_STATUS,
                    cs,
                    {"status": FmcStatus.HOLD.value},
                    "客户诉求过高,暂时僵持",
                )
                handled = self.office(stall + span(5 * 24 * 60, 40 * 24 * 60))
                back = handled + span(5, 90)
                concluded = handled - span(1, 20)
            add(
                concluded,
                Action.FMC_STATUS,
                cs,
                {"status": FmcStatus.IN_PROCESS.value},
                "已有处理方案,按程序办理",
            )
            floor = concluded + 10 * MIN
        else:
            floor = 0
        self._hold(ev, r, handled, clerk)
        add(handled, Action.HANDLED, responsible, {"plan": plan}, plan)
        add(back, Action.RETURN_TO_CS, manager, None, "处理表已回传客服部")
        if rng.random() < 0.15:
            add(
                r + int(rng.random() * (back - r)),
                Action.NOTE,
                clerk,
                None,
                self.pick(demo_data.NOTES),
            )
        # D11: CS calls back within its limit from the handling.
        if late(0.08):
            cb = self.office(handled + callback_limit + span(60, 48 * 60))
        else:
            cb = self.office(handled + span(60, callback_limit // MIN - 30))
            if cb > handled + callback_limit:
                cb = handled + callback_limit - span(20, 120)
        cb = max(cb, back + span(10, 60), floor)
        add(
            cb,
            Action.CALLBACK,
            self.pick(self.cs_clerks),
            {"satisfaction": sat.value},
            self.pick(demo_data.CALLBACK_NOTES[sat.value]),
        )
        if sat.closes_case:
            close = self.office(cb + span(10, 30 * 60))
        else:
            add(cb + span(5, 60), Action.REOPEN, cs, None, f"客户不满意,退回{manager},3日内解决")
            h2 = cb + (
                span(3 * 24 * 60 + 60, 6 * 24 * 60) if late(0.12) else span(4 * 60, 71 * 60)
            )  # D10
            plan2 = "重新制定处理方案并与客户沟通确认。"
            add(h2, Action.HANDLED, responsible, {"plan": plan2}, plan2)
            add(h2 + span(5, 120), Action.RETURN_TO_CS, manager, None, "处理表已再次回传客服部")
            sat2 = self.weighted(_SATISFACTION, _SATISFACTION2_WEIGHTS)
            cb2 = self.office(h2 + span(4 * 60, 60 * 60))
            add(
                cb2,
                Action.SECOND_CALLBACK,
                self.pick(self.cs_clerks),
                {"satisfaction": sat2.value},
                self.pick(demo_data.CALLBACK_NOTES[sat2.value]),
            )
            close = self.office(cb2 + span(10, 24 * 60))
            if not sat2.closes_case:
                add(
                    cb2 + span(30, 240),
                    Action.ESCALATE,
                    cs,
                    {"to": f"总经理{self.gm}"},
                    "二次回访仍不满意,客服部报总经理",
                )
                close = self.office(cb2 + span(2 * 24 * 60, 10 * 24 * 60))
                add(
                    close - span(60, 24 * 60),
                    Action.NOTE,
                    self.gm,
                    None,
                    "经总经理协调,客户接受最终处理方案。",
                )
        if oem_case:
            add(
                close - span(1, 10),
                Action.FMC_STATUS,
                cs,
                {"status": FmcStatus.CLOSED.value},
                "厂家案例关闭",
            )
        add(close, Action.CLOSE, cs, None, "结案")
        return ev

    def _hold(self, ev: list, r: int, handled: int, clerk: str) -> None:
        """Some cases wait on the customer, a part or the manufacturer: a 暂停 after the
        first contact, its 恢复 before the handling. Drawn from a generator of its own seeded
        by the case's time, so the other cases' entries stay as they were."""
        pick = random.Random(r)
        contacted = min((at for at, a, *_ in ev if a is Action.CONTACT), default=r)
        if pick.random() >= HOLD_SHARE or handled - contacted < 4 * HOUR:
            return
        began = contacted + int(pick.uniform(0.1, 0.4) * (handled - contacted))
        ended = began + int(pick.uniform(0.3, 0.9) * (handled - began))
        reason = pick.choice(PAUSE_REASONS)
        ev.append((began, Action.PAUSE, clerk, {}, reason))
        ev.append((ended, Action.RESUME, clerk, {}, _RESUMED[reason]))
