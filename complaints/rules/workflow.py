"""States and transitions of a case (policy.md §3), and what a tracking entry carries.

A tracking entry keeps the few structured values an action needs later (the department of a
派单, the satisfaction of a 回访, the reason a time was back-dated…) as fields of their own
(``ENTRY_COLUMNS``: params key → entry column); 说明 (``note``) is the free text only.
Older data wrote them at the head of 说明 as readable tags, ``【满意度:不满意】客户认为未解决``,
and ``FMC状态`` entries start with the new status itself, as ledger.md says: that is still
the 说明 a ledger carries for readers of an earlier version (``encode_note``), and
``decode_note`` reads it back; they are the one place that knows the format.

Pure: the case is a dict of field values, entries are dicts with ``at``, ``action``, ``note``
and, when read from the database, the structured columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from complaints.types import Action, FmcStatus, Satisfaction, State

# params key → tag shown in 说明
TAGS: dict[str, str] = {
    "department": "部门",
    "person": "责任人",
    "satisfaction": "满意度",
    "to": "升级至",
    "cac_number": "CAC案例号",
    "not_contacted": "客户称无人联系",  # said at the second callback (S7)
    "reason": "补录原因",
}
_KEY_BY_TAG = {v: k for k, v in TAGS.items()}
EVENT_TAG = "事件"  # a 备注's S9–S11 event (complaints.rules.sanctions)
_KEY_BY_TAG[EVENT_TAG] = "event"

# params key → the entry's column holding it (db.models.Entry, the ledger's 跟踪记录).
ENTRY_COLUMNS: dict[str, str] = {
    "department": "department",
    "person": "person",
    "satisfaction": "satisfaction",
    "to": "escalated_to",
    "cac_number": "cac_number",
    "status": "fmc_status",
    "not_contacted": "not_contacted",
    "reason": "backdate_reason",
    "event": "event",
    "plan": "plan",
}
PARAM_OF_COLUMN = {v: k for k, v in ENTRY_COLUMNS.items()}
_TAG_RE = re.compile(r"【([^:】]{1,10}):([^】]*)】")

# Actions that mean "the department has handled it / the sheet is back at CS with a plan".
HANDLING = frozenset({Action.HANDLED.value, Action.RETURN_TO_CS.value})
CALLBACKS = frozenset({Action.CALLBACK.value, Action.SECOND_CALLBACK.value})
RECORDABLE = tuple(a for a in Action if a is not Action.RECEIVED)

OPEN_STATES = frozenset(s.value for s in State if s is not State.CLOSED)
_SECOND_CALLBACK = Action.SECOND_CALLBACK.value
_FOLLOW_UP = Action.FOLLOW_UP.value
# Entries that do not move a case on: notes and the manufacturer's status go on at any time.
_ASIDE = frozenset({Action.NOTE.value, Action.FMC_STATUS.value})
# The short review an emergency (突发事件) needs before it is closed: case field → its label.
REVIEW_FIELDS = {
    "review_cause": "原因",
    "review_actions": "处理经过",
    "review_changes": "改进措施",
}


def _last_step(entries: Sequence[Mapping[str, Any]]) -> str | None:
    """The action of the latest entry that moved the case (notes left aside)."""
    steps = [e for e in _sorted(entries) if e["action"] not in _ASIDE]
    return steps[-1]["action"] if steps else None


def missing_review(case: Mapping[str, Any], params: Mapping[str, Any]) -> list[str]:
    """The parts of an emergency's review still empty (given now or already on the case)."""
    if not case.get("emergency"):
        return []
    return [
        label
        for k, label in REVIEW_FIELDS.items()
        if not str(params.get(k) or case.get(k) or "").strip()
    ]


def _clean(value: Any) -> str:
    return str(value).replace("】", "]").replace("【", "[").strip()


def encode_note(
    action: str, params: Mapping[str, Any] | None, note: str = "", reason: str | None = None
) -> str:
    """The 说明 text of an entry: tags for the structured values, then the free note."""
    params = dict(params or {})
    if reason:
        params["reason"] = reason
    head = ""
    if action == Action.FMC_STATUS.value and params.get("status"):
        head = str(params["status"]) + (" " if note or len(params) > 1 else "")
    tags = "".join(
        f"【{TAGS[k]}:{_clean(_word(v))}】"
        for k, v in params.items()
        if k in TAGS and v not in (None, "", False)
    )
    if params.get("event"):
        tags += f"【{EVENT_TAG}:{_clean(params['event'])}】"
    return f"{head}{tags}{(note or '').strip()}"


def _word(v: Any) -> Any:
    return "是" if v is True else v


_FMC = Action.FMC_STATUS.value
_FMC_PREFIXES = tuple((st.value, st.value.lower()) for st in FmcStatus)
_FMC_LEAD_RE = re.compile(r"^[\s;;,,。]+")
_SATISFACTION_LONGEST_FIRST = tuple(  # 非常不满意 before 不满意
    s.value for s in sorted(Satisfaction, key=lambda s: -len(s.value))
)
_CLOSES_CASE = {s.value: s.closes_case for s in Satisfaction}


def decode_note(action: str, note: str | None) -> tuple[dict[str, str], str]:
    """(params, free note) of an entry's 说明; tolerant of notes typed by hand elsewhere."""
    text = (note or "").strip()
    params: dict[str, str] = {}
    if action == _FMC:
        lowered = text.lower()
        for value, low in _FMC_PREFIXES:
            if lowered.startswith(low):
                params["status"] = value
                text = _FMC_LEAD_RE.sub("", text[len(value) :])
                break
    while text[:1] == "【":
        m = _TAG_RE.match(text)
        if not m:
            break
        key = _KEY_BY_TAG.get(m.group(1))
        if key:
            params[key] = m.group(2).strip()
        text = text[m.end() :]
    if action in CALLBACKS and "satisfaction" not in params:
        for s in _SATISFACTION_LONGEST_FIRST:
            if text.startswith(s):
                params["satisfaction"] = s
                break
    return params, text.strip()


@lru_cache(maxsize=4096)
def _note_satisfaction(action: str, note: str | None) -> str | None:
    # A callback's satisfaction is asked for again and again (every deadline and figure of
    # the case): decoded once per distinct note.
    return decode_note(action, note)[0].get("satisfaction")


def column_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """An action's params as the entry's column values (every column; absent = None)."""
    out: dict[str, Any] = {c: None for c in ENTRY_COLUMNS.values()}
    out["not_contacted"] = False
    for k, v in params.items():
        col = ENTRY_COLUMNS.get(k)
        if col is None:
            continue
        if col == "not_contacted":
            out[col] = v in (True, 1, "1", "是")
        elif v is not None and str(v).strip():
            out[col] = str(v).strip()
    return out


def split_note(
    action: str, note: str | None, columns: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], str]:
    """(column values, free 说明) of an entry: the tags at the head of ``note`` (older data)
    moved to their columns; a value already in ``columns`` wins over a tag."""
    params, free = decode_note(action, note)
    values = column_values(params)
    for k, v in (columns or {}).items():
        if k in values and v not in (None, "", False):
            values[k] = v
    return values, free


_SUMMARY_LABELS = (
    ("status", "FMC状态"),
    ("department", "部门"),
    ("person", "责任人"),
    ("to", "升级至"),
    ("cac_number", "CAC案例号"),
    ("satisfaction", "满意度"),
    ("event", "事件"),
    ("plan", "处理意见"),
)


def summary(params: Mapping[str, Any], free: str = "") -> str:
    """An entry in one readable line for the case page: its values in words, then the free
    说明 ("满意度:非常不满意;客户认为未解决"). The back-dating reason is shown apart."""
    parts = [
        f"{label}:{params[k]}"
        for k, label in _SUMMARY_LABELS
        if params.get(k) not in (None, "", False)
    ]
    if params.get("not_contacted"):
        parts.append("客户称无人联系")
    if free:
        parts.append(free)
    return ";".join(parts)


def entry_params(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The structured values of an entry, by params key: its columns when it has them, and
    what tags its 说明 still carries (older data)."""
    given = entry.get("params")
    if given is not None:
        return dict(given)
    params: dict[str, Any] = dict(decode_note(entry.get("action", ""), entry.get("note"))[0])
    for col, key in PARAM_OF_COLUMN.items():
        v = entry.get(col)
        if v not in (None, "", False):
            params[key] = True if col == "not_contacted" else v
    return params


def _sorted(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(entries, key=lambda e: e["at"])


def last_callback(entries: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    cbs = [e for e in _sorted(entries) if e["action"] in CALLBACKS]
    return cbs[-1] if cbs else None


def callback_satisfaction(entry: Mapping[str, Any], case: Mapping[str, Any]) -> str | None:
    """The satisfaction an entry recorded; falls back on the case's field for entries that
    came from a ledger without the tag."""
    given = entry.get("params")
    s: str | None
    if entry.get("satisfaction"):
        s = entry["satisfaction"]
    elif given is not None:
        s = dict(given).get("satisfaction")
    else:
        note = entry.get("note")
        try:
            s = _note_satisfaction(entry.get("action", ""), note)
        except TypeError:  # not hashable: not a note as stored, decoded as it is
            s = decode_note(entry.get("action", ""), note)[0].get("satisfaction")
    if s:
        return s
    field = "satisfaction2" if entry["action"] == _SECOND_CALLBACK else "satisfaction"
    stored: str | None = case.get(field)
    return stored


def is_unhappy(satisfaction: str | None) -> bool:
    try:
        closes = None if satisfaction is None else _CLOSES_CASE.get(satisfaction)
    except TypeError:  # not hashable: not a satisfaction
        return False
    return closes is not None and not closes


def reopen_count(entries: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for e in entries if e["action"] == Action.REOPEN.value)


# --- transitions ----------------------------------------------------------------------------

# The state an action leads to from a given state; absent = state unchanged.
_NEXT: dict[str, dict[str, str]] = {
    Action.DISPATCH.value: {State.REGISTERED.value: State.DISPATCHED.value},
    Action.CONTACT.value: {
        State.REGISTERED.value: State.CONTACTED.value,
        State.DISPATCHED.value: State.CONTACTED.value,
    },
    Action.HANDLED.value: {
        s: State.HANDLED.value
        for s in (
            State.REGISTERED.value,
            State.DISPATCHED.value,
            State.CONTACTED.value,
            State.REOPENED.value,
        )
    },
    Action.RETURN_TO_CS.value: {
        s: State.HANDLED.value
        for s in (
            State.REGISTERED.value,
            State.DISPATCHED.value,
            State.CONTACTED.value,
            State.REOPENED.value,
        )
    },
    Action.CALLBACK.value: {State.HANDLED.value: State.CALLED_BACK.value},
    Action.SECOND_CALLBACK.value: {State.HANDLED.value: State.CALLED_BACK.value},
    Action.REOPEN.value: {
        State.CALLED_BACK.value: State.REOPENED.value,
        State.CLOSED.value: State.REOPENED.value,  # a new problem at the follow-up visit
    },
    Action.CLOSE.value: {
        State.CALLED_BACK.value: State.CLOSED.value,
        State.HANDLED.value: State.CLOSED.value,
    },
}

_BEFORE_HANDLING = frozenset(
    {State.REGISTERED.value, State.DISPATCHED.value, State.CONTACTED.value, State.REOPENED.value}
)


def next_state(case: Mapping[str, Any], action: str) -> str:
    state = case.get("state") or State.REGISTERED.value
    return _NEXT.get(action, {}).get(state, state)


def _state_reason(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    action: str,
    follow_up: bool = False,
) -> str | None:
    state = case.get("state") or State.REGISTERED.value
    if case.get("deleted"):
        return "该投诉单已删除"
    if action == Action.RECEIVED.value:
        return "“登记”在新建投诉单时自动记录"
    if action in (Action.FMC_STATUS.value, Action.NOTE.value):
        return None  # manufacturer tracking and notes go on after closing too
    if state == State.CLOSED.value:
        if action == _FOLLOW_UP and follow_up:
            return None  # the window after the closing is the use case's to check
        if action == Action.REOPEN.value and _last_step(entries) == _FOLLOW_UP:
            return None  # a new problem found at the follow-up visit reopens the case
        return "投诉单已关闭,只能添加备注或更新FMC状态"
    if action in (Action.PAUSE.value, Action.RESUME.value):
        return _hold_reason(entries, action)
    if action == _FOLLOW_UP:
        return "只有已关闭的投诉单才能跟踪回访" if follow_up else "本单位未开启跟踪回访"
    if action in (
        Action.DISPATCH.value,
        Action.NAME_RESPONSIBLE.value,
        Action.CONTACT.value,
        Action.ESCALATE.value,
        Action.REPORT_OEM.value,
    ):
        if action == Action.DISPATCH.value and state in (
            State.HANDLED.value,
            State.CALLED_BACK.value,
        ):
            return f"投诉单已{'处理' if state == State.HANDLED.value else '回访'},不能再派单"
        return None
    if action in (Action.HANDLED.value, Action.RETURN_TO_CS.value):
        if state in _BEFORE_HANDLING:
            return None
        if action == Action.RETURN_TO_CS.value and state == State.HANDLED.value:
            return None  # the paper sheet may come back after the handling was recorded
        if state == State.HANDLED.value:
            return "投诉单已处理完毕"
        return "投诉单已回访,如客户不满意请先重开"
    reopened = reopen_count(entries) > 0
    if action == Action.CALLBACK.value:
        if state != State.HANDLED.value:
            return "只有处理完毕(已处理)的投诉单才能回访"
        if reopened:
            return "该单已重开过,重开后的回访请记为“二次回访”"
        return None
    if action == Action.SECOND_CALLBACK.value:
        if not reopened:
            return "只有回访不满意并重开、再次处理完毕的投诉单才能二次回访"
        if state != State.HANDLED.value:
            return "重开的投诉单须再次处理完毕后才能二次回访"
        return None
    cb = last_callback(entries)
    unhappy = cb is not None and is_unhappy(callback_satisfaction(cb, case))
    if action == Action.REOPEN.value:
        if state != State.CALLED_BACK.value or not unhappy:
            return "只有回访结果为“不满意”或“非常不满意”的投诉单才能重开"
        return None
    if action == Action.CLOSE.value:
        if state == State.CALLED_BACK.value:
            if unhappy and cb is not None and cb["action"] == Action.CALLBACK.value:
                return "客户回访不满意,须重开交部门经理再次处理(D10),不能直接关闭"
            return None
        if state == State.HANDLED.value:
            return None  # closing without a callback needs a written reason (params check)
        return "投诉单尚未处理完毕,不能关闭"
    return f"未知的动作“{action}”"


def _hold_reason(entries: Sequence[Mapping[str, Any]], action: str) -> str | None:
    """暂停 only when the case is not on hold, 恢复 only when it is."""
    held = False
    for e in _sorted(entries):
        if e.get("deleted"):
            continue
        if e["action"] == Action.PAUSE.value:
            held = True
        elif e["action"] == Action.RESUME.value:
            held = False
    if action == Action.PAUSE.value and held:
        return "投诉单已暂停,须先恢复"
    if action == Action.RESUME.value and not held:
        return "投诉单没有暂停,无需恢复"
    return None


def _param_reason(case: Mapping[str, Any], action: str, params: Mapping[str, Any]) -> str | None:
    def has(k: str) -> bool:
        v = params.get(k)
        return v is not None and str(v).strip() != ""

    if action == Action.DISPATCH.value and not has("department"):
        return "派单须选择处理部门"
    if action == Action.NAME_RESPONSIBLE.value and not has("person"):
        return "须填写第一责任人姓名"
    if action in CALLBACKS or action == _FOLLOW_UP:
        try:
            Satisfaction(str(params.get("satisfaction")))
        except ValueError:
            return "须选择回访满意度:" + "/".join(s.value for s in Satisfaction)
    if action == Action.FMC_STATUS.value:
        try:
            FmcStatus(str(params.get("status")))
        except ValueError:
            return "FMC状态须为:" + " / ".join(s.value for s in FmcStatus)
    if action == Action.NOTE.value and not has("note") and not has("event"):
        return "备注内容不能为空"
    if action == Action.PAUSE.value and not has("note"):
        return "暂停须在说明中写明原因(如 等待客户、等待配件、厂家处理中)"
    if (
        action == Action.CLOSE.value
        and case.get("state") == State.HANDLED.value
        and not has("note")
    ):
        return "未经回访关闭投诉单,须在说明中写明原因(如客户无法联系)"
    if action == Action.CLOSE.value:
        missing = missing_review(case, params)
        if missing:
            return "突发事件关闭前须填写简要复盘:" + "、".join(missing)
    return None


def check_transition(
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    action: str | Action,
    params: Mapping[str, Any] | None = None,
    *,
    follow_up: bool = False,
) -> str | None:
    """None when the policy allows ``action`` now, else the Chinese reason it does not.
    ``params`` (the action's values, plus ``note``) are checked too unless None.
    ``follow_up``: the office makes follow-up visits (跟踪回访) after closing."""
    action = str(action.value if isinstance(action, Action) else action)
    if action not in {a.value for a in Action}:
        return f"未知的动作“{action}”"
    reason = _state_reason(case, entries, action, follow_up)
    if reason is None and params is not None:
        reason = _param_reason(case, action, params)
    return reason


def action_warnings(
    case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], action: str | Action
) -> list[str]:
    """What to look at before 处理完成 or 回传客服: allowed, but usually a slip
    (the customer never contacted, no 第一责任人 named)."""
    action = str(action.value if isinstance(action, Action) else action)
    if action not in (Action.HANDLED.value, Action.RETURN_TO_CS.value):
        return []
    out = []
    if not any(e.get("action") == Action.CONTACT.value for e in entries):
        out.append("尚未记录“联系客户”:客户还没有被联系过")
    if not str(case.get("responsible") or "").strip():
        out.append("尚未指定第一责任人")
    return out


def allowed_actions(
    case: Mapping[str, Any], entries: Sequence[Mapping[str, Any]], *, follow_up: bool = False
) -> set[Action]:
    """The actions the case page may offer now (parameters not yet chosen); ``follow_up``
    as for check_transition."""
    return {a for a in RECORDABLE if _state_reason(case, entries, a.value, follow_up) is None}
