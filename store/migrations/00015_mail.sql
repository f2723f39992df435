-- +goose Up
-- The outbox of the one outgoing-mail path: every message rendered when it
-- was queued (in the transaction of the change it reports), then delivered
-- by a River job. status: queued (waiting for the job), sent (the SMTP
-- server accepted it; never sent again), kept (no SMTP server configured:
-- kept for operators to read on the Mail page), failed (the last attempt
-- failed).
CREATE TABLE mail_messages (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    to_addr    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'kept', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ
);
CREATE INDEX mail_messages_created ON mail_messages (created_at DESC);

-- The optional kinds of e-mail a customer switched off: one row per user
-- and kind; no row means the kind goes out.
CREATE TABLE mail_opt_outs (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- +goose Down
DROP TABLE mail_opt_outs;
DROP TABLE mail_messages;
