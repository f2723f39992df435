package store

import (
	"context"
	"strings"
)

// Public numbers: servers and their actions are known to the
// DigitalOcean-compatible API by number (issue 20). One sequence numbers
// both, in the transaction that creates each; a number never changes and is
// never given twice.

// number gives the row ref (an instance's or an action's id) the next
// public number.
func (c conn) number(ctx context.Context, ref string) error {
	_, err := c.exec(ctx, `INSERT INTO public_ids (ref) VALUES (?)`, ref)
	return err
}

// PublicNumbers returns the public numbers of the given refs: instances
// and actions (numbered when made), and anything else the API shows by
// number (SSH keys, catalog images), numbered the first time it is asked.
func (db *DB) PublicNumbers(ctx context.Context, refs []string) (map[string]int64, error) {
	out, err := db.publicNumbers(ctx, refs)
	if err != nil {
		return nil, err
	}
	missing := false
	for _, ref := range refs {
		if _, ok := out[ref]; !ok {
			missing = true
			if _, err := db.conn().exec(ctx, `INSERT INTO public_ids (ref) VALUES (?) ON CONFLICT (ref) DO NOTHING`, ref); err != nil {
				return nil, err
			}
			out[ref] = 0 // asked for below
		}
	}
	if !missing {
		return out, nil
	}
	return db.publicNumbers(ctx, refs)
}

func (db *DB) publicNumbers(ctx context.Context, refs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	args := anys(refs)
	rows, err := db.conn().query(ctx, `SELECT ref, id FROM public_ids WHERE ref IN (`+placeholders(len(refs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		var n int64
		if err := rows.Scan(&ref, &n); err != nil {
			return nil, err
		}
		out[ref] = n
	}
	return out, rows.Err()
}

// RefOfNumber returns the id of the instance or action numbered n.
func (db *DB) RefOfNumber(ctx context.Context, n int64) (string, error) {
	var ref string
	err := db.conn().row(ctx, `SELECT ref FROM public_ids WHERE id = ?`, n).Scan(&ref)
	return ref, notFound(err, "Number")
}

// tagInstance gives an instance the customer's tags.
func (c conn) tagInstance(ctx context.Context, instanceID string, tags []string) error {
	for _, t := range tags {
		if _, err := c.exec(ctx, `INSERT INTO instance_tags (instance_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			instanceID, t); err != nil {
			return err
		}
	}
	return nil
}

// InstanceTags returns the tags of the given instances, by id, each list
// sorted.
func (db *DB) InstanceTags(ctx context.Context, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := anys(ids)
	rows, err := db.conn().query(ctx, `SELECT instance_id, tag FROM instance_tags WHERE instance_id IN (`+
		placeholders(len(ids))+`) ORDER BY instance_id, tag`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		out[id] = append(out[id], tag)
	}
	return out, rows.Err()
}

// placeholders is n comma-separated parameters.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// anys is ids as a statement's arguments, for the placeholders of an IN list.
func anys(ids []string) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
