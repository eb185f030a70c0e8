-- Decision search by reason, entry and called party's name, by index; the
-- same tables as SQLite's (see there).
--
-- A privileged call keeps no called party's name either, as it keeps no
-- number: rows logged before this version lose it here.
UPDATE decisions SET called_party_name = '' WHERE NOT record AND called_party_name <> '';
-- One row per finding of a decision (n: its place in the findings JSON),
-- inserted by the decision's own statement (decision_sql.INSERT) and
-- deleted with it by the foreign key. The key, the foreign key and the
-- indexes come after the backfill: building them once is faster than
-- keeping them up row by row.
CREATE TABLE decision_findings (
    decision_id bigint NOT NULL,
    n smallint NOT NULL,
    reason text NOT NULL,
    entry_id text NOT NULL,
    at double precision NOT NULL
);
INSERT INTO decision_findings (decision_id, n, reason, entry_id, at)
SELECT d.id, f.n - 1, f.v->>0, f.v->>3, d.at
FROM decisions d, jsonb_array_elements(d.findings::jsonb) WITH ORDINALITY AS f(v, n);
ALTER TABLE decision_findings ADD PRIMARY KEY (decision_id, n);
ALTER TABLE decision_findings ADD FOREIGN KEY (decision_id) REFERENCES decisions (id) ON DELETE CASCADE;
CREATE INDEX decision_findings_reason ON decision_findings (reason, at, decision_id);
-- Most findings name no entry (number type, velocity...): only those that do are indexed.
CREATE INDEX decision_findings_entry ON decision_findings (entry_id, at, decision_id) WHERE entry_id <> '';
-- Every called party's name the log holds, once (never a privileged call's).
CREATE TABLE called_names (name text PRIMARY KEY);
INSERT INTO called_names (name) SELECT DISTINCT called_party_name FROM decisions WHERE called_party_name <> '';
CREATE INDEX decisions_called_name ON decisions (called_party_name, at) WHERE called_party_name <> '';
ANALYZE decisions;
ANALYZE decision_findings;
-- screening decisions show CALL_ID without --facility: one call attempt by its
-- id (the UNIQUE index leads with the facility).
CREATE INDEX decisions_call ON decisions (call_id);
