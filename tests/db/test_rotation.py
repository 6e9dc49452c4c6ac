"""The backup rotation: a pure decision over timestamps, and pruning a folder by it."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.usecases.context import CHINA_TZ
from db.backup import Rotation, list_backups, parse_backup_name, prune_backups, stamps_to_keep

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)

stamps = st.lists(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 11, 25), timezones=st.just(UTC)
    ).map(lambda d: d.replace(microsecond=0)),
    max_size=80,
)
rotations = st.builds(
    Rotation, st.integers(0, 5), st.integers(0, 15), st.integers(0, 12), st.integers(0, 12)
)


@settings(max_examples=300, deadline=None)
@given(stamps, rotations)
def test_rotation_properties(ss, rot):
    kept = stamps_to_keep(ss, NOW, rot, CHINA_TZ)
    assert kept <= set(ss)
    if ss:
        assert max(ss) in kept  # never deletes the newest
    recent = {s for s in ss if s > NOW - timedelta(days=rot.recent_days)}
    assert recent <= kept
    assert len(kept) <= rot.bound(len(recent))
    assert stamps_to_keep(kept, NOW, rot, CHINA_TZ) == kept  # idempotent


def test_rotation_one_backup_a_day_for_two_years():
    rot = Rotation(recent_days=2, daily=12, weekly=10, monthly=9)
    ss = [NOW - timedelta(days=i) for i in range(730)]
    kept = stamps_to_keep(ss, NOW, rot, CHINA_TZ)
    days = sorted({(NOW - s).days for s in kept})
    assert days[:12] == list(range(12))  # the last 12 days, every one
    assert 12 < len(kept) <= 12 + 10 + 9
    assert max(days) > 225  # the newest of each of 9 months: back to the end of March
    assert max(days) < 300


def test_daily_bucket_is_the_local_day():
    # 23:30 and 00:30 China time on consecutive local days are 2 buckets; both in one UTC day.
    a = datetime(2026, 10, 1, 15, 30, tzinfo=UTC)  # 23:30 +08:00 on 10-01
    b = datetime(2026, 10, 1, 16, 30, tzinfo=UTC)  # 00:30 +08:00 on 10-02
    kept = stamps_to_keep([a, b], NOW, Rotation(0, 2, 0, 0), CHINA_TZ)
    assert kept == {a, b}
    kept_utc = stamps_to_keep([a, b], NOW, Rotation(0, 2, 0, 0), UTC)
    assert kept_utc == {b}


def _touch(folder, at, reason):
    p = folder / f"complaintdesk-{at:%Y%m%dT%H%M%SZ}-{reason}.sqlite3"
    p.write_bytes(b"x")
    return p


def test_prune_rotates_each_series_and_leaves_manual_and_strangers(tmp_path):
    auto = [_touch(tmp_path, NOW - timedelta(days=i), "auto") for i in range(40)]
    mig = _touch(tmp_path, NOW - timedelta(days=30), "before-migration-v1")
    restore = _touch(tmp_path, NOW - timedelta(days=20), "before-restore")
    manual = _touch(tmp_path, NOW - timedelta(days=39), "manual")
    stranger = tmp_path / "my-copy.sqlite3"
    stranger.write_bytes(b"x")
    deleted = prune_backups(tmp_path, NOW, Rotation(2, 3, 0, 0), CHINA_TZ)
    assert set(deleted) == set(auto[3:])
    for p in (mig, restore, manual, stranger, *auto[:3]):
        assert p.exists()
    assert [b.reason for b in list_backups(tmp_path)][:3] == ["auto"] * 3
    assert prune_backups(tmp_path, NOW, Rotation(2, 3, 0, 0), CHINA_TZ) == []


def test_parse_backup_name():
    b = parse_backup_name("complaintdesk-20261120T013000Z-before-migration-v1.sqlite3")
    assert b.at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    assert b.reason == "before-migration-v1" and b.series == "before-migration"
    assert parse_backup_name("complaintdesk-2026-auto.sqlite3") is None


def test_prune_removes_stale_half_written_copies(tmp_path):
    import os

    stale = tmp_path / "complaintdesk-20261101T000000Z-auto.sqlite3.part"
    fresh = tmp_path / "complaintdesk-20261120T010000Z-auto.sqlite3.part"
    for p in (stale, fresh):
        p.write_bytes(b"x")
    os.utime(stale, (NOW.timestamp() - 3 * 86_400,) * 2)
    os.utime(fresh, (NOW.timestamp() - 600,) * 2)
    assert prune_backups(tmp_path, NOW, Rotation(), CHINA_TZ) == [stale]
    assert fresh.exists()
