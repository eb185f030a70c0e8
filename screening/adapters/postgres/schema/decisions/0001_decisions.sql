-- The durable decision log: every ScreenCall answered, once per call_id, by
-- whichever replica answered it first. The columns are SQLite's
-- (adapters/decision_rows.py encodes a row for both); privileged calls are
-- logged without their number (they are never recorded).
--
-- Not partitioned. A partitioned table's unique constraint must include the
-- partition key, so monthly partitions by `at` would turn UNIQUE
-- (facility_id, call_id) into "once per call_id per month": a retry that
-- crosses a month boundary (or whose `at` differs) would be screened and
-- counted twice, which is what the constraint is there to prevent. Pruning
-- archives every row before deleting it anyway, so dropping a partition
-- would save little; batched deletes by `at` and autovacuum keep the table
-- at the retention's size.
CREATE TABLE decisions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    facility_id text NOT NULL,
    call_id text NOT NULL,
    inmate_id text NOT NULL,
    station_id text NOT NULL,
    dialed_number text NOT NULL,
    called_party_name text NOT NULL,
    normalized_number text NOT NULL,
    number_key bigint NOT NULL,
    number_type text NOT NULL,
    number_region text NOT NULL,
    at double precision NOT NULL,
    requested_at text NOT NULL,
    decision text NOT NULL,
    record boolean NOT NULL,
    max_duration_seconds integer NOT NULL,
    list_version bigint NOT NULL,
    findings text NOT NULL,  -- JSON, as SQLite keeps it: read back whole, never queried inside
    -- Which replica logged the row: the tail of the other replicas' calls skips its own.
    replica text NOT NULL,
    -- When the row was written, by the database's clock: for people (how
    -- late a spool was replayed); the tail goes by logged_xid.
    logged_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The transaction that wrote the row. Identity ids are handed out at
    -- insert but become visible at commit, out of order, and so do
    -- logged_at times; a transaction id tells exactly whether the row was
    -- visible to an earlier read, by that read's snapshot (tail.py).
    logged_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    UNIQUE (facility_id, call_id)
);
CREATE INDEX decisions_at ON decisions (at);
CREATE INDEX decisions_inmate ON decisions (inmate_id, at);
CREATE INDEX decisions_logged_xid ON decisions (logged_xid);
