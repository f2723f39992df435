-- +goose Up
-- When an order was first held for capacity: its customer is told once,
-- however often the order waits again.
ALTER TABLE orders ADD COLUMN held_at TIMESTAMPTZ;
-- Customers told that their balance is low, one row from the telling until
-- the balance is back above the threshold: one message per crossing.
CREATE TABLE balance_low (
    user_id  TEXT NOT NULL REFERENCES users (id),
    currency TEXT NOT NULL,
    since    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, currency)
);

-- +goose Down
DROP TABLE balance_low;
ALTER TABLE orders DROP COLUMN held_at;
