-- +goose Up
-- Hourly metering: each running (or stopped) server is charged per started
-- hour from billed_until on, at its plan's hourly price, never more than
-- the monthly price in one calendar month (month_charged, for billing_month).
ALTER TABLE instances ADD COLUMN billed_until TIMESTAMPTZ;
ALTER TABLE instances ADD COLUMN billing_month TIMESTAMPTZ;
ALTER TABLE instances ADD COLUMN month_charged BIGINT NOT NULL DEFAULT 0;
CREATE INDEX instances_billed_until ON instances (billed_until);

-- +goose Down
DROP INDEX instances_billed_until;
ALTER TABLE instances DROP COLUMN month_charged;
ALTER TABLE instances DROP COLUMN billing_month;
ALTER TABLE instances DROP COLUMN billed_until;
