-- +goose Up
-- A new ledger kind: money paid back to the card a top-up came from
-- (negative). SQLite cannot change a CHECK in place, so the table is
-- rebuilt, in the dialect both engines share.
CREATE TABLE ledger_entries_new (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL CHECK (kind IN ('credit', 'charge', 'refund', 'hold', 'release', 'payment_refund')),
    amount          BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    instance_id     TEXT REFERENCES instances (id),
    note            TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL
);
INSERT INTO ledger_entries_new (id, user_id, kind, amount, currency, instance_id, note, idempotency_key, created_at)
    SELECT id, user_id, kind, amount, currency, instance_id, note, idempotency_key, created_at FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
CREATE INDEX ledger_entries_user_idx ON ledger_entries (user_id, created_at DESC, id DESC);

-- +goose Down
DELETE FROM ledger_entries WHERE kind = 'payment_refund';
CREATE TABLE ledger_entries_old (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL CHECK (kind IN ('credit', 'charge', 'refund', 'hold', 'release')),
    amount          BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    instance_id     TEXT REFERENCES instances (id),
    note            TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL
);
INSERT INTO ledger_entries_old (id, user_id, kind, amount, currency, instance_id, note, idempotency_key, created_at)
    SELECT id, user_id, kind, amount, currency, instance_id, note, idempotency_key, created_at FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_old RENAME TO ledger_entries;
CREATE INDEX ledger_entries_user_idx ON ledger_entries (user_id, created_at DESC, id DESC);
