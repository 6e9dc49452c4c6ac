"""What an office may write in its own Word templates (设置 → 表单模板): each form's
placeholders with what they stand for."""

from __future__ import annotations

from forms.templates import PLACEHOLDERS


def placeholders_of(form: str) -> dict[str, str]:
    """``{{ name }}`` → its meaning, for form "A", "B", … (forms.templates.FORM_TITLES)."""
    return dict(PLACEHOLDERS[form])
