package webrana

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do: admins operate the platform, customers own servers.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleCustomer Role = "customer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleCustomer }

// User is a person who signs in to Webrana.
type User struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	Role         Role   `json:"role"`
	PasswordHash string `json:"-"`
	Disabled     bool   `json:"disabled"`
	// EmailVerified says the user proved they read their address (a
	// link e-mailed to it), or an operator vouched for it. Customers who
	// signed up must confirm it before they order.
	EmailVerified   bool       `json:"email_verified"`
	EmailVerifiedAt *time.Time `json:"email_verified_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// MayOrder refuses an order from a user whose address is not confirmed.
func (u *User) MayOrder() error {
	if u.EmailVerified {
		return nil
	}
	return Errorf(EFORBIDDEN, "Confirm your e-mail address before ordering: follow the link we sent to %s. "+
		"For a new link, use “Send a new link” on your account page (/account) or POST /api/auth/verify/resend.", u.Email)
}

// MayHoldCredentials refuses lasting credentials (API tokens, SSH keys, two
// factors) to a user whose address is not confirmed: whoever signed up with
// an address they do not own must not keep a way into the account once its
// owner confirms it.
func (u *User) MayHoldCredentials() error {
	if u.EmailVerified {
		return nil
	}
	return Errorf(EFORBIDDEN, "Confirm your e-mail address first: follow the link we sent to %s. "+
		"For a new link, use “Send a new link” on your account page (/account) or POST /api/auth/verify/resend.", u.Email)
}

// Session is a signed-in browser or API login. Only the SHA-256 of its token is
// stored; the token itself is shown once, to the client that logged in.
type Session struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	TokenHash  []byte    `json:"-"`
	Kind       string    `json:"kind"` // "browser" or "api"
	CSRFToken  string    `json:"-"`
	SourceAddr string    `json:"source_addr"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// APIToken is a long-lived, named credential a customer mints for scripts.
type APIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	TokenHash  []byte     `json:"-"`
	Prefix     string     `json:"prefix"` // first characters, to recognise it in a list
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// SSHKey is a customer's public key, installed on servers they order.
type SSHKey struct {
	ID                string    `json:"id"`
	UserID            string    `json:"user_id"`
	Name              string    `json:"name"`
	PublicKey         string    `json:"public_key"`
	FingerprintMD5    string    `json:"fingerprint"`
	FingerprintSHA256 string    `json:"fingerprint_sha256"`
	CreatedAt         time.Time `json:"created_at"`
}

// AuditEntry records who did what to which thing, from where. It never holds
// a secret.
type AuditEntry struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id,omitempty"` // empty for anonymous events such as a failed login
	ActorEmail string    `json:"actor_email,omitempty"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type,omitempty"`
	TargetID   string    `json:"target_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	SourceAddr string    `json:"source_addr,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Actor is who makes a change, as the audit log records it: a user and
// the address their request came from. Services take the actor of every
// change they audit and write its entry in the change's own transaction,
// so a change is never without its record nor a record without its change.
type Actor struct {
	User   *User  // nil for Webrana itself (a job, the command line)
	Source string // the client's address; "" for Webrana itself
}

// Entry is the audit entry of an action by a on one target.
func (a Actor) Entry(action, targetType, targetID, detail string) *AuditEntry {
	e := &AuditEntry{Action: action, TargetType: targetType, TargetID: targetID, Detail: detail, SourceAddr: a.Source}
	if a.User != nil {
		e.ActorID, e.ActorEmail = a.User.ID, a.User.Email
	}
	return e
}

// UserID is the acting user's id, "" for Webrana itself.
func (a Actor) UserID() string {
	if a.User == nil {
		return ""
	}
	return a.User.ID
}

// Password length bounds. Long passphrases are welcome; the upper bound only
// keeps the slow hash from being used to exhaust the server.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// ValidatePassword checks a new password against Webrana's minimum rules.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return FieldError("password", "Password must be at least %d characters long.", MinPasswordLength)
	case n > MaxPasswordLength:
		return FieldError("password", "Password must be at most %d characters long.", MaxPasswordLength)
	case strings.TrimSpace(pw) == "":
		return FieldError("password", "Password must not be only spaces.")
	}
	return nil
}

// NormalizeEmail trims and lower-cases an e-mail address and checks that it is
// a plain address (no display name).
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", FieldError("email", "%q is not a valid e-mail address.", s)
	}
	return s, nil
}
