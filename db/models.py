"""peewee models. They mirror the schema that ``db.migrations`` builds; a test
checks that every model column exists in a freshly migrated database."""

from __future__ import annotations

from pathlib import Path

import peewee as pw

from db.engine import SafeSqliteDatabase
from db.fields import AwareDateTimeField, IsoDateField

# The SQLite engine, initialised by db.database.open_database() once the path is known. Its
# transactions take the write lock at their start (db/engine.py), so two writers queue
# instead of failing.
local_database = SafeSqliteDatabase(None)

# What every model and every db/ module uses: the SQLite engine above, or the office server's
# (db/server.py) once db.database.open_server() has pointed it there.
database = pw.DatabaseProxy()
database.initialize(local_database)


def on_server() -> bool:
    """True while the database is the office's PostgreSQL server, not this PC's SQLite file."""
    return database.obj is not local_database


def data_folder() -> Path | None:
    """This PC's data folder of the open database: the folder of the SQLite file, or the one
    named when the office server was opened (None when none was): where this PC's backups
    and markers of half-written files go, never the working directory."""
    if on_server():
        folder = getattr(database.obj, "data_folder", None)
        return Path(folder) if folder is not None else None
    return Path(database.database).parent if database.database else None


class BaseModel(pw.Model):
    """Each model names its ``id`` (peewee's implicit AutoField, the same column) and the
    ``<name>_id`` attribute peewee gives each foreign key, so the type checker knows them."""

    class Meta:
        database = database
        legacy_table_names = False


class SyncedModel(BaseModel):
    """A record that travels in the Excel ledger: the keys of ledger.md."""

    id = pw.AutoField()
    uid = pw.TextField(unique=True)
    site = pw.TextField()
    revision = pw.IntegerField(default=1)
    modified_at = AwareDateTimeField()
    deleted = pw.BooleanField(default=False)


class Site(BaseModel):
    id = pw.AutoField()
    code = pw.TextField(unique=True)
    name = pw.TextField(default="")
    is_local = pw.BooleanField(default=False)
    first_seen_at = AwareDateTimeField()

    class Meta:
        table_name = "sites"


class Department(BaseModel):
    id = pw.AutoField()
    parent_id: int | None
    name = pw.TextField(unique=True)
    parent = pw.ForeignKeyField("self", null=True, backref="children", column_name="parent_id")
    manager_title = pw.TextField(default="")
    business = pw.TextField(null=True)
    area = pw.TextField(null=True)
    sort_order = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "departments"


class Staff(BaseModel):
    id = pw.AutoField()
    department_id: int
    name = pw.TextField()
    title = pw.TextField()
    department = pw.ForeignKeyField(Department, backref="staff", column_name="department_id")
    phone = pw.TextField(null=True)
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "staff"


class Case(SyncedModel):
    number = pw.TextField()
    received_at = AwareDateTimeField()
    channel = pw.TextField()
    kind = pw.TextField()
    severity = pw.TextField()
    initiative = pw.TextField(null=True)
    business = pw.TextField()
    area = pw.TextField(null=True)
    media = pw.BooleanField(default=False)
    needs_oem = pw.BooleanField(default=False)
    settled_on_site = pw.BooleanField(default=False)  # 当场是否解决: D3 follows it
    attitude = pw.BooleanField(default=False)
    collective = pw.BooleanField(default=False)
    content = pw.TextField()
    car_model = pw.TextField(null=True)
    vin = pw.TextField(null=True)
    work_order = pw.TextField(null=True)
    plate = pw.TextField(null=True)
    purchase_date = IsoDateField(null=True)
    mileage = pw.IntegerField(null=True)
    customer_name = pw.TextField()
    gender = pw.TextField(null=True)
    phone = pw.TextField(null=True)
    advisor = pw.TextField(null=True)
    repair_content = pw.TextField(null=True)
    repair_team = pw.TextField(null=True)
    background = pw.TextField(null=True)
    demand = pw.TextField(null=True)
    department = pw.TextField(null=True)
    responsible = pw.TextField(null=True)
    plan = pw.TextField(null=True)
    handled_date = IsoDateField(null=True)
    gm_instruction = pw.TextField(null=True)
    liability = pw.TextField(default="待定")
    state = pw.TextField(default="登记")
    closed_at = AwareDateTimeField(null=True)
    callback_at = AwareDateTimeField(null=True)
    satisfaction = pw.TextField(null=True)
    callback2_at = AwareDateTimeField(null=True)
    satisfaction2 = pw.TextField(null=True)
    cac_number = pw.TextField(null=True)
    fmc_status = pw.TextField(null=True)
    station_name = pw.TextField(null=True)
    complaint_nature = pw.TextField(null=True)
    cause = pw.TextField(null=True)  # 原因分类: one of the office's list (settings causes.list)
    cause_note = pw.TextField(null=True)  # 原因说明
    emergency = pw.TextField(null=True)  # 突发事件 (schema 18)
    emergency_at = AwareDateTimeField(null=True)
    review_cause = pw.TextField(null=True)
    review_actions = pw.TextField(null=True)
    review_changes = pw.TextField(null=True)

    class Meta:
        table_name = "cases"


class Entry(SyncedModel):
    """A dated tracking entry of a case (the ``动作`` vocabulary)."""

    case_id: int
    case = pw.ForeignKeyField(Case, backref="entries", column_name="case_id", on_delete="CASCADE")
    at = AwareDateTimeField()
    action = pw.TextField()
    actor = pw.TextField(default="")
    note = pw.TextField(default="")  # the free text only; the values below are not in it
    recorded_at = AwareDateTimeField()
    # Structured values of the action (schema 10; ledger columns of 跟踪记录, ENTRY_FIELDS).
    department = pw.TextField(null=True)  # 派单
    person = pw.TextField(null=True)  # 指定责任人
    satisfaction = pw.TextField(null=True)  # 回访 / 二次回访
    escalated_to = pw.TextField(null=True)  # 升级
    cac_number = pw.TextField(null=True)  # 上报厂家 / FMC状态
    fmc_status = pw.TextField(null=True)  # FMC状态
    backdate_reason = pw.TextField(null=True)  # 补录原因 of a time entered later
    event = pw.TextField(null=True)  # 备注: 处理单遗失 / 客户表扬 / 锦旗 (S9–S11)
    not_contacted = pw.BooleanField(default=False)  # 二次回访: customer says nobody called
    plan = pw.TextField(null=True)  # 处理完成 / 回传客服: the plan of that round

    class Meta:
        table_name = "entries"


class Sanction(SyncedModel):
    case_id: int | None
    case = pw.ForeignKeyField(
        Case, null=True, backref="sanctions", column_name="case_id", on_delete="SET NULL"
    )
    type = pw.TextField()
    rule = pw.TextField(null=True)
    department = pw.TextField(default="")
    person = pw.TextField(default="")
    amount = pw.IntegerField()
    amount_min = pw.IntegerField(null=True)
    amount_max = pw.IntegerField(null=True)
    reason = pw.TextField(default="")
    date = IsoDateField()
    status = pw.TextField(default="待审批")
    decided_by = pw.TextField(null=True)
    decided_at = AwareDateTimeField(null=True)
    decision_note = pw.TextField(null=True)

    class Meta:
        table_name = "sanctions"


class Attachment(BaseModel):
    id = pw.AutoField()
    case_id: int
    case = pw.ForeignKeyField(
        Case, backref="attachments", column_name="case_id", on_delete="CASCADE"
    )
    file_name = pw.TextField()
    stored_name = pw.TextField(unique=True)
    sha256 = pw.TextField()
    size = pw.IntegerField()
    added_at = AwareDateTimeField()
    added_by = pw.TextField(default="")
    note = pw.TextField(default="")

    class Meta:
        table_name = "attachments"


class Setting(BaseModel):
    key = pw.TextField(primary_key=True)
    value = pw.TextField()

    class Meta:
        table_name = "settings"


ALL_MODELS = (Site, Department, Staff, Case, Entry, Sanction, Attachment, Setting)
