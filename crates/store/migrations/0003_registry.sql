-- Certification: applications, certificates, signing keys' public halves, and the transparency
-- log (pending events, sequenced entries, Go-style stored hashes, signed checkpoints).

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

CREATE TABLE applications (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    level BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    submitted_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    serial TEXT
);
CREATE INDEX applications_org ON applications (org_id);

CREATE TABLE certificates (
    serial TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    level BIGINT NOT NULL,
    scope TEXT NOT NULL,
    edition TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    superseded_by TEXT,
    jws TEXT NOT NULL,
    kid TEXT NOT NULL,
    log_index BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX certificates_org ON certificates (org_id);
CREATE INDEX certificates_state ON certificates (state, valid_until);

-- Events written in the same transaction as the change; the sequencer moves them into the tree.
CREATE TABLE log_pending (
    id {id},
    data {blob} NOT NULL,
    serial TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY,
    data {blob} NOT NULL,
    serial TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX log_entries_serial ON log_entries (serial);

CREATE TABLE log_hashes (
    idx BIGINT PRIMARY KEY,
    hash {blob} NOT NULL
);

CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    root {blob} NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row; the sequencer updates it first so that exactly one sequencer runs at a time
-- (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE log_lock (
    id BIGINT PRIMARY KEY,
    holder TEXT NOT NULL,
    at BIGINT NOT NULL
);
INSERT INTO log_lock (id, holder, at) VALUES (1, '', 0);
