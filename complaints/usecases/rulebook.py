"""One rulebook from headquarters: the policy, the calendar and optionally the form templates
in one file (``policy export``), read by a branch (``policy import``, 设置 → 制度参数 →
导入总部制度) after a preview of every change (old → new, per key).

The file's format is ``rulebook_file``. Nothing changes until the whole file has been read
and checked; then a backup, then one transaction: a new policy version from the start, the
calendar years, the binding mark, one audit entry.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from complaints.rules.officetime import DayMark
from complaints.rules.policy import (
    CLOCK_LABELS,
    CLOCK_UNIT,
    POLICY_FIELDS,
    POLICY_KEYS,
    policy_key_values,
)
from complaints.usecases import audit, auth, rulebook_file, workcalendar
from complaints.usecases import policy as policy_uc
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.rulebook_file import FORMAT, FORMAT_VERSION, Rulebook
from complaints.usecases.storage import backup_now
from db import calendar_store
from db import changes as db_changes
from db.models import database
from db.retry import retried
from forms.templates import (
    FORM_TITLES,
    FORMS,
    TEMPLATE_FILES,
    custom_path,
    install_template,
    load_template,
)

SUFFIX = ".zip"
CALENDAR_SOURCE = "总部制度"
_ABOUT = (
    "客诉管理台 总部制度文件:制度参数(policy)、工作日历(calendar)与表单模板(templates)。"
    "在分店用 设置 → 制度参数 → 导入总部制度,或 policy import 导入;请勿手工修改。"
)
_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# Label of each field and its CLI key where it has one, for the preview.
_KEY_OF = {name: key for key, (name, _kind) in POLICY_KEYS.items()}


# --- exporting ----------------------------------------------------------------------------------


def export(
    ctx: Context,
    out: Path,
    templates_dir: Path,
    *,
    binding: bool = False,
    reason: str = "",
    effective_from: datetime | None = None,
    with_templates: bool = False,
) -> Path:
    """Write the rulebook of this office (headquarters) to ``out`` (never over a file): its
    newest policy version, the calendar years it loaded or edited, the office's own form
    templates when ``with_templates``. The start is ``effective_from``, else the newest
    version's start when it is still ahead, else none (the branch's import time) (audited)."""
    auth.require(ctx, "settings.policy")
    out = Path(out)
    if out.exists():
        raise UseCaseError(f"文件 {out} 已存在:请换一个文件名,以免覆盖")
    versions = policy_uc.history()
    policy = versions[-1].policy if versions else policy_uc.DEFAULTS
    start = effective_from
    if start is None and versions and versions[-1].effective_from > ctx.now():
        start = versions[-1].effective_from
    if start is not None and start.tzinfo is None:
        raise UseCaseError("生效时间须带时区")
    stored = calendar_store.stored_years()
    days = calendar_store.stored_days(sorted(stored))
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "about": _ABOUT,
        "made_at": ctx.now().isoformat(timespec="seconds"),
        "made_by": ctx.actor,
        "site": ctx.site,
        "binding": bool(binding),
        "binding_reason": reason.strip() if binding else "",
        "effective_from": start.isoformat(timespec="seconds") if start else None,
        "policy": policy.to_dict(),
        "calendar": {
            str(y): {
                "source": src,
                "days": [
                    {"date": d.isoformat(), "isOffDay": off, "name": name}
                    for d, off, name in days
                    if d.year == y
                ],
            }
            for y, (src, _at, _by) in stored.items()
        },
        "templates": {},
    }
    members: list[tuple[str, bytes]] = []
    if with_templates:
        for form in FORMS:
            path = custom_path(templates_dir, form)
            if not path.exists():
                continue
            data = path.read_bytes()
            name = f"templates/{TEMPLATE_FILES[form]}"
            manifest["templates"][form] = {
                "file": name,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            members.append((name, data))
    rulebook_file.write(out, manifest, members)
    # the file is written once; the audit entry is a retried transaction of its own
    audit.record(
        ctx,
        "settings.rulebook_export",
        note=f"{out.name};{'约束性' if binding else '非约束性'};"
        f"模板 {len(members)} 个;生效 {manifest['effective_from'] or '导入时'}",
    )
    return out


# --- the preview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    place: str  # 制度参数 / 工作日历 / 表单模板 / 约束性
    key: str  # the CLI key, a date, a form
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Preview:
    rulebook: Rulebook
    start: datetime  # when the new version takes effect at this branch
    start_note: str  # why this start (the file's, --from, now; a passed start)
    changes: tuple[Change, ...]

    def lines(self, ctx: Context) -> list[str]:
        """The preview as text, one change a line (the CLI prints it)."""
        rb = self.rulebook
        head = [
            f"总部制度文件 {rb.file}:{rb.made_by or '—'}({rb.site or '总部'})"
            f"于 {_local_text(ctx, rb.made_at)} 导出",
            f"生效:{ctx.local(self.start):%Y-%m-%d %H:%M} 起登记的投诉单({self.start_note})",
        ]
        if rb.binding:
            head.append(
                "约束性:导入后本站不能修改制度参数" + (f"(原因:{rb.reason})" if rb.reason else "")
            )
        if not self.changes:
            return [*head, "与本站现行制度相同,没有需要修改的项目"]
        return [
            *head,
            f"共 {len(self.changes)} 处修改(原值 → 新值):",
            *(f"  [{c.place}] {c.key} {c.label}:{c.old} → {c.new}" for c in self.changes),
        ]


def _text(name: str, v: Any, unit: str) -> str:
    if name == "routing":
        return ";".join("/".join(x or "任意" for x in row) for row in v) or "(无)"
    if isinstance(v, tuple):
        return "、".join(v) or "(无)"
    if isinstance(v, int):
        return f"{v} {unit}"
    return str(v)


def preview(
    ctx: Context, path: Path, templates_dir: Path, start: datetime | None = None
) -> Preview:
    """Read ``path`` and list every change its import would make (nothing is stored)."""
    auth.require(ctx, "settings.policy")
    rb = rulebook_file.read(path)
    now = ctx.now()
    if start is not None:
        if start < now:
            raise UseCaseError(
                f"生效时间 {start.isoformat()} 早于现在:新参数只能从现在或以后生效"
                "(已登记的投诉单按其登记时的参数计算时限)"
            )
        note = "按指定的生效时间"
    elif rb.effective_from is not None and rb.effective_from > now:
        start, note = rb.effective_from, "按总部文件所定的生效时间"
    elif rb.effective_from is not None:
        start = now
        note = f"总部文件所定的 {ctx.local(rb.effective_from):%Y-%m-%d %H:%M} 已过,自导入时起"
    else:
        start, note = now, "自导入时起"
    versions = policy_uc.history()
    if versions and start < versions[-1].effective_from:
        raise UseCaseError(
            f"本站已有自 {ctx.local(versions[-1].effective_from):%Y-%m-%d %H:%M} 起生效的制度参数"
            f"版本:总部制度的生效时间({ctx.local(start):%Y-%m-%d %H:%M})不能早于它,"
            "请用 --from 指定更晚的生效时间"
        )
    old = policy_uc.book().at(start)
    old_keys, new_keys = dict(policy_key_values(old)), dict(policy_key_values(rb.policy))
    changes: list[Change] = []
    for f in POLICY_FIELDS:
        a, b = getattr(old, f.name), getattr(rb.policy, f.name)
        if a == b:
            continue
        key = _KEY_OF.get(f.name)
        if key is not None:  # as ``policy show`` writes it
            texts = (old_keys[key], new_keys[key])
            if f.unit == CLOCK_UNIT:  # calendar → 自然时间(calendar)
                texts = (f"{CLOCK_LABELS[a]}({a})", f"{CLOCK_LABELS[b]}({b})")
        else:
            texts = (_text(f.name, a, f.unit), _text(f.name, b, f.unit))
        label = (f"{f.rule} " if f.rule and not (key or "").startswith(f.rule) else "") + f.label
        changes.append(Change("制度参数", key or f.name, label, *texts))
    cal = workcalendar.data()
    for year, marks in sorted(rb.calendar.items()):
        before = {d: m for d, m in cal.marks.items() if d.year == year}
        after = {m.day: m for m in marks}
        for d in sorted(set(before) | set(after)):
            a_m, b_m = before.get(d), after.get(d)
            if (a_m and (a_m.off, a_m.name)) != (b_m and (b_m.off, b_m.name)):
                changes.append(
                    Change(
                        "工作日历",
                        d.isoformat(),
                        _WEEKDAYS[d.weekday()],
                        _mark_text(a_m),
                        _mark_text(b_m),
                    )
                )
    for form, data in sorted(rb.templates.items()):
        own = custom_path(templates_dir, form)
        if own.exists() and own.read_bytes() == data:
            continue
        current = load_template(form, templates_dir)
        was = "本站模板" if own.exists() else "默认模板"
        changes.append(
            Change(
                "表单模板", form, FORM_TITLES[form], f"{was} {current.version}".strip(), "总部模板"
            )
        )
    bound = policy_uc.binding()
    if bool(bound) != rb.binding or (rb.binding and bound and bound.reason != rb.reason):
        changes.append(
            Change(
                "约束性",
                "binding",
                "总部统一规定,本站不能修改",
                "是" if bound else "否",
                ("是" + (f"({rb.reason})" if rb.reason else "")) if rb.binding else "否",
            )
        )
    return Preview(rb, start, note, tuple(changes))


def _mark_text(m: DayMark | None) -> str:
    if m is None:
        return "按星期"
    return f"{'休息日' if m.off else '工作日(调休上班)'} {m.name}".rstrip()


# --- importing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    preview: Preview
    backup: Path
    templates: tuple[str, ...]


def import_file(
    ctx: Context,
    path: Path,
    templates_dir: Path,
    start: datetime | None = None,
    *,
    backup_dir: Path | None = None,
) -> ImportResult:
    """Import a rulebook: checked whole first, then a backup, then in one transaction a new
    policy version from the start, the calendar years it carries, the binding mark and one
    audit entry; then its form templates (the replaced ones kept in ``old/``)."""
    pv = preview(ctx, path, templates_dir, start)
    rb = pv.rulebook
    copy = backup_now(backup_dir=backup_dir, now=ctx.now())
    local = f"{ctx.local(ctx.now()):%Y-%m-%d %H:%M}"

    @retried  # the backup file above is made once; only this transaction runs again
    def store() -> None:
        with database.atomic():
            policy_uc.store_version(
                ctx,
                rb.policy,
                pv.start if pv.start > ctx.now() else None,
                audited=False,
            )
            if rb.calendar:
                calendar_store.replace_years(
                    sorted(rb.calendar),
                    [(m.day, m.off, m.name) for ms in rb.calendar.values() for m in ms],
                    source=f"{CALENDAR_SOURCE} {rb.file}",
                    at=ctx.now(),
                    by=ctx.actor,
                )
            policy_uc.set_binding(
                policy_uc.Binding(
                    reason=rb.reason,
                    issued_by=f"{rb.made_by}({rb.site})" if rb.site else rb.made_by,
                    issued_at=_local_text(ctx, rb.made_at),
                    file=rb.file,
                    imported_by=ctx.actor,
                    imported_at=local,
                )
                if rb.binding
                else None
            )
            audit.record(
                ctx,
                "settings.rulebook",
                table="settings",
                uid=policy_uc.BINDING_KEY,
                changes={f"{c.place} {c.key}": (c.old, c.new) for c in pv.changes},
                note=f"导入总部制度 {rb.file};备份 {copy.name}",
            )

    store()
    workcalendar.clear_cache()
    installed = []
    for form, data in sorted(rb.templates.items()):
        own = custom_path(templates_dir, form)
        if own.exists() and own.read_bytes() == data:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / TEMPLATE_FILES[form]
            src.write_bytes(data)
            install_template(form, src, templates_dir)
        installed.append(form)
    if installed:
        db_changes.note_topics(("forms",))  # template files, not rows: the pages are told
    return ImportResult(pv, copy, tuple(installed))


def _local_text(ctx: Context, iso: str) -> str:
    try:
        return f"{ctx.local(datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}"
    except (TypeError, ValueError):
        return iso or "—"
