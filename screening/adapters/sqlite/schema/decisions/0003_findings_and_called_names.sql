-- Decision search by reason, entry and called party's name, by index.
--
-- A privileged call keeps no called party's name either, as it keeps no
-- number: rows logged before this version lose it here.
UPDATE decisions SET called_party_name = '' WHERE record = 0 AND called_party_name <> '';
-- One row per finding of a decision (n: its place in the findings JSON),
-- written in the decision's transaction and deleted with it (prune): who hit
-- a list entry, which decisions had a reason, each by index in time order.
-- Keyed by the decision, so prune deletes a range of it; without a rowid, so
-- the key is the table and the indexes hold it instead of a rowid.
CREATE TABLE decision_findings (
    decision_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    reason TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (decision_id, n)
) WITHOUT ROWID;
INSERT INTO decision_findings (decision_id, n, reason, entry_id, at)
SELECT d.id, f.key, json_extract(f.value, '$[0]'), json_extract(f.value, '$[3]'), d.at
FROM decisions d, json_each(d.findings) f;
CREATE INDEX decision_findings_reason ON decision_findings (reason, at, decision_id);
-- Most findings name no entry (number type, velocity...): only those that do are indexed.
CREATE INDEX decision_findings_entry ON decision_findings (entry_id, at, decision_id) WHERE entry_id <> '';
-- Every called party's name the log holds, once: --called-name matches its
-- query against these in memory (the name matcher), then looks the names
-- found up by index. Never a privileged call's (it keeps none).
CREATE TABLE called_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO called_names (name) SELECT DISTINCT called_party_name FROM decisions WHERE called_party_name <> '';
CREATE INDEX decisions_called_name ON decisions (called_party_name, at) WHERE called_party_name <> '';
-- screening decisions show CALL_ID without --facility: one call attempt by its
-- id (the UNIQUE index leads with the facility).
CREATE INDEX decisions_call ON decisions (call_id);
