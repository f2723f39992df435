package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
)

// Backups: enable_backups and disable_backups turn a server's automatic
// backups on and off (metered at its plan's backup price while on, from
// the moment the provider completes the action; see package billing), and
// restore_backup restores one of them onto the server, replacing its disk.
// All three go through Act like every action. Backups lists them.

// backupsAllow is what a server's provider and backups allow of a backup
// action.
func backupsAllow(in *webrana.Instance, action string) error {
	reg := providers.Of(in.ProviderType)
	on := in.Options.Backups
	switch {
	case !reg.Capabilities.BackupActions:
		return webrana.Errorf(webrana.ECONFLICT, "%s servers' backups cannot be changed or restored here.", reg.Name)
	case action == webrana.ActionEnableBackups && on:
		return webrana.Errorf(webrana.ECONFLICT, "Backups are on already.")
	case action == webrana.ActionDisableBackups && !on:
		return webrana.Errorf(webrana.ECONFLICT, "Backups are off already.")
	case action == webrana.ActionRestoreBackup && !on:
		return webrana.Errorf(webrana.ECONFLICT, "Backups are off, so there are none to restore; turn them on first.")
	}
	return nil
}

// MaxBackupID bounds a backup's id as a customer gives it.
const MaxBackupID = 40

// checkRestore: a restore names one backup, by the id its list gives.
// Whether it is the server's is the provider's to say (the action fails
// with its reason otherwise): a backup of any other server is refused.
func checkRestore(req Request) (webrana.ActionParams, error) {
	id := strings.TrimSpace(req.BackupID)
	switch {
	case id == "":
		return webrana.ActionParams{}, webrana.FieldError("backup_id", "Choose the backup to restore (its id, as the server's backups list it).")
	case len(id) > MaxBackupID || strings.Trim(id, "0123456789") != "":
		return webrana.ActionParams{}, webrana.FieldError("backup_id", "A backup id is a number, as the server's backups list it.")
	}
	return webrana.ActionParams{BackupID: id}, nil
}

// Backup is a backup as customers see it.
type Backup struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// SizeGB is the backup's size, where the provider says (else 0).
	SizeGB    float64 `json:"size_gb,omitempty"`
	Available bool    `json:"available"`
}

// Clients gives the provider client of an account (pool.Service).
type Clients interface {
	Client(ctx context.Context, a *webrana.Account) (*cloud.Client, error)
}

// BackupStore is what Backups needs of the database.
type BackupStore interface {
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
}

// Backups lists servers' backups at their providers.
type Backups struct {
	db      BackupStore
	clients Clients
}

// NewBackups returns the backup lists of the servers in db, asked of their
// providers through clients. It has no optional settings.
func NewBackups(db BackupStore, clients Clients) *Backups { return &Backups{db: db, clients: clients} }

// List returns a server's backups, newest first: none while its backups
// are off, or when the server has no server at a provider yet. The caller
// has checked the viewer may see the server (Service.Server).
func (b *Backups) List(ctx context.Context, in *webrana.Instance) ([]Backup, error) {
	out := []Backup{}
	if !in.Options.Backups || in.AccountID == "" || in.ProviderID == "" ||
		!providers.Of(in.ProviderType).Capabilities.BackupActions {
		return out, nil
	}
	acc, err := b.db.AccountByID(ctx, in.AccountID)
	if err != nil {
		return nil, fmt.Errorf("backups of server %s: %w", in.ID, err)
	}
	c, err := b.clients.Client(ctx, acc)
	if err != nil {
		return nil, fmt.Errorf("backups of server %s: %w", in.ID, err)
	}
	list, err := c.ListBackups(ctx, in.ProviderID)
	if err != nil {
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "The provider did not list the server's backups; try again shortly.")
	}
	for _, bk := range list {
		out = append(out, Backup{ID: bk.ID, Name: bk.Name, CreatedAt: bk.CreatedAt.UTC(), SizeGB: bk.SizeGB, Available: bk.Available})
	}
	return out, nil
}
