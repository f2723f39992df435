package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/webrana/webrana"
)

// Capacity: the one place an account's counts change (DESIGN.md §4).
//
// An account's counts are derived from rows, never nudged by guesswork:
//
//	active   = own + foreign + uncovered strays
//	reserved = the account's reservations
//
//   - own: Webrana's servers on the account — instances with a provider id
//     in a status that still holds a server (ownStatuses). They change in
//     the same transaction as the instance: recorded, deleted, destroyed.
//   - foreign: servers the last sync listed that carry no order tag and no
//     instance records (the operator's own, another tool's).
//   - strays: servers the last sync listed that carry an order tag but no
//     instance records yet (a create under way, a create whose answer was
//     lost, an orphan). A stray whose order still holds a reservation on the
//     account is counted by that reservation, not twice; when the order
//     records it, it becomes own and stops being a stray.
//
// A sync therefore never races a create, a delete or another sync: it
// sorts what the provider listed against Webrana's rows inside one
// transaction that holds the account's row lock, and every other change
// takes that lock first. Whatever the interleaving, each server is counted
// once — as own, as foreign, as a stray, or by its order's reservation.
//
// Every transaction that changes capacity goes through a capacity value:
// it locks the accounts involved (in id order, before touching anything
// else, so that no two such transactions deadlock), makes its changes, and
// settle recounts those accounts and wakes the held orders of a provider
// that has room again (DB.WakeJobs).

// ownStatuses are the instance statuses in which a server exists at the
// provider on Webrana's behalf. A failed instance is not among them: its
// order removed its server, or, if that failed, the next sync lists it as
// a stray.
var ownStatuses = []webrana.InstanceStatus{webrana.StatusProvisioning, webrana.StatusActive, webrana.StatusOff,
	webrana.StatusSuspended, webrana.StatusDeleting}

// ownStatusList is ownStatuses as an SQL list of literals (they are
// constants, never input).
var ownStatusList = func() string {
	q := make([]string, len(ownStatuses))
	for i, s := range ownStatuses {
		q[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}()

// capacity is one transaction's change of capacity.
type capacity struct {
	c       conn
	tx      *Tx
	locked  []string // account ids, sorted
	changed map[string]bool
	// converted are the changed accounts whose change gained no room: an
	// order's slot became its server (convert).
	converted map[string]bool
}

// lockCapacity starts a change of capacity on the given accounts: their
// rows are locked, in id order, for the rest of the transaction. Empty ids
// are skipped; an unknown account is not an error here (its rows are
// simply not there to count).
func (tx *Tx) lockCapacity(ctx context.Context, accountIDs ...string) (*capacity, error) {
	k := tx.lockedCapacity(accountIDs)
	for _, id := range k.locked {
		if err := k.c.lockRow(ctx, "accounts", id); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// lockedCapacity is the change of capacity on accounts whose rows the
// caller has locked (in the order of their ids).
func (tx *Tx) lockedCapacity(accountIDs []string) *capacity {
	ids := slices.DeleteFunc(slices.Clone(accountIDs), func(id string) bool { return id == "" })
	slices.Sort(ids)
	return &capacity{c: tx.conn(), tx: tx, locked: slices.Compact(ids), changed: map[string]bool{}, converted: map[string]bool{}}
}

// lockRow takes a row's write lock until the transaction ends. SQLite
// transactions are already exclusive (BEGIN IMMEDIATE); on PostgreSQL the
// statements that follow it in the transaction see every change committed
// before the lock was granted.
func (c conn) lockRow(ctx context.Context, table, id string) error {
	if c.engine != Postgres {
		return nil
	}
	_, err := c.exec(ctx, `SELECT id FROM `+table+` WHERE id = ? FOR UPDATE`, id)
	return err
}

// forUpdate is the clause that makes a read of rows take their write
// locks, as lockRow does: on PostgreSQL; SQLite's transactions are
// exclusive already and have no such clause.
func (c conn) forUpdate() string {
	if c.engine != Postgres {
		return ""
	}
	return " FOR UPDATE"
}

func (k *capacity) mustHold(accountID string) {
	if _, ok := slices.BinarySearch(k.locked, accountID); !ok {
		panic("store: capacity change on account " + accountID + " without its lock")
	}
}

// releaseOrder gives back every slot the order holds on the locked
// accounts.
func (k *capacity) releaseOrder(ctx context.Context, orderID string) error {
	for _, a := range k.locked {
		res, err := k.c.exec(ctx, `DELETE FROM reservations WHERE order_id = ? AND account_id = ?`, orderID, a)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			k.changed[a] = true
		}
	}
	return nil
}

// convert records that the order's server providerID exists on the
// account: the caller has just given its instance that provider id (it is
// own now), so the order's slot is given back and the server stops being a
// stray if a sync listed it as one.
func (k *capacity) convert(ctx context.Context, orderID, accountID, providerID string) error {
	k.mustHold(accountID)
	if err := k.releaseOrder(ctx, orderID); err != nil {
		return err
	}
	k.converted[accountID] = true // the slot given back there is the server now
	return k.gone(ctx, accountID, providerID)
}

// gone records that the account's server providerID no longer needs a
// stray row: it was removed, or it became own. The caller changes the
// instance (deleted, failed, or recorded) in the same transaction.
func (k *capacity) gone(ctx context.Context, accountID, providerID string) error {
	k.mustHold(accountID)
	res, err := k.c.exec(ctx, `DELETE FROM account_strays WHERE account_id = ? AND provider_id = ?`, accountID, providerID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		// A stray row went: a conversion still gains no room (the server
		// counts in the stray's place, see Capacity), but whether a held
		// order should look again is left to the recount, as before.
		delete(k.converted, accountID)
	}
	k.changed[accountID] = true
	return nil
}

// touch marks an account for recounting (its instances, limit or state
// changed).
func (k *capacity) touch(accountID string) {
	k.mustHold(accountID)
	k.changed[accountID] = true
	delete(k.converted, accountID)
}

// settle recounts every changed account and wakes the held orders of each
// provider left with room, unless the account gained none (converted): an
// order held there found none before, and finds none now.
func (k *capacity) settle(ctx context.Context) error {
	var roomy []webrana.ProviderType
	for _, id := range k.locked {
		if !k.changed[id] {
			continue
		}
		p, free, err := k.recount(ctx, id)
		if err != nil {
			return err
		}
		if free && !k.converted[id] && !slices.Contains(roomy, p) {
			roomy = append(roomy, p)
		}
	}
	for _, p := range roomy {
		if err := k.tx.wakeHeld(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// recount derives the account's counts from its rows and reports its
// provider and whether it can take a server now: active, healthy enough
// for an order (HEALTHY or UNKNOWN, as Reserve asks) and with room.
func (k *capacity) recount(ctx context.Context, id string) (webrana.ProviderType, bool, error) {
	var p webrana.ProviderType
	var free bool
	err := k.c.row(ctx, `UPDATE accounts SET
		active_count = foreign_count
			+ (SELECT COUNT(*) FROM instances i WHERE i.account_id = accounts.id AND i.provider_id <> ''
				AND i.status IN `+ownStatusList+`)
			+ (SELECT COUNT(*) FROM account_strays s WHERE s.account_id = accounts.id
				AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = s.account_id AND r.order_id = s.order_id)),
		reserved_count = (SELECT COUNT(*) FROM reservations r WHERE r.account_id = accounts.id)
		WHERE id = ?
		RETURNING provider_type, is_active AND health IN (?, ?) AND active_count + reserved_count < instance_limit`,
		id, webrana.HealthHealthy, webrana.HealthUnknown).Scan(&p, &free)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil // deleted meanwhile: nothing to count
	}
	return p, free, err
}

// wakeHeld makes the jobs of the provider's held orders run now, through
// DB.WakeJobs, in this transaction: they look for a slot again at once
// rather than at their next poll. Jobs are woken in id order, so that two
// transactions waking the same jobs take their locks in the same order.
func (tx *Tx) wakeHeld(ctx context.Context, p webrana.ProviderType) error {
	if tx.db.WakeJobs == nil {
		return nil
	}
	ids, err := list(ctx, tx.conn(), scanInt64, `SELECT o.held_job_id FROM orders o JOIN instances i ON i.id = o.instance_id
		WHERE o.status = ? AND i.provider_type = ? AND o.held_job_id IS NOT NULL ORDER BY o.held_job_id`, webrana.OrderHeld, p)
	if err != nil || len(ids) == 0 {
		return err
	}
	return tx.db.WakeJobs(ctx, tx, ids)
}

func scanInt64(s scanner) (int64, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}

// ObservedServer is a server a sync found on an account.
type ObservedServer struct {
	ID      string // the provider's id
	OrderID string // from its webrana-order tag; "" when it has none
}

// SyncServers sorts the servers a provider listed for an account, in a
// list that began at listedAt, against Webrana's rows and recounts the
// account (see Capacity). A listed server an instance records is Webrana's
// own; one whose instance ended (deleted, or failed and removed) at or
// after listedAt is left out, as the list may predate its removal; any
// other listed server with an order tag is a stray, and the rest are
// foreign. The account's last sync becomes listedAt; a list older than the
// last sync applied changes nothing. servers must be everything the
// provider listed, every page.
func (db *DB) SyncServers(ctx context.Context, accountID string, listedAt time.Time, servers []ObservedServer) error {
	return db.InTx(ctx, func(tx *Tx) error {
		k, err := tx.lockCapacity(ctx, accountID)
		if err != nil {
			return err
		}
		if err := k.sortServers(ctx, accountID, listedAt, servers); err != nil {
			return err
		}
		return k.settle(ctx)
	})
}

// sortServers sorts a list of the account's servers against Webrana's rows
// (see SyncServers) and marks the account for recounting; the caller
// settles. A list older than the last one applied changes nothing.
func (k *capacity) sortServers(ctx context.Context, accountID string, listedAt time.Time, servers []ObservedServer) error {
	k.mustHold(accountID)
	c := k.c
	var last sql.NullTime
	if err := c.row(ctx, `SELECT last_sync_at FROM accounts WHERE id = ?`, accountID).Scan(&last); err != nil {
		return notFound(err, "Account")
	}
	if last.Valid && last.Time.After(listedAt) {
		// A newer list was applied while this one was taken: this one
		// may miss servers made since, or keep ones removed since.
		return nil
	}
	known, err := recordedServers(ctx, c, accountID, servers)
	if err != nil {
		return err
	}
	if _, err := c.exec(ctx, `DELETE FROM account_strays WHERE account_id = ?`, accountID); err != nil {
		return err
	}
	foreign, seen := 0, map[string]bool{}
	for _, s := range servers {
		if seen[s.ID] {
			continue // a paged list can show a server twice
		}
		seen[s.ID] = true
		r, ok := known[s.ID]
		switch {
		case ok && (r.own || !r.ended.Before(listedAt)):
			// Counted as own, or removed since the list began.
		case s.OrderID != "":
			if _, err := c.exec(ctx, `INSERT INTO account_strays (account_id, provider_id, order_id) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, accountID, s.ID, s.OrderID); err != nil {
				return err
			}
		default:
			foreign++
		}
	}
	res, err := c.exec(ctx, `UPDATE accounts SET foreign_count = ?, last_sync_at = ? WHERE id = ?`, foreign, listedAt, accountID)
	if err := mustAffect(res, err, "Account"); err != nil {
		return err
	}
	k.touch(accountID)
	return nil
}

// recorded is what Webrana's rows say of a listed server.
type recorded struct {
	own   bool      // an instance in ownStatuses records it
	ended time.Time // else: when the last instance recording it ended
}

// recordedServers returns, for each listed server an instance on the
// account records, whether it is Webrana's own or when its instance ended.
func recordedServers(ctx context.Context, c conn, accountID string, servers []ObservedServer) (map[string]recorded, error) {
	out := map[string]recorded{}
	const chunk = 500
	for start := 0; start < len(servers); start += chunk {
		part := servers[start:min(start+chunk, len(servers))]
		args := []any{accountID}
		for _, s := range part {
			args = append(args, s.ID)
		}
		rows, err := c.query(ctx, `SELECT provider_id, status, updated_at FROM instances WHERE account_id = ? AND provider_id IN (?`+
			strings.Repeat(", ?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var st webrana.InstanceStatus
			var updated time.Time
			if err := rows.Scan(&id, &st, &updated); err != nil {
				rows.Close()
				return nil, err
			}
			r := out[id]
			if slices.Contains(ownStatuses, st) {
				r.own = true
			} else if updated.After(r.ended) {
				r.ended = updated
			}
			out[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
