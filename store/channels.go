package store

import (
	"context"

	"github.com/webrana/webrana"
)

const channelColumns = `id, kind, name, config, secret_ciphertext, enabled, created_at`

func scanChannel(s scanner) (*webrana.AlertChannel, error) {
	var ch webrana.AlertChannel
	if err := s.Scan(&ch.ID, &ch.Kind, &ch.Name, jsonText{&ch.Config}, &ch.SecretCiphertext, &ch.Enabled, &ch.CreatedAt); err != nil {
		return nil, err
	}
	ch.CreatedAt = ch.CreatedAt.UTC()
	return &ch, nil
}

// CreateAlertChannel inserts a channel, setting its ID and CreatedAt.
func (db *DB) CreateAlertChannel(ctx context.Context, ch *webrana.AlertChannel) error {
	return db.conn().createAlertChannel(ctx, ch)
}

// CreateAlertChannel inserts a channel inside the transaction.
func (tx *Tx) CreateAlertChannel(ctx context.Context, ch *webrana.AlertChannel) error {
	return tx.conn().createAlertChannel(ctx, ch)
}

func (c conn) createAlertChannel(ctx context.Context, ch *webrana.AlertChannel) error {
	ch.ID = newID()
	ch.CreatedAt = c.now()
	_, err := c.exec(ctx, `INSERT INTO alert_channels (`+channelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ch.ID, ch.Kind, ch.Name, jsonText{ch.Config}, ch.SecretCiphertext, ch.Enabled, ch.CreatedAt)
	return constraintError(err, "A channel with this name already exists.", "")
}

// ListAlertChannels returns every channel, oldest first.
func (db *DB) ListAlertChannels(ctx context.Context) ([]*webrana.AlertChannel, error) {
	return list(ctx, db.conn(), scanChannel, `SELECT `+channelColumns+` FROM alert_channels ORDER BY created_at, id`)
}

// DeleteAlertChannel removes a channel.
func (db *DB) DeleteAlertChannel(ctx context.Context, id string) error {
	return db.conn().deleteAlertChannel(ctx, id)
}

// DeleteAlertChannel removes a channel inside the transaction.
func (tx *Tx) DeleteAlertChannel(ctx context.Context, id string) error {
	return tx.conn().deleteAlertChannel(ctx, id)
}

func (c conn) deleteAlertChannel(ctx context.Context, id string) error {
	res, err := c.exec(ctx, `DELETE FROM alert_channels WHERE id = ?`, id)
	return mustAffect(res, err, "Alert channel")
}
