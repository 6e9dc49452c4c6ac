"""The demo's random building blocks: one Random(seed) for everything, the site's people and
plates, VINs, phone numbers and the words of the texts (demo_data), and the clock arithmetic on
epoch seconds in the office's zone."""

from __future__ import annotations

import time
from bisect import bisect
from datetime import date, datetime, timedelta
from itertools import accumulate
from random import Random

from complaints.rules.validation import vin_check_digit
from complaints.types import (
    Gender,
)
from complaints.usecases import demo_data

MIN, HOUR, DAY = 60, 3600, 86400


def stored_time(ts: int) -> str:
    """Epoch seconds → the stored UTC text of db.timeutil.to_db."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


class DemoRandom:
    """The demo's randomness (one Random(seed)) and the site it is made for."""

    def __init__(self, site: str, site_name: str, now: datetime, seed: int | str):
        self.rng = Random(seed)
        self.seed = seed
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
