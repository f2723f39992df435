-- +goose Up
-- The boot watch (provision.WatchArgs) asks, every tick, which orders are
-- booting on one account: a small partial index answers it without reading
-- the orders that ended.
CREATE INDEX orders_booting_idx ON orders (account_id) WHERE step = 'booting';

-- +goose Down
DROP INDEX orders_booting_idx;
