"""Keeping the office server's password, never in plain text in the program's settings: the
platform's credential store through ``keyring`` when it is installed, else libpq's password
file (the places db/server_address.py reads it back from), and which of the two this PC uses.

Also the data folder's choice of database: ``server.json`` names the office server this PC's
GUI opens when neither ``--database`` nor ``COMPLAINTDESK_DATABASE`` names one. It lives in the
data folder, not in QSettings, because it must be read before the database opens and before
anything of Qt, and because each data folder (``--data-dir``) is its own seat: a smoke run or
a test on a fresh folder never reaches for a server.

No database driver is imported here.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from db.errors import StorageError
from db.server_address import KEYRING_SERVICE, ServerAddress, is_server_address, parse_address

CHOICE_FILE = "server.json"
PGPASS_ENV = "PGPASSFILE"


class PasswordNotKept(StorageError):
    """Neither the credential store nor the password file could take the password."""


def pgpass_path() -> Path:
    """libpq's password file: ``PGPASSFILE``, else ``%APPDATA%\\postgresql\\pgpass.conf`` on
    Windows, else ``~/.pgpass``."""
    named = os.environ.get(PGPASS_ENV, "").strip()
    if named:
        return Path(named)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def _pgpass_field(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:")


def _pgpass_key(address: ServerAddress) -> str:
    host = "localhost" if address.host.startswith("/") else address.host
    return ":".join(
        _pgpass_field(v) for v in (host, str(address.port), address.dbname, address.user)
    )


def _keyring():  # the optional module, or None (pip install keyring where an office wants it)
    try:
        import keyring  # optional: not every PC has a credential store backend
    except ImportError:
        return None
    return keyring


def keeps_in_keyring() -> bool:
    """Whether this PC keeps passwords in the platform's credential store."""
    store = _keyring()
    if store is None:
        return False
    with contextlib.suppress(Exception):
        backend = store.get_keyring()
        return float(getattr(backend, "priority", 0)) > 0  # keyring's "fail" backend is 0
    return False


def save_password(address: ServerAddress, password: str) -> str:
    """Keep ``password`` for ``address``; returns where, as a person reads it."""
    store = _keyring()
    if store is not None and keeps_in_keyring():
        try:
            store.set_password(KEYRING_SERVICE, address.keyring_user, password)
            return "系统凭据管理器"
        except Exception:  # a locked or absent backend: the password file instead
            pass
    path = pgpass_path()
    key = _pgpass_key(address)
    line = f"{key}:{_pgpass_field(password)}"
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = [x for x in lines if not x.startswith(key + ":")]
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".new")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join([*kept, line]) + "\n")
        os.chmod(part, 0o600)  # libpq ignores a password file others may read
        os.replace(part, path)
    except OSError as e:
        raise PasswordNotKept(f"无法保存密码到 {path}:{e}") from None
    return f"密码文件 {path}"


def has_password(address: ServerAddress) -> bool:
    """Whether a password is kept for ``address`` (credential store or password file)."""
    store = _keyring()
    if store is not None:
        with contextlib.suppress(Exception):
            if store.get_password(KEYRING_SERVICE, address.keyring_user):
                return True
    path = pgpass_path()
    with contextlib.suppress(OSError, UnicodeDecodeError):
        key = _pgpass_key(address) + ":"
        return any(x.startswith(key) for x in path.read_text(encoding="utf-8").splitlines())
    return False


def saved_server(folder: Path) -> ServerAddress | None:
    """The office server this data folder's GUI uses; None: this PC's SQLite file. A file
    that cannot be read is treated as none (the GUI then starts on this PC's data), and
    logged by the caller through the error it shows."""
    path = Path(folder) / CHOICE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise StorageError(f"无法读取数据库设置 {path}:{e}") from None
    text = data.get("server") if isinstance(data, dict) else None
    if not isinstance(text, str) or not is_server_address(text):
        return None
    return parse_address(text)


def save_server(folder: Path, address: ServerAddress | None) -> None:
    """Keep this data folder's choice: ``address``, or None for this PC's SQLite file."""
    path = Path(folder) / CHOICE_FILE
    try:
        if address is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".new")
        part.write_text(
            json.dumps({"server": str(address)}, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.replace(part, path)
    except OSError as e:
        raise StorageError(f"无法保存数据库设置 {path}:{e}") from None
