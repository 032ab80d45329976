-- Issue 14: the SME's path from gap to certificate.

-- The evidence library: one item per document an organisation keeps, in versions. An answer's
-- evidence (`evidence`, per assessment and criterion) names the item and the version's file, so
-- a confirmed assessment keeps the very file it was confirmed with while drafts move on.
CREATE TABLE evidence_items (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    -- Only to carry the evidence rows of earlier versions into the library (below).
    legacy_evidence_id BIGINT
);
CREATE INDEX evidence_items_org ON evidence_items (org_id, id);

CREATE TABLE evidence_versions (
    id {id},
    item_id BIGINT NOT NULL REFERENCES evidence_items(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES evidence_files(sha256),
    filename TEXT NOT NULL,
    -- YYYY-MM-DD (JST): from when the document holds; review_by: when it must be checked again.
    effective_date TEXT,
    review_by TEXT,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL,
    UNIQUE (item_id, version)
);

ALTER TABLE evidence ADD COLUMN item_id BIGINT REFERENCES evidence_items(id);

INSERT INTO evidence_items (org_id, title, created_by, created_at, legacy_evidence_id)
SELECT a.org_id, e.filename, e.uploaded_by, e.uploaded_at, e.id FROM evidence e JOIN assessments a ON a.id = e.assessment_id;
INSERT INTO evidence_versions (item_id, version, sha256, filename, uploaded_by, uploaded_at)
SELECT i.id, 1, e.sha256, e.filename, e.uploaded_by, e.uploaded_at FROM evidence_items i JOIN evidence e ON e.id = i.legacy_evidence_id;
UPDATE evidence SET item_id = (SELECT i.id FROM evidence_items i WHERE i.legacy_evidence_id = evidence.id);

-- Renewal and the annual ★4 self-assessment: why an assessment was started, and which answers
-- were carried over from the last confirmed or assessed one and not yet re-checked.
ALTER TABLE assessments ADD COLUMN purpose TEXT NOT NULL DEFAULT 'initial';
ALTER TABLE answers ADD COLUMN carried_over BIGINT NOT NULL DEFAULT 0;
-- A renewal's application names the certificate it renews.
ALTER TABLE applications ADD COLUMN previous_serial TEXT;

-- The remediation plan of an assessment: one task per gap (or per requirement), each with an
-- owner, a due date and a status; `plan_task_history` keeps every change.
CREATE TABLE plans (
    id {id},
    assessment_id BIGINT NOT NULL UNIQUE REFERENCES assessments(id) ON DELETE CASCADE,
    target_level BIGINT NOT NULL,
    target_date TEXT NOT NULL,
    grouping TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE plan_tasks (
    id {id},
    plan_id BIGINT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    -- The criterion or requirement the task is for.
    task_key TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_date TEXT,
    -- todo, doing, done, wont_do
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    evidence_item_id BIGINT REFERENCES evidence_items(id) ON DELETE SET NULL,
    closed_at BIGINT,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    UNIQUE (plan_id, task_key)
);

CREATE TABLE plan_task_criteria (
    task_id BIGINT NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    PRIMARY KEY (task_id, criterion)
);

CREATE TABLE plan_task_history (
    id {id},
    task_id BIGINT NOT NULL REFERENCES plan_tasks(id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    due_date TEXT,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_by BIGINT NOT NULL REFERENCES users(id),
    changed_at BIGINT NOT NULL
);
CREATE INDEX plan_task_history_task ON plan_task_history (task_id, id);

-- Expert support for SMEs: programmes the registry operator grants to an organisation (by
-- region and fiscal year), requests from SMEs, the expert matched, sessions with their hours.
CREATE TABLE support_programmes (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    -- Prefecture codes (01–47), comma-separated; empty for nationwide.
    regions TEXT NOT NULL,
    fiscal_year BIGINT NOT NULL,
    budget_hours BIGINT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE support_requests (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    programme_id BIGINT REFERENCES support_programmes(id),
    prefecture TEXT NOT NULL,
    industry TEXT NOT NULL,
    employees BIGINT NOT NULL,
    target_level BIGINT NOT NULL,
    needs TEXT NOT NULL,
    fiscal_year BIGINT NOT NULL,
    -- requested, matched, closed, withdrawn
    status TEXT NOT NULL,
    expert_org_id BIGINT REFERENCES organizations(id),
    matched_by BIGINT REFERENCES users(id),
    matched_at BIGINT,
    outcome_level BIGINT,
    outcome_date TEXT,
    outcome_note TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX support_requests_org ON support_requests (org_id);
CREATE INDEX support_requests_programme ON support_requests (programme_id);
CREATE INDEX support_requests_expert ON support_requests (expert_org_id);

CREATE TABLE support_sessions (
    id {id},
    request_id BIGINT NOT NULL REFERENCES support_requests(id) ON DELETE CASCADE,
    held_on TEXT NOT NULL,
    hours BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX support_sessions_request ON support_sessions (request_id);
