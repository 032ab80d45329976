-- The buyer's side: each organisation's list of its suppliers (imported from a spreadsheet),
-- the level each supplier relationship requires and its history, the lists a supplier shared
-- with a buyer (tiers), and uploaded files waiting for the import preview.

CREATE TABLE supplier_links (
    id {id},
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    corporate_number TEXT NOT NULL,
    name TEXT NOT NULL,
    annual_purchase_yen BIGINT,
    supplies TEXT NOT NULL DEFAULT '',
    holds_confidential_data BIGINT NOT NULL DEFAULT 0,
    outage_unacceptable BIGINT NOT NULL DEFAULT 0,
    network_access BIGINT NOT NULL DEFAULT 0,
    criticality TEXT NOT NULL DEFAULT 'medium',
    contact_email TEXT NOT NULL DEFAULT '',
    rule_level BIGINT NOT NULL,
    required_level BIGINT NOT NULL,
    override_reason TEXT NOT NULL DEFAULT '',
    effective_from TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (buyer_org_id, corporate_number)
);
CREATE INDEX supplier_links_number ON supplier_links (corporate_number);

-- Every change of a required level, kept: who, when, why, from which date.
CREATE TABLE requirement_changes (
    id {id},
    link_id BIGINT NOT NULL REFERENCES supplier_links(id) ON DELETE CASCADE,
    required_level BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    effective_from TEXT NOT NULL,
    changed_by BIGINT REFERENCES users(id),
    changed_at BIGINT NOT NULL
);
CREATE INDEX requirement_changes_link ON requirement_changes (link_id);

-- Imports that wrote something: what was read, what was written.
CREATE TABLE supplier_imports (
    id {id},
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    rows_total BIGINT NOT NULL,
    rows_ok BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    imported_by BIGINT REFERENCES users(id),
    imported_at BIGINT NOT NULL
);

-- An uploaded file between the browser's preview and its confirmation.
CREATE TABLE import_drafts (
    id {id},
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_by BIGINT NOT NULL REFERENCES users(id),
    filename TEXT NOT NULL,
    data {blob} NOT NULL,
    created_at BIGINT NOT NULL
);

-- A supplier shows its own supplier list to one of its buyers: the next tier.
CREATE TABLE tier_shares (
    id {id},
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, buyer_org_id)
);
CREATE INDEX tier_shares_buyer ON tier_shares (buyer_org_id);
