-- +goose Up
-- Two-factor sign-in (TOTP, RFC 6238). The secret is sealed with the
-- master key (secrets.Keyring) like provider tokens; confirmed_at is NULL
-- while the enrolment waits for its first code. last_step is the time step
-- of the last code accepted: a code is taken once, so a code seen over a
-- shoulder cannot be replayed in its window.
CREATE TABLE user_totp (
    user_id           TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext TEXT NOT NULL,
    confirmed_at      TIMESTAMPTZ,
    last_step         BIGINT NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL
);

-- Recovery codes: SHA-256 of random codes (80 bits), each used once.
CREATE TABLE totp_recovery_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BYTEA NOT NULL UNIQUE,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX totp_recovery_codes_user_idx ON totp_recovery_codes (user_id);

-- The addresses each user has signed in from: a sign-in from one not seen
-- before tells the user (mail.NewSignIn).
CREATE TABLE sign_in_addresses (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address       TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, address)
);

-- +goose Down
DROP TABLE sign_in_addresses;
DROP TABLE totp_recovery_codes;
DROP TABLE user_totp;
