"""The server database of each data folder the running test set up with ``open_data_folder``
(tests/conftest.py). A module of its own: pytest loads conftest.py as ``conftest`` while the
tests import ``tests.conftest``, two copies that would each keep their own dictionary."""

from __future__ import annotations

from pathlib import Path

from db.server_address import ServerAddress

SERVERS: dict[Path, ServerAddress] = {}
