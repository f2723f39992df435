package cloudsim

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/webrana/webrana/ratelimit"
)

// AccountSpec is an account as the --accounts file and POST /_sim/accounts
// give it (DESIGN.md §9).
type AccountSpec struct {
	Provider  string `json:"provider"`
	Token     string `json:"token"`
	Email     string `json:"email"`
	Limit     int    `json:"limit"`     // servers the account may run (default 25)
	Instances int    `json:"instances"` // servers already running, not made by Webrana
	Status    string `json:"status"`    // active (default), warning or locked
}

// Account statuses, as DigitalOcean reports them; Linode accounts use the
// same three to decide what they may do.
const (
	StatusActive  = "active"
	StatusWarning = "warning"
	StatusLocked  = "locked"
)

// DefaultLimit is an account's server limit when none is given (DigitalOcean's
// usual default for a new team is 10–25).
const DefaultLimit = 25

// account is one provider account: its credentials and its resources.
type account struct {
	Provider string `json:"provider"`
	Token    string `json:"token"`
	Email    string `json:"email"`
	UUID     string `json:"uuid"`
	Limit    int    `json:"limit"`
	Status   string `json:"status"`
	Revoked  bool   `json:"revoked"`

	state      providerState
	savedState []byte                       // state's JSON as last saved; nil once it changed
	limits     map[string]*ratelimit.Window // rate-limit windows by bucket; not saved
}

// window returns the account's rate-limit window for a bucket, creating it.
func (a *account) window(bucket string, limit int, per time.Duration) *ratelimit.Window {
	if a.limits == nil {
		a.limits = map[string]*ratelimit.Window{}
	}
	w, ok := a.limits[bucket]
	if !ok {
		w = ratelimit.New(limit, per)
		a.limits[bucket] = w
	}
	return w
}

// NewToken returns a random token shaped like the provider's own
// (DigitalOcean's personal tokens start with dop_v1_; Linode's are bare
// hex-like text), so that log scrubbing and token hints meet realistic ones.
func NewToken(provider string) string {
	token := strings.ToLower(rand.Text() + rand.Text())
	if provider == DigitalOcean {
		return "dop_v1_" + token
	}
	return token
}

// AddAccount creates an account, with spec.Instances foreign servers.
func (s *Sim) AddAccount(spec AccountSpec) error {
	if err := spec.normalize(); err != nil {
		return err
	}
	s.mu.Lock()
	if _, ok := s.accounts[spec.Token]; ok {
		s.mu.Unlock()
		return fmt.Errorf("an account with this token already exists")
	}
	p := s.providers[spec.Provider]
	a := &account{Provider: spec.Provider, Token: spec.Token, Email: spec.Email, UUID: uuid.NewString(),
		Limit: spec.Limit, Status: spec.Status, state: p.newState()}
	a.state.addForeign(s, a, spec.Instances)
	s.accounts[a.Token] = a
	s.order = append(s.order, a.Token)
	change := s.changedLocked(a)
	s.mu.Unlock()
	return s.persist(change)
}

func (spec *AccountSpec) normalize() error {
	spec.Provider = strings.ToLower(strings.TrimSpace(spec.Provider))
	if spec.Status == "" {
		spec.Status = StatusActive
	}
	if spec.Limit == 0 {
		spec.Limit = DefaultLimit
	}
	switch {
	case spec.Provider != DigitalOcean && spec.Provider != Linode:
		return fmt.Errorf("provider must be %q or %q", DigitalOcean, Linode)
	case strings.TrimSpace(spec.Token) == "":
		return errors.New("token is required")
	case !strings.Contains(spec.Email, "@"):
		return errors.New("email is required")
	case spec.Limit < 0:
		return errors.New("limit must not be negative")
	case spec.Instances < 0 || spec.Instances > 10000:
		return errors.New("instances must be between 0 and 10000")
	case !validStatus(spec.Status):
		return fmt.Errorf("status must be %s, %s or %s", StatusActive, StatusWarning, StatusLocked)
	}
	return nil
}

func validStatus(s string) bool { return s == StatusActive || s == StatusWarning || s == StatusLocked }

// AccountUpdate changes an account; nil fields stay.
type AccountUpdate struct {
	Limit   *int    `json:"limit"`
	Status  *string `json:"status"`
	Revoked *bool   `json:"revoked"`
}

// ErrNoAccount is returned for an unknown token.
var ErrNoAccount = errors.New("no account with this token")

// UpdateAccount applies u to the account with the given token.
func (s *Sim) UpdateAccount(token string, u AccountUpdate) error {
	s.mu.Lock()
	err := s.updateAccountLocked(token, u)
	var change uint64
	if err == nil {
		change = s.changedLocked(nil) // the account's fields, not its resources
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.persist(change)
}

func (s *Sim) updateAccountLocked(token string, u AccountUpdate) error {
	a, ok := s.accounts[token]
	if !ok {
		return ErrNoAccount
	}
	if u.Limit != nil && *u.Limit < 0 {
		return errors.New("limit must not be negative")
	}
	if u.Status != nil && !validStatus(*u.Status) {
		return fmt.Errorf("status must be %s, %s or %s", StatusActive, StatusWarning, StatusLocked)
	}
	if u.Limit != nil {
		a.Limit = *u.Limit
	}
	if u.Status != nil {
		a.Status = *u.Status
	}
	if u.Revoked != nil {
		a.Revoked = *u.Revoked
	}
	return nil
}

// LoadAccountsFile reads a JSON array of AccountSpec.
func LoadAccountsFile(path string) ([]AccountSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var specs []AccountSpec
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&specs); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of accounts: %w", path, err)
	}
	return specs, nil
}

// AccountInfo is what /_sim/stats and /_sim/accounts show of an account.
type AccountInfo struct {
	Provider  string `json:"provider"`
	Email     string `json:"email"`
	Limit     int    `json:"limit"`
	Instances int    `json:"instances"`
	Status    string `json:"status"`
	Revoked   bool   `json:"revoked"`
}

// Accounts describes every account, in creation order.
func (s *Sim) Accounts() []AccountInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accountInfos()
}

func (s *Sim) accountInfos() []AccountInfo {
	now := s.cfg.Now()
	out := make([]AccountInfo, 0, len(s.order))
	for _, tok := range s.order {
		a := s.accounts[tok]
		a.state.settle(now)
		out = append(out, a.info())
	}
	return out
}

// info describes the account, settled by the caller.
func (a *account) info() AccountInfo {
	return AccountInfo{Provider: a.Provider, Email: a.Email, Limit: a.Limit, Instances: a.state.instances(),
		Status: a.Status, Revoked: a.Revoked}
}

// Tokens returns the tokens of a provider's accounts, in creation order, for
// wiring an in-process simulator to its clients (the sandbox).
func (s *Sim) Tokens(provider string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, tok := range s.order {
		if a := s.accounts[tok]; a.Provider == provider && !a.Revoked {
			out = append(out, tok)
		}
	}
	return out
}
