-- +goose Up
-- Card top-ups (issue 17 §1): a customer's payment through a gateway
-- (Stripe), credited once when the gateway says it is paid, and the
-- operators' refunds of it. refunded is what is reserved or paid back:
-- a refund adds to it first, conditionally, so concurrent refunds never
-- pass the amount paid.
CREATE TABLE top_ups (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    amount       BIGINT NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'mismatch')),
    gateway      TEXT NOT NULL,
    session_id   TEXT NOT NULL DEFAULT '',
    checkout_url TEXT NOT NULL DEFAULT '',
    payment_id   TEXT NOT NULL DEFAULT '',
    refunded     BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    error        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    paid_at      TIMESTAMPTZ
);
CREATE INDEX top_ups_user_idx ON top_ups (user_id, created_at DESC, id DESC);
CREATE INDEX top_ups_created_idx ON top_ups (created_at DESC, id DESC);

CREATE TABLE top_up_refunds (
    id         TEXT PRIMARY KEY,
    top_up_id  TEXT NOT NULL REFERENCES top_ups (id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'unknown', 'done', 'failed')),
    gateway_id TEXT NOT NULL DEFAULT '',
    error      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX top_up_refunds_top_up_idx ON top_up_refunds (top_up_id, created_at);

-- +goose Down
DROP TABLE top_up_refunds;
DROP TABLE top_ups;
