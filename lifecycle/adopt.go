package lifecycle

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/store"
)

// ImportStore is what Importer needs: the account, the owner, the plans
// sizes map to, and one transaction adopting servers through the
// account's capacity (store/adopt.go).
type ImportStore interface {
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	UserByEmail(ctx context.Context, email string) (*webrana.User, error)
	ListPlans(ctx context.Context, f store.PlanFilter) ([]*webrana.Plan, error)
	KnownServer(ctx context.Context, accountID, providerID string) (bool, error)
	AdoptServers(ctx context.Context, accountID string, listedAt time.Time, listed []store.ObservedServer,
		adopt []*webrana.Instance, also func(*store.Tx, *webrana.Instance) error) ([]*webrana.Instance, error)
}

var _ ImportStore = (*store.DB)(nil)

// Importer adopts servers already running on a provider account — made
// before Webrana, by hand, or by the seed's single DO_ACCESS_TOKEN — as a
// user's instances (webrana import). Servers carrying an order's tag are
// Webrana's orders' (or another installation's) and are never adopted.
type Importer struct {
	db   ImportStore
	pool *pool.Service
	now  func() time.Time
}

// ImporterConfig holds an Importer's optional settings; zero values take
// defaults.
type ImporterConfig struct {
	Now func() time.Time // default webrana.Now
}

// NewImporter returns the import of servers already running on accounts in
// db, listed through pool. cfg may be nil.
func NewImporter(db ImportStore, pool *pool.Service, cfg *ImporterConfig) *Importer {
	var c ImporterConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	return &Importer{db: db, pool: pool, now: c.Now}
}

// ImportRequest says what to adopt: the servers of an account carrying a
// tag, or all of them, for an owner; Apply adopts, else nothing changes.
type ImportRequest struct {
	AccountID  string
	OwnerEmail string
	Tag        string
	All        bool
	Apply      bool
}

// ImportLine is one server considered: what it becomes, or why not.
type ImportLine struct {
	Server   *cloud.Instance
	Instance *webrana.Instance // what it becomes; nil when skipped
	Plan     *webrana.Plan     // the plan its size maps to
	Skip     string            // why it is not adopted; "" when it is (or would be)
	Adopted  bool              // adopted by this run (Apply)
}

// Import lists the account's servers and adopts the chosen ones (with
// Apply), each audited as "vps.imported" by the actor. Run again, it
// adopts nothing new: servers already Webrana's are skipped.
func (im *Importer) Import(ctx context.Context, by webrana.Actor, req ImportRequest) ([]*ImportLine, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	a, err := im.db.AccountByID(ctx, req.AccountID)
	if err != nil {
		return nil, err
	}
	owner, err := im.db.UserByEmail(ctx, strings.TrimSpace(req.OwnerEmail))
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, webrana.FieldError("owner", "There is no user %s; create one first (webrana user add).", req.OwnerEmail)
	} else if err != nil {
		return nil, err
	}
	plans, err := im.db.ListPlans(ctx, store.PlanFilter{ProviderType: a.ProviderType})
	if err != nil {
		return nil, err
	}
	c, err := im.pool.Client(ctx, a)
	if err != nil {
		return nil, err
	}
	listedAt := im.now()
	servers, err := c.ListInstances(ctx, cloud.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the servers of %s: %w", a.Name, err)
	}
	var lines []*ImportLine
	var adopt []*webrana.Instance
	listed := make([]store.ObservedServer, len(servers))
	for i, s := range servers {
		listed[i] = store.ObservedServer{ID: s.ID, OrderID: webrana.OrderIDFromTags(s.Tags)}
		if req.Tag != "" && !slices.Contains(s.Tags, req.Tag) {
			continue
		}
		line, err := im.consider(ctx, a, owner, plans, s, listedAt)
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
		if line.Instance != nil {
			adopt = append(adopt, line.Instance)
		}
	}
	if !req.Apply || len(adopt) == 0 {
		return lines, nil
	}
	adopted, err := im.db.AdoptServers(ctx, a.ID, listedAt, listed, adopt, func(tx *store.Tx, in *webrana.Instance) error {
		return tx.AppendAudit(ctx, by.Entry("vps.imported", "instance", in.ID,
			fmt.Sprintf("%s server %s on account %s for %s", a.ProviderType, in.ProviderID, a.Name, owner.Email)))
	})
	if err != nil {
		return nil, fmt.Errorf("import into %s: %w", a.Name, err)
	}
	for _, line := range lines {
		line.Adopted = line.Instance != nil && slices.Contains(adopted, line.Instance)
		if line.Instance != nil && !line.Adopted {
			line.Skip, line.Instance = "already Webrana's", nil // adopted meanwhile by another run
		}
	}
	return lines, nil
}

func (r ImportRequest) check() error {
	switch {
	case r.AccountID == "":
		return webrana.FieldError("account", "Name the account to import from (its id, as /internal/accounts lists it).")
	case strings.TrimSpace(r.OwnerEmail) == "":
		return webrana.FieldError("owner", "Name the user the servers will belong to (their e-mail).")
	case (r.Tag == "") == !r.All:
		return webrana.FieldError("tag", "Choose the servers: those with a tag, or all of them (not both).")
	}
	return nil
}

// consider says what one listed server becomes.
func (im *Importer) consider(ctx context.Context, a *webrana.Account, owner *webrana.User, plans []*webrana.Plan,
	s *cloud.Instance, now time.Time) (*ImportLine, error) {
	line := &ImportLine{Server: s}
	if id := webrana.OrderIDFromTags(s.Tags); id != "" {
		line.Skip = "carries the tag of order " + id + ": an order's server, never adopted"
		return line, nil
	}
	known, err := im.db.KnownServer(ctx, a.ID, s.ID)
	if err != nil {
		return nil, err
	}
	status, ok := importStatus[s.Status]
	switch {
	case known:
		line.Skip = "already Webrana's"
		return line, nil
	case !ok:
		line.Skip = "is " + string(s.Status) + "; import it once it runs"
		return line, nil
	}
	if line.Plan = planFor(plans, s.Size); line.Plan == nil {
		line.Skip = "no plan sells size " + s.Size + "; add one (/admin/plans), then import again"
		return line, nil
	}
	active := now
	line.Instance = &webrana.Instance{OwnerID: owner.ID, ProviderType: a.ProviderType, AccountID: a.ID, PlanID: line.Plan.ID,
		Label: importLabel(s.Name, s.ID), Region: s.Region, Image: s.Image, ProviderID: s.ID, Status: status,
		IPv4: s.IPv4, IPv6: s.IPv6, ActiveAt: &active, Options: webrana.InstanceOptions{IPv6: s.IPv6 != "",
			Monitoring: s.Monitoring, Backups: s.Backups, VPCUUID: s.VPCUUID}}
	return line, nil
}

// importStatus is the instance status of a server adopted in a provider
// status; servers in others (booting, being removed) are not adopted.
var importStatus = map[cloud.Status]webrana.InstanceStatus{
	cloud.StatusActive: webrana.StatusActive,
	cloud.StatusOff:    webrana.StatusOff,
}

// planFor is the plan selling a size, active plans first, or nil.
func planFor(plans []*webrana.Plan, size string) *webrana.Plan {
	var found *webrana.Plan
	for _, p := range plans {
		if p.SizeSlug == size && (found == nil || p.IsActive && !found.IsActive) {
			found = p
		}
	}
	return found
}

var labelJunk = regexp.MustCompile(`[^A-Za-z0-9._-]+|[-_.]{2,}`)

// importLabel makes a server's name a valid label: its name where it is
// one, else its name with other characters as dashes, else "server-ID".
func importLabel(name, id string) string {
	if l, err := webrana.ValidLabel(name); err == nil {
		return l
	}
	l := strings.Trim(labelJunk.ReplaceAllString(strings.TrimSpace(name), "-"), "-_.")
	if len(l) > 64 {
		l = strings.Trim(l[:64], "-_.")
	}
	if _, err := webrana.ValidLabel(l); err == nil {
		return l
	}
	return "server-" + id
}
