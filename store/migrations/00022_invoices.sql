-- +goose Up
-- Monthly invoices and credit notes (issue 17 §2). Both kinds of document
-- take their number from one gap-free sequence per operator: the counter
-- row is incremented (and so row-locked) in the transaction that inserts
-- the document, so a document that is not written gives its number back.
CREATE TABLE document_counters (
    name   TEXT PRIMARY KEY,
    issued BIGINT NOT NULL CHECK (issued >= 0)
);
INSERT INTO document_counters (name, issued) VALUES ('invoices', 0);

-- An issued document never changes: the seller (the operator's letterhead)
-- and the buyer (the customer's billing details) are kept as they were,
-- with the lines and notes, as JSON text.
CREATE TABLE invoices (
    id          TEXT PRIMARY KEY,
    number      BIGINT NOT NULL UNIQUE CHECK (number > 0),
    kind        TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    user_id     TEXT NOT NULL REFERENCES users (id),
    month       TEXT NOT NULL,
    issued_at   TIMESTAMPTZ NOT NULL,
    currency    TEXT NOT NULL,
    subtotal    BIGINT NOT NULL,
    tax         BIGINT NOT NULL,
    total       BIGINT NOT NULL,
    tax_rate    INTEGER NOT NULL CHECK (tax_rate BETWEEN 0 AND 10000),
    tax_name    TEXT NOT NULL DEFAULT '',
    seller      TEXT NOT NULL,
    buyer       TEXT NOT NULL,
    lines       TEXT NOT NULL,
    notes       TEXT NOT NULL,
    corrects_id TEXT REFERENCES invoices (id),
    reason      TEXT NOT NULL DEFAULT '',
    CHECK ((kind = 'credit_note') = (corrects_id IS NOT NULL))
);
-- One invoice per customer and month: issuing again writes nothing.
CREATE UNIQUE INDEX invoices_user_month_idx ON invoices (user_id, month) WHERE kind = 'invoice';
CREATE INDEX invoices_user_idx ON invoices (user_id, number DESC);
CREATE INDEX invoices_corrects_idx ON invoices (corrects_id);

-- What a customer's invoices say of them (editable on the billing page).
CREATE TABLE billing_details (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    name       TEXT NOT NULL DEFAULT '',
    company    TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    tax_id     TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL
);

-- The customers with activity in a month, found without reading every
-- customer's ledger.
CREATE INDEX ledger_entries_created_idx ON ledger_entries (created_at);

-- +goose Down
DROP INDEX ledger_entries_created_idx;
DROP TABLE billing_details;
DROP TABLE invoices;
DROP TABLE document_counters;
