-- Least-privilege roles for screening on PostgreSQL.
--
-- Run as the schema's owner (or a superuser), with search_path set to the
-- schema screening uses, AFTER `screening init` has created its tables:
--
--   psql "postgresql://owner@db/screening" -v ON_ERROR_STOP=1 -f deploy/postgres/roles.sql
--
-- It creates three group roles (NOLOGIN) and grants each only what its job
-- needs. People and machines log in as roles of their own, members of one:
--
--   CREATE ROLE replica_jkt1 LOGIN PASSWORD '...' IN ROLE screening_server;
--   CREATE ROLE kplp_budi    LOGIN PASSWORD '...' IN ROLE screening_admin;
--   CREATE ROLE polda_audit  LOGIN PASSWORD '...' IN ROLE screening_auditor;
--
-- - screening_server: the replicas. Reads the lists and their change log,
--   writes decisions (and deletes them past decision_retention_days). It
--   cannot change a list, nor the schema: migrations are run by the owner
--   (`screening init`), and a replica starts only on a current schema.
-- - screening_admin: security staff's CLI. Changes the lists, which appends
--   to the change log; reads decisions (and prunes them). The change log
--   itself is append-only for everyone: a trigger refuses UPDATE, DELETE and
--   TRUNCATE, and no role here is granted them.
-- - screening_auditor: investigators and auditors. Reads everything,
--   changes nothing.
--
-- Safe to run again (after an upgrade adds a table, say): roles are created
-- only when missing and grants are idempotent.

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['screening_server', 'screening_admin', 'screening_auditor'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', name);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO screening_server, screening_admin, screening_auditor',
                   current_schema());
END
$$;

-- Nobody but the owner writes the schema's history or the change log's rows
-- by default; each role gets exactly what follows.
REVOKE ALL ON schema_migrations, list_version, allowlist, privileged, blocklist, watchlist, alerts,
              pending_changes, store_settings, change_log, change_rows, decisions, decision_findings, called_names,
              call_key
    FROM PUBLIC, screening_server, screening_admin, screening_auditor;

-- Every role reads the lists (and the hot numbers the feed alerts on), their
-- version and change log, and the schema's version.
GRANT SELECT ON schema_migrations, list_version, allowlist, privileged, blocklist, watchlist, alerts,
                pending_changes, store_settings, change_log, change_rows
    TO screening_server, screening_admin, screening_auditor;

-- The replicas write decisions, with their findings' rows and called
-- parties' names (decision search), and prune them.
GRANT SELECT, INSERT, DELETE ON decisions, decision_findings, called_names TO screening_server;
-- The key of the calls' prints (a retried call_id is compared by them), to
-- the replicas alone: who reads the decisions cannot test a guessed number
-- against a privileged call's print.
GRANT SELECT ON call_key TO screening_server;

-- Security staff change the lists: entries, the version row, and new
-- change-log entries (never updates or deletes of them).
GRANT INSERT, UPDATE, DELETE ON allowlist, privileged, blocklist, watchlist, alerts TO screening_admin;
GRANT UPDATE ON list_version TO screening_admin;
-- Two-person changes: staff hold them and decide them (approve, reject; an
-- expiry is marked by whoever reads it first). Each step is a change-log entry.
GRANT INSERT, UPDATE ON pending_changes TO screening_admin;
-- The approval policy in force (store_settings): the CLI raises it, or sets
-- it lower once a second identity approved that; each time a change-log
-- entry. A member could also write it with SQL, as the lists (README
-- "Threat model").
GRANT INSERT, UPDATE ON store_settings TO screening_admin;
GRANT INSERT ON change_log, change_rows TO screening_admin;
GRANT SELECT, DELETE ON decisions, decision_findings, called_names TO screening_admin;

-- Auditors read the decisions too.
GRANT SELECT ON decisions, decision_findings, called_names TO screening_auditor;

-- Identity columns draw from sequences.
DO $$
DECLARE
    seq record;
BEGIN
    FOR seq IN SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() LOOP
        EXECUTE format('GRANT USAGE ON SEQUENCE %I TO screening_server, screening_admin', seq.sequence_name);
    END LOOP;
END
$$;
