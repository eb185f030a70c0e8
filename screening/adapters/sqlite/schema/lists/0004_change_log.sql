-- One append-only change log for every list, chained by hashes (see
-- screening/domain/changelog.py). Imports and baselines keep their rows in
-- change_rows, compressed, covered by the entry's rows_sha256. The audit
-- log's rows become the start of the chain and the lists as they stand a
-- baseline entry: that is done in Python (adapters/sqlite/upgrades.py), in
-- this migration's transaction, after these statements.
CREATE TABLE change_log (
    version INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove', 'edit', 'import', 'baseline')),
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
CREATE INDEX change_log_entry ON change_log (list, entry_id);
CREATE INDEX change_log_at ON change_log (at);

CREATE TABLE change_rows (
    version INTEGER NOT NULL REFERENCES change_log (version) DEFERRABLE INITIALLY DEFERRED,
    chunk INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (version, chunk)
);

-- Append-only: nobody edits history by mistake. (Whoever can write the file
-- can drop these; the chain then shows what they did.)
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_rows_no_update BEFORE UPDATE ON change_rows
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER change_rows_no_delete BEFORE DELETE ON change_rows
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
