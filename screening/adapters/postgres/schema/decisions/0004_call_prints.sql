-- A retried call_id must be the same call: each decision keeps its call's
-- print, as on SQLite (see there). Adding a column with a constant default
-- rewrites no row.
ALTER TABLE decisions ADD COLUMN call_print text NOT NULL DEFAULT '';
-- The prints' key, made once per log and shared by every replica: 244
-- random bits (gen_random_uuid is built in since PostgreSQL 13).
CREATE TABLE call_key (key text NOT NULL);
INSERT INTO call_key (key) SELECT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
