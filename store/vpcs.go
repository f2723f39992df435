package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/webrana/webrana"
)

const vpcColumns = `id, owner_id, provider_type, account_id, provider_uuid, region, name, ip_range, origin, created_at`

func scanVPC(s scanner) (*webrana.VPC, error) {
	var v webrana.VPC
	if err := s.Scan(&v.ID, &v.OwnerID, &v.ProviderType, &v.AccountID, &v.UUID, &v.Region, &v.Name, &v.IPRange, &v.Origin,
		&v.CreatedAt); err != nil {
		return nil, err
	}
	v.CreatedAt = v.CreatedAt.UTC()
	return &v, nil
}

// CreateVPC records a customer's VPC, setting its ID and CreatedAt, with
// whatever also adds (its audit) in the same transaction. A provider VPC
// recorded already, or a name the customer has, is a conflict.
func (db *DB) CreateVPC(ctx context.Context, v *webrana.VPC, also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		v.ID, v.CreatedAt = cmp.Or(v.ID, newID()), c.now()
		err := c.row(ctx, `SELECT 1 FROM vpcs WHERE provider_uuid = ?`, v.UUID).Scan(new(int))
		if err == nil {
			return &webrana.Error{Code: webrana.ECONFLICT, Field: "vpc_uuid", Message: "VPC " + v.UUID + " belongs to a customer already."}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = c.exec(ctx, `INSERT INTO vpcs (`+vpcColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.OwnerID, v.ProviderType, v.AccountID, v.UUID, v.Region, v.Name, v.IPRange, v.Origin, v.CreatedAt)
		if isUniqueViolation(err) { // the name, or the same VPC recorded at the same time
			return &webrana.Error{Code: webrana.ECONFLICT, Field: "name", Message: "You have a VPC called " + v.Name + " already."}
		}
		if err := constraintError(err, "", "Unknown customer or account."); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// VPCByID returns a VPC; with an owner, only that customer's (another's is
// not found).
func (db *DB) VPCByID(ctx context.Context, ownerID, id string) (*webrana.VPC, error) {
	q, args := `SELECT `+vpcColumns+` FROM vpcs WHERE id = ?`, []any{id}
	if ownerID != "" {
		q, args = q+` AND owner_id = ?`, append(args, ownerID)
	}
	v, err := scanVPC(db.conn().row(ctx, q, args...))
	return v, notFound(err, "VPC")
}

// VPCByUUID returns the customer's VPC with the provider's id uuid; one
// that is not theirs, or unknown, is not found.
func (db *DB) VPCByUUID(ctx context.Context, ownerID, uuid string) (*webrana.VPC, error) {
	v, err := scanVPC(db.conn().row(ctx, `SELECT `+vpcColumns+` FROM vpcs WHERE provider_uuid = ? AND owner_id = ?`, uuid, ownerID))
	return v, notFound(err, "VPC")
}

// ListVPCs returns a customer's VPCs (every customer's for ""), oldest first.
func (db *DB) ListVPCs(ctx context.Context, ownerID string) ([]*webrana.VPC, error) {
	where, args := whereClause{}.eq("owner_id", ownerID).build()
	return list(ctx, db.conn(), scanVPC, `SELECT `+vpcColumns+` FROM vpcs`+where+` ORDER BY created_at, id`, args...)
}

// VPCServers counts the servers in the VPC with the provider's id uuid that
// exist or are being made (every status but failed and deleted).
func (db *DB) VPCServers(ctx context.Context, uuid string) (int, error) {
	return vpcServers(ctx, db.conn(), uuid)
}

func vpcServers(ctx context.Context, c conn, uuid string) (int, error) {
	var n int
	// The VPC is in the instance's options (JSON text, written by
	// encoding/json): its UUID has no character LIKE treats specially.
	err := c.row(ctx, `SELECT COUNT(*) FROM instances WHERE status NOT IN (?, ?) AND options LIKE ?`,
		webrana.StatusFailed, webrana.StatusDeleted, `%"vpc_uuid":"`+strings.ReplaceAll(uuid, `"`, ``)+`"%`).Scan(&n)
	return n, err
}

// DeleteVPC removes the customer's VPC, with whatever also adds (its audit)
// in the same transaction, unless servers are in it (a conflict).
func (db *DB) DeleteVPC(ctx context.Context, ownerID, id string, also ...func(*Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		var uuid string
		err := c.row(ctx, `SELECT provider_uuid FROM vpcs WHERE id = ? AND owner_id = ?`, id, ownerID).Scan(&uuid)
		if err := notFound(err, "VPC"); err != nil {
			return err
		}
		n, err := vpcServers(ctx, c, uuid)
		if err != nil {
			return err
		}
		if n > 0 {
			return webrana.Errorf(webrana.ECONFLICT, "%d server(s) are in this VPC; delete them first.", n)
		}
		res, err := c.exec(ctx, `DELETE FROM vpcs WHERE id = ?`, id)
		if err := mustAffect(res, err, "VPC"); err != nil {
			return err
		}
		return tx.then(also)
	})
}

// VPCAccount is the account a new VPC of the provider goes on, chosen as a
// placement is (DESIGN.md §4, spread): among the active, healthy accounts
// with room, the least used, the primary winning ties. Servers in the VPC
// are placed on that account, so it should have room for them.
func (db *DB) VPCAccount(ctx context.Context, provider webrana.ProviderType) (*webrana.Account, error) {
	c := db.conn()
	u := usableAccounts(ReserveRequest{Provider: provider, RetryRefusedAfter: DefaultRetryRefusedAfter}, c.now())
	var id string
	err := c.row(ctx, `SELECT id FROM accounts WHERE `+u.where+` AND `+hasRoom+` ORDER BY `+spreadOrder+` LIMIT 1`, u.args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webrana.ErrAllAccountsFull
	}
	if err != nil {
		return nil, err
	}
	return db.AccountByID(ctx, id)
}
