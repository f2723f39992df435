package provision

import "github.com/webrana/webrana"

// FirstBackupPeriod is what an order with backups holds for them, beside
// FirstPeriod: their first day at the plan's backup hourly price, never
// more than its backup monthly price (nothing for a plan whose backups
// cost nothing). Backup prices out of range cannot be ordered.
func FirstBackupPeriod(p *webrana.Plan) (int64, error) {
	if err := webrana.CheckBackupPrices(p.BackupPriceHourly, p.BackupPriceMonthly); err != nil {
		return 0, webrana.FieldError("backups", "Plan %q cannot be ordered with backups until an operator corrects their prices: %s",
			p.Name, webrana.ErrorMessage(err))
	}
	day, err := webrana.MulMoney(prepaidHours, p.BackupPriceHourly)
	if err != nil {
		return 0, err
	}
	return min(day, p.BackupPriceMonthly), nil
}

// OrderHold is what an order on plan p holds: its first period, and with
// backups their first day too (backupHold, the part that is theirs).
func OrderHold(p *webrana.Plan, backups bool) (hold webrana.Money, backupHold int64, err error) {
	if hold, err = FirstPeriod(p); err != nil || !backups {
		return hold, 0, err
	}
	if backupHold, err = FirstBackupPeriod(p); err != nil {
		return hold, 0, err
	}
	hold.Amount, err = webrana.AddMoney(hold.Amount, backupHold)
	return hold, backupHold, err
}
