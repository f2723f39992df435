// Package pool manages the provider accounts Webrana places servers on:
// adding them (with a live check of the token, which is then kept sealed),
// syncing each account's limit and server count from its provider, checking
// their health, opening a client for an account, and choosing the account
// that serves catalog reads. Choosing accounts for orders is the store's
// atomic Reserve (DESIGN.md §4); this package keeps the numbers it relies
// on true.
package pool

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Service manages the pool. Safe for concurrent use.
type Service struct {
	db     Store
	keys   *secrets.Keyring
	opener *providers.Opener
	now    func() time.Time
	logger *slog.Logger
	// concurrency is how many accounts a cycle works on at once.
	concurrency int

	mu      sync.Mutex
	clients map[string]cachedClient // by account id

	seen sightings // what this process has seen of each account's calls (health.go)
}

type cachedClient struct {
	ciphertext string // the token it was opened with
	client     *cloud.Client
}

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	Now    func() time.Time // default webrana.Now
	Logger *slog.Logger     // default discards
	// Concurrency is how many accounts a health or sync cycle works on at
	// once (default 16: 1,000 accounts at 300 ms a call take 19 s, within
	// the minute between health cycles).
	Concurrency int
}

// New returns the pool service over db, opening accounts' tokens with keys
// and their clients with opener. cfg may be nil.
func New(db Store, keys *secrets.Keyring, opener *providers.Opener, cfg *Config) *Service {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	return &Service{db: db, keys: keys, opener: opener, now: c.Now, logger: cmp.Or(c.Logger, slog.New(slog.DiscardHandler)),
		concurrency: c.Concurrency, clients: map[string]cachedClient{}, seen: sightings{m: map[string]*sighting{}}}
}

// Client returns a client of the account, opening its sealed token. Every
// call made through it tells the pool of the account's health (see
// observe): a call the provider answers is a health check of the account,
// a refused token marks it UNHEALTHY.
func (s *Service) Client(ctx context.Context, a *webrana.Account) (*cloud.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[a.ID]; ok && c.ciphertext == a.TokenCiphertext {
		return c.client, nil
	}
	token, err := s.keys.Open(a.TokenCiphertext)
	if err != nil {
		// Never the token, nor its ciphertext, in the message.
		return nil, webrana.Errorf(webrana.EINTERNAL, "The token of account %s cannot be decrypted with this ENCRYPTION_KEY.", a.Name)
	}
	c, err := s.opener.Open(a.ProviderType, token, s.observer(a))
	if err != nil {
		return nil, err
	}
	s.clients[a.ID] = cachedClient{ciphertext: a.TokenCiphertext, client: c}
	return c, nil
}

// WithBudget fills the account's request budget left, from its pacer.
func (s *Service) WithBudget(a *webrana.Account) *webrana.Account {
	if token, err := s.keys.Open(a.TokenCiphertext); err == nil {
		a.RequestBudget = s.opener.Budget(a.ProviderType, token)
	}
	return a
}

// CatalogSource returns a catalog.Source that reads catalogs through the
// provider's best usable account: primary first, healthy before degraded.
func (s *Service) CatalogSource() *catalogSource { return &catalogSource{s} }

type catalogSource struct{ s *Service }

func (cs *catalogSource) Client(ctx context.Context, p webrana.ProviderType) (*cloud.Client, error) {
	best, err := cs.best(ctx, p)
	if err != nil {
		return nil, err
	}
	if best == nil {
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "No active, healthy %s account is configured.", p)
	}
	return cs.s.Client(ctx, best)
}

// Serves reports whether the provider has an account catalogs can be read
// through (and so servers sold on): active, and not UNHEALTHY. The catalog
// offers customers only the providers it serves (catalog.Service.Offered).
func (cs *catalogSource) Serves(ctx context.Context, p webrana.ProviderType) (bool, error) {
	best, err := cs.best(ctx, p)
	return best != nil, err
}

// best is the provider's account to read catalogs through, or nil.
func (cs *catalogSource) best(ctx context.Context, p webrana.ProviderType) (*webrana.Account, error) {
	accounts, err := cs.s.db.ListAccounts(ctx, p)
	if err != nil {
		return nil, err
	}
	var best *webrana.Account
	rank := func(a *webrana.Account) int {
		switch a.Health {
		case webrana.HealthHealthy, webrana.HealthUnknown:
			return 0
		case webrana.HealthDegraded:
			return 1
		}
		return 2
	}
	for _, a := range accounts { // primary first (ListAccounts' order)
		if a.IsActive && rank(a) < 2 && (best == nil || rank(a) < rank(best)) {
			best = a
		}
	}
	return best, nil
}

// AccountInput is an account as an operator adds it.
type AccountInput struct {
	ProviderType webrana.ProviderType
	Name         string
	Email        string
	Token        string
	Limit        int // required where the provider publishes none (Linode)
	IsPrimary    bool
	IsActive     *bool // default true
}

func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "", webrana.FieldError("name", "A name of 1 to 64 characters is required.")
	}
	return name, nil
}

// Create adds an account after checking its token with a live call, which
// also reads its limit (where the provider publishes one) and server count.
// The account, its primary mark and its audit entry ("account.created", by
// the actor) commit together.
func (s *Service) Create(ctx context.Context, by webrana.Actor, in AccountInput) (*webrana.Account, error) {
	if !in.ProviderType.Valid() {
		return nil, webrana.FieldError("provider_type", "provider_type must be %s.", webrana.ProviderTypesText())
	}
	name, err := validName(in.Name)
	if err != nil {
		return nil, err
	}
	in.Token = strings.TrimSpace(in.Token)
	if in.Token == "" {
		return nil, webrana.FieldError("token", "The account's API token is required.")
	}
	if in.Limit < 0 || in.Limit > 10000 {
		return nil, webrana.FieldError("limit", "limit must be between 1 and 10000.")
	}
	info, err := s.checkToken(ctx, in.ProviderType, in.Token)
	if err != nil {
		return nil, err
	}
	a := &webrana.Account{ProviderType: in.ProviderType, Name: name, Email: strings.TrimSpace(in.Email),
		TokenHint: secrets.Hint(in.Token), IsActive: in.IsActive == nil || *in.IsActive,
		Active: info.Active, Health: webrana.HealthHealthy, ProviderStatus: info.Status}
	if a.Email == "" {
		a.Email = info.Email
	}
	switch {
	case info.LimitKnown:
		a.Limit, a.LimitFromProvider = info.Limit, true
	case in.Limit > 0:
		a.Limit = in.Limit
	default:
		return nil, webrana.FieldError("limit", "%s publishes no server limit; set one for this account.", in.ProviderType)
	}
	now := s.now()
	a.LastSyncAt, a.LastHealthCheckAt = &now, &now
	if a.TokenCiphertext, err = s.keys.Seal(in.Token); err != nil {
		return nil, err
	}
	err = s.db.CreateAccount(ctx, a, func(tx *store.Tx) error {
		if in.IsPrimary {
			if err := tx.MakePrimary(ctx, a.ID); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, by.Entry("account.created", "account", a.ID,
			fmt.Sprintf("provider=%s name=%s", a.ProviderType, a.Name)))
	})
	if err != nil {
		return nil, fmt.Errorf("add %s account %q: %w", a.ProviderType, a.Name, err)
	}
	return s.Account(ctx, a.ID)
}

// Account returns an account.
func (s *Service) Account(ctx context.Context, id string) (*webrana.Account, error) {
	a, err := s.db.AccountByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// Accounts lists the accounts of one provider (every provider's for ""),
// primary first, then by name.
func (s *Service) Accounts(ctx context.Context, p webrana.ProviderType) ([]*webrana.Account, error) {
	if p != "" && !p.Valid() {
		return nil, webrana.FieldError("provider", "provider must be %s.", webrana.ProviderTypesText())
	}
	accounts, err := s.db.ListAccounts(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return accounts, nil
}

// Delete removes an account (refused while it holds servers) with its
// audit entry ("account.deleted", by the actor).
func (s *Service) Delete(ctx context.Context, by webrana.Actor, id string) error {
	a, err := s.Account(ctx, id)
	if err != nil {
		return err
	}
	err = s.db.DeleteAccount(ctx, a.ID, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, by.Entry("account.deleted", "account", a.ID, "name="+a.Name))
	})
	if err != nil {
		return fmt.Errorf("delete account %s: %w", id, err)
	}
	return nil
}

// checkToken makes the live call that proves a token works.
func (s *Service) checkToken(ctx context.Context, p webrana.ProviderType, token string) (*cloud.AccountInfo, error) {
	c, err := s.opener.Open(p, token)
	if err != nil {
		return nil, err
	}
	info, err := c.Account(ctx)
	switch code := cloud.Code(err); {
	case err == nil:
		return info, nil
	case code == cloud.Unauthorized || code == cloud.Forbidden: // the token typed is what is wrong
		return nil, webrana.FieldError("token", "%s", clouderr.TokenMessage(err))
	case clouderr.Of(err).Code == webrana.EINTERNAL: // unclassified: most likely the way there
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "The provider could not be asked about this token; try again.")
	}
	return nil, fmt.Errorf("check %s token: %w", p, clouderr.Error(err))
}

// AccountPatch is an operator's change; nil fields stay.
type AccountPatch struct {
	Name      *string
	Email     *string
	Token     *string // checked live before it replaces the old one
	Limit     *int    // only for accounts whose provider publishes none
	IsActive  *bool
	IsPrimary *bool
}

// Update applies an operator's change, with its audit entry
// ("account.updated", by the actor, naming the fields it set).
func (s *Service) Update(ctx context.Context, by webrana.Actor, id string, p AccountPatch) (*webrana.Account, error) {
	a, err := s.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	upd := store.AccountUpdate{Email: p.Email, IsActive: p.IsActive}
	if p.Name != nil {
		name, err := validName(*p.Name)
		if err != nil {
			return nil, err
		}
		upd.Name = &name
	}
	if p.Limit != nil {
		if a.LimitFromProvider {
			return nil, webrana.FieldError("limit", "%s sets this account's limit itself; it is synced, not edited.", a.ProviderType)
		}
		if *p.Limit < 1 || *p.Limit > 10000 {
			return nil, webrana.FieldError("limit", "limit must be between 1 and 10000.")
		}
		upd.Limit = p.Limit
	}
	if p.Token != nil {
		token := strings.TrimSpace(*p.Token)
		if _, err := s.checkToken(ctx, a.ProviderType, token); err != nil {
			return nil, err
		}
		sealed, err := s.keys.Seal(token)
		if err != nil {
			return nil, err
		}
		hint := secrets.Hint(token)
		healthy, none := webrana.HealthHealthy, ""
		upd.TokenCiphertext, upd.TokenHint, upd.Health, upd.HealthReason = &sealed, &hint, &healthy, &none
	}
	if p.IsPrimary != nil && !*p.IsPrimary {
		upd.IsPrimary = p.IsPrimary
	}
	_, err = s.db.UpdateAccount(ctx, id, upd, func(tx *store.Tx) error {
		if p.IsPrimary != nil && *p.IsPrimary {
			if err := tx.MakePrimary(ctx, id); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, by.Entry("account.updated", "account", id, "changed "+strings.Join(p.fields(), ",")))
	})
	if err != nil {
		return nil, fmt.Errorf("update account %s: %w", id, err)
	}
	return s.Account(ctx, id)
}

// fields names the fields the patch sets, sorted.
func (p AccountPatch) fields() []string {
	var set []string
	for field, ok := range map[string]bool{"name": p.Name != nil, "email": p.Email != nil, "token": p.Token != nil,
		"limit": p.Limit != nil, "is_active": p.IsActive != nil, "is_primary": p.IsPrimary != nil} {
		if ok {
			set = append(set, field)
		}
	}
	slices.Sort(set)
	return set
}
