-- +goose Up
-- VPCs customers own (issue 19): created by Webrana on one of the pool's
-- accounts for the customer, or an existing VPC the operator assigned. A
-- provider VPC belongs to one customer at most.
CREATE TABLE vpcs (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL REFERENCES users (id),
    provider_type TEXT NOT NULL REFERENCES providers (type),
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider_uuid TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    ip_range      TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX vpcs_provider_uuid_idx ON vpcs (provider_uuid);
CREATE UNIQUE INDEX vpcs_owner_name_idx ON vpcs (owner_id, name);

-- +goose Down
DROP TABLE vpcs;
