-- Self-assessments, answers with history, evidence (content-addressed), quotes, reviews by
-- experts and assessment bodies, the compliance pledge, sharing with buyers, expert profiles.

CREATE TABLE assessments (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    edition TEXT NOT NULL,
    target_level BIGINT NOT NULL,
    version BIGINT NOT NULL,
    previous_id BIGINT REFERENCES assessments(id),
    scope_kind TEXT NOT NULL,
    scope_text TEXT NOT NULL DEFAULT '',
    it_onprem BIGINT NOT NULL DEFAULT 1,
    it_cloud BIGINT NOT NULL DEFAULT 1,
    employees BIGINT NOT NULL DEFAULT 0,
    pcs BIGINT NOT NULL DEFAULT 0,
    servers BIGINT NOT NULL DEFAULT 0,
    sites BIGINT NOT NULL DEFAULT 1,
    cloud_services BIGINT NOT NULL DEFAULT 0,
    hourly_rate_yen BIGINT NOT NULL,
    overhead_percent BIGINT NOT NULL,
    status TEXT NOT NULL,
    locked_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX assessments_org ON assessments (org_id);

CREATE TABLE answers (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, criterion)
);

CREATE TABLE answer_history (
    id {id},
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    changed_by BIGINT NOT NULL REFERENCES users(id),
    changed_at BIGINT NOT NULL
);
CREATE INDEX answer_history_assessment ON answer_history (assessment_id, criterion);

CREATE TABLE evidence_files (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    content {blob} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE evidence (
    id {id},
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES evidence_files(sha256),
    filename TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX evidence_assessment ON evidence (assessment_id, criterion);

CREATE TABLE quotes (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    one_off_yen BIGINT NOT NULL,
    annual_yen BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, criterion)
);

-- An expert's confirmation or support, or an assessment body's ★4 assessment, of one assessment.
CREATE TABLE engagements (
    id {id},
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    provider_org_id BIGINT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    assessor_user_id BIGINT REFERENCES users(id),
    message TEXT NOT NULL DEFAULT '',
    decision_comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX engagements_assessment ON engagements (assessment_id);
CREATE INDEX engagements_provider ON engagements (provider_org_id);

CREATE TABLE review_items (
    engagement_id BIGINT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL,
    position TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    na_agreed BIGINT NOT NULL DEFAULT 0,
    evidence_sha256 TEXT REFERENCES evidence_files(sha256),
    reviewed_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (engagement_id, criterion)
);

CREATE TABLE pledges (
    assessment_id BIGINT PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
    officer_name TEXT NOT NULL,
    officer_title TEXT NOT NULL,
    text_version TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    signed_by BIGINT NOT NULL REFERENCES users(id),
    signed_at BIGINT NOT NULL
);

CREATE TABLE shares (
    id {id},
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id),
    mode TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX shares_buyer ON shares (buyer_org_id);
CREATE INDEX shares_assessment ON shares (assessment_id);

CREATE TABLE share_views (
    id {id},
    share_id BIGINT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    viewer_user_id BIGINT NOT NULL REFERENCES users(id),
    viewed_at BIGINT NOT NULL
);
CREATE INDEX share_views_share ON share_views (share_id);

CREATE TABLE expert_profiles (
    org_id BIGINT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    qualification TEXT NOT NULL,
    registration_number TEXT NOT NULL DEFAULT '',
    regions TEXT NOT NULL DEFAULT '',
    languages TEXT NOT NULL DEFAULT 'ja',
    public_support BIGINT NOT NULL DEFAULT 0,
    bio_ja TEXT NOT NULL DEFAULT '',
    bio_en TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
