-- +goose Up
-- Notification channels operators configure for alerts; secrets (webhook
-- signing secret, SMTP password) are sealed like provider tokens.
CREATE TABLE alert_channels (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('webhook', 'email')),
    name              TEXT NOT NULL UNIQUE,
    config            TEXT NOT NULL DEFAULT '{}',
    secret_ciphertext TEXT NOT NULL DEFAULT '',
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE alert_channels;
