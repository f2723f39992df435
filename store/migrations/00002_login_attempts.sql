-- +goose Up
-- Login attempts, kept in the database so that throttling holds across
-- replicas and restarts. Old rows are pruned by the session cleanup.
CREATE TABLE login_attempts (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    source_addr TEXT NOT NULL,
    success     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, created_at);
CREATE INDEX login_attempts_source_idx ON login_attempts (source_addr, created_at);

CREATE INDEX audit_log_action_idx ON audit_log (action, created_at DESC);

-- +goose Down
DROP INDEX audit_log_action_idx;
DROP TABLE login_attempts;
