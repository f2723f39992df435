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
	c := db.conn()
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
	res, err := db.conn().exec(ctx, `DELETE FROM alert_channels WHERE id = ?`, id)
	return mustAffect(res, err, "Alert channel")
}
