-- +goose Up
-- A customer's servers in one status (the dashboard's running count, the
-- server list's status filter): without it the planners chose the status
-- index, whose rows are nearly every server, and counted 100,000 rows for
-- a customer's 1,000 (docs/BENCHMARKS.md, the web panel).
CREATE INDEX instances_owner_status_idx ON instances (owner_id, status);

-- +goose Down
DROP INDEX instances_owner_status_idx;
