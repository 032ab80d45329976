-- Indexes for national size (issue 12), checked with EXPLAIN on the generated national world
-- (BENCHMARKS.md). Registry search filtered by prefecture or industry walks these in
-- corporate-number order and stops at the page's end; the operator's queue pages by status in
-- submission order; a certificate filter inside the search's EXISTS is answered from the index.
CREATE INDEX organizations_prefecture ON organizations (prefecture, corporate_number);
CREATE INDEX organizations_industry ON organizations (industry, corporate_number);
CREATE INDEX applications_status ON applications (status, id);
CREATE INDEX certificates_org_level ON certificates (org_id, level, state);
