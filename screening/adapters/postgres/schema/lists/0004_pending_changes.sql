-- Two-person changes, as SQLite's migration 0007 has them: a change held
-- until a second, different identity (session_user) approves it; payload
-- replays it through the same service call. Each step is also a change-log
-- entry (list 'approvals', actions request/approve/reject/expire).
CREATE TABLE pending_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text COLLATE "C" NOT NULL,
    summary text COLLATE "C" NOT NULL,
    payload text COLLATE "C" NOT NULL,
    requested_by text COLLATE "C" NOT NULL,
    display_name text COLLATE "C" NOT NULL DEFAULT '',
    reason text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by text COLLATE "C" NOT NULL DEFAULT '',
    decided_at text COLLATE "C" NOT NULL DEFAULT '',
    decision_reason text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX pending_changes_status ON pending_changes (status, id);
ALTER TABLE change_log DROP CONSTRAINT change_log_action_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_action_check
    CHECK (action IN ('add', 'remove', 'edit', 'import', 'baseline', 'report', 'request', 'approve', 'reject',
                      'expire'));
