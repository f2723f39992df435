-- +goose Up
-- Provisioning: where an order is in its workflow, the amount held for its
-- first billing period, and the customer's root password, sealed with the
-- master key and erased as soon as the order ends (DESIGN.md §5).
ALTER TABLE orders ADD COLUMN step TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE orders ADD COLUMN hold_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE orders ADD COLUMN root_password TEXT NOT NULL DEFAULT '';

-- The provider-side ids of customers' SSH keys, per account: DigitalOcean
-- keys belong to an account and its key endpoint allows 10 writes a minute,
-- so each key is registered once per account and remembered.
CREATE TABLE account_ssh_keys (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    fingerprint     TEXT NOT NULL,
    provider_key_id TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, fingerprint)
);

-- +goose Down
DROP TABLE account_ssh_keys;
ALTER TABLE orders DROP COLUMN root_password;
ALTER TABLE orders DROP COLUMN currency;
ALTER TABLE orders DROP COLUMN hold_amount;
ALTER TABLE orders DROP COLUMN step;
