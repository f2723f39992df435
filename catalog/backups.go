package catalog

import (
	"math"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
)

// FallbackBackupPercent prices a plan's backups where its provider prices
// them per size but its catalog gives the size none: 25 % of the plan's
// prices, as Linode prices most of its shared types' backups.
const FallbackBackupPercent = 25

// catalogCurrency is the currency of the providers' catalogs.
const catalogCurrency = "USD"

// fillBackupPrices gives a plan whose backup prices are left at zero its
// provider's default: where the provider prices backups at a percentage of
// the server (Capabilities.BackupPricePercent, DigitalOcean's 20 %), that
// percentage of the plan's own prices; else the size's backup price from
// the catalog (Linode's addons.backups.price) — as it is for a plan in the
// catalog's currency (USD), and in another currency at the same ratio to
// the plan's prices as the catalog's backup price bears to the size's.
// Every price is rounded up to a whole minor unit.
func fillBackupPrices(p *webrana.Plan, z *cloud.Size) {
	if p.BackupPriceMonthly != 0 || p.BackupPriceHourly != 0 {
		return
	}
	pct := providers.Of(p.ProviderType).Capabilities.BackupPricePercent
	switch {
	case pct > 0:
		p.BackupPriceHourly, p.BackupPriceMonthly = p.DefaultBackupPrices(pct)
	case z.BackupPriceMonthly <= 0 || z.BackupPriceHourly <= 0:
		p.BackupPriceHourly, p.BackupPriceMonthly = p.DefaultBackupPrices(FallbackBackupPercent)
	case p.Currency == catalogCurrency:
		p.BackupPriceHourly, p.BackupPriceMonthly = webrana.MinorUp(z.BackupPriceHourly), webrana.MinorUp(z.BackupPriceMonthly)
	case z.PriceMonthly > 0 && z.PriceHourly > 0:
		p.BackupPriceHourly = ratioUp(p.PriceHourly, z.BackupPriceHourly/z.PriceHourly)
		p.BackupPriceMonthly = ratioUp(p.PriceMonthly, z.BackupPriceMonthly/z.PriceMonthly)
	default:
		p.BackupPriceHourly, p.BackupPriceMonthly = p.DefaultBackupPrices(FallbackBackupPercent)
	}
	p.BackupPriceMonthly = max(1, min(p.BackupPriceMonthly, webrana.MaxAmount))
	p.BackupPriceHourly = max(1, min(p.BackupPriceHourly, p.BackupPriceMonthly))
}

// ratioUp is price × ratio rounded up, 0 for a ratio that is no number.
func ratioUp(price int64, ratio float64) int64 {
	v := math.Ceil(float64(price) * ratio)
	if math.IsNaN(v) || v <= 0 {
		return 0
	}
	return int64(min(v, float64(webrana.MaxAmount)))
}
