-- The change log also records who generated a report holding personal data
-- (action 'report', which changes no list: Store.record_access).
ALTER TABLE change_log DROP CONSTRAINT change_log_action_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_action_check
    CHECK (action IN ('add', 'remove', 'edit', 'import', 'baseline', 'report'));
