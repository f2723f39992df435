-- +goose Up
-- Webrana's schema, written in PostgreSQL's dialect; store/migrate.go
-- translates its column types for SQLite (see sqliteTypes there).
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'customer')),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BYTEA NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('browser', 'api')),
    csrf_token   TEXT NOT NULL DEFAULT '',
    source_addr  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BYTEA NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_tokens_live_name_idx ON api_tokens (user_id, name) WHERE revoked_at IS NULL;

CREATE TABLE ssh_keys (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    public_key         TEXT NOT NULL,
    fingerprint_md5    TEXT NOT NULL,
    fingerprint_sha256 TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, fingerprint_sha256)
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    actor_id    TEXT,
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    source_addr TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at DESC);

CREATE TABLE providers (
    id              TEXT PRIMARY KEY,
    type            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    status          TEXT NOT NULL DEFAULT 'inactive',
    last_success_at TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY,
    provider_type        TEXT NOT NULL REFERENCES providers (type),
    name                 TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    token_ciphertext     TEXT NOT NULL,
    token_hint           TEXT NOT NULL DEFAULT '',
    is_primary           BOOLEAN NOT NULL DEFAULT FALSE,
    is_active            BOOLEAN NOT NULL DEFAULT TRUE,
    instance_limit       INTEGER NOT NULL CHECK (instance_limit >= 0),
    limit_from_provider  BOOLEAN NOT NULL DEFAULT FALSE,
    active_count         INTEGER NOT NULL DEFAULT 0 CHECK (active_count >= 0),
    reserved_count       INTEGER NOT NULL DEFAULT 0 CHECK (reserved_count >= 0),
    health               TEXT NOT NULL DEFAULT 'UNKNOWN',
    health_reason        TEXT NOT NULL DEFAULT '',
    provider_status      TEXT NOT NULL DEFAULT '',
    request_budget       INTEGER NOT NULL DEFAULT 0,
    last_sync_at         TIMESTAMPTZ,
    last_health_check_at TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (provider_type, name)
);
CREATE UNIQUE INDEX accounts_one_primary_idx ON accounts (provider_type) WHERE is_primary;

CREATE TABLE plans (
    id            TEXT PRIMARY KEY,
    provider_type TEXT NOT NULL REFERENCES providers (type),
    size_slug     TEXT NOT NULL,
    name          TEXT NOT NULL,
    vcpus         INTEGER NOT NULL,
    memory_mb     INTEGER NOT NULL,
    disk_gb       INTEGER NOT NULL,
    transfer_gb   INTEGER NOT NULL DEFAULT 0,
    price_monthly BIGINT NOT NULL CHECK (price_monthly >= 0),
    price_hourly  BIGINT NOT NULL CHECK (price_hourly >= 0),
    currency      TEXT NOT NULL,
    regions       TEXT NOT NULL DEFAULT '[]',
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (provider_type, name)
);

CREATE TABLE instances (
    id            TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL REFERENCES users (id),
    provider_type TEXT NOT NULL REFERENCES providers (type),
    account_id    TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    plan_id       TEXT NOT NULL REFERENCES plans (id),
    label         TEXT NOT NULL,
    region        TEXT NOT NULL,
    image         TEXT NOT NULL,
    options       TEXT NOT NULL DEFAULT '{}',
    provider_id   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    ipv4          TEXT NOT NULL DEFAULT '',
    ipv6          TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    active_at     TIMESTAMPTZ,
    deleted_at    TIMESTAMPTZ
);
CREATE INDEX instances_owner_idx ON instances (owner_id, created_at DESC, id DESC);
CREATE INDEX instances_created_idx ON instances (created_at DESC, id DESC);
CREATE INDEX instances_account_idx ON instances (account_id);
CREATE INDEX instances_status_idx ON instances (status);

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL UNIQUE REFERENCES instances (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL,
    account_id  TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    error       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_status_idx ON orders (status);

CREATE TABLE order_attempts (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    account_id  TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX order_attempts_order_idx ON order_attempts (order_id, started_at);

CREATE TABLE ledger_entries (
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
CREATE INDEX ledger_entries_user_idx ON ledger_entries (user_id, created_at DESC, id DESC);

CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    severity    TEXT NOT NULL,
    message     TEXT NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX alerts_open_key_idx ON alerts (key) WHERE resolved_at IS NULL;
CREATE INDEX alerts_opened_idx ON alerts (opened_at DESC, id DESC);

-- +goose Down
DROP TABLE alerts;
DROP TABLE ledger_entries;
DROP TABLE order_attempts;
DROP TABLE orders;
DROP TABLE instances;
DROP TABLE plans;
DROP TABLE accounts;
DROP TABLE providers;
DROP TABLE audit_log;
DROP TABLE ssh_keys;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
