"""The peewee models and the migrated schema say the same thing: every model's table exists in
a freshly migrated database, and every model column exists there with the type the model
would declare. A column added to a model without its migration (or the other way round, a
type changed in one place only) fails here, not on an office's computer."""

from __future__ import annotations

import pkgutil
from collections.abc import Iterator

import peewee as pw
import pytest

import db
import db.models_audit
import db.models_blobs
import db.models_calendar
import db.models_forms
import db.models_ledger
import db.models_reminders
import db.models_touches
import db.models_users
import db.models_volume
from db import models

# Bases that hold shared fields and have no table of their own.
ABSTRACT = {models.BaseModel, models.SyncedModel}
MODULES = (
    models,
    db.models_audit,
    db.models_blobs,
    db.models_calendar,
    db.models_forms,
    db.models_ledger,
    db.models_reminders,
    db.models_touches,
    db.models_users,
    db.models_volume,
)


def _subclasses(cls: type[pw.Model]) -> Iterator[type[pw.Model]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _models() -> list[type[pw.Model]]:
    """Every concrete model of the db.models* modules (not the test's own, if any)."""
    names = {m.__name__ for m in MODULES}
    found = {m for m in _subclasses(models.BaseModel) if m.__module__ in names} - ABSTRACT
    return sorted(found, key=lambda m: m._meta.table_name)


def _declared_type(field: pw.Field) -> str:
    """The column type peewee would write for ``field`` in SQLite DDL."""
    ctx = models.database.get_sql_context()
    return ctx.sql(field.ddl_datatype(ctx)).query()[0].upper()


def test_every_model_module_is_covered():
    # A new models_*.py must be added to MODULES, or its models are not checked.
    found = {
        f"db.{m.name}"
        for m in pkgutil.iter_modules(db.__path__)
        if m.name == "models" or m.name.startswith("models_")
    }
    assert found == {m.__name__ for m in MODULES}


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_model_matches_the_migrated_table(db_path, model):
    table = model._meta.table_name
    columns = {
        row[1]: row[2].upper()
        for row in models.database.execute_sql(f'PRAGMA table_info("{table}")').fetchall()
    }
    assert columns, f"table {table} of {model.__name__} is not in the migrated database"
    for field in model._meta.sorted_fields:
        assert field.column_name in columns, f"{table}.{field.column_name} is not migrated"
        assert columns[field.column_name] == _declared_type(field), (
            f"{table}.{field.column_name}: migrated as {columns[field.column_name]}, "
            f"the model says {_declared_type(field)}"
        )
