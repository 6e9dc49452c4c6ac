"""The desktop program's connections keep a small page cache (the app's memory with a big
database); the next open_database (a command, a test) has PRAGMAS' again."""

import threading
from pathlib import Path

from db.database import DESKTOP_CACHE_KIB, PRAGMAS, limit_page_cache, open_database
from db.models import database


def _cache_size() -> int:
    return database.execute_sql("PRAGMA cache_size").fetchone()[0]


def test_every_connection_keeps_the_desktop_cache(db_path):
    assert _cache_size() == PRAGMAS["cache_size"]
    limit_page_cache()
    assert _cache_size() == -DESKTOP_CACHE_KIB
    seen = []

    def worker():
        database.connect(reuse_if_open=True)
        seen.append(_cache_size())
        database.close()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [-DESKTOP_CACHE_KIB]
    open_database(Path(db_path))
    assert _cache_size() == PRAGMAS["cache_size"]
