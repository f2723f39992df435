-- +goose Up
-- Servers at the providers carrying Webrana's order tag that no instance
-- records: found by the hourly reconciliation, acted on by operators.
CREATE TABLE reconciliation_findings (
    id          TEXT PRIMARY KEY,
    account_id  TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    tag         TEXT NOT NULL,
    order_id    TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'destroyed', 'dismissed', 'gone')),
    found_at    TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    UNIQUE (account_id, provider_id)
);

-- +goose Down
DROP TABLE reconciliation_findings;
