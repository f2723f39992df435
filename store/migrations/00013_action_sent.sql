-- +goose Up
-- An action is recorded as sent before it is sent (sent_at, the first time,
-- kept on retries): a retry after a lost answer then looks at the
-- provider's actions for the one already started instead of sending it
-- again, and a delete keeps the moment it was asked. note explains an
-- outcome that differs from what was asked (a shutdown the server ignored,
-- finished by powering it off).
ALTER TABLE instance_actions ADD COLUMN sent_at TIMESTAMPTZ;
ALTER TABLE instance_actions ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE instance_actions DROP COLUMN note;
ALTER TABLE instance_actions DROP COLUMN sent_at;
