package webrana

import (
	"strings"
	"time"
)

// ProviderType names a kind of cloud the code knows.
type ProviderType string

const (
	DigitalOcean ProviderType = "digitalocean"
	Linode       ProviderType = "linode"
)

// ProviderTypes lists every provider Webrana has a driver for, in display order.
var ProviderTypes = []ProviderType{DigitalOcean, Linode}

// ProviderTypesText says the known provider types as a choice, for
// messages: "digitalocean or linode".
func ProviderTypesText() string {
	types := make([]string, len(ProviderTypes))
	for i, t := range ProviderTypes {
		types[i] = string(t)
	}
	return JoinWords(types, "or")
}

// JoinWords lists words as a sentence does, with conj before the last:
// "a", "a or b", "a, b or c".
func JoinWords(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// Valid reports whether t is a known provider type.
func (t ProviderType) Valid() bool {
	for _, known := range ProviderTypes {
		if t == known {
			return true
		}
	}
	return false
}

// Provider statuses.
const (
	ProviderActive   = "active"
	ProviderInactive = "inactive"
	ProviderError    = "error"
)

// Provider is a cloud the operator has enabled or disabled.
type Provider struct {
	ID            string       `json:"id"`
	Type          ProviderType `json:"provider_type"`
	Name          string       `json:"name"`
	Enabled       bool         `json:"is_enabled"`
	Status        string       `json:"status"`
	LastSuccessAt *time.Time   `json:"last_success_at"`
	LastError     string       `json:"last_error,omitempty"`
	// SnapshotPriceGBMonth is what a GB of a snapshot costs customers for
	// a month on this provider, in minor units of the billing currency
	// (the operator's price; billing meters it by the hour).
	SnapshotPriceGBMonth int64     `json:"snapshot_price_gb_month"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// Health of a provider account.
type Health string

const (
	HealthHealthy   Health = "HEALTHY"
	HealthDegraded  Health = "DEGRADED"
	HealthUnhealthy Health = "UNHEALTHY"
	HealthUnknown   Health = "UNKNOWN"
)

// Account is one set of credentials at a provider; it caps how many servers
// may run on it. The token is kept encrypted and never serialised.
type Account struct {
	ID                string       `json:"id"`
	ProviderType      ProviderType `json:"provider_type"`
	Name              string       `json:"name"`
	Email             string       `json:"email"`
	TokenCiphertext   string       `json:"-"`
	TokenHint         string       `json:"token_hint,omitempty"`
	IsPrimary         bool         `json:"is_primary"`
	IsActive          bool         `json:"is_active"`
	Limit             int          `json:"limit"`
	LimitFromProvider bool         `json:"limit_from_provider"`
	Active            int          `json:"active"`
	Reserved          int          `json:"reserved"`
	Health            Health       `json:"health_status"`
	HealthReason      string       `json:"health_reason"`
	ProviderStatus    string       `json:"provider_status"`
	RequestBudget     int          `json:"request_budget"`
	LastSyncAt        *time.Time   `json:"last_sync_at"`
	LastHealthCheckAt *time.Time   `json:"last_health_check_at"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
}

// Free is the number of servers the account can still take.
func (a *Account) Free() int { return max(0, a.Limit-a.Active-a.Reserved) }

// Utilization is the used share of the limit in percent (0 when no limit).
func (a *Account) Utilization() float64 {
	if a.Limit <= 0 {
		return 0
	}
	return float64(a.Active+a.Reserved) * 100 / float64(a.Limit)
}

// Plan is what Webrana sells: a provider size at Webrana's price.
type Plan struct {
	ID           string       `json:"id"`
	ProviderType ProviderType `json:"provider_type"`
	SizeSlug     string       `json:"size_slug"`
	Name         string       `json:"name"`
	// Slug names the plan as a size in the DigitalOcean-compatible API:
	// stable, lower-case letters, digits and hyphens, unique among the
	// active plans.
	Slug         string `json:"slug"`
	VCPUs        int    `json:"vcpus"`
	MemoryMB     int    `json:"memory_mb"`
	DiskGB       int    `json:"disk_gb"`
	TransferGB   int    `json:"transfer_gb"`
	PriceMonthly int64  `json:"price_monthly"`
	PriceHourly  int64  `json:"price_hourly"`
	// BackupPriceMonthly and BackupPriceHourly are what the server's
	// automatic backups cost while they are on, metered like the server
	// (see backups.go).
	BackupPriceMonthly int64     `json:"backup_price_monthly"`
	BackupPriceHourly  int64     `json:"backup_price_hourly"`
	Currency           string    `json:"currency"`
	Regions            []string  `json:"regions"`
	IsActive           bool      `json:"is_active"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Reservation is a slot held on an account for an order, from selection
// until the provider answers; it expires so that a crash never leaks one.
type Reservation struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	OrderID   string    `json:"order_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Placement strategies (DESIGN.md §4).
const (
	StrategySpread = "spread" // lowest utilisation first, primary wins ties
	StrategyFill   = "fill"   // primary first, then the fullest account that fits
)

// Selection errors: no account could take the order at all, or some could
// but every one of them is full. The second holds the order; the first is an
// operator's problem.
var (
	ErrNoAvailableAccount = &Error{Code: EUNAVAILABLE, Message: "No provider account can take servers now (none active and healthy)."}
	ErrAllAccountsFull    = &Error{Code: EUNAVAILABLE, Message: "Every provider account is at its server limit."}
)

// ErrProviderBusy answers a request that needed a provider which did not
// serve it in time: it limited our requests, could not be reached, or was
// slower than the request may wait. Trying again later may succeed.
var ErrProviderBusy = &Error{Code: EUNAVAILABLE, Message: "The provider is slow or limiting our requests right now; try again in a minute."}
