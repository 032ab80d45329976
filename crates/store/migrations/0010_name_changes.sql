-- Issue 13: a verified or certified organisation's new name waits for the registry operator.
-- Until approved, the registry (and the organisation's own pages) keep the name that was checked
-- and certified. `status`: pending, approved, rejected, superseded (a newer request replaced it).
CREATE TABLE org_name_changes (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL,
    old_name_ja TEXT NOT NULL,
    old_name_en TEXT NOT NULL,
    requested_by BIGINT REFERENCES users(id) ON DELETE RESTRICT,
    requested_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at BIGINT,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX org_name_changes_status ON org_name_changes (status, id);
CREATE INDEX org_name_changes_org ON org_name_changes (org_id, id);
