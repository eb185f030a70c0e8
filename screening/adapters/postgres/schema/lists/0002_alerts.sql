-- Hot numbers (screening/domain/alerts.py), as SQLite's migration 0005 has
-- them: changed through the change log like the lists, not one of the
-- engine's lists.
CREATE TABLE alerts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text COLLATE "C" NOT NULL CHECK (kind IN ('number', 'pattern', 'inmate', 'watchlist')),
    value text COLLATE "C" NOT NULL,
    note text COLLATE "C" NOT NULL DEFAULT '',
    created_at text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    reason text COLLATE "C" NOT NULL,
    UNIQUE (kind, value)
);
