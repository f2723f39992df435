-- +goose Up
-- Priced backups (issue 19). Each plan carries a backup price, monthly and
-- hourly in minor units; 0 and 0 is a plan whose backups cost nothing (set
-- only by hand in the database: the plan service fills a provider's
-- default). Existing plans take the default: DigitalOcean's 20 % of the
-- plan's prices, and for Linode, whose catalog prices each type's backups
-- (the plan service uses it for new plans), 25 %, the ratio of most of
-- Linode's shared types; both rounded up to a whole minor unit.
ALTER TABLE plans ADD COLUMN backup_price_monthly BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN backup_price_hourly BIGINT NOT NULL DEFAULT 0;
UPDATE plans SET backup_price_monthly = (price_monthly * 20 + 99) / 100, backup_price_hourly = (price_hourly * 20 + 99) / 100
    WHERE provider_type = 'digitalocean' AND price_monthly > 0 AND price_hourly > 0;
UPDATE plans SET backup_price_monthly = (price_monthly * 25 + 99) / 100, backup_price_hourly = (price_hourly * 25 + 99) / 100
    WHERE provider_type <> 'digitalocean' AND price_monthly > 0 AND price_hourly > 0;

-- The times a server's backups were on, for metering: opened when an order
-- with backups is placed or enable_backups completes, closed when
-- disable_backups completes. The meter charges every started hour that
-- overlaps one. Servers ordered with backups before this have them from
-- their start (instances.options says whether they were ordered so).
CREATE TABLE backup_periods (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    PRIMARY KEY (instance_id, started_at)
);
INSERT INTO backup_periods (instance_id, started_at, ended_at)
    SELECT id, created_at, deleted_at FROM instances WHERE options LIKE '%"backups":true%';

-- What a server's backups were charged in billing_month: their own
-- monthly cap's count, beside month_charged.
ALTER TABLE instances ADD COLUMN backup_month_charged BIGINT NOT NULL DEFAULT 0;

-- The part of an order's hold that pays for its first day of backups.
ALTER TABLE orders ADD COLUMN backup_hold BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orders DROP COLUMN backup_hold;
ALTER TABLE instances DROP COLUMN backup_month_charged;
DROP TABLE backup_periods;
ALTER TABLE plans DROP COLUMN backup_price_hourly;
ALTER TABLE plans DROP COLUMN backup_price_monthly;
