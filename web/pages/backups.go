package pages

import "github.com/webrana/webrana"

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
