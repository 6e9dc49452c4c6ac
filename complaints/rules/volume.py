"""The business volume (进厂台次, 新车销售台数) and the complaint rate over it (投诉率): the
period's cases ÷ the volume of the chosen sites in the period's months, per 1,000. None
(shown “未填业务量”) when a site's month has no volume entered, and when the period is not
made of whole months (the volume is kept per month)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from complaints.rules.periods import Period, whole_months

PER = 1000  # the complaint rate is per 1,000 service visits and cars sold (‰)
VOLUME_MISSING = "未填业务量"
VOLUME_MONTHLY = "按整月计算"


@dataclass(frozen=True)
class Volume:
    """One site's business volume in one month (or summed over several)."""

    service_visits: int  # 进厂台次
    new_car_sales: int  # 新车销售台数

    @property
    def total(self) -> int:
        return self.service_visits + self.new_car_sales


@dataclass(frozen=True)
class ComplaintRate:
    """Cases ÷ business volume. ``volume`` is None when some (site, month) has none entered
    (``missing`` lists them) or the period is not whole months (``whole_months`` False)."""

    cases: int
    service_cases: int  # business 售后
    sales_cases: int  # business 销售
    volume: Volume | None
    missing: tuple[tuple[str, str], ...] = ()  # (site, "2026-10")
    whole_months: bool = True

    @staticmethod
    def _per(n: int, base: int | None) -> float | None:
        return None if not base else n / base

    @property
    def value(self) -> float | None:
        """A fraction (0.0025 = 2.5 ‰); None without a volume or when it is 0."""
        return self._per(self.cases, self.volume.total if self.volume else None)

    @property
    def service_value(self) -> float | None:
        return self._per(self.service_cases, self.volume.service_visits if self.volume else None)

    @property
    def sales_value(self) -> float | None:
        return self._per(self.sales_cases, self.volume.new_car_sales if self.volume else None)

    @property
    def why_none(self) -> str:
        return VOLUME_MONTHLY if not self.whole_months else VOLUME_MISSING


def complaint_rate(
    period: Period,
    sites: Sequence[str],
    total: int,
    service_cases: int,
    sales_cases: int,
    volumes: Mapping[tuple[str, str], Volume],
) -> ComplaintRate:
    """The period's complaint rate over the volumes of ``sites`` (every site that counts: the
    caller resolves "all sites"), keyed (site, "YYYY-MM"). Never a guess: one missing month
    of one site and there is no rate."""
    months = whole_months(period)
    if months is None:
        return ComplaintRate(total, service_cases, sales_cases, None, whole_months=False)
    missing = tuple(
        (site, m.code) for site in sites for m in months if (site, m.code) not in volumes
    )
    if missing or not sites:
        return ComplaintRate(total, service_cases, sales_cases, None, missing)
    service = sum(volumes[(site, m.code)].service_visits for site in sites for m in months)
    sales = sum(volumes[(site, m.code)].new_car_sales for site in sites for m in months)
    return ComplaintRate(total, service_cases, sales_cases, Volume(service, sales))
