-- +goose Up
-- A server's firewall: the inbound rules its owner set (JSON, the
-- webrana.FirewallRule list), the rules last applied at the provider
-- (NULL before the first time), and the provider's id of the firewall
-- Webrana made for it. The rules are applied by a `firewall` action.
CREATE TABLE instance_firewalls (
    instance_id          TEXT PRIMARY KEY REFERENCES instances (id),
    inbound              TEXT NOT NULL,
    applied              TEXT,
    provider_firewall_id TEXT NOT NULL DEFAULT '',
    updated_at           TIMESTAMPTZ NOT NULL,
    applied_at           TIMESTAMPTZ
);

-- +goose Down
DROP TABLE instance_firewalls;
