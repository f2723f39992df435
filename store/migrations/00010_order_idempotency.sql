-- +goose Up
-- An order's idempotency key: POST /api/vps's Idempotency-Key header, or
-- the key the create-server form's review carries. The unique index makes a
-- customer's key place one order, however many times (or at once) the
-- order is sent; orders without a key (NULL) never conflict.
ALTER TABLE orders ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX orders_idempotency_idx ON orders (user_id, idempotency_key);

-- +goose Down
DROP INDEX orders_idempotency_idx;
ALTER TABLE orders DROP COLUMN idempotency_key;
