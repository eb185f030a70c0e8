-- The lists, the list version and the change log, as SQLite has them after
-- its migration 0004 (the same columns, keys and checks): one fresh schema,
-- since no PostgreSQL database has an older one to upgrade.
--
-- Every value is the text SQLite keeps (adapters/table_codec.py), so that a
-- record read back is the same string, and hashes the same in the change
-- log. Text is COLLATE "C": compared and sorted byte by byte as SQLite's
-- BINARY does, whatever the database's locale (the allowlist is read in
-- (inmate, number) order, the log by time), and sorted faster.

CREATE TABLE list_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO list_version (id, version) VALUES (1, 0);

CREATE TABLE allowlist (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inmate_id text COLLATE "C" NOT NULL,
    facility_id text COLLATE "C" NOT NULL DEFAULT '',
    number text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    relationship text COLLATE "C" NOT NULL DEFAULT '',
    created_at text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    UNIQUE (inmate_id, facility_id, number)
);
CREATE INDEX allowlist_number ON allowlist (number);

CREATE TABLE privileged (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number text COLLATE "C" NOT NULL UNIQUE,
    name text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL
);

CREATE TABLE blocklist (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pattern text COLLATE "C" NOT NULL,
    category text COLLATE "C" NOT NULL
        CHECK (category IN ('fraud', 'victim', 'witness', 'official', 'narcotics', 'other')),
    action text COLLATE "C" NOT NULL CHECK (action IN ('deny', 'review')),
    source text COLLATE "C" NOT NULL DEFAULT '',
    scope text COLLATE "C" NOT NULL DEFAULT 'global',
    expires_at text COLLATE "C" NOT NULL DEFAULT '',
    created_at text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    UNIQUE (pattern, scope)
);

CREATE TABLE watchlist (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    aliases text COLLATE "C" NOT NULL DEFAULT '[]',  -- a JSON array, as SQLite keeps it
    category text COLLATE "C" NOT NULL CHECK (category IN ('victim', 'witness', 'judge', 'prosecutor', 'officer',
                                                           'fraud', 'organisation', 'other')),
    action text COLLATE "C" NOT NULL CHECK (action IN ('deny', 'review')),
    scope text COLLATE "C" NOT NULL DEFAULT 'global',
    created_at text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    UNIQUE (name, scope)
);

-- One append-only change log for every list, chained by hashes (see
-- screening/domain/changelog.py). before, after and details are the JSON
-- text the chain hashed. Imports keep their rows in change_rows,
-- compressed, covered by the entry's rows_sha256.
CREATE TABLE change_log (
    version bigint PRIMARY KEY,
    at text COLLATE "C" NOT NULL,
    actor text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    action text COLLATE "C" NOT NULL CHECK (action IN ('add', 'remove', 'edit', 'import', 'baseline')),
    list text COLLATE "C" NOT NULL,
    entry_id bigint NOT NULL,
    before text COLLATE "C" NOT NULL,
    after text COLLATE "C" NOT NULL,
    details text COLLATE "C" NOT NULL,
    rows bigint NOT NULL,
    rows_sha256 text COLLATE "C" NOT NULL,
    prev_hash text COLLATE "C" NOT NULL,
    hash text COLLATE "C" NOT NULL,
    mac text COLLATE "C" NOT NULL
);
CREATE INDEX change_log_entry ON change_log (list, entry_id);
CREATE INDEX change_log_at ON change_log (at);

-- An import writes its rows before its entry, which needs their digest:
-- the reference is checked at commit.
CREATE TABLE change_rows (
    version bigint NOT NULL REFERENCES change_log (version) DEFERRABLE INITIALLY DEFERRED,
    chunk integer NOT NULL,
    rows integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (version, chunk)
);

-- Append-only: nobody edits history by mistake. (The owner of the tables
-- can drop these triggers; the chain then shows what they did.)
CREATE FUNCTION change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the change log is append-only'
        USING HINT = 'a change to a list is a new entry; ' || TG_TABLE_NAME || ' is never changed';
END
$$;
CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON change_log
    FOR EACH ROW EXECUTE FUNCTION change_log_append_only();
CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log
    FOR EACH STATEMENT EXECUTE FUNCTION change_log_append_only();
CREATE TRIGGER change_rows_append_only BEFORE UPDATE OR DELETE ON change_rows
    FOR EACH ROW EXECUTE FUNCTION change_log_append_only();
CREATE TRIGGER change_rows_no_truncate BEFORE TRUNCATE ON change_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_log_append_only();
