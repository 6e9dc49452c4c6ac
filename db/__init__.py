"""Storage: peewee models, opening the database, migrations, backups, queries.

Never imports Qt or ``ui``.
"""
