package pages

import (
	"maps"

	"github.com/webrana/webrana"
)

// BackupPrice states what a plan's backups cost: its backup monthly price,
// and the hourly price metered up to it.
func BackupPrice(p *webrana.Plan) string {
	if p.BackupPriceMonthly == 0 {
		return "included in the plan's price"
	}
	return "+" + Price(p.BackupPriceMonthly, p.Currency) + " a month (" + Price(p.BackupPriceHourly, p.Currency) +
		" an hour, up to that)"
}

// BackupsFact is the order review's line on backups.
func BackupsFact(on bool, p *webrana.Plan) string {
	if !on {
		return "off"
	}
	return "on, " + BackupPrice(p)
}

// ServerBackups is the server page's Backups section (server_backups.templ).
type ServerBackups struct {
	Provider string // its name
	On       bool   // backups are on now
	Price    string // what they cost, as BackupPrice says
	Monthly  string // their monthly price, on the confirming button
	// What may be done now (lifecycle.Allowed, and no action under way).
	CanEnable, CanDisable, CanRestore bool
	Items                             []ServerBackup
	// Unavailable: the provider did not list them.
	Unavailable bool
}

// ServerBackup is one backup in the list.
type ServerBackup struct {
	ID, Name, Created, Size string
	Available               bool
}

// backupActionNames are the backup actions in words, in the history and
// the messages (ServerActionName).
var backupActionNames = map[string]string{
	webrana.ActionEnableBackups: "Turn on backups", webrana.ActionDisableBackups: "Turn off backups",
	webrana.ActionRestoreBackup: "Restore a backup",
}

func init() { maps.Copy(srvActionNames, backupActionNames) } // one table of names, without editing servers.templ's
