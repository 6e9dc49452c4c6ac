"""Numbered schema steps. Each is plain SQL, frozen once released: never edit a
released step, add the next one. They do not use the live model classes, so an
old database migrates the same way whatever the models look like today."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from db.migrations import (
    m0001_initial,
    m0002_users,
    m0003_ledger,
    m0004_printed_forms,
    m0005_entry_index,
    m0006_phone_index,
    m0007_stats,
    m0008_ledger_versions,
    m0009_audit_chains,
    m0010_entry_fields,
    m0011_settled_on_site,
    m0012_hq_indexes,
    m0013_calendar,
    m0014_sheet_codes,
    m0015_holds,
    m0017_causes,
    m0018_emergencies,
    m0019_blobs,
    m0020_stats_months,
    m0021_bigram_index,
    m0022_reminders,
    m0023_bigram_split,
    m0024_case_touches,
    m0025_trigram_split,
    pg0014_baseline,
    pg0019_blobs,
    pg0020_stats_months,
    pg0021_bigram_index,
    pg0023_bigram_split,
    pg0024_case_touches,
    pg0025_trigram_split,
)

Step = Callable[[Callable[[str], object]], None]

# (version, description, step). The version after applying a step is its number.
STEPS: Sequence[tuple[int, str, Step]] = (
    (1, "initial schema", m0001_initial.up),
    (2, "users, roles, audit trail", m0002_users.up),
    (3, "ledger exchange", m0003_ledger.up),
    (4, "printed forms history", m0004_printed_forms.up),
    (5, "covering index of tracking entries", m0005_entry_index.up),
    (6, "index of the customer's phone", m0006_phone_index.up),
    (7, "business volume and kept case summaries (stats)", m0007_stats.up),
    (8, "ledger versions: fingerprints, conflicts of divergent versions", m0008_ledger_versions.up),
    (
        9,
        "other sites' audit chains, audit entries carried per ledger destination",
        m0009_audit_chains.up,
    ),
    (10, "structured tracking-entry values; S5 as a decision", m0010_entry_fields.up),
    (11, "settled on the spot (D3 follows the answer)", m0011_settled_on_site.up),
    (12, "partial indexes of the manufacturer cases (厂家跟踪)", m0012_hq_indexes.up),
    (13, "the office's working calendar (holidays, make-up workdays)", m0013_calendar.up),
    (14, "sheet codes: scanned signed sheets find their printed sheet", m0014_sheet_codes.up),
    (15, "partial index of the holds (暂停/恢复)", m0015_holds.up),
    (17, "the cause of a case (原因分类, 原因说明)", m0017_causes.up),
    (18, "emergencies (突发事件) and their review", m0018_emergencies.up),
    (19, "file contents in the database (attachments, scans)", m0019_blobs.up),
    (
        20,
        "the kept month partials of 统计, forgotten by triggers on a write",
        m0020_stats_months.up,
    ),
    (21, "bigram index of the cases for 1-2 character searches", m0021_bigram_index.up),
    (22, "deadline reminders shown once per office", m0022_reminders.up),
    (
        23,
        "the bigram index split: the keys (number, name, phone, VIN, plate) and the content",
        m0023_bigram_split.up,
    ),
    (24, "the cases touched by each write, for the kept to-do list", m0024_case_touches.up),
    (
        25,
        "the trigram index split: the customer's name and phone, the case's text",
        m0025_trigram_split.up,
    ),
)

LATEST_VERSION = STEPS[-1][0]

# On PostgreSQL (the office server) a step listed here replaces the shared step of its
# number. The server was never on an older schema, so steps 1 to 14 are one baseline there
# (POSTGRES_BASELINE), which brings an empty database straight to that version. A step after
# 14 is shared (the same SQL on both engines) unless it is listed here with its PostgreSQL
# spelling.
POSTGRES_BASELINE = 14
POSTGRES_STEPS: dict[int, Step] = {
    POSTGRES_BASELINE: pg0014_baseline.up,
    19: pg0019_blobs.up,
    20: pg0020_stats_months.up,
    21: pg0021_bigram_index.up,
    23: pg0023_bigram_split.up,
    24: pg0024_case_touches.up,
    25: pg0025_trigram_split.up,
}
