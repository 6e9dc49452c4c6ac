"""The rulebook file (``policy export``/``policy import``): a zip holding ``rulebook.json``
(the manifest) and the form templates under ``templates/`` with their SHA-256 in it.

A zip is one file that cannot be half-read: its directory is at its end, so a truncated copy
does not open at all, and every member carries a CRC that ``testzip`` checks. ``read`` checks
the whole file before anyone uses it, and a bad file raises ``UseCaseError`` or
``ValidationFailed`` naming the place (member, key, item). docs/rulebook.md describes the
manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from complaints.rules.officetime import DayMark
from complaints.rules.policy import Policy, policy_problems
from complaints.rules.validation import Problem
from complaints.usecases.errors import UseCaseError, ValidationFailed
from forms.templates import FORMS, inspect_template

FORMAT = "complaintdesk-rulebook"
FORMAT_VERSION = 1
MANIFEST = "rulebook.json"

# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rulebook:
    """A rulebook file read and checked."""

    file: str
    made_at: str
    made_by: str
    site: str
    binding: bool
    reason: str
    effective_from: datetime | None
    policy: Policy
    calendar: dict[int, tuple[DayMark, ...]]
    templates: dict[str, bytes]


def read(path: Path) -> Rulebook:
    """Read and check a rulebook file; nothing is stored. A bad file raises naming the place."""
    path = Path(path)
    name = path.name
    try:
        z = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UseCaseError(f"找不到总部制度文件 {path}") from None
    except OSError as e:
        raise UseCaseError(f"无法读取总部制度文件 {path}:{e.strerror or e}") from None
    except zipfile.BadZipFile:
        raise UseCaseError(
            f"{name} 不是总部制度文件(应为由 policy export 导出的 zip 文件;文件不完整也会这样)"
        ) from None
    with z:
        bad = _first_bad_member(z)
        if bad:
            raise UseCaseError(f"总部制度文件 {name} 已损坏:{bad} 校验不符(请重新获取文件)")
        if MANIFEST not in z.namelist():
            raise UseCaseError(f"{name} 不是总部制度文件:其中没有 {MANIFEST}")
        try:
            raw = json.loads(z.read(MANIFEST).decode("utf-8"))
        except UnicodeDecodeError:
            raise UseCaseError(f"{name} 中的 {MANIFEST} 不是 UTF-8 文本") from None
        except json.JSONDecodeError as e:
            raise UseCaseError(
                f"{name} 中的 {MANIFEST} 第 {e.lineno} 行第 {e.colno} 列不是有效的 JSON:{e.msg}"
            ) from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise UseCaseError(f"{name} 不是总部制度文件:{MANIFEST} 的 format 不是 {FORMAT}")
        version = raw.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise UseCaseError(f"{name} {MANIFEST} format_version:“{version}”不是格式版本号")
        if version > FORMAT_VERSION:
            raise UseCaseError(
                f"{name} 由较新版本的程序导出(格式版本 {version}),本程序只能读取版本 "
                f"{FORMAT_VERSION}:请先升级程序再导入"
            )
        problems: list[Problem] = []
        where = f"{name} {MANIFEST}"
        policy = _policy(raw.get("policy"), where, problems)
        calendar = _calendar(raw.get("calendar"), where, problems)
        templates = _templates(z, raw.get("templates"), where, problems)
        start = _start(raw.get("effective_from"), where, problems)
        binding = raw.get("binding", False)
        if not isinstance(binding, bool):
            problems.append(Problem("binding", f"{where} binding:应为 true 或 false"))
        if problems:
            raise ValidationFailed(
                [Problem(name, f"总部制度文件 {name} 未导入,请改正后重试:"), *problems]
            )
    return Rulebook(
        file=name,
        made_at=str(raw.get("made_at") or ""),
        made_by=str(raw.get("made_by") or ""),
        site=str(raw.get("site") or ""),
        binding=bool(binding),
        reason=str(raw.get("binding_reason") or ""),
        effective_from=start,
        policy=policy or Policy(),
        calendar=calendar,
        templates=templates,
    )


def _first_bad_member(z: zipfile.ZipFile) -> str | None:
    try:
        return z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:  # damaged beyond a CRC
        return str(e)


def _value_ok(default: Any, v: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(v, bool)
    if isinstance(default, int):
        return isinstance(v, int) and not isinstance(v, bool)
    if isinstance(default, float):
        return isinstance(v, int | float) and not isinstance(v, bool)
    if isinstance(default, str):
        return isinstance(v, str)
    return isinstance(v, list)


def _policy(raw: Any, where: str, problems: list[Problem]) -> Policy | None:
    if not isinstance(raw, dict):
        problems.append(Problem("policy", f"{where}:缺少 policy(制度参数)"))
        return None
    known = {f.name: f for f in fields(Policy) if not f.metadata.get("internal")}
    before = len(problems)
    for key in raw:
        if key not in known:
            problems.append(Problem(f"policy.{key}", f"{where} policy.{key}:未知的制度参数"))
    for name, f in known.items():
        place = f"{where} policy.{name}({f.metadata['label']})"
        if name not in raw:
            problems.append(Problem(f"policy.{name}", f"{place}:缺少此项"))
            continue
        v = raw[name]
        default = f.default if f.default is not MISSING else None
        ok = _value_ok(default, v)
        if ok and name == "routing":
            ok = all(
                isinstance(r, list) and len(r) == 3 and all(isinstance(x, str) for x in r)
                for r in v
            )
        elif ok and isinstance(default, tuple):
            ok = all(isinstance(x, str) for x in v)
        if not ok:
            problems.append(
                Problem(f"policy.{name}", f"{place}:“{json.dumps(v, ensure_ascii=False)}”格式不对")
            )
    if len(problems) > before:
        return None
    policy = Policy.from_dict(raw)
    problems.extend(Problem("policy", f"{where} policy:{m}") for m in policy_problems(policy))
    return policy


def _calendar(raw: Any, where: str, problems: list[Problem]) -> dict[int, tuple[DayMark, ...]]:
    out: dict[int, tuple[DayMark, ...]] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        problems.append(Problem("calendar", f"{where} calendar:应为按年份列出的日历"))
        return out
    for key, year_raw in raw.items():
        place = f"{where} calendar.{key}"
        if not (key.isdigit() and 1900 < int(key) < 3000):
            problems.append(Problem(place, f"{place}:“{key}”不是年份"))
            continue
        year = int(key)
        items = year_raw.get("days") if isinstance(year_raw, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(place, f"{place}:缺少 days 列表"))
            continue
        marks: dict[date, DayMark] = {}
        for i, item in enumerate(items, start=1):
            at = f"{place} days 第 {i} 项"
            d = _iso_date(item.get("date")) if isinstance(item, dict) else None
            off = item.get("isOffDay") if isinstance(item, dict) else None
            if d is None or d.year != year:
                problems.append(Problem(at, f"{at}:date 应为 {year} 年的日期(如 {year}-01-01)"))
            elif not isinstance(off, bool):
                problems.append(Problem(at, f"{at}:isOffDay 应为 true 或 false"))
            elif d in marks:
                problems.append(Problem(at, f"{at}:{d} 重复"))
            else:
                marks[d] = DayMark(d, off, str(item.get("name") or ""))
        out[year] = tuple(sorted(marks.values(), key=lambda m: m.day))
    return out


def _iso_date(v: Any) -> date | None:
    try:
        return date.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _templates(
    z: zipfile.ZipFile, raw: Any, where: str, problems: list[Problem]
) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if not raw:
        return out
    if not isinstance(raw, dict):
        problems.append(Problem("templates", f"{where} templates:应为按表单列出的模板"))
        return out
    for form, item in raw.items():
        place = f"{where} templates.{form}"
        if form not in FORMS:
            problems.append(Problem(place, f"{place}:未知的表单(应为 {'、'.join(FORMS)})"))
            continue
        member = item.get("file") if isinstance(item, dict) else None
        if not isinstance(member, str) or member not in z.namelist():
            problems.append(Problem(place, f"{place}:文件中没有所列的模板 {member}"))
            continue
        data = z.read(member)
        if hashlib.sha256(data).hexdigest() != item.get("sha256"):
            problems.append(Problem(place, f"{place}:{member} 的 SHA-256 与清单不符"))
            continue
        check = inspect_template(data, form)
        if check.error:
            problems.append(Problem(place, f"{place}:{member} 不能使用:{check.error}"))
            continue
        out[form] = data
    return out


def _start(raw: Any, where: str, problems: list[Problem]) -> datetime | None:
    if raw is None:
        return None
    try:
        t = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        problems.append(
            Problem(
                "effective_from",
                f"{where} effective_from:“{raw}”不是带时区的时间(如 2027-01-01T00:00:00+08:00)",
            )
        )
    return t


def write(out: Path, manifest: dict[str, Any], members: list[tuple[str, bytes]]) -> None:
    """The zip, written beside ``out`` and moved into place whole."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".rulebook-", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            for name, data in members:
                z.writestr(name, data)
        tmp.replace(out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UseCaseError(f"无法写入总部制度文件 {out}:{e.strerror or e}") from None
