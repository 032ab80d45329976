-- Price negotiations between a supplier and a buyer: the case, its hash-chained steps, the
-- evidence the supplier attached, and escalations to the regulator. Nothing here is ever
-- deleted by a use case; records are kept at least two years (retain_until).

CREATE TABLE negotiations (
    id {id},
    supplier_org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
    buyer_org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
    assessment_id BIGINT REFERENCES assessments(id) ON DELETE RESTRICT,
    state TEXT NOT NULL,
    rule TEXT NOT NULL,
    requested_annual_yen BIGINT NOT NULL,
    offered_annual_yen BIGINT NOT NULL,
    agreed_annual_yen BIGINT,
    agreed_effective_from TEXT,
    response_due TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    first_response_at BIGINT,
    escalated_at BIGINT,
    retain_until BIGINT NOT NULL
);
CREATE INDEX negotiations_supplier ON negotiations (supplier_org_id);
CREATE INDEX negotiations_buyer ON negotiations (buyer_org_id);

CREATE TABLE negotiation_steps (
    id {id},
    negotiation_id BIGINT NOT NULL REFERENCES negotiations(id) ON DELETE RESTRICT,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    org_corporate_number TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE RESTRICT,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (negotiation_id, seq)
);

CREATE TABLE negotiation_evidence (
    negotiation_id BIGINT NOT NULL REFERENCES negotiations(id) ON DELETE RESTRICT,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    PRIMARY KEY (negotiation_id, sha256)
);
