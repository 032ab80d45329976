-- Issue 13: failed sign-ins counted in the database, so a restart does not reset the limits and
-- every server behind one database shares them. Keys are SHA-256 hashes of "pair:<email>|<client>",
-- "email:<email>" and "client:<client>": no address or e-mail is stored in clear.
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY,
    count BIGINT NOT NULL,
    first_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_first ON sign_in_failures (first_at);
