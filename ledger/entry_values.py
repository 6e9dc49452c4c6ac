"""A tracking entry's structured values on the ledger's wire, and S5 rows.

In the database an entry keeps its department, satisfaction, CAC number… as fields and 说明
as free text. In a ledger they travel twice: in the optional columns of 跟踪记录
(columns.ENTRY_VALUE_COLUMNS) and, for readers of an earlier version that know only 说明, as
the 【tags】 at its head that those versions wrote and read (complaints.rules.workflow).
On import the columns win; a file without them (an earlier version) gives its tags instead.

A 奖惩记录 row of rule S5 is what earlier versions wrote for 无责 (a ¥0 罚款 to nobody): the
decision is the case's 责任认定, so such a row is not imported as a fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaints.rules import workflow
from complaints.types import Action

_KEYS = tuple(workflow.ENTRY_COLUMNS.values())
S5 = "S5"
S5_SKIPPED = (
    "“奖惩记录”中 {n} 行是旧版本记下的 S5(无责)¥0 罚款:无责是投诉单的责任认定"
    "(见“投诉台账”的“责任认定”列),不是罚款,这些行未作为罚款导入"
)


_TAGGED = tuple(c for c in _KEYS if c != "plan")


def to_wire(record: dict[str, Any]) -> dict[str, Any]:
    """An entry as the exporter writes it, completed in place (the records are the
    exporter's own): 说明 with the tags of earlier versions in front (the plan is not a
    tag: it travels in the case's 调查结果及处理意见 too); 客户称无人联系 only when said."""
    get = record.get
    if not get("not_contacted"):
        record["not_contacted"] = None  # an empty cell, not 否 on every row
    params = {
        workflow.PARAM_OF_COLUMN[c]: v for c in _TAGGED if (v := get(c)) not in (None, "", False)
    }
    if params:
        reason = params.pop("reason", None)
        record["note"] = workflow.encode_note(
            get("action") or "", params, get("note") or "", reason=reason
        )
    return record


_DECODED = frozenset({Action.FMC_STATUS.value, *workflow.CALLBACKS})


def from_wire(values: dict[str, Any]) -> dict[str, Any]:
    """An imported entry row, completed in place: every structured key set (a column the
    file has wins over a tag in 说明), 说明 reduced to its free text."""
    note = values.get("note")
    action = values.get("action") or ""
    if (not note or "【" not in note) and action not in _DECODED:
        # nothing to decode (most rows of a big import): the columns as the file has them
        get = values.get
        for c in _KEYS:
            if get(c) in (None, ""):
                values[c] = None
        values["not_contacted"] = values.get("not_contacted") is True
        return values
    columns = {c: values.get(c) for c in _KEYS}
    found, free = workflow.split_note(action, note, columns)
    values.update(found)
    values["note"] = free
    return values


def is_s5(values: Mapping[str, Any]) -> bool:
    return (values.get("rule") or "") == S5
