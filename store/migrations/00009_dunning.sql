-- +goose Up
-- Customers whose balance went below zero, and how far the warn → suspend →
-- destroy sequence has gone for them. A top-up before destruction ends it.
CREATE TABLE dunning (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    negative_since TIMESTAMPTZ NOT NULL,
    warned_at      TIMESTAMPTZ,
    suspended_at   TIMESTAMPTZ,
    destroyed_at   TIMESTAMPTZ
);

-- +goose Down
DROP TABLE dunning;
