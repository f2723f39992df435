-- +goose Up
-- Selection (store.DB.Reserve) reads an order's best few accounts in the
-- placement strategy's order and stops: each index holds only the active
-- accounts with room, keyed by provider and then exactly the strategy's
-- ORDER BY, so neither planner reads and sorts every account of the
-- provider on every order (issue 18: 1,000 accounts). The expressions must
-- stay character for character those of reservations.go (SQLite proves a
-- partial index usable only from an identical term, and would not from
-- "active_count + reserved_count < instance_limit": it turns a comparison
-- around to put the column first). An account with a limit of 0 never has
-- room, so the division never sees it.
CREATE INDEX accounts_spread_idx ON accounts
    (provider_type, ((active_count + reserved_count) * 1.0 / instance_limit), is_primary DESC, name)
    WHERE is_active AND instance_limit > active_count + reserved_count;
CREATE INDEX accounts_fill_idx ON accounts
    (provider_type, is_primary DESC, ((active_count + reserved_count) * 1.0 / instance_limit) DESC, name)
    WHERE is_active AND instance_limit > active_count + reserved_count;

-- +goose Down
DROP INDEX accounts_fill_idx;
DROP INDEX accounts_spread_idx;
