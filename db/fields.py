"""peewee fields for timezone-aware times and ISO dates stored as text."""

from __future__ import annotations

import peewee

from db import timeutil


class AwareDateTimeField(peewee.TextField):
    """A timezone-aware datetime, stored as fixed-width UTC text (sortable)."""

    def db_value(self, value):
        return timeutil.to_db(value) if not isinstance(value, str) else value

    def python_value(self, value):
        return timeutil.from_db(value)


class IsoDateField(peewee.TextField):
    def db_value(self, value):
        return timeutil.date_to_db(value) if not isinstance(value, str) else value

    def python_value(self, value):
        return timeutil.date_from_db(value)
