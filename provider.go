package webrana

import "time"

// ProviderType names a kind of cloud the code knows.
type ProviderType string

const (
	DigitalOcean ProviderType = "digitalocean"
	Linode       ProviderType = "linode"
)

// ProviderTypes lists every provider Webrana has a driver for, in display order.
var ProviderTypes = []ProviderType{DigitalOcean, Linode}

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
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
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
	VCPUs        int          `json:"vcpus"`
	MemoryMB     int          `json:"memory_mb"`
	DiskGB       int          `json:"disk_gb"`
	TransferGB   int          `json:"transfer_gb"`
	PriceMonthly int64        `json:"price_monthly"`
	PriceHourly  int64        `json:"price_hourly"`
	Currency     string       `json:"currency"`
	Regions      []string     `json:"regions"`
	IsActive     bool         `json:"is_active"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}
