-- +goose Up
-- Operators' settings changed in the panel (sign-up mode, two factors
-- required of administrators, …): one row per key. A key with no row takes
-- its default from configuration.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE settings;
