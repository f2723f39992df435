package webrana

import (
	"strings"
	"unicode/utf8"
)

// Validate checks a plan's own fields (the catalog checks its size and
// regions).
func (p *Plan) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	switch {
	case !p.ProviderType.Valid():
		return FieldError("provider_type", "provider_type must be %s.", ProviderTypesText())
	case p.Name == "" || utf8.RuneCountInString(p.Name) > 64:
		return FieldError("name", "A name of 1 to 64 characters is required.")
	case p.SizeSlug == "":
		return FieldError("size_slug", "The provider's size slug is required, such as s-1vcpu-1gb or g6-nanode-1.")
	}
	if err := p.CheckPrices(); err != nil {
		return err
	}
	switch {
	case len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return FieldError("currency", "currency must be a three-letter ISO code, such as USD.")
	case len(p.Regions) == 0:
		return FieldError("regions", "At least one region is required.")
	}
	return nil
}

// CheckPrices validates the plan's prices (see CheckPrices): a plan that
// passes is never free (its first day is at least one minor unit) and can
// be ordered and billed without overflow.
func (p *Plan) CheckPrices() error {
	if err := CheckPrices(p.PriceHourly, p.PriceMonthly); err != nil {
		return err
	}
	return CheckBackupPrices(p.BackupPriceHourly, p.BackupPriceMonthly)
}
