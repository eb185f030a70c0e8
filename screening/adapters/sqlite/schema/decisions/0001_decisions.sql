-- The durable decision log: every ScreenCall answered, once per call_id.
-- Privileged calls are logged without their number (they are never recorded).
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    facility_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    inmate_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    dialed_number TEXT NOT NULL,
    called_party_name TEXT NOT NULL,
    normalized_number TEXT NOT NULL,
    number_key INTEGER NOT NULL,
    number_type TEXT NOT NULL,
    number_region TEXT NOT NULL,
    at REAL NOT NULL,
    requested_at TEXT NOT NULL,
    decision TEXT NOT NULL,
    record INTEGER NOT NULL,
    max_duration_seconds INTEGER NOT NULL,
    list_version INTEGER NOT NULL,
    findings TEXT NOT NULL,
    UNIQUE (facility_id, call_id)
);
CREATE INDEX decisions_at ON decisions (at);
CREATE INDEX decisions_inmate ON decisions (inmate_id, at);
