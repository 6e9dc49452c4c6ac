"""The demo cases: a year of a Buick dealer's complaint desk as plain rows, made by one
Random(seed), so the same seed and clock give the same cases, entries and record ids.

Each case follows the workflow of policy.md §3 with the deadlines of §4: most are met,
some are missed; cases received lately are still open, in every state.
"""

from __future__ import annotations

from datetime import timedelta

from complaints.rules import workflow
from complaints.types import (
    Business,
    Channel,
    FmcStatus,
    Initiative,
    Kind,
    Liability,
    Satisfaction,
    ServiceArea,
    Severity,
    State,
)
from complaints.usecases import demo_causes, demo_data
from complaints.usecases.demo_random import DAY, HOUR, MIN
from complaints.usecases.demo_timeline import DemoTimeline

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
    "cause",
    "cause_note",
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


class DemoGenerator(DemoTimeline):
    """Builds the rows; all randomness comes from one Random(seed)."""

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
            "cause": None,
            "cause_note": None,
        }
        if oem_case:
            values["station_name"] = self.site_name
            values["complaint_nature"] = "潜在媒体曝光" if media else self.pick(demo_data.NATURES)
        self.derive(values, kept)
        if values["handled_date"] is not None:  # the cause is found when it is handled
            values["cause"], values["cause_note"] = demo_causes.cause_for(self.seed, r, _key)
        return values, kept
