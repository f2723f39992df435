package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
)

// runRotateKey re-encrypts every stored secret (provider tokens, two-factor
// secrets) under ENCRYPTION_KEY, opening
// them with ENCRYPTION_KEY_PREVIOUS (or the new key, for secrets already
// rotated), in one transaction: a failure changes nothing.
func runRotateKey(ctx context.Context, e env) error {
	cfg, err := LoadConfig("webrana rotate-key", e.args, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	if cfg.EncryptionKey == "" || cfg.EncryptionKeyPrevious == "" {
		return errors.New("ENCRYPTION_KEY (the new key) and ENCRYPTION_KEY_PREVIOUS (the current one) are both required; " +
			"in sandbox mode the current key is in " + keyFile(cfg))
	}
	next, err := secrets.ParseKey(cfg.EncryptionKey)
	if err != nil {
		return fmt.Errorf("ENCRYPTION_KEY: %w", err)
	}
	prev, err := secrets.ParseKey(cfg.EncryptionKeyPrevious)
	if err != nil {
		return fmt.Errorf("ENCRYPTION_KEY_PREVIOUS: %w", err)
	}
	db, err := openForCommand(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	kr := secrets.NewKeyring(next, prev)
	n, err := db.ResealSecrets(ctx, func(sealed string) (string, error) {
		if kr.Current(sealed) {
			return sealed, nil
		}
		plain, err := kr.Open(sealed)
		if err != nil {
			return "", err
		}
		return kr.Seal(plain)
	})
	if err != nil {
		return fmt.Errorf("rotate-key: nothing changed: %w", err)
	}
	audit := &webrana.AuditEntry{Action: "keys.rotated", ActorEmail: "cli", TargetType: "encryption_key", TargetID: next.ID(),
		Detail: fmt.Sprintf("%d secrets re-encrypted from key %s", n, prev.ID())}
	if err := db.AppendAudit(ctx, audit); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "re-encrypted %d secrets under key %s; ENCRYPTION_KEY_PREVIOUS can now be retired\n", n, next.ID())
	return nil
}
