-- The trust behind a certificate: organisations verified by the registry operator (what was
-- checked, by whom, when; documents the applicant uploaded), claims on a corporate number someone
-- else registered, accreditation of experts and assessment bodies with every decision, the
-- operator's dossier check, findings threads, the ★4 technical verification record, certificates
-- that name their scope and attesting provider, share levels named for what they show.

CREATE TABLE org_verifications (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    action TEXT NOT NULL,
    method TEXT NOT NULL,
    checked TEXT NOT NULL,
    document_sha256 TEXT REFERENCES evidence_files(sha256),
    decided_by_user BIGINT REFERENCES users(id),
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
CREATE INDEX org_verifications_org ON org_verifications (org_id, id);

CREATE TABLE org_documents (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES evidence_files(sha256),
    filename TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX org_documents_org ON org_documents (org_id);

CREATE TABLE org_claims (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    claimant_name TEXT NOT NULL,
    claimant_email TEXT NOT NULL,
    statement TEXT NOT NULL,
    document_sha256 TEXT REFERENCES evidence_files(sha256),
    document_name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    resolution TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    resolved_by TEXT NOT NULL DEFAULT '',
    resolved_at BIGINT
);
CREATE INDEX org_claims_org ON org_claims (org_id);

-- One accreditation per organisation and kind (expert / assessment_body). `number` is the
-- expert's registration number or the body's designation number.
CREATE TABLE accreditations (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    qualification TEXT NOT NULL,
    number TEXT NOT NULL,
    training_completed_on TEXT NOT NULL DEFAULT '',
    technical_verification BIGINT NOT NULL DEFAULT 0,
    valid_from BIGINT,
    valid_until BIGINT,
    status TEXT NOT NULL,
    applied_by BIGINT NOT NULL REFERENCES users(id),
    applied_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, kind)
);

-- Every decision on an accreditation, append-only: the state from then on, why, who, when.
CREATE TABLE accreditation_decisions (
    id {id},
    accreditation_id BIGINT NOT NULL REFERENCES accreditations(id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    valid_from BIGINT,
    valid_until BIGINT,
    decided_by_user BIGINT REFERENCES users(id),
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
CREATE INDEX accreditation_decisions_acc ON accreditation_decisions (accreditation_id, id);

-- The operator's check of the dossier before deciding.
ALTER TABLE applications ADD COLUMN checked_by BIGINT REFERENCES users(id);
ALTER TABLE applications ADD COLUMN checked_at BIGINT;
ALTER TABLE applications ADD COLUMN check_note TEXT NOT NULL DEFAULT '';

-- Certificates say what they certify: the scope in English beside the Japanese words, the
-- attesting expert or body (JSON), and a suspension's or revocation's reason category.
ALTER TABLE certificates ADD COLUMN scope_en TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN attestation TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN reason_category TEXT NOT NULL DEFAULT '';

-- A finding is open until the provider resolves it; a nonconformity carries the supplier's
-- corrective action and its due date.
ALTER TABLE review_items ADD COLUMN resolved_at BIGINT;
ALTER TABLE review_items ADD COLUMN corrective_action TEXT NOT NULL DEFAULT '';
ALTER TABLE review_items ADD COLUMN corrective_due TEXT NOT NULL DEFAULT '';

-- The thread on one criterion of one engagement: the provider's finding, the supplier's replies
-- and corrective action, the provider's resolution.
CREATE TABLE finding_notes (
    id {id},
    engagement_id BIGINT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    side TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    due TEXT NOT NULL DEFAULT '',
    author_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX finding_notes_engagement ON finding_notes (engagement_id, criterion, id);

-- The ★4 technical verification the assessment body performed.
CREATE TABLE technical_verifications (
    engagement_id BIGINT PRIMARY KEY REFERENCES engagements(id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    performed_on TEXT NOT NULL,
    result TEXT NOT NULL,
    summary TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);

-- Share levels named for what they show: result only, answers, answers with evidence. The old
-- "summary" showed answers although its name promised less; it becomes the narrowest level.
UPDATE shares SET mode = 'result' WHERE mode = 'summary';
