"""peewee model of the office's monthly business volume (schema step 7): the complaint
rate's denominator (进厂台次 and 新车销售台数 per site and month)."""

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
