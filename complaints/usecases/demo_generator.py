"""The demo cases: a year of a Buick dealer's complaint desk as plain rows, made by one
Random(seed), so the same seed and clock give the same cases, entries and record ids.

Each case follows the workflow of policy.md §3 with the deadlines of §4: most are met,
some are missed; cases received lately are still open, in every state.
"""

from __future__ import annotations

import time
from bisect import bisect
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import accumulate
from random import Random

from complaints.rules import workflow
from complaints.rules.validation import vin_check_digit
from complaints.types import (
    Action,
    Business,
    Channel,
    FmcStatus,
    Gender,
    Initiative,
    Kind,
    Liability,
    Satisfaction,
    ServiceArea,
    Severity,
    State,
)
from complaints.usecases import demo_data

Progress = Callable[[int, int], None]


MIN, HOUR, DAY = 60, 3600, 86400
YEAR_DAYS = 365

CASE_COLUMNS = (
    "id",
    "uid",
    "site",
    "revision",
    "modified_at",
    "deleted",
    "number",
    "received_at",
    "channel",
    "kind",
    "severity",
    "initiative",
    "business",
    "area",
    "media",
    "needs_oem",
    "attitude",
    "collective",
    "content",
    "car_model",
    "vin",
    "work_order",
    "plate",
    "purchase_date",
    "mileage",
    "customer_name",
    "gender",
    "phone",
    "advisor",
    "repair_content",
    "repair_team",
    "background",
    "demand",
    "department",
    "responsible",
    "plan",
    "handled_date",
    "gm_instruction",
    "liability",
    "state",
    "closed_at",
    "callback_at",
    "satisfaction",
    "callback2_at",
    "satisfaction2",
    "cac_number",
    "fmc_status",
    "station_name",
    "complaint_nature",
)
ENTRY_VALUE_COLUMNS = tuple(workflow.ENTRY_COLUMNS.values())  # structured values
ENTRY_COLUMNS = (
    "uid",
    "site",
    "revision",
    "modified_at",
    "deleted",
    "case_id",
    "at",
    "action",
    "actor",
    "note",
    "recorded_at",
    *ENTRY_VALUE_COLUMNS,
)

# Which state a case is in after an entry of this action (the others leave it as it is).
_STATE_ORDER = {
    s.value: i
    for i, s in enumerate(
        (
            State.REGISTERED,
            State.DISPATCHED,
            State.CONTACTED,
            State.HANDLED,
            State.CALLED_BACK,
            State.REOPENED,
            State.CLOSED,
        )
    )
}
# Recent cases held at a state (work not done yet), with how long ago they came in (hours).
_HELD = (
    (State.REGISTERED, 0.2, 10),
    (State.DISPATCHED, 1.5, 30),
    (State.CONTACTED, 3, 80),
    (State.HANDLED, 60, 110),
    (State.CALLED_BACK, 80, 190),
    (State.REOPENED, 100, 200),
    (State.CONTACTED, 72, 400),  # a manufacturer case stalled (FMC Hold)
)
_STALLED = len(_HELD) - 1

_CHANNELS = (
    Channel.ON_SITE,
    Channel.SERVICE_CALLBACK,
    Channel.SALES_CALLBACK,
    Channel.OEM,
    Channel.HOTLINE,
    Channel.ONLINE,
    Channel.OTHER,
)
_CHANNEL_WEIGHTS = (30, 22, 12, 7, 14, 10, 5)
_ON_SITE_RULES = frozenset({Channel.ON_SITE, Channel.HOTLINE, Channel.ONLINE, Channel.OTHER})
_AREAS = (ServiceArea.REPAIR, ServiceArea.PARTS, ServiceArea.FRONT_DESK)
_AREA_WEIGHTS = (50, 18, 32)
_SATISFACTION = tuple(Satisfaction)
_SATISFACTION_WEIGHTS = (24, 46, 15, 11, 4)
_SATISFACTION2_WEIGHTS = (12, 50, 24, 11, 3)
# Hours of the day at which cases come in, by channel (local time).
_HOURS = {
    Channel.ON_SITE: (8, 19),
    Channel.SERVICE_CALLBACK: (9, 18),
    Channel.SALES_CALLBACK: (9, 18),
    Channel.OEM: (8, 18),
    Channel.HOTLINE: (8, 21),
    Channel.ONLINE: (7, 23),
    Channel.OTHER: (8, 18),
}


def stored_time(ts: int) -> str:
    """Epoch seconds → the stored UTC text of db.timeutil.to_db."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


class DemoGenerator:
    """Builds the rows; all randomness comes from one Random(seed)."""

    def __init__(self, site: str, site_name: str, now: datetime, seed: int | str):
        self.rng = Random(seed)
        self.site = site
        self.site_name = site_name
        self.now = int(now.timestamp())
        offset = now.utcoffset()
        if offset is None:
            raise ValueError("the demo's clock must give aware times")
        self.off = int(offset.total_seconds())
        self.today = now.date()
        self.province, self.city_letters = _region(site, site_name)
        staff = {d: list(p) for d, p in demo_data.DEMO_STAFF.items()}
        self.manager = {d: p[0][0] for d, p in staff.items()}
        self.members = {d: [n for n, _ in p[1:]] or [p[0][0]] for d, p in staff.items()}
        self.cs_clerks = self.members["客服部"]
        self.cs_manager = self.manager["客服部"]
        self.gm = self.manager["总经理室"]
        self.surnames = demo_data.SURNAME_LIST
        self.surname_weights = [1 / (i + 6) for i in range(len(self.surnames))]
        self._cum: dict[int, tuple] = {}
        self.count = 0
        pairs = list(zip(demo_data.TOPICS, demo_data.TOPIC_WEIGHTS, strict=True))
        self.topics = {
            key: (tuple(t for t, _ in chosen), tuple(w for _, w in chosen))
            for key, chosen in (
                (k, [(t, w) for t, w in pairs if t[2] == k or (k == "销售" and t[1] == k)])
                for k in ("销售", "维修技术", "配件", "前台服务")
            )
        }
        self.models = demo_data.CAR_MODELS

    # --- small helpers -----------------------------------------------------------------

    def uid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def local_date(self, ts: int) -> date:
        return date(1970, 1, 1) + timedelta(days=(ts + self.off) // DAY)

    def end_of_local_day(self, ts: int) -> int:
        return ((ts + self.off) // DAY + 1) * DAY - self.off - 1

    def office(self, ts: int) -> int:
        """The same time if within office hours (08:30–20:00 local), else next morning."""
        local = (ts + self.off) % DAY
        if local < 8 * HOUR + 30 * MIN:
            return ts - local + 8 * HOUR + 30 * MIN + int(self.rng.random() * 90 * MIN)
        if local > 20 * HOUR:
            return ts - local + DAY + 8 * HOUR + 30 * MIN + int(self.rng.random() * 90 * MIN)
        return ts

    def pick(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def weighted(self, seq, weights):
        """One item of ``seq``; ``weights`` must be a long-lived object (cached by id)."""
        cum = self._cum.get(id(weights))
        if cum is None:
            cum = self._cum[id(weights)] = (list(accumulate(weights)), weights)
        totals = cum[0]
        return seq[bisect(totals, self.rng.random() * totals[-1])]

    def late(self, p: float = 0.1) -> bool:
        return self.rng.random() < p

    def span(self, lo_minutes: float, hi_minutes: float) -> int:
        return int(self.rng.uniform(lo_minutes, hi_minutes) * MIN)

    # --- people, cars ------------------------------------------------------------------

    def person(self) -> tuple[str, str]:
        rng = self.rng
        male = rng.random() < 0.62
        surname = self.weighted(self.surnames, self.surname_weights)
        given = self.pick(demo_data.GIVEN_MALE if male else demo_data.GIVEN_FEMALE)
        if rng.random() < 0.04:
            given = "先生" if male else "女士"
        return surname + given, (Gender.MALE if male else Gender.FEMALE).value

    def phone(self) -> str:
        return self.pick(demo_data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def vin(self, year: int) -> str:
        rng = self.rng
        chars = demo_data.VIN_CHARS
        vds = "".join(chars[int(rng.random() * len(chars))] for _ in range(5))
        year_code = demo_data.VIN_YEAR.get(year, "T")
        serial = f"{rng.randrange(10**6):06d}"
        draft = f"{demo_data.VIN_WMI}{vds}0{year_code}{self.pick(demo_data.VIN_PLANTS)}{serial}"
        return draft[:8] + vin_check_digit(draft) + draft[9:]

    def plate(self, electric: bool) -> str:
        rng = self.rng
        if rng.random() < 0.9:
            prov, letter = self.province, self.pick(self.city_letters)
        else:
            prov, letter = self.pick(demo_data.PROVINCES), self.pick(demo_data.PLATE_LETTERS[:6])
        if electric:
            return f"{prov}{letter}·{self.pick('DF')}{rng.randrange(10**5):05d}"
        if rng.random() < 0.6:
            tail = f"{rng.randrange(10**5):05d}"
        else:
            tail = "".join(self.pick("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
        return f"{prov}{letter}·{tail}"

    # --- texts -------------------------------------------------------------------------

    def fill(self, template: str, v: dict) -> str:
        return template.format(**v) if "{" in template else template

    def text_values(self, model: str, advisor: str, received: int) -> dict:
        rng = self.rng
        d = self.local_date(received)
        return {
            "model": model,
            "advisor": advisor,
            "name": "",
            "days": rng.randint(3, 25),
            "weeks": rng.randint(3, 10),
            "amount": rng.choice((300, 500, 800, 1200, 1500, 2000, 2800, 3500, 5000, 8000)),
            "n": rng.randint(2, 5),
            "minutes": rng.choice((20, 30, 40, 50, 60)),
            "hours": rng.choice((2, 3, 4, 5)),
            "speed": rng.choice((40, 60, 80, 100, 120)),
            "time": f"{rng.randint(8, 15)}点",
            "part": self.pick(demo_data.PARTS),
            "noise": self.pick(demo_data.NOISE_PARTS),
            "panel": self.pick(demo_data.PANELS),
            "accessory": self.pick(demo_data.ACCESSORIES),
            "gift": self.pick(demo_data.GIFTS),
            "item": self.pick(demo_data.EXTRA_ITEMS),
            "date": _md(d - timedelta(days=rng.randint(5, 40))),
            "md": _md(d),
            "platform": self.pick(demo_data.PLATFORMS),
        }

    # --- one case ----------------------------------------------------------------------

    def received_times(self, n: int) -> list[tuple[int, Channel, State | None, bool]]:
        """When each case came in (sorted), its channel, and the state a few recent ones hold."""
        rng = self.rng
        out: list[tuple[int, Channel, State | None, bool]] = []
        held = max(len(_HELD) * 2, n // 400)
        midnight = self.now - (self.now + self.off) % DAY
        for i in range(n):
            channel = self.weighted(_CHANNELS, _CHANNEL_WEIGHTS)
            state: State | None = None
            if i < held:
                state, lo, hi = _HELD[i % len(_HELD)]
                if i % len(_HELD) == _STALLED or (
                    state in (State.CONTACTED, State.HANDLED) and i // len(_HELD) % 2 == 0
                ):
                    channel = Channel.OEM  # the manufacturer tracking shows every FMC status
                if channel is Channel.ON_SITE and state is State.DISPATCHED:
                    channel = Channel.HOTLINE  # on site, the advisor handles it at once
                ts = self.now - int(rng.uniform(lo, hi) * HOUR)
                local = (ts + self.off) % DAY  # in office hours, not at night
                if local < 8 * HOUR + 30 * MIN:
                    ts -= local + int(rng.uniform(4, 7) * HOUR)
                elif local > 20 * HOUR:
                    ts -= local - 20 * HOUR + int(rng.uniform(0, 3) * HOUR)
            else:
                u = rng.random()
                days = u * 14 if rng.random() < 0.03 else u**0.9 * YEAR_DAYS
                day_start = midnight - int(days) * DAY
                h0, h1 = _HOURS[channel]
                ts = day_start + int(rng.uniform(h0, h1 + 1) * HOUR)
                if ts > self.now - 10 * MIN:
                    ts = self.now - int(rng.uniform(0.3, 12) * HOUR)
            out.append((ts, channel, state, i % len(_HELD) == _STALLED and i < held))
        out.sort(key=lambda r: r[0])
        return out

    def case(
        self, r: int, channel: Channel, hold: State | None, stalled: bool = False
    ) -> tuple[dict, list]:
        rng = self.rng
        # Classification.
        if channel is Channel.SALES_CALLBACK:
            business = Business.SALES
        elif channel is Channel.SERVICE_CALLBACK:
            business = Business.SERVICE
        else:
            business = Business.SERVICE if rng.random() < 0.64 else Business.SALES
        area = None
        if business is Business.SERVICE:
            area = self.weighted(_AREAS, _AREA_WEIGHTS)
            topics = self.topics[area.value]
            dept = {
                ServiceArea.REPAIR: "车间",
                ServiceArea.PARTS: "配件部",
                ServiceArea.FRONT_DESK: "服务前台",
            }[area]
            if rng.random() < 0.03:
                dept = "售后服务部"
            advisor = self.pick(self.members["服务前台"])
        else:
            topics = self.topics["销售"]
            dept = "销售部"
            advisor = self.pick(self.members["销售部"])
        topic = self.weighted(*topics)
        _key, _b, _a, about_attitude, quality, problems, demands, plans, repair = topic
        self.count += 1  # rare flags: random, and at least once in every 200 cases
        media = self.count % 200 == 100 or rng.random() < 0.004
        collective = self.count % 200 == 50 or rng.random() < 0.003
        attitude = about_attitude or rng.random() < 0.04
        major = (
            media
            or (collective and rng.random() < 0.7)
            or rng.random() < (0.2 if channel is Channel.OEM else 0.06)
        )
        needs_oem = media or (quality and rng.random() < 0.18) or (major and rng.random() < 0.4)
        kind = Kind.COMPLAINT if major or rng.random() < 0.42 else Kind.GRUMBLE
        severity = Severity.MAJOR if major else Severity.GENERAL
        initiative = Initiative.PASSIVE if channel.is_callback else Initiative.ACTIVE

        # Customer and car.
        name, gender = self.person()
        model, first_year, electric = self.weighted(self.models, demo_data.CAR_WEIGHTS)
        rec_date = self.local_date(r)
        if business is Business.SALES:
            purchase = rec_date - timedelta(days=rng.randint(0, 75))
            mileage = rng.randint(5, 2500)
        else:
            purchase = rec_date - timedelta(days=rng.randint(60, 7 * 365))
            mileage = max(300, int((rec_date - purchase).days * rng.uniform(25, 60)))
        year = max(first_year, min(purchase.year, rec_date.year))
        vin = self.vin(year) if (business is Business.SERVICE or rng.random() < 0.85) else None
        plate = None
        if business is Business.SERVICE or purchase < rec_date - timedelta(days=20):
            plate = self.plate(electric) if rng.random() < 0.97 else None
        v = self.text_values(model, advisor, r)
        v["name"] = name[0] + ("先生" if gender == "男" else "女士")
        if collective:
            name = f"{name}等{rng.randint(3, 15)}人"
        opening = self.fill(self.pick(demo_data.OPENINGS[channel.value]), v)
        content = opening + self.fill(self.pick(problems), v)
        if media:
            content += self.pick(demo_data.MEDIA_ENDINGS)
        elif collective:
            content += self.fill(self.pick(demo_data.COLLECTIVE_ENDINGS), {"n": rng.randint(3, 15)})
        else:
            content += self.pick(demo_data.ENDINGS)
        work_order = repair_content = repair_team = None
        if business is Business.SERVICE:
            work_order = f"WO{rec_date:%y%m%d}{rng.randrange(10**4):04d}"
            if repair:
                repair_content = self.fill(repair, v)
            if area is ServiceArea.REPAIR:
                repair_team = self.pick(demo_data.REPAIR_TEAMS)

        # The advisor who served the customer is the first responsible person (policy §2)
        # for sales and front-desk cases, nearly always; others get one of the department.
        responsible = (
            advisor
            if dept in ("销售部", "服务前台")
            and (about_attitude or channel is Channel.ON_SITE or rng.random() < 0.85)
            else self.pick(self.members[dept])
        )
        manager = self.manager[dept]
        oem_case = channel is Channel.OEM or needs_oem or major or stalled
        if hold is State.REOPENED:
            first_sat = self.pick((Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED))
        elif hold is State.CALLED_BACK:
            first_sat = self.pick((Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED))
        else:
            first_sat = self.weighted(_SATISFACTION, _SATISFACTION_WEIGHTS)

        events = self.timeline(
            r,
            channel,
            major,
            media,
            oem_case,
            dept,
            manager,
            responsible,
            first_sat,
            self.fill(self.pick(plans), v),
            rec_date,
            1.0 if stalled else 0.0 if hold is not None else 0.12,
        )
        events.sort(key=lambda e: e[0])
        # Keep what has happened by now; a held case stops at its state.
        kept = []
        state = State.REGISTERED.value
        for e in events:
            if e[0] > self.now:
                break
            nxt = workflow.next_state({"state": state}, e[1].value)
            if hold is not None and (
                (
                    nxt != state
                    and (
                        _STATE_ORDER[state] >= _STATE_ORDER[hold.value] or nxt == State.CLOSED.value
                    )
                )
                or e[3].get("status") == FmcStatus.CLOSED.value
                or (
                    e[3].get("status") == FmcStatus.IN_PROCESS.value
                    and _STATE_ORDER[hold.value] < _STATE_ORDER[State.HANDLED.value]
                )
            ):
                break
            state = nxt
            kept.append(e)

        values = {
            "channel": channel.value,
            "kind": kind.value,
            "severity": severity.value,
            "initiative": initiative.value,
            "business": business.value,
            "area": area.value if area else None,
            "media": int(media),
            "needs_oem": int(needs_oem),
            "attitude": int(attitude),
            "collective": int(collective),
            "content": content,
            "car_model": model,
            "vin": vin,
            "work_order": work_order,
            "plate": plate,
            "purchase_date": purchase.isoformat(),
            "mileage": mileage,
            "customer_name": name,
            "gender": gender,
            "phone": self.phone(),
            "advisor": advisor,
            "repair_content": repair_content,
            "repair_team": repair_team,
            "background": self.pick(demo_data.BACKGROUNDS) if rng.random() < 0.25 else None,
            "demand": self.fill(self.pick(demands), v),
            "department": dept if channel is Channel.ON_SITE else None,
            "responsible": None,
            "plan": None,
            "handled_date": None,
            "gm_instruction": None,
            "liability": Liability.PENDING.value,
            "state": state,
            "closed_at": None,
            "callback_at": None,
            "satisfaction": None,
            "callback2_at": None,
            "satisfaction2": None,
            "cac_number": None,
            "fmc_status": None,
            "station_name": None,
            "complaint_nature": None,
        }
        if oem_case:
            values["station_name"] = self.site_name
            values["complaint_nature"] = "潜在媒体曝光" if media else self.pick(demo_data.NATURES)
        self.derive(values, kept)
        return values, kept

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


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _region(code: str, name: str) -> tuple[str, str]:
    """Province character and city letters of the site's plates."""
    for keys, prov, letters in demo_data.REGIONS:
        if any(k in name for k in keys if not k.isascii()):
            return prov, letters
    for keys, prov, letters in demo_data.REGIONS:
        if any(code.upper().startswith(k) for k in keys if k.isascii()):
            return prov, letters
    return "沪", "ABCDEFGHJKLMN"
