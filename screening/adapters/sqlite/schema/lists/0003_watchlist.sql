-- The watchlist: people and organisations inmates must not reach, matched by
-- the called party's name.
CREATE TABLE watchlist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    category TEXT NOT NULL CHECK (category IN ('victim', 'witness', 'judge', 'prosecutor', 'officer', 'fraud',
                                               'organisation', 'other')),
    action TEXT NOT NULL CHECK (action IN ('deny', 'review')),
    scope TEXT NOT NULL DEFAULT 'global',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (name, scope)
);
