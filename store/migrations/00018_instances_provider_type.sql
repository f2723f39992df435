-- +goose Up
-- Lists and counts of servers by provider (GET /api/vps?provider=, the
-- import's look-ups) read instances by provider type.
CREATE INDEX instances_provider_type_idx ON instances (provider_type);

-- +goose Down
DROP INDEX instances_provider_type_idx;
