-- +goose Up
-- Actions on running servers (power, rebuild, resize, rename, password,
-- IPv6, delete), each run as a job and tracked to completion: the
-- instance's action history. At most one is unfinished per server.
CREATE TABLE instance_actions (
    id                 TEXT PRIMARY KEY,
    instance_id        TEXT NOT NULL REFERENCES instances (id),
    user_id            TEXT REFERENCES users (id),
    type               TEXT NOT NULL,
    params             TEXT NOT NULL DEFAULT '{}',
    status             TEXT NOT NULL CHECK (status IN ('queued', 'in-progress', 'completed', 'errored')),
    provider_action_id TEXT NOT NULL DEFAULT '',
    error              TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ
);
CREATE INDEX instance_actions_instance ON instance_actions (instance_id, created_at);
CREATE UNIQUE INDEX instance_actions_one_running ON instance_actions (instance_id)
    WHERE status IN ('queued', 'in-progress');

-- +goose Down
DROP TABLE instance_actions;
