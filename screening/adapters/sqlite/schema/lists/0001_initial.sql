-- The lists, their audit log and the list version.
CREATE TABLE list_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO list_version (id, version) VALUES (1, 0);

CREATE TABLE allowlist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inmate_id TEXT NOT NULL,
    facility_id TEXT NOT NULL DEFAULT '',
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    relationship TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (inmate_id, facility_id, number)
);
CREATE INDEX allowlist_number ON allowlist (number);

CREATE TABLE privileged (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL
);

CREATE TABLE blocklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('deny', 'review')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL
);

-- Every change to every list, with a copy of the entry: removed entries
-- stay explainable.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove')),
    list TEXT NOT NULL,
    entry_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    entry TEXT NOT NULL,
    list_version INTEGER NOT NULL
);
CREATE INDEX audit_log_entry ON audit_log (list, entry_id);
