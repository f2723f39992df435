package web

import (
	"strings"

	"github.com/webrana/webrana/web/pages"
)

// opBackupPrices reads a plan form's backup prices in minor units; blank
// is 0, which takes the provider's default.
func opBackupPrices(f *pages.OpPlanFormData) (monthly, hourly *int64, err error) {
	read := func(field, v string) (*int64, error) {
		if strings.TrimSpace(v) == "" {
			var zero int64
			return &zero, nil
		}
		n, err := opMinorUnits(field, v)
		return &n, err
	}
	if monthly, err = read("backup_price_monthly", f.BackupPriceMonthly); err != nil {
		return nil, nil, err
	}
	hourly, err = read("backup_price_hourly", f.BackupPriceHourly)
	return monthly, hourly, err
}
