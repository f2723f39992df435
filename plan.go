package webrana

import (
	"regexp"
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
	case !validSlug.MatchString(p.Slug):
		return FieldError("slug", "A slug is 1 to 64 lower-case letters, digits and hyphens, starting and ending with a letter or digit, such as basic-1gb.")
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

// validSlug is a plan slug: what a DigitalOcean size slug looks like.
var validSlug = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// PlanSlug is the slug a plan named name takes by default: its name in
// lower case, with every run of other characters a hyphen ("plan" when
// nothing is left).
func PlanSlug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
			continue
		}
		hyphen = true
	}
	s := b.String()
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	if s == "" {
		return "plan"
	}
	return s
}
