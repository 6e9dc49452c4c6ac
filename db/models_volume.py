"""peewee models of 统计's tables: the office's monthly business volume (schema step 7), the
complaint rate's denominator (进厂台次 and 新车销售台数 per site and month); the kept month
partials (schema step 20, derived data read and written by db/stats_months.py)."""

from __future__ import annotations

import peewee as pw

from db.fields import AwareDateTimeField
from db.models import BaseModel


class MonthlyVolume(BaseModel):
    site = pw.TextField()
    month = pw.TextField()  # "2026-10"
    service_visits = pw.IntegerField()  # 进厂台次
    new_car_sales = pw.IntegerField()  # 新车销售台数
    modified_at = AwareDateTimeField()
    modified_by = pw.TextField(default="")

    class Meta:
        table_name = "volumes"
        primary_key = pw.CompositeKey("site", "month")


class StatsMonth(BaseModel):
    id = pw.AutoField()
    start_at = pw.TextField()  # the month's bounds in stored time (UTC text)
    end_at = pw.TextField()
    sites = pw.TextField()  # the site codes joined by ",": "" for every site
    zone = pw.TextField()  # the office's time zone the month was cut in
    judging = pw.TextField()  # fingerprint of the policy versions in force in the month
    settled_at = pw.TextField()  # the latest closing of its cases: valid from then on
    cases = pw.IntegerField()
    part = pw.TextField()  # the partial as JSON

    class Meta:
        table_name = "stats_months"
