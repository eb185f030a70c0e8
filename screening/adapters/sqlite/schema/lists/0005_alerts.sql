-- Hot numbers (screening/domain/alerts.py): numbers, patterns, inmates and
-- watchlist entries staff mark for alerting on the monitoring feed. Changed
-- through the change log like the lists; not one of the engine's lists.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('number', 'pattern', 'inmate', 'watchlist')),
    value TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (kind, value)
);
