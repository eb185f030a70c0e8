-- The approval policy in force kept in the store (service/approval_policy.py):
-- the two-person rule binds the database, not the config file of whoever
-- runs a command. One row per setting; value is JSON, version the
-- change-log entry (list 'approvals', action 'policy') that set it. The
-- change log is rebuilt with the wider CHECK, as 0007 did: the rows are
-- copied as they are and every hash still holds.
CREATE TABLE store_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    set_by TEXT NOT NULL
);

DROP TRIGGER change_log_no_update;
DROP TRIGGER change_log_no_delete;
DROP TRIGGER change_rows_no_update;
DROP TRIGGER change_rows_no_delete;

CREATE TABLE change_log_next (
    version INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove', 'edit', 'import', 'baseline', 'report', 'request', 'approve',
                                                'reject', 'expire', 'policy')),
    list TEXT NOT NULL,
    entry_id INTEGER NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    details TEXT NOT NULL,
    rows INTEGER NOT NULL,
    rows_sha256 TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT NOT NULL
);
INSERT INTO change_log_next SELECT version, at, actor, reason, action, list, entry_id, before, after, details, rows,
    rows_sha256, prev_hash, hash, mac FROM change_log;

CREATE TABLE change_rows_next (
    version INTEGER NOT NULL REFERENCES change_log_next (version) DEFERRABLE INITIALLY DEFERRED,
    chunk INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (version, chunk)
);
INSERT INTO change_rows_next SELECT version, chunk, rows, data FROM change_rows;

DROP TABLE change_rows;
DROP TABLE change_log;
ALTER TABLE change_log_next RENAME TO change_log;
ALTER TABLE change_rows_next RENAME TO change_rows;
CREATE INDEX change_log_entry ON change_log (list, entry_id);
CREATE INDEX change_log_at ON change_log (at);

CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_rows_no_update BEFORE UPDATE ON change_rows
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_rows_no_delete BEFORE DELETE ON change_rows
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
