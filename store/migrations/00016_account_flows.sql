-- +goose Up
-- Customers' own accounts (issue 16 §2): a confirmed e-mail address, the
-- one-time links e-mailed to a user (confirm the address, reset the
-- password, accept an invitation, confirm a new address), and the counts
-- that throttle sign-ups and those e-mails.

-- When the user proved they read their address; NULL until then. Users who
-- exist already were made by an operator (webrana user add, the sandbox's
-- demo users), who vouched for the address: they count as confirmed.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
UPDATE users SET email_verified_at = created_at;

-- One-time links. Only the SHA-256 of a token is kept; a link is used once
-- (used_at) and expires. email is the new address of an address change.
CREATE TABLE user_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'invite', 'email_change')),
    token_hash BYTEA NOT NULL UNIQUE,
    email      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id, purpose);

-- Attempts of throttled account actions (sign-ups, reset and confirmation
-- e-mails), counted per action and key (an address or an e-mail) within a
-- window, in the database so the limits hold across replicas.
CREATE TABLE action_attempts (
    id         TEXT PRIMARY KEY,
    action     TEXT NOT NULL,
    key        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX action_attempts_key_idx ON action_attempts (action, key, created_at);

-- +goose Down
DROP TABLE action_attempts;
DROP TABLE user_tokens;
ALTER TABLE users DROP COLUMN email_verified_at;
