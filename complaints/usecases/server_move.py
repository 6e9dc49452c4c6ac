"""Moving an office onto the office server and back (``migrate-to``), and a restore onto
the server.

Onto the server: this PC's SQLite data (every table, ``db.server_move.copied_tables``) and
the contents of its attachments and signed sheets' scans, read from the data folder, go into
an EMPTY server database in one transaction: a failure leaves the server as it was (its
empty schema). Every table's count is checked before the commit, and the checks (the audit
chain among them) run on the server afterwards.

Back: the server's rows go into a new data folder's SQLite file (``db.server_copy``, one
snapshot), the contents become files of that folder again, and the counts are checked
before the file takes its name.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from complaints.usecases import audit, auth, storage
from complaints.usecases.attachments import blob_path
from complaints.usecases.context import Context
from complaints.usecases.errors import UseCaseError
from complaints.usecases.site import local_site
from db import blob_rows, printed_rows, restore_files, server_move
from db.backup import integrity_problems, make_backup
from db.database import latest_version, migrate_file, open_server, schema_version
from db.errors import StorageError
from db.models import database, on_server
from db.partfiles import Partial, registry_for
from db.server_address import ServerAddress

Progress = Callable[[str], None]


class DataFolder(Protocol):
    """What a move needs of desktop.paths.DataPaths."""

    @property
    def database(self) -> Path: ...

    @property
    def attachments(self) -> Path: ...

    @property
    def printed(self) -> Path: ...

    @property
    def backups(self) -> Path: ...


@dataclass(frozen=True)
class MoveReport:
    counts: dict[str, tuple[int, int]]  # table → (rows at the source, rows at the target)
    contents: int  # attachments' and scans' contents carried
    problems: list[str] = field(default_factory=list)  # the checks afterwards
    kept: Path | None = None  # a restore: the server's data before it, as a backup file


def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


@dataclass(frozen=True)
class _Content:
    sha256: str
    path: Path | None  # a file of the data folder; None: the file's blobs table keeps it


@dataclass
class _Found:
    contents: dict[str, _Content] = field(default_factory=dict)
    scan_hashes: dict[int, str] = field(default_factory=dict)  # sheets whose scan had no hash
    problems: list[str] = field(default_factory=list)


def _contents(source: sqlite3.Connection, folder: DataFolder) -> _Found:
    """Every attachment's and scan's content of ``source``, found in the data folder (or in
    the file's own blobs table) and checked against its hash; the problems, each a
    sentence."""
    kept = server_move.kept_hashes(source)
    found = _Found()
    for sha, name in server_move.attachment_contents(source):
        path = blob_path(folder.attachments, sha)
        if _hash(path) == sha:
            found.contents[sha] = _Content(sha, path)
        elif sha in kept:
            found.contents[sha] = _Content(sha, None)
        else:
            found.problems.append(f"附件“{name}”的文件不见了或已被改动({path})")
    for pid, scan, scan_sha in server_move.scans(source):
        scan_file = Path(scan) if Path(scan).is_absolute() else folder.printed / scan
        actual = _hash(scan_file)
        if scan_sha is not None and actual != scan_sha and scan_sha in kept:
            found.contents.setdefault(scan_sha, _Content(scan_sha, None))
        elif actual is None or (scan_sha is not None and actual != scan_sha):
            found.problems.append(f"签字扫描件的文件不见了或已被改动({scan_file})")
        else:
            found.contents.setdefault(actual, _Content(actual, scan_file))
            if scan_sha is None:
                found.scan_hashes[pid] = actual
    return found


def _hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        return None


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """The SQLite file at ``path``, read in one snapshot."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        server_move.read_snapshot(conn)
    except sqlite3.Error as e:
        raise UseCaseError(f"无法读取数据库 {path}:{e}") from None
    try:
        yield conn
    finally:
        conn.close()


def migrate_to_server(
    folder: DataFolder,
    address: ServerAddress,
    *,
    app_version: str = "",
    progress: Progress | None = None,
) -> MoveReport:
    """Copy this PC's data folder onto the EMPTY server database at ``address`` (refused,
    naming what it holds, when it is not empty). The server is left open."""
    held = server_move.what_it_holds(address)
    if held:
        raise UseCaseError(
            f"服务器数据库 {address} 不是空的:{'; '.join(held)}。"
            "迁移只复制到空数据库(请新建一个数据库),未作任何改动"
        )
    with _read_only(folder.database) as source:
        if schema_version(source) != latest_version():
            raise UseCaseError(
                f"{folder.database} 的数据库版本不是 {latest_version()}:请先用本程序打开它"
            )
        try:
            tables = server_move.copied_tables(source)
        except server_move.UnknownTable as e:
            raise UseCaseError(str(e)) from None
        found = _contents(source, folder)
        if found.problems:
            problems = found.problems
            shown = ";".join(problems[:5]) + (
                f"……共 {len(problems)} 处" if len(problems) > 5 else ""
            )
            raise UseCaseError(f"{shown}。请先修复(从备份恢复这些文件或删除相应附件),未作任何改动")
        expected = server_move.source_counts(source, tables)
        _say(progress, f"正在连接服务器 {address} 并建立数据库结构")
        open_server(address, app_version=app_version)
        with server_move.failures_said(f"复制到服务器 {address}"), database.atomic():
            server_move.copy_rows(source, tables, progress)
            _carry_contents(found, progress)
            server_move.set_sequences(tables)
            counts = _compare(expected, tables, server_move.count)
        server_move.refresh_statistics()
    _say(progress, "复制完成,正在检查服务器上的数据")
    return MoveReport(counts, len(found.contents), storage.run_checks())


def _carry_contents(found: _Found, progress: Progress | None) -> None:
    for c in found.contents.values():
        if c.path is not None:
            blob_rows.put(c.sha256, c.path.read_bytes())
    for pid, sha in found.scan_hashes.items():
        printed_rows.set_scan_sha256(pid, sha)
    _say(progress, f"已复制附件和签字扫描件的内容:{len(found.contents)} 个")


def _compare(
    expected: dict[str, int], tables: list[str], count: Callable[[str], int]
) -> dict[str, tuple[int, int]]:
    """Each table's rows at the target against the source's; a difference stops the move
    (the caller's transaction rolls back). The blobs table may gain the contents carried."""
    counts = {t: (expected[t], count(t)) for t in tables}
    wrong = [
        f"{t}(原 {a} 行,现 {b} 行)"
        for t, (a, b) in counts.items()
        if (a != b if t != "blobs" else b < a)
    ]
    if wrong:
        raise UseCaseError(f"复制后行数不符:{', '.join(wrong)}。未作任何改动")
    return counts


def migrate_to_sqlite(
    target: DataFolder, *, app_version: str = "", progress: Progress | None = None
) -> MoveReport:
    """Copy the open office server into a NEW data folder ``target`` (refused when it holds
    a database): its SQLite file, the attachments' and scans' contents as files there."""
    if not on_server():
        raise UseCaseError("migrate-to sqlite:… 从办公室服务器复制:请用 --database 指定服务器")
    live = Path(target.database)
    if live.exists() and live.stat().st_size > 0:
        raise UseCaseError(f"{live} 已有数据库:请指定一个新的数据文件夹,未作任何改动")
    live.parent.mkdir(parents=True, exist_ok=True)
    part = live.with_name(f"{live.name}.{uuid.uuid4().hex[:8]}.part")
    with Partial(part, registry_for(live)):
        conn = sqlite3.connect(part)
        whole = False
        try:
            _say(progress, "正在从服务器复制全部数据(一个快照)")
            with server_move.failures_said("从服务器复制"):
                server = server_move.copy_server_counted(conn)
            carried = _contents_to_files(conn, target)
            _say(progress, f"已写出附件和签字扫描件的文件:{carried} 个")
            counts = {t: (n, server_move.file_count(conn, t)) for t, n in server.items()}
            wrong = [
                f"{t}(服务器 {a} 行,本机 {b} 行)"
                for t, (a, b) in counts.items()
                if a != b and t != "blobs"
            ]
            if wrong:
                raise UseCaseError(f"复制后行数不符:{', '.join(wrong)}。未作任何改动")
            conn.close()
            damaged = integrity_problems(part)
            if damaged:
                raise UseCaseError(f"写出的 {live} 未通过完整性检查:{'; '.join(damaged[:3])}")
            part.replace(live)
            whole = True
        except sqlite3.Error as e:
            raise UseCaseError(f"无法写入 {live}:{e}(未作任何改动)") from None
        finally:
            conn.close()
            if not whole:
                part.unlink(missing_ok=True)
    _say(progress, f"已写入 {live}")
    return MoveReport(counts, carried)


def _contents_to_files(conn: sqlite3.Connection, target: DataFolder) -> int:
    """The blobs of the new file written as the data folder's files (SQLite keeps its
    contents as files), then left out of the file."""
    attached = {sha for sha, _name in server_move.attachment_contents(conn)}
    scan_paths: dict[str, list[str]] = {}
    for _pid, scan, sha in server_move.scans(conn):
        if sha is not None and not Path(scan).is_absolute():
            scan_paths.setdefault(sha, []).append(scan)
    written: set[str] = set()
    for sha, content in server_move.kept_contents(conn):
        dests = [target.printed / scan for scan in scan_paths.get(sha, ())]
        if sha in attached:
            dests.append(blob_path(target.attachments, sha))
        for dest in dests:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content)
            written.add(sha)
    server_move.forget_contents(conn, written)
    return len(written)


def restore_onto_server(
    src: Path,
    folder: DataFolder,
    *,
    ctx: Context | None = None,
    allow_other_site: bool = False,
    app_version: str = "",
    now: datetime | None = None,
    progress: Progress | None = None,
) -> MoveReport:
    """Replace every row of the open office server with the backup file ``src`` (the file
    ``backup`` writes, on a PC or on a server), after the checks of every restore (a sound
    file of this program's schema, not newer, the same site unless ``allow_other_site``),
    staged in this PC's data folder ``folder``. The server's data before it is kept as a
    backup file in the folder's backups first; the copy is
    one transaction, and the checks (the audit chain among them) run after it."""
    if not on_server():
        raise UseCaseError("restore_onto_server: 未连接办公室服务器")
    if ctx is not None:
        auth.require(ctx, "data.restore")
    now = now or datetime.now(UTC)
    src = Path(src).expanduser()
    if not src.is_file():
        raise storage.RestoreRefused(f"找不到要恢复的文件 {src}")
    backups = folder.backups
    folder.database.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.database.parent / f"restore-{uuid.uuid4().hex[:12]}.part"
    # a killed restore leaves its .part file to the next start, which removes it
    with Partial(staging, registry_for(folder.database)):
        try:
            version = restore_files.stage(src, staging)
        except restore_files.BadSource as e:
            raise storage.RestoreRefused(str(e)) from None
        except restore_files.CannotStage as e:
            raise UseCaseError(str(e)) from None
        theirs = restore_files.site_of(staging)
        mine = _server_site()
        if mine and theirs and mine != theirs and not allow_other_site:
            raise storage.OtherSiteBackup(
                f"{src} 属于站点 {theirs},而服务器上的数据属于站点 {mine}:为免误恢复,未作任何改动"
            )
        conn = sqlite3.connect(staging)
        try:
            if version < latest_version():
                _say(progress, f"备份的数据库版本为 {version},正在升级到 {latest_version()}")
                migrate_file(conn, app_version)
            try:
                tables = server_move.copied_tables(conn)
            except server_move.UnknownTable as e:
                raise storage.RestoreRefused(str(e)) from None
            expected = server_move.source_counts(conn, tables)
            # a PC's backup names its attachments' files: this PC's folder may hold them
            # (what is found nowhere, check says afterwards)
            found = _contents(conn, folder)
            _say(progress, "正在备份服务器上现有的数据")
            try:
                kept = make_backup(backups, reason="before-restore", now=now)
            except StorageError as e:
                raise UseCaseError(f"无法备份服务器上现有的数据({e}),未作任何改动") from None
            with server_move.failures_said(f"恢复 {src} 到服务器"), database.atomic():
                server_move.empty_for_restore()
                server_move.copy_rows(conn, tables, progress)
                _carry_contents(found, progress)
                server_move.set_sequences(tables)
                counts = _compare(expected, tables, server_move.count)
        finally:
            conn.close()
    if ctx is not None:
        with database.atomic():
            audit.record(ctx, "data.restore", note=f"{src} → 服务器原数据另存为 {kept}")
    return MoveReport(counts, len(found.contents), storage.run_checks(), kept)


def _server_site() -> str | None:
    info = local_site()
    return info.code if info is not None else None
