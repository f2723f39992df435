package catalog

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/store"
)

// Providers returns every provider, in display order.
func (s *Service) Providers(ctx context.Context) ([]*webrana.Provider, error) {
	ps, err := s.db.ListProviders(ctx)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	return ps, nil
}

// Server is a Source that can tell, without calling the provider, whether
// it can serve a provider's catalogs at all (pool's source: whether the
// provider has a working account).
type Server interface {
	Serves(ctx context.Context, p webrana.ProviderType) (bool, error)
}

// Offered returns the providers customers may order from: the enabled ones
// that have something to sell. A provider enabled with no working account
// (none active and not UNHEALTHY) is left out, where the source can tell
// (Server): its catalogs could not be read, nor its servers created. It
// shows again as soon as an account works.
func (s *Service) Offered(ctx context.Context) ([]*webrana.Provider, error) {
	all, err := s.Providers(ctx)
	if err != nil {
		return nil, err
	}
	server, _ := s.src.(Server)
	var out []*webrana.Provider
	for _, p := range all {
		if !p.Enabled {
			continue
		}
		if server != nil {
			ok, err := server.Serves(ctx, p.Type)
			if err != nil {
				return nil, fmt.Errorf("offered providers: %w", err)
			}
			if !ok {
				continue
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Provider returns a provider by its id.
func (s *Service) Provider(ctx context.Context, id string) (*webrana.Provider, error) {
	p, err := s.db.ProviderByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", id, err)
	}
	return p, nil
}

// ProviderOf returns the provider of a type.
func (s *Service) ProviderOf(ctx context.Context, t webrana.ProviderType) (*webrana.Provider, error) {
	p, err := s.db.ProviderByType(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", t, err)
	}
	return p, nil
}

// ProviderChange renames a provider or enables/disables it; nil fields stay.
type ProviderChange struct {
	Name    *string
	Enabled *bool
	// SnapshotPriceGBMonth is the price of a GB of snapshot for a month,
	// minor units of the billing currency, 0 (free) to webrana.MaxAmount.
	SnapshotPriceGBMonth *int64
}

// UpdateProvider applies an operator's change with its audit entry
// ("provider.updated", by the actor, naming what was set). The change
// drops cached catalogs on every replica (through updated_at).
func (s *Service) UpdateProvider(ctx context.Context, by webrana.Actor, id string, ch ProviderChange) (*webrana.Provider, error) {
	detail := []string{}
	if ch.Name != nil {
		name := strings.TrimSpace(*ch.Name)
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return nil, webrana.FieldError("name", "A display name of 1 to 64 characters is required.")
		}
		ch.Name = &name
		detail = append(detail, "name="+name)
	}
	if ch.Enabled != nil {
		detail = append(detail, fmt.Sprintf("enabled=%t", *ch.Enabled))
	}
	if ch.SnapshotPriceGBMonth != nil {
		if err := (webrana.AmountRange{Min: 0, Max: webrana.MaxAmount}).Check("snapshot_price_gb_month", *ch.SnapshotPriceGBMonth); err != nil {
			return nil, err
		}
		detail = append(detail, fmt.Sprintf("snapshot_price_gb_month=%d", *ch.SnapshotPriceGBMonth))
	}
	var p *webrana.Provider
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if ch.SnapshotPriceGBMonth != nil {
			if err = tx.SetSnapshotPrice(ctx, id, *ch.SnapshotPriceGBMonth); err != nil {
				return err
			}
		}
		if p, err = tx.UpdateProvider(ctx, id, store.ProviderUpdate{Name: ch.Name, Enabled: ch.Enabled}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("provider.updated", "provider", p.ID, strings.Join(detail, " ")))
	})
	if err != nil {
		return nil, fmt.Errorf("update provider %s: %w", id, err)
	}
	return p, nil
}

// Validation is the outcome of a live check of a provider's credentials.
// A failed check is an outcome (OK false, Message says why), not an error.
type Validation struct {
	OK       bool
	Message  string
	Provider *webrana.Provider  // after the check, which recorded its outcome on it
	Account  *cloud.AccountInfo // the account the credentials open, when OK
}

// ValidateProvider checks the credentials Webrana reads a provider's
// catalog with, by a live call, and audits the outcome
// ("provider.validated", by the actor: ok or failed).
func (s *Service) ValidateProvider(ctx context.Context, by webrana.Actor, id string) (*Validation, error) {
	p, err := s.Provider(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &Validation{}
	c, err := s.src.Client(ctx, p.Type)
	if err == nil {
		out.Account, err = c.Account(ctx)
	}
	if err == nil {
		out.OK, out.Message = true, "The credentials work."
	} else {
		out.Account, out.Message = nil, "The check failed: "+lowerFirst(clouderr.Message(err))
	}
	if out.Provider, err = s.Provider(ctx, p.ID); err != nil {
		return nil, err
	}
	result := map[bool]string{true: "ok", false: "failed"}[out.OK]
	if err := s.db.AppendAudit(ctx, by.Entry("provider.validated", "provider", p.ID, result)); err != nil {
		return nil, fmt.Errorf("validate provider %s: %w", id, err)
	}
	return out, nil
}

// lowerFirst puts a sentence after a colon.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
