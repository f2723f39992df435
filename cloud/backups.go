package cloud

import (
	"context"
	"slices"
	"time"
)

// Backups are the provider's automatic backups of a server: turned on and
// off by actions (enable_backups, disable_backups; a create turns them on
// with CreateRequest.Backups), listed (ListBackups) and restored onto the
// server they were taken of, replacing its disk (restore_backup). They are
// a provider's when its Capabilities declare BackupActions.

// Backup actions, started with DoAction like the others.
const (
	// ActionEnableBackups turns the server's automatic backups on.
	ActionEnableBackups ActionType = "enable_backups"
	// ActionDisableBackups turns them off; the provider deletes the
	// backups it kept.
	ActionDisableBackups ActionType = "disable_backups"
	// ActionRestoreBackup restores ActionRequest.BackupID onto the server
	// it was taken of, replacing the server's disk.
	ActionRestoreBackup ActionType = "restore_backup"
)

// Backup is one backup of a server, as ListBackups reports it.
type Backup struct {
	ID        string // what ActionRequest.BackupID takes
	Name      string
	CreatedAt time.Time
	// SizeGB is the backup's size in GB, 0 where the provider does not
	// say (Linode reports its disks' sizes instead; the driver adds them).
	SizeGB float64
	// Available: the backup can be restored now (Linode reports backups
	// under maintenance or being taken as not available).
	Available bool
}

// BackupDriver is a driver's part for backups (Capabilities.BackupActions).
//
// Contract (checked by cloud/cloudtest):
//   - EnableBackups, DisableBackups and RestoreBackup start the action of
//     that portable type and answer it as DoAction does (an ID GetAction
//     accepts, listed by ListActions under ListedAs of its type); once it
//     completes, GetInstance reports Backups as the action left them, and a
//     restored server is active or off, never still restoring.
//   - ListBackups returns the server's automatic backups (every page),
//     newest first; none while backups are off. An unknown server is
//     NotFound, and so is restoring a backup that is not the server's.
type BackupDriver interface {
	ListBackups(ctx context.Context, instanceID string) ([]*Backup, error)
	EnableBackups(ctx context.Context, instanceID string) (*Action, error)
	DisableBackups(ctx context.Context, instanceID string) (*Action, error)
	RestoreBackup(ctx context.Context, instanceID, backupID string) (*Action, error)
}

// backupAction reports whether t is a backup action, which DoAction hands
// to doBackupAction.
func backupAction(t ActionType) bool {
	return t == ActionEnableBackups || t == ActionDisableBackups || t == ActionRestoreBackup
}

// doBackupAction starts a backup action, refused where the provider has
// none. Like every action it is not retried.
func (c *Client) doBackupAction(ctx context.Context, id string, req ActionRequest) (*Action, error) {
	const op = "DoAction"
	if !c.d.Capabilities().BackupActions {
		return nil, c.wrap(op, invalid(op, "type", "this provider cannot turn backups on or off, or restore them"))
	}
	if (req.BackupID != "") != (req.Type == ActionRestoreBackup) {
		if req.BackupID == "" {
			return nil, c.wrap(op, invalid(op, "backup_id", "restore_backup needs a backup"))
		}
		return nil, c.wrap(op, invalid(op, "backup_id", string(req.Type)+" takes no backup"))
	}
	if req.Image != "" || req.Size != "" || req.Name != "" || req.Password != "" {
		return nil, c.wrap(op, invalid(op, "type", string(req.Type)+" takes no image, size, name or password"))
	}
	return once(ctx, c, op, func(ctx context.Context) (*Action, error) {
		switch req.Type {
		case ActionEnableBackups:
			return c.d.EnableBackups(ctx, id)
		case ActionDisableBackups:
			return c.d.DisableBackups(ctx, id)
		default:
			return c.d.RestoreBackup(ctx, id, req.BackupID)
		}
	})
}

// ListBackups returns a server's automatic backups, newest first. It is
// refused where the provider has no backup actions.
func (c *Client) ListBackups(ctx context.Context, instanceID string) ([]*Backup, error) {
	const op = "ListBackups"
	if !c.d.Capabilities().BackupActions {
		return nil, c.wrap(op, invalid(op, "type", "this provider cannot list backups"))
	}
	return retried(ctx, c, op, func(ctx context.Context) ([]*Backup, error) { return c.d.ListBackups(ctx, instanceID) })
}

// SortBackupsNewestFirst orders backups by creation, latest first.
func SortBackupsNewestFirst(backups []*Backup) {
	slices.SortStableFunc(backups, func(a, b *Backup) int { return b.CreatedAt.Compare(a.CreatedAt) })
}
