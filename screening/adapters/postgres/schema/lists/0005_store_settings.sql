-- The approval policy in force kept in the store, as SQLite's migration 0008
-- has it: the two-person rule binds the database, not the config file of
-- whoever runs a command. value is JSON, version the change-log entry (list
-- 'approvals', action 'policy') that set it.
CREATE TABLE store_settings (
    key text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL,
    version bigint NOT NULL,
    set_by text COLLATE "C" NOT NULL
);
ALTER TABLE change_log DROP CONSTRAINT change_log_action_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_action_check
    CHECK (action IN ('add', 'remove', 'edit', 'import', 'baseline', 'report', 'request', 'approve', 'reject',
                      'expire', 'policy'));
