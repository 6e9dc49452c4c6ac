"""Demo data: a year of a Buick dealer's complaint desk, so the app looks lived-in.

Deterministic for a seed and a clock: the same seed on the same day gives the same
cases, entries and ids. Fast (100,000 cases in well under a minute and a half): rows
are built as plain tuples and written with sqlite3 ``executemany`` on peewee's
connection, in batches of one transaction each; the full-text index is kept by the
schema's triggers like for any other write.

Each case follows the workflow of policy.md §3 with the deadlines of §4: most are met,
some are missed; cases received lately are still open, in every state.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
from complaints.usecases import audit, auth
from complaints.usecases import demo_data as W
from complaints.usecases.context import Context
from complaints.usecases.site import local_site
from db.models import Department, Staff, database
from db.timeutil import from_db

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
_ENTRY_VALUE_COLUMNS = tuple(workflow.ENTRY_COLUMNS.values())  # structured values
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
    *_ENTRY_VALUE_COLUMNS,
)
_CASE_SQL = (
    f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
)
_ENTRY_SQL = (
    f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})"
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


@dataclass(frozen=True)
class DemoReport:
    cases: int
    entries: int
    staff_added: int
    first_number: str | None
    last_number: str | None
    seconds: float
    sanctions: int = 0  # fines and rewards proposed (and partly decided) over the cases


def ensure_demo_staff() -> int:
    """Add the demo staff of demo_data.DEMO_STAFF to their departments; returns how many new."""
    added = 0
    with database.atomic():
        depts = {d.name: d for d in Department.select()}
        have = {(s.name, s.department_id) for s in Staff.select(Staff.name, Staff.department)}
        for dept_name, people in W.DEMO_STAFF.items():
            dept = depts.get(dept_name)
            if dept is None:
                continue
            for name, title in people:
                if (name, dept.id) not in have:
                    Staff.create(name=name, title=title, department=dept)
                    added += 1
    return added


def _fmt(ts: int) -> str:
    """Epoch seconds → the stored UTC text of db.timeutil.to_db."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


class _Generator:
    """Builds the rows; all randomness comes from one Random(seed)."""

    def __init__(self, site: str, site_name: str, now: datetime, seed: int | str):
        self.rng = Random(seed)
        self.site = site
        self.site_name = site_name
        self.now = int(now.timestamp())
        self.off = int(now.utcoffset().total_seconds())
        self.today = now.date()
        self.province, self.city_letters = _region(site, site_name)
        staff = {d: list(p) for d, p in W.DEMO_STAFF.items()}
        self.manager = {d: p[0][0] for d, p in staff.items()}
        self.members = {d: [n for n, _ in p[1:]] or [p[0][0]] for d, p in staff.items()}
        self.cs_clerks = self.members["客服部"]
        self.cs_manager = self.manager["客服部"]
        self.gm = self.manager["总经理室"]
        self.surnames = W.SURNAME_LIST
        self.surname_weights = [1 / (i + 6) for i in range(len(self.surnames))]
        self._cum: dict[int, tuple] = {}
        self.count = 0
        pairs = list(zip(W.TOPICS, W.TOPIC_WEIGHTS, strict=True))
        self.topics = {
            key: (tuple(t for t, _ in chosen), tuple(w for _, w in chosen))
            for key, chosen in (
                (k, [(t, w) for t, w in pairs if t[2] == k or (k == "销售" and t[1] == k)])
                for k in ("销售", "维修技术", "配件", "前台服务")
            )
        }
        self.models = W.CAR_MODELS

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
        given = self.pick(W.GIVEN_MALE if male else W.GIVEN_FEMALE)
        if rng.random() < 0.04:
            given = "先生" if male else "女士"
        return surname + given, (Gender.MALE if male else Gender.FEMALE).value

    def phone(self) -> str:
        return self.pick(W.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def vin(self, year: int) -> str:
        rng = self.rng
        chars = W.VIN_CHARS
        vds = "".join(chars[int(rng.random() * len(chars))] for _ in range(5))
        year_code = W.VIN_YEAR.get(year, "T")
        serial = f"{rng.randrange(10**6):06d}"
        draft = f"{W.VIN_WMI}{vds}0{year_code}{self.pick(W.VIN_PLANTS)}{serial}"
        return draft[:8] + vin_check_digit(draft) + draft[9:]

    def plate(self, electric: bool) -> str:
        rng = self.rng
        if rng.random() < 0.9:
            prov, letter = self.province, self.pick(self.city_letters)
        else:
            prov, letter = self.pick(W.PROVINCES), self.pick(W.PLATE_LETTERS[:6])
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
            "part": self.pick(W.PARTS),
            "noise": self.pick(W.NOISE_PARTS),
            "panel": self.pick(W.PANELS),
            "accessory": self.pick(W.ACCESSORIES),
            "gift": self.pick(W.GIFTS),
            "item": self.pick(W.EXTRA_ITEMS),
            "date": _md(d - timedelta(days=rng.randint(5, 40))),
            "md": _md(d),
            "platform": self.pick(W.PLATFORMS),
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
        model, first_year, electric = self.weighted(self.models, W.CAR_WEIGHTS)
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
        opening = self.fill(self.pick(W.OPENINGS[channel.value]), v)
        content = opening + self.fill(self.pick(problems), v)
        if media:
            content += self.pick(W.MEDIA_ENDINGS)
        elif collective:
            content += self.fill(self.pick(W.COLLECTIVE_ENDINGS), {"n": rng.randint(3, 15)})
        else:
            content += self.pick(W.ENDINGS)
        work_order = repair_content = repair_team = None
        if business is Business.SERVICE:
            work_order = f"WO{rec_date:%y%m%d}{rng.randrange(10**4):04d}"
            if repair:
                repair_content = self.fill(repair, v)
            if area is ServiceArea.REPAIR:
                repair_team = self.pick(W.REPAIR_TEAMS)

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
            "background": self.pick(W.BACKGROUNDS) if rng.random() < 0.25 else None,
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
            values["complaint_nature"] = "潜在媒体曝光" if media else self.pick(W.NATURES)
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
                values["callback_at"], values["satisfaction"] = _fmt(at), params["satisfaction"]
            elif action is Action.SECOND_CALLBACK:
                values["callback2_at"] = _fmt(at)
                values["satisfaction2"] = params["satisfaction"]
            elif action is Action.CLOSE:
                values["closed_at"] = _fmt(at)
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
                values["gm_instruction"] = self.pick(W.GM_INSTRUCTIONS)

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
                self.pick(W.CONTACT_NOTES),
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
                self.pick(W.CONTACT_NOTES),
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
            add(contacted, Action.CONTACT, responsible, None, self.pick(W.CONTACT_NOTES))
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
            add(r + int(rng.random() * (back - r)), Action.NOTE, clerk, None, self.pick(W.NOTES))
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
            self.pick(W.CALLBACK_NOTES[sat.value]),
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
                self.pick(W.CALLBACK_NOTES[sat2.value]),
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
    for keys, prov, letters in W.REGIONS:
        if any(k in name for k in keys if not k.isascii()):
            return prov, letters
    for keys, prov, letters in W.REGIONS:
        if any(code.upper().startswith(k) for k in keys if k.isascii()):
            return prov, letters
    return "沪", "ABCDEFGHJKLMN"


def _month_counters(site: str) -> dict[str, int]:
    """Highest number used so far per month prefix, so demo numbers continue after them."""
    rows = database.execute_sql(
        "SELECT substr(number, 1, ?), max(CAST(substr(number, ?) AS INTEGER)) FROM cases "
        "WHERE site = ? AND number LIKE ? GROUP BY 1",
        (len(site) + 8, len(site) + 9, site, f"{site}-______-%"),
    ).fetchall()
    return {prefix: int(top or 0) for prefix, top in rows}


def _batches(
    gen: _Generator, times: list, counters: dict[str, int], next_id: int, batch_size: int
) -> Iterator[tuple[list[tuple], list[tuple], str, str]]:
    """The rows to insert, batch by batch: (case rows, entry rows, first and last number)."""
    site, off = gen.site, gen.off
    for start in range(0, len(times), batch_size):
        case_rows: list[tuple] = []
        entry_rows: list[tuple] = []
        numbers = []
        for r, channel, hold, stalled in times[start : start + batch_size]:
            values, kept = gen.case(r, channel, hold, stalled)
            local = time.gmtime(r + off)
            prefix = f"{site}-{local.tm_year:04d}{local.tm_mon:02d}-"
            counters[prefix] = seq = counters.get(prefix, 0) + 1
            number = f"{prefix}{seq:04d}"
            numbers.append(number)
            case_id = next_id
            next_id += 1
            modified = r
            for at, action, actor, params, note in kept:
                recorded = min(at + int(gen.rng.random() * 600), gen.now)
                modified = max(modified, recorded)
                cols = workflow.column_values(params)
                entry_rows.append(
                    (
                        gen.uid(),
                        site,
                        1,
                        _fmt(recorded),
                        0,
                        case_id,
                        _fmt(at),
                        action.value,
                        actor,
                        note,
                        _fmt(recorded),
                        *(cols[c] for c in _ENTRY_VALUE_COLUMNS),
                    )
                )
            values.update(
                id=case_id,
                uid=gen.uid(),
                site=site,
                revision=len(kept),
                modified_at=_fmt(modified),
                deleted=0,
                number=number,
                received_at=_fmt(r),
            )
            case_rows.append(tuple(values[c] for c in CASE_COLUMNS))
        yield case_rows, entry_rows, numbers[0], numbers[-1]


_ID, _UID, _NUMBER = (CASE_COLUMNS.index(c) for c in ("id", "uid", "number"))
_ENTRY_UID, _ENTRY_CASE = ENTRY_COLUMNS.index("uid"), ENTRY_COLUMNS.index("case_id")


def _renumber(
    site: str, case_rows: list[tuple], entry_rows: list[tuple]
) -> tuple[list[tuple], list[tuple], str, str]:
    """The batch with its ids and numbers continuing what the database holds now (call
    inside the batch's write transaction). Alone, this changes nothing: the batch was made
    from the same figures; beside another writer, it moves past what that one added."""
    base = (database.execute_sql("SELECT max(id) FROM cases").fetchone()[0] or 0) + 1
    counters = _month_counters(site)
    cut = len(site) + 8  # "SH01-202611-"
    ids: dict[int, int] = {}
    rows = []
    for i, row in enumerate(case_rows):
        prefix = row[_NUMBER][:cut]
        counters[prefix] = seq = counters.get(prefix, 0) + 1
        ids[row[_ID]] = base + i
        r = list(row)
        r[_ID], r[_NUMBER] = base + i, f"{prefix}{seq:04d}"
        rows.append(tuple(r))
    if all(ids[k] == k for k in ids) and all(
        a[_NUMBER] == b[_NUMBER] for a, b in zip(rows, case_rows, strict=True)
    ):
        return case_rows, entry_rows, case_rows[0][_NUMBER], case_rows[-1][_NUMBER]
    # Moved past another writer's cases: that one may be a demo of the same seed, whose
    # record ids (uid) these would repeat. Fresh ones, then (what the database held before
    # is not what this batch was made from, so the seed's promise does not hold anyway).
    rows = [(*r[:_UID], str(uuid.uuid4()), *r[_UID + 1 :]) for r in rows]
    entries = []
    for e in entry_rows:
        r = list(e)
        r[_ENTRY_UID], r[_ENTRY_CASE] = str(uuid.uuid4()), ids[e[_ENTRY_CASE]]
        entries.append(tuple(r))
    return rows, entries, rows[0][_NUMBER], rows[-1][_NUMBER]


def _ahead(batches: Iterator, depth: int = 1) -> Iterator:
    """Build the batches on a helper thread, ``depth`` ahead of the writer. sqlite3 lets go
    of the GIL while SQLite works (the inserts and the full-text trigger), so on a second
    core the next batch is made meanwhile. The helper never touches the database."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for batch in batches:
                if stop.is_set():
                    return
                q.put(batch)
        except BaseException as e:  # handed to the writer, raised there
            q.put(e)
            return
        q.put(done)

    helper = threading.Thread(target=work, name="demo-batches", daemon=True)
    helper.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while helper.is_alive():  # a helper blocked on a full queue: let it see ``stop``
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        helper.join()


def load_demo(
    ctx: Context,
    cases: int,
    *,
    seed: int = 1,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_size: int = 5000,
) -> DemoReport:
    """Add ``cases`` demo cases (and their entries) to this site, spread over the year
    up to ``ctx.now()``. Deterministic for (seed, now, what the database held before).

    ``progress(done, total)`` is called after each batch (one transaction each);
    ``cancelled()`` is asked before each batch: the batches already written stay."""
    if cases < 0:
        raise ValueError("cases must be >= 0")
    auth.require(ctx, "case.create")
    started = time.perf_counter()
    info = local_site()
    site_name = info.name if info else ctx.site
    staff_added = ensure_demo_staff()
    counters = _month_counters(ctx.site)
    conn = database.connection()
    next_id = (database.execute_sql("SELECT max(id) FROM cases").fetchone()[0] or 0) + 1
    # A second load with the same seed must not repeat the record ids (uid): what the
    # database holds already goes into the seed.
    gen = _Generator(ctx.site, site_name, ctx.now(), seed if next_id == 1 else f"{seed}/{next_id}")
    times = gen.received_times(cases)
    made = entries_total = 0
    first = last = None
    first_id: int | None = None
    if progress:
        progress(0, cases)
    for case_rows, entry_rows, low, high in _ahead(
        _batches(gen, times, counters, next_id, batch_size)
    ):
        if cancelled is not None and cancelled():
            break
        with database.atomic():
            # Ids and numbers are taken under the write lock: another writer (a second demo
            # run, a clerk) may have added cases since the batch was made (issue 15 §4).
            case_rows, entry_rows, low, high = _renumber(ctx.site, case_rows, entry_rows)
            conn.executemany(_CASE_SQL, case_rows)
            conn.executemany(_ENTRY_SQL, entry_rows)
            if made == 0:
                audit.record(
                    ctx, "demo.load", table="cases", note=f"演示数据 {cases} 条(种子 {seed})"
                )
        first, last = first or low, high
        if first_id is None:
            first_id = case_rows[0][_ID]
        entries_total += len(entry_rows)
        made += len(case_rows)
        if progress:
            progress(made, cases)
    sanctions = 0
    if made:
        from complaints.usecases.demo_sanctions import add_demo_sanctions

        before = database.execute_sql("SELECT count(*) FROM entries").fetchone()[0]
        # the same seed as the cases', so a second load gets fresh record ids here too
        # the first id written, not the one planned: beside another demo run, the other's
        extra = add_demo_sanctions(ctx, seed if first_id == 1 else f"{seed}/{first_id}", ctx.now())
        sanctions = sum(extra.by_state.values())
        # the events it records: a sheet lost, a customer's praise, a silk banner
        entries_total += database.execute_sql("SELECT count(*) FROM entries").fetchone()[0] - before
        add_demo_volumes(ctx, seed)
    return DemoReport(
        made, entries_total, staff_added, first, last, time.perf_counter() - started, sanctions
    )


def add_demo_volumes(ctx: Context, seed: int | str) -> int:
    """The business volume (进厂台次, 新车销售台数) of each past month with demo cases, so the
    complaint rate (投诉率) has its base: roughly 5 ‰ of service visits and 25 ‰ of new cars
    sold end in a complaint. Months the office already entered are left alone; the current
    month stays blank (its volume is known at month end). Returns the months added."""
    from complaints.usecases import stats

    rng = Random(f"volumes/{seed}")
    this_month = ctx.local(ctx.now()).strftime("%Y-%m")
    counts: dict[str, dict[str, int]] = {}
    for received, business in database.execute_sql(
        "SELECT received_at, business FROM cases WHERE site = ? AND deleted = 0", (ctx.site,)
    ):
        month = ctx.local(from_db(received)).strftime("%Y-%m")
        if month < this_month:
            by = counts.setdefault(month, {})
            by[business] = by.get(business, 0) + 1
    have = stats.volumes([ctx.site], list(counts))
    months = {}
    for month in sorted(counts):
        if (ctx.site, month) in have:
            continue
        by = counts[month]
        service = by.get(Business.SERVICE.value, 0)
        sales = by.get(Business.SALES.value, 0)
        months[month] = (
            max(service, 1) * rng.randint(170, 230),
            max(sales, 1) * rng.randint(35, 45),
        )
    if months:
        stats.set_volumes(ctx, ctx.site, months)
    return len(months)


# --- demo accounts (issue 17 §1): one per role, so a trainee can work as each -------------


@dataclass(frozen=True)
class DemoLogin:
    login: str
    display_name: str
    role: str
    department: str | None
    password: str | None  # None: the account was there already (its password is not known)


# (login, name, role, department): the department managers head the two departments the
# routing rules send most cases to (R1).
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("demo.kefu", "演示·客服专员", "客服专员", None),
    ("demo.kfjl", "演示·客服经理", "客服经理", None),
    ("demo.shouhou", "演示·售后站长", "部门经理", "售后服务部"),
    ("demo.xiaoshou", "演示·销售经理", "部门经理", "销售部"),
    ("demo.zjl", "演示·总经理", "总经理", None),
)
# The office's administrator, made only where no account may manage users yet (a demo
# loaded from the command line before any account): otherwise nobody could sign in to
# add people, change the policy or run a command as 管理员 once the accounts exist.
DEMO_ADMIN = ("demo.admin", "演示·管理员", "管理员", None)


def create_demo_users(ctx: Context) -> list[DemoLogin]:
    """A demo account for every working role (客服专员, 客服经理, 部门经理 of 售后服务部 and
    of 销售部, 总经理, and 管理员 where the office has no administrator's account yet), each
    with a long random temporary password to change at first sign-in. An account already
    there is left as it is (listed without a password); a department manager whose
    department the office does not have is skipped."""
    from complaints.usecases import users

    auth.require(ctx, "users.manage")
    accounts = users.list_users()
    have = {u.login for u in accounts}
    departments = {d.name for d in Department.select(Department.name).where(Department.active)}
    wanted = DEMO_USERS
    if DEMO_ADMIN[0] in have or not any(u.active and "管理员" in u.roles for u in accounts):
        wanted = (*DEMO_USERS, DEMO_ADMIN)
    out = []
    for login, name, role, department in wanted:
        if login in have:
            out.append(DemoLogin(login, name, role, department, None))
            continue
        if department is not None and department not in departments:
            continue
        password = users.temporary_password(14)
        users.add_user(ctx, login, name, [role], password, department=department)
        out.append(DemoLogin(login, name, role, department, password))
    return out
