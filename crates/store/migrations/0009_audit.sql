-- Issue 13: the audit log of privileged actions, and append-only tables guarded in the database.
--
-- audit_log is hash-chained like a negotiation's record: each entry's hash covers its fields and
-- the previous entry's hash (core::audit). audit_head is the chain's end, updated in the same
-- transaction as each append: its row lock (PostgreSQL) or the write lock (SQLite) puts the
-- appends in one order.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user BIGINT,
    actor TEXT NOT NULL,
    actor_org TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_target ON audit_log (target, seq);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Rows of these tables are written once and never changed or removed by Hoshi: the database
-- refuses it too, so neither a bug nor an injected statement can. (Someone who can drop a
-- trigger can still edit them; the log's checkpoints and the hash chains show that edit.)
-- @sqlite
CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries is append-only: UPDATE refused'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries is append-only: DELETE refused'); END;
CREATE TRIGGER log_hashes_no_update BEFORE UPDATE ON log_hashes BEGIN SELECT RAISE(ABORT, 'log_hashes is append-only: UPDATE refused'); END;
CREATE TRIGGER log_hashes_no_delete BEFORE DELETE ON log_hashes BEGIN SELECT RAISE(ABORT, 'log_hashes is append-only: DELETE refused'); END;
CREATE TRIGGER log_checkpoints_no_update BEFORE UPDATE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'log_checkpoints is append-only: UPDATE refused'); END;
CREATE TRIGGER log_checkpoints_no_delete BEFORE DELETE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'log_checkpoints is append-only: DELETE refused'); END;
CREATE TRIGGER negotiation_steps_no_update BEFORE UPDATE ON negotiation_steps BEGIN SELECT RAISE(ABORT, 'negotiation_steps is append-only: UPDATE refused'); END;
CREATE TRIGGER negotiation_steps_no_delete BEFORE DELETE ON negotiation_steps BEGIN SELECT RAISE(ABORT, 'negotiation_steps is append-only: DELETE refused'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
CREATE TRIGGER org_verifications_no_update BEFORE UPDATE ON org_verifications BEGIN SELECT RAISE(ABORT, 'org_verifications is append-only: UPDATE refused'); END;
CREATE TRIGGER org_verifications_no_delete BEFORE DELETE ON org_verifications BEGIN SELECT RAISE(ABORT, 'org_verifications is append-only: DELETE refused'); END;
CREATE TRIGGER accreditation_decisions_no_update BEFORE UPDATE ON accreditation_decisions BEGIN SELECT RAISE(ABORT, 'accreditation_decisions is append-only: UPDATE refused'); END;
CREATE TRIGGER accreditation_decisions_no_delete BEFORE DELETE ON accreditation_decisions BEGIN SELECT RAISE(ABORT, 'accreditation_decisions is append-only: DELETE refused'); END;
-- @postgres
CREATE FUNCTION hoshi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER log_hashes_append_only BEFORE UPDATE OR DELETE ON log_hashes FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER log_hashes_no_truncate BEFORE TRUNCATE ON log_hashes FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER negotiation_steps_append_only BEFORE UPDATE OR DELETE ON negotiation_steps FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER negotiation_steps_no_truncate BEFORE TRUNCATE ON negotiation_steps FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER org_verifications_append_only BEFORE UPDATE OR DELETE ON org_verifications FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER org_verifications_no_truncate BEFORE TRUNCATE ON org_verifications FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER accreditation_decisions_append_only BEFORE UPDATE OR DELETE ON accreditation_decisions FOR EACH ROW EXECUTE FUNCTION hoshi_append_only();
CREATE TRIGGER accreditation_decisions_no_truncate BEFORE TRUNCATE ON accreditation_decisions FOR EACH STATEMENT EXECUTE FUNCTION hoshi_append_only();
-- @all
