package store

import (
	"context"
	"database/sql"
	"reflect"
	"time"

	"github.com/webrana/webrana"
)

// A server's firewall: its owner's inbound rules, and what the provider
// applies (instance_firewalls). The rules change with the `firewall`
// action that applies them (SetFirewallRules in CreateAction's
// transaction), and are marked applied when it finishes (FirewallApplied
// in FinishAction's).

// FirewallOf returns the server's firewall; NotFound when its owner never
// set one.
func (db *DB) FirewallOf(ctx context.Context, instanceID string) (*webrana.Firewall, error) {
	var fw webrana.Firewall
	var applied []webrana.FirewallRule
	var appliedText sql.NullString
	var updated time.Time
	var appliedAt sql.NullTime
	err := db.conn().row(ctx, `SELECT instance_id, inbound, applied, provider_firewall_id, updated_at, applied_at
		FROM instance_firewalls WHERE instance_id = ?`, instanceID).
		Scan(&fw.InstanceID, jsonText{&fw.Inbound}, &appliedText, &fw.ProviderFirewallID, &updated, &appliedAt)
	if err != nil {
		return nil, notFound(err, "Firewall")
	}
	if fw.Inbound == nil {
		fw.Inbound = []webrana.FirewallRule{}
	}
	updated = updated.UTC()
	fw.UpdatedAt, fw.AppliedAt = &updated, timePtr(appliedAt)
	fw.State = webrana.FirewallPending
	if appliedText.Valid {
		if err := (jsonText{&applied}).Scan(appliedText.String); err != nil {
			return nil, err
		}
		if applied == nil {
			applied = []webrana.FirewallRule{}
		}
		if reflect.DeepEqual(applied, fw.Inbound) {
			fw.State = webrana.FirewallApplied
		}
	}
	return &fw, nil
}

// SetFirewallRules records the server's inbound rules, to be applied.
func (tx *Tx) SetFirewallRules(ctx context.Context, instanceID string, inbound []webrana.FirewallRule) error {
	c := tx.conn()
	if inbound == nil {
		inbound = []webrana.FirewallRule{}
	}
	_, err := c.exec(ctx, `INSERT INTO instance_firewalls (instance_id, inbound, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (instance_id) DO UPDATE SET inbound = excluded.inbound, updated_at = excluded.updated_at`,
		instanceID, jsonText{inbound}, c.now())
	return constraintError(err, "", "Unknown server.")
}

// FirewallApplied records that the provider applies inbound to the server,
// in its firewall providerFirewallID.
func (tx *Tx) FirewallApplied(ctx context.Context, instanceID, providerFirewallID string, inbound []webrana.FirewallRule) error {
	c := tx.conn()
	if inbound == nil {
		inbound = []webrana.FirewallRule{}
	}
	res, err := c.exec(ctx, `UPDATE instance_firewalls SET applied = ?, provider_firewall_id = ?, applied_at = ? WHERE instance_id = ?`,
		jsonText{inbound}, providerFirewallID, c.now(), instanceID)
	return mustAffect(res, err, "Firewall")
}

// FirewallRemoved records that the server's firewall is gone at the
// provider (the server was deleted): the rules stay, applied nowhere.
func (db *DB) FirewallRemoved(ctx context.Context, instanceID string) error {
	_, err := db.conn().exec(ctx, `UPDATE instance_firewalls SET applied = NULL, provider_firewall_id = '', applied_at = NULL
		WHERE instance_id = ?`, instanceID)
	return err
}
