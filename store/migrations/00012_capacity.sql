-- +goose Up
-- One owner for an account's counts (store/capacity.go). An account's
-- active_count is derived, never adjusted by guesswork:
--
--   active_count   = Webrana's own servers on it (instances with a provider
--                    id, not ended) + foreign_count + its uncovered strays
--   reserved_count = its rows in reservations
--
-- foreign_count is what the last sync listed that Webrana has no record of
-- and that carries no order tag; account_strays are the listed servers that
-- carry an order tag but no instance records (an order still creating, a
-- create adopted later, an orphan). A stray whose order still holds a
-- reservation on the account is counted by the reservation instead.
ALTER TABLE accounts ADD COLUMN foreign_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE account_strays (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    PRIMARY KEY (account_id, provider_id)
);
CREATE INDEX account_strays_order_idx ON account_strays (order_id);
-- The own count of an account reads its instances by status.
CREATE INDEX instances_account_status_idx ON instances (account_id, status);
DROP INDEX instances_account_idx;
-- The River job of a held order, woken as soon as capacity appears.
ALTER TABLE orders ADD COLUMN held_job_id BIGINT;
-- Until the next sync, whatever was counted beyond Webrana's own servers is
-- foreign.
UPDATE accounts SET foreign_count = CASE
    WHEN active_count > (SELECT COUNT(*) FROM instances i WHERE i.account_id = accounts.id AND i.provider_id <> ''
        AND i.status IN ('provisioning', 'active', 'off', 'suspended', 'deleting'))
    THEN active_count - (SELECT COUNT(*) FROM instances i WHERE i.account_id = accounts.id AND i.provider_id <> ''
        AND i.status IN ('provisioning', 'active', 'off', 'suspended', 'deleting'))
    ELSE 0 END;

-- +goose Down
ALTER TABLE orders DROP COLUMN held_job_id;
CREATE INDEX instances_account_idx ON instances (account_id);
DROP INDEX instances_account_status_idx;
DROP TABLE account_strays;
ALTER TABLE accounts DROP COLUMN foreign_count;
