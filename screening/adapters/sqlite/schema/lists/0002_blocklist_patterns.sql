-- The blocklist holds patterns (exact numbers, prefixes, wildcards, ranges)
-- with a source, a scope and an optional expiry; bulk imports are audited.
CREATE TABLE blocklist_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('fraud', 'victim', 'witness', 'official', 'narcotics', 'other')),
    action TEXT NOT NULL CHECK (action IN ('deny', 'review')),
    source TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT 'global',
    expires_at TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (pattern, scope)
);
INSERT INTO blocklist_new (id, pattern, category, action, created_at, created_by, reason)
    SELECT id, number, CASE WHEN category IN ('fraud', 'victim', 'witness', 'official', 'narcotics')
                            THEN category ELSE 'other' END,
           action, created_at, created_by, reason
    FROM blocklist;
DROP TABLE blocklist;
ALTER TABLE blocklist_new RENAME TO blocklist;

CREATE TABLE audit_log_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove', 'import')),
    list TEXT NOT NULL,
    entry_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    entry TEXT NOT NULL,
    list_version INTEGER NOT NULL
);
INSERT INTO audit_log_new SELECT * FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_entry ON audit_log (list, entry_id);
