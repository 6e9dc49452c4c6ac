"""The ledger's sheets and columns (ledger.md), declared once for the exporter and reader.

Pure: the case columns come from complaints.fields, the rest are listed here.
A column maps a header (the text in row 1) to a record key (the database column name).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from complaints.fields import CASE_FIELDS, FieldType
from complaints.rules.sanctions import EVENTS
from complaints.types import Action, ApprovalStatus, FmcStatus, SanctionType, Satisfaction

FORMAT_NAME = "投诉台账"
# The newest format this program reads and writes. A file says the lowest version that
# can carry it (docs/ledger.md, "Format versions"): a file without the actions of version 2
# says 1, so a branch still running a version-1 program imports it whole.
FORMAT_VERSION = 2
# The format version that introduced each 动作 after version 1.
ACTION_SINCE = {Action.PAUSE.value: 2, Action.RESUME.value: 2}

# A 修订号 above this is refused on import: no record is saved a billion
# times, and a revision near 2^63 would make every later save overflow.
REVISION_MAX = 1_000_000_000
FINGERPRINT_HEADER = "版本指纹"
FINGERPRINT_LENGTH = 16  # hex digits

SHEET_INFO = "说明"
SHEET_CASES = "投诉台账"
SHEET_ENTRIES = "跟踪记录"
SHEET_SANCTIONS = "奖惩记录"
DATA_SHEETS = (SHEET_CASES, SHEET_ENTRIES, SHEET_SANCTIONS)

# 说明 keys
INFO_FORMAT = "格式"
INFO_VERSION = "格式版本"
INFO_SITE = "站点代码"
INFO_SITE_NAME = "站点名称"
INFO_EXPORTED = "导出时间"
INFO_TZ = "时区"
INFO_SCOPE = "范围"
INFO_APP = "软件版本"


def info_count_key(sheet: str) -> str:
    """The 说明 key holding a data sheet's row count."""
    return f"{sheet}行数"


class Kind(StrEnum):
    UID = "uid"
    TEXT = "text"
    LONG = "long"
    ENUM = "enum"
    BOOL = "bool"
    DATETIME = "datetime"
    DATE = "date"
    INT = "int"
    REVISION = "revision"
    STAMP = "stamp"  # 最后修改时间: ISO 8601 text with offset, for people
    DELETED = "deleted"


_WIDTHS = {
    Kind.UID: 38,
    Kind.TEXT: 14,
    Kind.LONG: 40,
    Kind.ENUM: 10,
    Kind.BOOL: 8,
    Kind.DATETIME: 18,
    Kind.DATE: 11,
    Kind.INT: 9,
    Kind.REVISION: 7,
    Kind.STAMP: 26,
    Kind.DELETED: 7,
}


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    key: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    width: float | None = None
    derived: bool = False  # written for people (投诉编号 beside 投诉记录ID), ignored on import
    # False for a column of the exchange only, with no database column (版本指纹): read on
    # import, never written into the record, never part of its content digest.
    stored: bool = True

    @property
    def display_width(self) -> float:
        return self.width or _WIDTHS[self.kind]


def _keys() -> list[Column]:
    return [
        Column("记录ID", "uid", Kind.UID, required=True),
        Column("所属站点", "site", Kind.TEXT, required=True, max_length=10, width=9),
        Column("修订号", "revision", Kind.REVISION),
        Column("最后修改时间", "modified_at", Kind.STAMP),
        Column("已删除", "deleted", Kind.DELETED),
        # Optional: which version of the record the row is, a short hash of
        # the owner's content at that 修订号 (ledger.store.fingerprint). A file of format
        # version 1 without it still imports; an older reader ignores it as unknown.
        Column(
            FINGERPRINT_HEADER,
            "fingerprint",
            Kind.TEXT,
            max_length=FINGERPRINT_LENGTH,
            width=18,
            stored=False,
        ),
    ]


_FIELD_KIND = {
    FieldType.TEXT: Kind.TEXT,
    FieldType.LONG_TEXT: Kind.LONG,
    FieldType.ENUM: Kind.ENUM,
    FieldType.BOOL: Kind.BOOL,
    FieldType.DATETIME: Kind.DATETIME,
    FieldType.DATE: Kind.DATE,
    FieldType.INT: Kind.INT,
}
_SPECIAL_WIDTH = {"number": 18, "vin": 20, "phone": 14, "content": 50, "customer_name": 10}


# What the printing office knows of a case's signed sheets (docs/ledger.md, 签字单回收): each
# sheet printed here for the case or its notices, in print order, as "A 已回收 2026-11-05" or
# "B 未回收", and how many are not back. Written for the reader at HQ, never imported: the
# sheets are this office's own, and a sheet coming back changes no revision of the case.
SIGNED_SHEETS = Column(
    "签字单回收", "signed_sheets", Kind.TEXT, width=30, derived=True, stored=False
)
SHEETS_MISSING = Column(
    "签字单未回收", "sheets_missing", Kind.INT, width=9, derived=True, stored=False
)


def _case_columns() -> list[Column]:
    # The columns people read first; the keys (记录ID…) go last: columns are found by
    # header, so the order is only for the reader's comfort.
    cols = []
    for f in CASE_FIELDS:
        cols.append(
            Column(
                f.header,
                f.name,
                _FIELD_KIND[f.type],
                required=f.required,
                choices=tuple(c.value for c in f.choices) if f.choices else (),
                max_length=f.max_length,
                width=_SPECIAL_WIDTH.get(f.name),
            )
        )
    return [*cols, SIGNED_SHEETS, SHEETS_MISSING, *_keys()]


CASE_COLUMNS: tuple[Column, ...] = tuple(_case_columns())
CASE_NUMBER = Column("投诉编号", "case_number", Kind.TEXT, width=18, derived=True)
# A tracking entry's structured values (complaints.rules.workflow.ENTRY_COLUMNS), optional
# columns of 跟踪记录. 说明 still carries them as the 【tags】 of earlier versions, so a reader
# that ignores these columns reads the same entry; a file without them imports from its tags.
ENTRY_VALUE_COLUMNS: tuple[Column, ...] = (
    Column("部门", "department", Kind.TEXT, max_length=40),
    Column("责任人", "person", Kind.TEXT, max_length=40),
    Column("满意度", "satisfaction", Kind.ENUM, choices=tuple(s.value for s in Satisfaction)),
    Column("升级至", "escalated_to", Kind.TEXT, max_length=40),
    Column("CAC案例号", "cac_number", Kind.TEXT, max_length=40),
    Column("FMC状态", "fmc_status", Kind.ENUM, choices=tuple(s.value for s in FmcStatus), width=12),
    Column("补录原因", "backdate_reason", Kind.LONG, max_length=500, width=24),
    Column("事件", "event", Kind.ENUM, choices=EVENTS),
    Column("客户称无人联系", "not_contacted", Kind.BOOL, width=10),
    Column("处理意见", "plan", Kind.LONG, max_length=2000),
)
ENTRY_COLUMNS: tuple[Column, ...] = (
    CASE_NUMBER,
    Column("时间", "at", Kind.DATETIME, required=True),
    Column("动作", "action", Kind.ENUM, required=True, choices=tuple(a.value for a in Action)),
    Column("经办人", "actor", Kind.TEXT, max_length=40),
    Column("说明", "note", Kind.LONG, max_length=4000),
    Column("投诉记录ID", "case_uid", Kind.UID, required=True),
    *_keys(),
    *ENTRY_VALUE_COLUMNS,
)
SANCTION_COLUMNS: tuple[Column, ...] = (
    CASE_NUMBER,
    Column("类型", "type", Kind.ENUM, required=True, choices=tuple(t.value for t in SanctionType)),
    Column("规则", "rule", Kind.ENUM, choices=tuple(f"S{i}" for i in range(1, 12))),
    Column("部门", "department", Kind.TEXT, max_length=40),
    Column("姓名", "person", Kind.TEXT, max_length=40),
    Column("金额", "amount", Kind.INT, required=True),
    Column("原因", "reason", Kind.LONG, max_length=2000),
    Column("日期", "date", Kind.DATE, required=True),
    Column("审批状态", "status", Kind.ENUM, choices=tuple(s.value for s in ApprovalStatus)),
    Column("投诉记录ID", "case_uid", Kind.UID),
    *_keys(),
)

SHEET_COLUMNS: dict[str, tuple[Column, ...]] = {
    SHEET_CASES: CASE_COLUMNS,
    SHEET_ENTRIES: ENTRY_COLUMNS,
    SHEET_SANCTIONS: SANCTION_COLUMNS,
}
SHEET_TABLE = {SHEET_CASES: "cases", SHEET_ENTRIES: "entries", SHEET_SANCTIONS: "sanctions"}
TABLE_SHEET = {v: k for k, v in SHEET_TABLE.items()}
# A file may leave out these sheets (a hand-made file of cases only); 投诉台账 must be there.
OPTIONAL_SHEETS = (SHEET_ENTRIES, SHEET_SANCTIONS)
