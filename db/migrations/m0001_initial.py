"""Schema 1: sites, departments, staff, cases, tracking entries, sanctions,
attachments, settings, and the trigram full-text index over cases."""

from __future__ import annotations

_SYNC_KEYS = """
    uid TEXT NOT NULL UNIQUE,
    site TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    modified_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
"""

# What the full-text index holds for one case row (r is new or old).
_FTS_DOC = (
    "coalesce({r}.number,'') || char(10) || coalesce({r}.customer_name,'') || char(10) || "
    "coalesce({r}.phone,'') || char(10) || coalesce({r}.vin,'') || char(10) || "
    "coalesce({r}.plate,'') || char(10) || coalesce({r}.content,'')"
)

STATEMENTS = [
    """CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        is_local INTEGER NOT NULL DEFAULT 0,
        first_seen_at TEXT NOT NULL
    )""",
    """CREATE TABLE departments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        parent_id INTEGER REFERENCES departments(id),
        manager_title TEXT NOT NULL DEFAULT '',
        business TEXT,
        area TEXT,
        sort_order INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        title TEXT NOT NULL,
        department_id INTEGER NOT NULL REFERENCES departments(id),
        phone TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        UNIQUE (name, department_id)
    )""",
    f"""CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        {_SYNC_KEYS},
        number TEXT NOT NULL,
        received_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        initiative TEXT,
        business TEXT NOT NULL,
        area TEXT,
        media INTEGER NOT NULL DEFAULT 0,
        needs_oem INTEGER NOT NULL DEFAULT 0,
        attitude INTEGER NOT NULL DEFAULT 0,
        collective INTEGER NOT NULL DEFAULT 0,
        content TEXT NOT NULL,
        car_model TEXT,
        vin TEXT,
        work_order TEXT,
        plate TEXT,
        purchase_date TEXT,
        mileage INTEGER,
        customer_name TEXT NOT NULL,
        gender TEXT,
        phone TEXT,
        advisor TEXT,
        repair_content TEXT,
        repair_team TEXT,
        background TEXT,
        demand TEXT,
        department TEXT,
        responsible TEXT,
        plan TEXT,
        handled_date TEXT,
        gm_instruction TEXT,
        liability TEXT NOT NULL DEFAULT '待定',
        state TEXT NOT NULL DEFAULT '登记',
        closed_at TEXT,
        callback_at TEXT,
        satisfaction TEXT,
        callback2_at TEXT,
        satisfaction2 TEXT,
        cac_number TEXT,
        fmc_status TEXT,
        station_name TEXT,
        complaint_nature TEXT,
        UNIQUE (site, number)
    )""",
    "CREATE INDEX cases_received ON cases (received_at)",
    "CREATE INDEX cases_state_received ON cases (state, received_at)",
    "CREATE INDEX cases_site_received ON cases (site, received_at)",
    "CREATE INDEX cases_modified ON cases (modified_at)",
    "CREATE INDEX cases_vin ON cases (vin)",
    f"""CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        {_SYNC_KEYS},
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX entries_case_at ON entries (case_id, at)",
    "CREATE INDEX entries_modified ON entries (modified_at)",
    f"""CREATE TABLE sanctions (
        id INTEGER PRIMARY KEY,
        {_SYNC_KEYS},
        case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
        type TEXT NOT NULL,
        rule TEXT,
        department TEXT NOT NULL DEFAULT '',
        person TEXT NOT NULL DEFAULT '',
        amount INTEGER NOT NULL,
        amount_min INTEGER,
        amount_max INTEGER,
        reason TEXT NOT NULL DEFAULT '',
        date TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT '待审批',
        decided_by TEXT,
        decided_at TEXT,
        decision_note TEXT
    )""",
    "CREATE INDEX sanctions_case ON sanctions (case_id)",
    "CREATE INDEX sanctions_date ON sanctions (date)",
    """CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        file_name TEXT NOT NULL,
        stored_name TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX attachments_case ON attachments (case_id)",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # Trigram full-text index over the searchable columns, kept in step by triggers.
    "CREATE VIRTUAL TABLE cases_fts USING fts5(doc, tokenize='trigram')",
    f"""CREATE TRIGGER cases_fts_ai AFTER INSERT ON cases BEGIN
        INSERT INTO cases_fts (rowid, doc) VALUES (new.id, {_FTS_DOC.format(r="new")});
    END""",
    """CREATE TRIGGER cases_fts_ad AFTER DELETE ON cases BEGIN
        DELETE FROM cases_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER cases_fts_au
        AFTER UPDATE OF number, customer_name, phone, vin, plate, content ON cases BEGIN
        UPDATE cases_fts SET doc = {_FTS_DOC.format(r="new")} WHERE rowid = new.id;
    END""",
]

FTS_DOC_SQL = _FTS_DOC  # used by the index check, which must compare like for like


def up(execute) -> None:
    for sql in STATEMENTS:
        execute(sql)
