-- +goose Up
-- Snapshots of servers (issue 19): kept at the provider on the server's
-- account, billed per GB-month at the provider's price
-- (providers.snapshot_price_gb_month, minor units of the billing currency)
-- by the hour, from billed_until on, never more than a month's price in a
-- calendar month (month_charged, for billing_month), as servers are.
CREATE TABLE snapshots (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL REFERENCES users (id),
    instance_id   TEXT NOT NULL REFERENCES instances (id),
    account_id    TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    provider_type TEXT NOT NULL REFERENCES providers (type),
    provider_id   TEXT NOT NULL DEFAULT '',
    action_id     TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    size_gb       INTEGER NOT NULL DEFAULT 0,
    region        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    available_at  TIMESTAMPTZ,
    deleted_at    TIMESTAMPTZ,
    billed_until  TIMESTAMPTZ,
    billing_month TIMESTAMPTZ,
    month_charged BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX snapshots_owner_idx ON snapshots (owner_id, created_at DESC, id DESC);
CREATE INDEX snapshots_instance_idx ON snapshots (instance_id);
CREATE INDEX snapshots_action_idx ON snapshots (action_id);
CREATE INDEX snapshots_billed_until ON snapshots (billed_until);

ALTER TABLE providers ADD COLUMN snapshot_price_gb_month BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE providers DROP COLUMN snapshot_price_gb_month;
DROP TABLE snapshots;
