-- +goose Up
-- The DigitalOcean-compatible API (issue 20).
--
-- Plans are sizes there: each plan gets a stable slug, unique among the
-- active plans. Existing plans take one from their name (lower case, words
-- joined by hyphens); a name that several active plans would share keeps
-- it for the oldest and gives the others their provider's name after it,
-- then, if that still clashes, a piece of their id.
ALTER TABLE plans ADD COLUMN slug TEXT NOT NULL DEFAULT '';
-- Lower case, separators and punctuation as hyphens, runs of hyphens
-- squeezed, none at the ends, at most 64 characters.
UPDATE plans SET slug = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
    LOWER(TRIM(name)), ' ', '-'), '.', '-'), '_', '-'), '/', '-'), ',', '-'), '+', '-'), '&', '-'), '(', '-'), ')', '-'),
    '!', '-'), ':', '-'), '''', '-');
UPDATE plans SET slug = REPLACE(REPLACE(REPLACE(slug, '--', '-'), '--', '-'), '--', '-');
UPDATE plans SET slug = TRIM(SUBSTR(TRIM(slug, '-'), 1, 64), '-');
-- Whatever still holds other characters (letters beyond a-z) or nothing
-- takes "plan-" and a piece of its id.
UPDATE plans SET slug = 'plan-' || LOWER(SUBSTR(id, 1, 8))
WHERE slug = '' OR REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(slug, 'a', ''), 'b', ''), 'c', ''), 'd', ''), 'e', ''), 'f', ''), 'g', ''), 'h', ''), 'i', ''), 'j', ''), 'k', ''), 'l', ''), 'm', ''), 'n', ''), 'o', ''), 'p', ''), 'q', ''), 'r', ''), 's', ''), 't', ''), 'u', ''), 'v', ''), 'w', ''), 'x', ''), 'y', ''), 'z', ''), '0', ''), '1', ''), '2', ''), '3', ''), '4', ''), '5', ''), '6', ''), '7', ''), '8', ''), '9', ''), '-', '') <> '';
UPDATE plans SET slug = slug || '-' || provider_type
WHERE is_active AND EXISTS (SELECT 1 FROM plans o WHERE o.is_active AND o.slug = plans.slug
    AND (o.created_at < plans.created_at OR (o.created_at = plans.created_at AND o.id < plans.id)));
UPDATE plans SET slug = slug || '-' || LOWER(SUBSTR(id, 1, 8))
WHERE is_active AND EXISTS (SELECT 1 FROM plans o WHERE o.is_active AND o.slug = plans.slug
    AND (o.created_at < plans.created_at OR (o.created_at = plans.created_at AND o.id < plans.id)));
CREATE UNIQUE INDEX plans_active_slug_idx ON plans (slug) WHERE is_active;

-- Droplet and action ids are numbers there: Webrana's own, stable, never a
-- provider's. One sequence numbers servers and their actions (as
-- DigitalOcean's ids, they never collide); each number names the row it
-- was given to (ref: an instance's or an action's id). Existing servers and
-- actions are numbered in the order they were made.
CREATE TABLE public_ids (
    id  BIGSERIAL PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE
);
INSERT INTO public_ids (ref) SELECT id FROM instances ORDER BY created_at, id;
INSERT INTO public_ids (ref) SELECT id FROM instance_actions ORDER BY created_at, id;

-- A customer's tags on their servers: the customer's own namespace, since
-- a server has one owner.
CREATE TABLE instance_tags (
    instance_id TEXT NOT NULL REFERENCES instances (id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (instance_id, tag)
);
CREATE INDEX instance_tags_tag_idx ON instance_tags (tag, instance_id);

-- +goose Down
DROP TABLE instance_tags;
DROP TABLE public_ids;
DROP INDEX plans_active_slug_idx;
ALTER TABLE plans DROP COLUMN slug;
