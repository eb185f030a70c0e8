-- A retried call_id must be the same call (service.call_prints): each
-- decision keeps its call's print, keyed digests of the dialed number and
-- the called party's name ("NUMBER:NAME"), so that a privileged call, which
-- keeps neither, is still told from another call. Rows logged before have
-- none ('') and are compared by what they kept.
ALTER TABLE decisions ADD COLUMN call_print TEXT NOT NULL DEFAULT '';
-- The prints' key, made once per log: 256 random bits.
CREATE TABLE call_key (key TEXT NOT NULL);
INSERT INTO call_key (key) SELECT lower(hex(randomblob(32)));
