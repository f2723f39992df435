package documents

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Letterhead is the operator's legal identity, printed as the seller on
// every document, and the tax their prices include.
type Letterhead struct {
	LegalName string `json:"legal_name"`
	Address   string `json:"address"` // lines separated by newlines
	TaxID     string `json:"tax_id"`
	TaxName   string `json:"tax_name"` // "PPN", "VAT"; shown beside the rate
	TaxRate   int    `json:"tax_rate"` // basis points: 1100 is 11 %
}

// MaxTaxRate is 100 %, in basis points.
const MaxTaxRate = 10000

// DefaultLegalName is printed until the operator sets their own.
const DefaultLegalName = "Webrana"

// Setting keys, one per field (store/settings.go).
const (
	keyLegalName = "letterhead.legal_name"
	keyAddress   = "letterhead.address"
	keyTaxID     = "letterhead.tax_id"
	keyTaxName   = "letterhead.tax_name"
	keyTaxRate   = "letterhead.tax_rate"
)

// SettingsStore is what reading the letterhead needs; *store.DB and
// *store.Tx implement it.
type SettingsStore interface {
	Setting(ctx context.Context, key string) (string, bool, error)
}

// LoadLetterhead returns the operator's letterhead; fields never set take
// their defaults (the name "Webrana", no tax).
func LoadLetterhead(ctx context.Context, s SettingsStore) (*Letterhead, error) {
	l := &Letterhead{LegalName: DefaultLegalName}
	for _, f := range []struct {
		key string
		to  *string
	}{{keyLegalName, &l.LegalName}, {keyAddress, &l.Address}, {keyTaxID, &l.TaxID}, {keyTaxName, &l.TaxName}} {
		v, ok, err := s.Setting(ctx, f.key)
		if err != nil {
			return nil, fmt.Errorf("letterhead %s: %w", f.key, err)
		}
		if ok {
			*f.to = v
		}
	}
	v, ok, err := s.Setting(ctx, keyTaxRate)
	if err != nil {
		return nil, fmt.Errorf("letterhead tax rate: %w", err)
	}
	if ok {
		if l.TaxRate, err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("letterhead tax rate %q: %w", v, err)
		}
	}
	return l, nil
}

// SaveLetterhead checks and stores the letterhead with its audit entry, in
// one transaction. Documents already issued keep the letterhead they were
// issued with (their owners snapshot it).
func SaveLetterhead(ctx context.Context, db *store.DB, by webrana.Actor, l Letterhead) (*Letterhead, error) {
	l = l.trimmed()
	if err := l.Check(); err != nil {
		return nil, err
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for key, v := range map[string]string{keyLegalName: l.LegalName, keyAddress: l.Address, keyTaxID: l.TaxID,
			keyTaxName: l.TaxName, keyTaxRate: strconv.Itoa(l.TaxRate)} {
			if err := tx.SetSetting(ctx, key, v); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, by.Entry("letterhead.updated", "settings", "letterhead",
			fmt.Sprintf("%s, tax %s", l.LegalName, l.TaxLabel())))
	})
	if err != nil {
		return nil, fmt.Errorf("save letterhead: %w", err)
	}
	return &l, nil
}

func (l Letterhead) trimmed() Letterhead {
	l.LegalName, l.TaxID, l.TaxName = strings.TrimSpace(l.LegalName), strings.TrimSpace(l.TaxID), strings.TrimSpace(l.TaxName)
	lines := strings.Split(strings.ReplaceAll(l.Address, "\r\n", "\n"), "\n")
	kept := lines[:0]
	for _, s := range lines {
		if s = strings.TrimSpace(s); s != "" {
			kept = append(kept, s)
		}
	}
	l.Address = strings.Join(kept, "\n")
	return l
}

// Check reports the first field out of bounds, as a field error.
func (l Letterhead) Check() error {
	for _, f := range []struct {
		name, value string
		min, max    int
	}{{"legal_name", l.LegalName, 1, 200}, {"address", l.Address, 0, 500}, {"tax_id", l.TaxID, 0, 64}, {"tax_name", l.TaxName, 0, 32}} {
		if n := utf8.RuneCountInString(f.value); n < f.min || n > f.max {
			return webrana.FieldError(f.name, "%s must be %d to %d characters.", f.name, f.min, f.max)
		}
	}
	if strings.Count(l.Address, "\n") >= 6 {
		return webrana.FieldError("address", "address has at most 6 lines.")
	}
	if l.TaxRate < 0 || l.TaxRate > MaxTaxRate {
		return webrana.FieldError("tax_rate", "tax_rate is in basis points, 0 to %d (1100 is 11%%).", MaxTaxRate)
	}
	return nil
}

// Seller is the letterhead as the party a document is from.
func (l *Letterhead) Seller() Party {
	p := Party{Name: l.LegalName, TaxID: l.TaxID}
	if l.Address != "" {
		p.Address = strings.Split(l.Address, "\n")
	}
	return p
}

// TaxLabel names the tax for a document ("PPN 11%", "Tax 7.5%"); empty
// when prices include no tax.
func (l *Letterhead) TaxLabel() string {
	if l.TaxRate == 0 {
		return ""
	}
	return strings.TrimSpace(cmp.Or(l.TaxName, "Tax") + " " + FormatRate(l.TaxRate))
}

// FormatRate writes basis points as a percentage: 1100 → "11%", 750 → "7.5%".
func FormatRate(bp int) string {
	s := strconv.FormatFloat(float64(bp)/100, 'f', -1, 64)
	return s + "%"
}

// SplitTax splits a total whose price includes tax at rateBP basis points
// into the net amount and the tax it contains: tax = total × rate / (1 +
// rate), rounded half away from zero to the minor unit, and net = total −
// tax, so the two always add up to the total. rateBP is 0 to MaxTaxRate.
func SplitTax(total int64, rateBP int) (net, tax int64) {
	if rateBP <= 0 || total == 0 {
		return total, 0
	}
	// total × r / (10000 + r) without overflow: split total into a
	// quotient and remainder by the denominator first.
	den := int64(10000 + rateBP)
	r := int64(rateBP)
	q, rem := total/den, total%den
	tax = q * r // |q| ≤ MaxInt64/10001 and r ≤ 10000: fits
	// rem × r < den × r ≤ 20000 × 10000: fits; round half away from zero.
	part := rem * r
	half := den / 2
	if part >= 0 {
		tax += (part + half) / den
	} else {
		tax -= (-part + half) / den
	}
	return total - tax, tax
}
