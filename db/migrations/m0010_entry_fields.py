"""Schema 10: a tracking entry's structured values are columns; S5 is a decision, not a fine.

``entries`` gains the values that 说明 used to carry as 【tags】 at its head (issue 16 §4):
department (派单), person (指定责任人), satisfaction (回访/二次回访), escalated_to (升级),
cac_number (上报厂家/FMC状态), fmc_status (FMC状态: the status 说明 started with),
backdate_reason (补录原因), event (备注: 处理单遗失/客户表扬/锦旗), not_contacted (二次回访:
客户称无人联系), and plan (处理完成/回传客服: the handling plan of that round, so a reopened
case keeps its first plan). Existing entries are converted here: each known tag at the head
of 说明 moves to its column and leaves 说明, repeated until no known tag leads; a callback
whose 说明 only starts with a satisfaction word keeps its 说明 and gets the column.

``sanctions``: an S5 row (无责, "nobody is fined", stored as a ¥0 罚款) becomes a tombstone
(deleted, with the reason in decision_note): the case's 责任认定 = 无责 is the decision. The
owner counts the revision, so the tombstone travels in the ledger to older sites too.

The covering index of the to-do list and the figures takes the satisfaction column (the only
value their rules read from an entry besides its time and action).
"""

from __future__ import annotations

# tag in 说明 → column; frozen copy of complaints.rules.workflow.TAGS as released, plus the
# event tag of complaints.rules.sanctions.
_TAGS = (
    ("部门", "department"),
    ("责任人", "person"),
    ("满意度", "satisfaction"),
    ("升级至", "escalated_to"),
    ("CAC案例号", "cac_number"),
    ("客户称无人联系", "not_contacted"),
    ("补录原因", "backdate_reason"),
    ("事件", "event"),
)
_ROUNDS = 10  # more tags than an entry ever carried (at most 4 were written together)
_FMC = ("On-going", "In process", "Hold", "Closed")
_SATISFACTION_LONGEST_FIRST = ("非常不满意", "非常满意", "不满意", "满意", "一般")
_S5_NOTE = "无责(S5)是责任认定,不是罚款:已由投诉单的责任认定“无责”记录"

STATEMENTS = [
    "ALTER TABLE entries ADD COLUMN department TEXT",
    "ALTER TABLE entries ADD COLUMN person TEXT",
    "ALTER TABLE entries ADD COLUMN satisfaction TEXT",
    "ALTER TABLE entries ADD COLUMN escalated_to TEXT",
    "ALTER TABLE entries ADD COLUMN cac_number TEXT",
    "ALTER TABLE entries ADD COLUMN fmc_status TEXT",
    "ALTER TABLE entries ADD COLUMN backdate_reason TEXT",
    "ALTER TABLE entries ADD COLUMN event TEXT",
    "ALTER TABLE entries ADD COLUMN not_contacted INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE entries ADD COLUMN plan TEXT",
]

# FMC状态 entries: 说明 starts with the new status (ledger.md), then separators.
for _st in _FMC:
    STATEMENTS.append(
        "UPDATE entries SET fmc_status = '" + _st + "', "
        "note = ltrim(substr(ltrim(note), " + str(len(_st) + 1) + "), ' ;;,,。') "
        "WHERE action = 'FMC状态' AND fmc_status IS NULL "
        "AND lower(substr(ltrim(note), 1, " + str(len(_st)) + ")) = '" + _st.lower() + "'"
    )
STATEMENTS.append("UPDATE entries SET note = ltrim(note) WHERE note LIKE ' %'")

# One round moves each known tag that leads 说明 to its column; rounds repeat while a note
# still starts with 【 (at most _ROUNDS).
ROUND = []
for _tag, _col in _TAGS:
    _head = "【" + _tag + ":"
    _n = len(_head)
    _value = f"trim(substr(note, {_n + 1}, instr(note, '】') - {_n + 1}))"
    _set = "1" if _col == "not_contacted" else _value
    ROUND.append(
        f"UPDATE entries SET {_col} = {_set}, "
        f"note = ltrim(substr(note, instr(note, '】') + 1)) "
        f"WHERE substr(note, 1, {_n}) = '{_head}' AND instr(note, '】') > {_n}"
    )
TAGS_LEFT = "SELECT 1 FROM entries WHERE note LIKE '【%' LIMIT 1"

AFTER = []
for _s in _SATISFACTION_LONGEST_FIRST:
    AFTER.append(
        f"UPDATE entries SET satisfaction = '{_s}' WHERE satisfaction IS NULL "
        f"AND action IN ('回访', '二次回访') AND substr(note, 1, {len(_s)}) = '{_s}'"
    )

AFTER += [
    # An empty value stays NULL (a tag written empty never was).
    *(f"UPDATE entries SET {c} = NULL WHERE {c} = ''" for _t, c in _TAGS if c != "not_contacted"),
    "UPDATE sanctions SET deleted = 1, decision_note = '" + _S5_NOTE + "', "
    "modified_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), "
    "revision = revision + coalesce(site = (SELECT json_extract(value, '$') FROM settings "
    "WHERE key = 'site.code'), 0) "
    "WHERE rule = 'S5' AND deleted = 0",
    "DROP INDEX IF EXISTS entries_case_at_cover",
    "CREATE INDEX entries_case_at_cover2 "
    "ON entries(case_id, deleted, at, action, satisfaction, note)",
]


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
    for _ in range(_ROUNDS):
        if execute(TAGS_LEFT).fetchone() is None:
            break
        for sql in ROUND:
            execute(sql)
    for sql in AFTER:
        execute(sql)
