-- +goose Up
-- Capacity reservations (DESIGN.md §4): a slot held on an account for an
-- order between selection and the provider's answer. accounts.reserved_count
-- is the number of live rows here for the account; both change together.
CREATE TABLE reservations (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    order_id   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX reservations_expires_idx ON reservations (expires_at);
CREATE INDEX reservations_account_idx ON reservations (account_id);

-- +goose Down
DROP TABLE reservations;
