package cloud

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"
	"unicode/utf8"
)

// Options configures a Client. Zero values take defaults.
type Options struct {
	// Retries is how many times a failed read (or delete) is tried again
	// when the error is transient (default 3). Creates and actions are
	// never retried here: a lost answer may hide a success, which only the
	// caller can check (by tag, DESIGN.md §5).
	Retries int
	// Backoff is the wait before retry n (1-based), unless the provider
	// asked for longer (default 1s, 2s, 4s … capped at 30s).
	Backoff func(n int) time.Duration
	// Sleep waits; tests inject one that does not.
	Sleep func(ctx context.Context, d time.Duration) error
	// Observe is told of every call's outcome (nil error on success), to
	// record the provider's last successful call and last error.
	Observe func(op string, err error)
}

// Client is the portable API for one provider account.
type Client struct {
	d    Driver
	opts Options
}

// New returns a Client over a driver.
func New(d Driver, opts *Options) *Client {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	return &Client{d: d, opts: o}
}

func defaultBackoff(n int) time.Duration {
	return min(30*time.Second, time.Second<<(n-1))
}

// Sleep waits d, or until ctx ends (its error then).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Provider is the provider type of the account.
func (c *Client) Provider() string { return c.d.Provider() }

// Capabilities is what the account's provider can do, as its driver
// declares it.
func (c *Client) Capabilities() Capabilities { return c.d.Capabilities() }

// wrap classifies a driver error exactly once.
func (c *Client) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok { // already classified: validation, or a driver's own
		e.Provider, e.Op = cmp.Or(e.Provider, c.d.Provider()), cmp.Or(e.Op, op)
		return e
	}
	var budget *BudgetError
	if errors.As(err, &budget) {
		return &Error{Code: RateLimited, Provider: c.d.Provider(), Op: op, RetryAfter: budget.Wait,
			Message: "this account's request budget is spent for now", Err: err}
	}
	e := c.d.Classify(err)
	if e == nil {
		e = &Error{Code: Unknown, Err: err}
	}
	e.Provider, e.Op = c.d.Provider(), op
	if e.Err == nil {
		e.Err = err
	}
	return e
}

// once runs a call that must not be retried.
func once[T any](ctx context.Context, c *Client, op string, fn func(context.Context) (T, error)) (T, error) {
	v, err := fn(ctx)
	err = c.wrap(op, err)
	c.observe(ctx, op, err)
	return v, err
}

// retried runs a call that is safe to repeat, retrying transient failures.
func retried[T any](ctx context.Context, c *Client, op string, fn func(context.Context) (T, error)) (T, error) {
	for n := 1; ; n++ {
		v, err := fn(ctx)
		err = c.wrap(op, err)
		if err == nil || !Transient(err) || n > c.opts.Retries {
			c.observe(ctx, op, err)
			return v, err
		}
		wait := max(c.opts.Backoff(n), RetryAfter(err))
		if deadline, ok := ctx.Deadline(); ok && failFast(ctx) && time.Until(deadline) < wait {
			c.observe(ctx, op, err) // the caller cannot wait that long: tell it now
			return v, err
		}
		if serr := c.opts.Sleep(ctx, wait); serr != nil {
			c.observe(ctx, op, err)
			return v, err
		}
	}
}

// observe reports a call's final outcome to Options.Observe and, when it
// failed transiently, to the caller's NoteFailures.
func (c *Client) observe(ctx context.Context, op string, err error) {
	noteFailure(ctx, err)
	if c.opts.Observe != nil {
		c.opts.Observe(op, err)
	}
}

func invalid(op, field, msg string) *Error {
	return &Error{Code: InvalidArgument, Op: op, Field: field, Message: msg}
}

// MaxUserData is the largest cloud-init user data the providers accept.
const MaxUserData = 64 << 10

// CreateInstance creates a server. It refuses, before any call, what the
// driver's Capabilities say the provider cannot do. It is not retried: on
// an error that leaves the outcome unknown (Unavailable, Unknown), look the
// request's tag up with ListInstances before trying again.
func (c *Client) CreateInstance(ctx context.Context, req *CreateRequest) (*Instance, error) {
	const op = "CreateInstance"
	switch {
	case req.Name == "" || utf8.RuneCountInString(req.Name) > 255:
		return nil, invalid(op, "name", "a name of 1 to 255 characters is required")
	case req.Region == "":
		return nil, invalid(op, "region", "a region is required")
	case req.Size == "":
		return nil, invalid(op, "size", "a size is required")
	case req.Image == "":
		return nil, invalid(op, "image", "an image is required")
	case len(req.UserData) > MaxUserData:
		return nil, invalid(op, "user_data", "user data is limited to 64 KiB")
	}
	if err := c.d.Capabilities().refuseCreate(op, req); err != nil {
		return nil, c.wrap(op, err)
	}
	return once(ctx, c, op, func(ctx context.Context) (*Instance, error) { return c.d.CreateInstance(ctx, req) })
}

// GetInstance returns a server.
func (c *Client) GetInstance(ctx context.Context, id string) (*Instance, error) {
	return retried(ctx, c, "GetInstance", func(ctx context.Context) (*Instance, error) { return c.d.GetInstance(ctx, id) })
}

// ListInstances returns every server of the account (with opts.Tag, those
// carrying it).
func (c *Client) ListInstances(ctx context.Context, opts ListOptions) ([]*Instance, error) {
	return retried(ctx, c, "ListInstances", func(ctx context.Context) ([]*Instance, error) { return c.d.ListInstances(ctx, opts) })
}

// DeleteInstance deletes a server. Deleting is idempotent, so it is retried;
// a server already gone is NotFound.
func (c *Client) DeleteInstance(ctx context.Context, id string) error {
	_, err := retried(ctx, c, "DeleteInstance", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.d.DeleteInstance(ctx, id)
	})
	return err
}

// DoAction starts an action. It refuses a password where the driver's
// Capabilities say the action takes none, and requires one where it needs
// one. It is not retried (a second reboot is a second reboot).
func (c *Client) DoAction(ctx context.Context, id string, req ActionRequest) (*Action, error) {
	const op = "DoAction"
	if backupAction(req.Type) { // backups.go
		return c.doBackupAction(ctx, id, req)
	}
	switch req.Type {
	case ActionPowerOn, ActionPowerOff, ActionShutdown, ActionReboot, ActionPassword, ActionPowerCycle, ActionEnableIPv6:
	case ActionRebuild:
		if req.Image == "" {
			return nil, invalid(op, "image", "rebuild needs an image")
		}
	case ActionResize:
		if req.Size == "" {
			return nil, invalid(op, "size", "resize needs a size")
		}
	case ActionRename:
		if req.Name == "" {
			return nil, invalid(op, "name", "rename needs a name")
		}
	case ActionSetRDNS:
		if err := checkRDNS(op, c.d.Capabilities(), req); err != nil {
			return nil, c.wrap(op, err)
		}
		return once(ctx, c, op, func(ctx context.Context) (*Action, error) {
			return c.d.SetReverseDNS(ctx, id, req.IP, req.PTR)
		})
	default:
		return nil, invalid(op, "type", "unknown action "+string(req.Type))
	}
	if err := c.d.Capabilities().refuseAction(op, req); err != nil {
		return nil, c.wrap(op, err)
	}
	return once(ctx, c, op, func(ctx context.Context) (*Action, error) { return c.d.DoAction(ctx, id, req) })
}

// GetAction returns an action's progress.
func (c *Client) GetAction(ctx context.Context, instanceID, actionID string) (*Action, error) {
	return retried(ctx, c, "GetAction", func(ctx context.Context) (*Action, error) { return c.d.GetAction(ctx, instanceID, actionID) })
}

// ListActions returns a server's recent actions, newest first.
func (c *Client) ListActions(ctx context.Context, instanceID string) ([]*Action, error) {
	return retried(ctx, c, "ListActions", func(ctx context.Context) ([]*Action, error) { return c.d.ListActions(ctx, instanceID) })
}

// FindAction returns the action of type t that the provider started on a
// server at or after since, the earliest if there are several, leaving out
// the actions whose ids are in known; nil when there is none. It is how a
// caller whose DoAction answer was lost (an error that leaves the outcome
// unknown) learns whether the action reached the provider, to adopt it
// rather than send it again. since is the time the request was sent by the
// caller's clock; the providers give start times to the second, so it is
// compared truncated to the second. A caller whose clock may run ahead of
// the provider's passes it earlier by that margin, and the ids of the
// server's actions it already knows as known, so that an earlier action of
// the same type is not taken for the lost one.
func (c *Client) FindAction(ctx context.Context, instanceID string, t ActionType, since time.Time, known []string) (*Action, error) {
	actions, err := c.ListActions(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	listed, from := c.d.ListedAs(t), since.Truncate(time.Second)
	var found *Action
	for _, a := range actions { // newest first: the last match is the earliest
		if a.Type == listed && !a.StartedAt.Before(from) && !slices.Contains(known, a.ID) {
			found = a
		}
	}
	return found, nil
}

// Account describes the account: limit, servers, e-mail, status.
func (c *Client) Account(ctx context.Context) (*AccountInfo, error) {
	return retried(ctx, c, "Account", c.d.Account)
}

// AccountStatus describes the account as its account endpoint does, in
// one request: limit, e-mail, status, but not its servers (Active is 0).
// It is what a health check needs.
func (c *Client) AccountStatus(ctx context.Context) (*AccountInfo, error) {
	return retried(ctx, c, "AccountStatus", c.d.AccountStatus)
}

// Sizes lists the server sizes.
func (c *Client) Sizes(ctx context.Context) ([]*Size, error) {
	return retried(ctx, c, "Sizes", c.d.Sizes)
}

// Regions lists the regions.
func (c *Client) Regions(ctx context.Context) ([]*Region, error) {
	return retried(ctx, c, "Regions", c.d.Regions)
}

// Images lists public images of a type.
func (c *Client) Images(ctx context.Context, t ImageType) ([]*Image, error) {
	return retried(ctx, c, "Images", func(ctx context.Context) ([]*Image, error) { return c.d.Images(ctx, t) })
}

// Apps lists marketplace applications.
func (c *Client) Apps(ctx context.Context) ([]*App, error) { return retried(ctx, c, "Apps", c.d.Apps) }

// EnsureSSHKey registers a key with the account if needed. It is safe to
// retry: a second call finds the key by fingerprint.
func (c *Client) EnsureSSHKey(ctx context.Context, name, publicKey string) (*SSHKey, error) {
	return retried(ctx, c, "EnsureSSHKey", func(ctx context.Context) (*SSHKey, error) { return c.d.EnsureSSHKey(ctx, name, publicKey) })
}

// Metrics returns a monitoring series of a server.
func (c *Client) Metrics(ctx context.Context, id string, m Metric, start, end time.Time) ([]Point, error) {
	if !end.After(start) {
		return nil, invalid("Metrics", "end", "end must be after start")
	}
	return retried(ctx, c, "Metrics", func(ctx context.Context) ([]Point, error) { return c.d.Metrics(ctx, id, m, start, end) })
}
