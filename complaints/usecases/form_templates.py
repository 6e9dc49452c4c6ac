"""The office's own Word templates of the forms (设置 → 表单模板): which one prints, checking a
file, installing it, going back to the shipped one. The GUI and the CLI both call these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from complaints.usecases import audit, auth
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from db import changes as db_changes
from forms.templates import (
    FORM_TITLES,
    FORMS,
    TEMPLATE_FILES,
    TemplateCheck,
    TemplateError,
    copy_default_to,
    custom_path,
    inspect_template,
    install_template,
    load_template,
    restore_default,
)


def template_status(templates_dir: Path) -> list[dict[str, Any]]:
    """Per form: which template prints (default or the office's), and its problems."""
    out = []
    for form in FORMS:
        t = load_template(form, templates_dir)
        own = custom_path(templates_dir, form)
        out.append(
            {
                "form": form,
                "title": FORM_TITLES[form],
                "file_name": TEMPLATE_FILES[form],
                "source": t.source,
                "version": t.version,
                "office_file_exists": own.exists(),
                "path": own,
                "problems": list(t.warnings),
            }
        )
    return out


def check_office_template(path: Path | str, form: str) -> tuple[str | None, list[str]]:
    """(why the file cannot be used at all, or None; every problem as a message, with
    unknown and missing placeholders by name)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        check = TemplateCheck(error=f"无法读取文件 {path}:{e.strerror or e}")
    else:
        check = inspect_template(data, form)
    return check.error, check.messages()


def install_office_template(
    ctx: Context, form: str, source: Path | str, templates_dir: Path
) -> list[str]:
    """Make ``source`` this office's template for ``form`` (a broken file is refused with
    TemplateError's message as a UseCaseError); returns the remaining warnings."""
    auth.require(ctx, "form.templates")
    try:
        warnings = install_template(form, source, templates_dir)
    except TemplateError as e:
        raise UseCaseError(str(e)) from None
    db_changes.note_topics(("forms",))  # a template file, not a row: the pages are told
    template = load_template(form, templates_dir)
    audit.record(
        ctx,
        "form.template_replaced",
        note=f"{form} {FORM_TITLES[form]};{Path(source).name};{template.version}",
    )
    return warnings


def restore_default_template(ctx: Context, form: str, templates_dir: Path) -> Path | None:
    """Back to the shipped template; the office's file is kept in ``old/`` (returned)."""
    auth.require(ctx, "form.templates")
    old = restore_default(form, templates_dir)
    db_changes.note_topics(("forms",))  # a template file, not a row: the pages are told
    if old is not None:
        audit.record(
            ctx, "form.template_restored", note=f"{form} {FORM_TITLES[form]};原模板移至 {old.name}"
        )
    return old


def copy_default_template(ctx: Context, form: str, templates_dir: Path) -> Path:
    """Put the default into the office's folder to start editing it in Word/WPS."""
    auth.require(ctx, "form.templates")
    path = copy_default_to(form, templates_dir)
    db_changes.note_topics(("forms",))  # a template file, not a row: the pages are told
    return path
