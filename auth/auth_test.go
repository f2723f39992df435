package auth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// authorizedKey formats a public key as an authorized_keys line.
func authorizedKey(t *testing.T, pub any, comment string) (string, []byte) {
	t.Helper()
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := k.Type() + " " + base64.StdEncoding.EncodeToString(k.Marshal())
	if comment != "" {
		line += " " + comment
	}
	return line, k.Marshal()
}

// Keys are generated once: RSA key generation takes a while.
var keys = sync.OnceValues(func() (map[string]any, error) {
	out := map[string]any{}
	out["ed25519"] = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize)).Public()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	out["ecdsa-p256"] = &ec.PublicKey
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	out["ecdsa-p384"] = &ec384.PublicKey
	for _, bits := range []int{1024, 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, err
		}
		out["rsa-"+big.NewInt(int64(bits)).String()] = &k.PublicKey
	}
	return out, nil
})

// dsaKey is an ssh-dss key line. Its numbers only have the sizes SSH
// requires; ParseSSHKey must refuse the type before any use of them.
func dsaKey() string {
	p := new(big.Int).Lsh(big.NewInt(1), 1023)
	p.Add(p, big.NewInt(1))
	q := new(big.Int).Lsh(big.NewInt(1), 159)
	q.Add(q, big.NewInt(1))
	wire := ssh.Marshal(struct {
		Name       string
		P, Q, G, Y *big.Int
	}{ssh.KeyAlgoDSA, p, q, big.NewInt(2), big.NewInt(3)})
	return ssh.KeyAlgoDSA + " " + base64.StdEncoding.EncodeToString(wire) + " old@box"
}

func md5Fingerprint(wire []byte) string {
	sum := md5.Sum(wire)
	h := hex.EncodeToString(sum[:])
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

func TestParseSSHKey(t *testing.T) {
	t.Parallel()
	ks, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	ed, edWire := authorizedKey(t, ks["ed25519"], "me@laptop")
	edBare, _ := authorizedKey(t, ks["ed25519"], "")
	other, _ := authorizedKey(t, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize)).Public(), "")

	accepted := []struct {
		name, inName, text string
		wantName           string
		wantPublic         string
	}{
		{"ed25519, name from comment", "", ed, "me@laptop", ed},
		{"ed25519, given name wins", "  work  ", ed, "work", ed},
		{"ed25519, no comment", "deploy", edBare, "deploy", edBare},
		{"comment of several words", "", edBare + " Alice  Smith ", "Alice  Smith", edBare + " Alice  Smith"},
		{"surrounding whitespace", "", "\n\t " + ed + " \r\n", "me@laptop", ed},
		{"name of 64 characters", strings.Repeat("é", 64), ed, strings.Repeat("é", 64), ed},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			k, err := auth.ParseSSHKey(tt.inName, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if k.Name != tt.wantName || k.PublicKey != tt.wantPublic {
				t.Errorf("got name %q key %q; want %q %q", k.Name, k.PublicKey, tt.wantName, tt.wantPublic)
			}
			sha := sha256.Sum256(edWire)
			if want := "SHA256:" + base64.RawStdEncoding.EncodeToString(sha[:]); k.FingerprintSHA256 != want {
				t.Errorf("SHA256 fingerprint %q, want %q", k.FingerprintSHA256, want)
			}
			if want := md5Fingerprint(edWire); k.FingerprintMD5 != want {
				t.Errorf("MD5 fingerprint %q, want %q", k.FingerprintMD5, want)
			}
		})
	}

	for _, typ := range []string{"ecdsa-p256", "ecdsa-p384", "rsa-2048"} {
		t.Run(typ, func(t *testing.T) {
			line, wire := authorizedKey(t, ks[typ], typ+"@host")
			k, err := auth.ParseSSHKey("", line)
			if err != nil {
				t.Fatal(err)
			}
			sha := sha256.Sum256(wire)
			if k.Name != typ+"@host" || k.PublicKey != line || k.FingerprintMD5 != md5Fingerprint(wire) ||
				k.FingerprintSHA256 != "SHA256:"+base64.RawStdEncoding.EncodeToString(sha[:]) {
				t.Errorf("got %+v", k)
			}
		})
	}

	rsa1024, _ := authorizedKey(t, ks["rsa-1024"], "weak@host")
	refused := []struct {
		name, inName, text string
		field              string
		message            string // part of the message, lower-cased
	}{
		{"rsa-1024", "", rsa1024, "public_key", "at least 2048 bits"},
		{"dsa", "", dsaKey(), "public_key", "ssh-dss"},
		{"garbage", "x", "this is not a key", "public_key", "not an ssh public key"},
		{"empty", "x", "", "public_key", ""},
		{"bad base64", "x", "ssh-ed25519 AAAA!!!! me@host", "public_key", ""},
		{"type mismatch", "x", strings.Replace(edBare, "ssh-ed25519", "ssh-rsa", 1), "public_key", ""},
		{"two keys", "x", ed + "\n" + other, "public_key", "one public key"},
		{"key and a blank line", "x", ed + "\n\n" + other, "public_key", "one public key"},
		{"private key", "x", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----", "public_key", "private key"},
		{"PEM private key", "x", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "public_key", "private key"},
		{"no name, no comment", "", edBare, "name", ""},
		{"blank name, no comment", "   ", edBare, "name", ""},
		{"name too long", strings.Repeat("k", 65), ed, "name", "64"},
		{"comment too long as name", "", edBare + " " + strings.Repeat("c", 65), "name", "64"},
	}
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			k, err := auth.ParseSSHKey(tt.inName, tt.text)
			var e *webrana.Error
			if !errors.As(err, &e) || e.Code != webrana.EINVALID || e.Field != tt.field {
				t.Fatalf("got %+v, %v; want an invalid %s", k, err, tt.field)
			}
			if !strings.Contains(strings.ToLower(e.Message), tt.message) {
				t.Errorf("message %q does not mention %q", e.Message, tt.message)
			}
		})
	}
}

// clock is a settable time source shared by the store and the service.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup is a Service on a fresh SQLite database with one user.
type setup struct {
	db    *store.DB
	svc   *auth.Service
	user  *webrana.User
	clock *clock
}

const password = "correct horse battery"

func newSetup(t *testing.T) *setup {
	t.Helper()
	db := storetest.OpenSQLite(t)
	c := &clock{now: time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	hash, err := secrets.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := &webrana.User{Email: "alice@example.com", Role: webrana.RoleCustomer, PasswordHash: hash, EmailVerified: true}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return &setup{db: db, svc: auth.New(db, &auth.Config{Now: c.Now}), user: u, clock: c}
}

var tokenShape = regexp.MustCompile(`^wbr_[st]_[a-z2-7]{32}$`)

func TestTokens(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()

	sess, session, err := s.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !tokenShape.MatchString(session) || !strings.HasPrefix(session, auth.SessionPrefix) {
		t.Errorf("session token %q has the wrong shape", session)
	}
	if sum := sha256.Sum256([]byte(session)); !bytes.Equal(sess.TokenHash, sum[:]) || bytes.Contains(sess.TokenHash, []byte(session)) {
		t.Error("the session stores something other than the token's SHA-256")
	}
	if sess.CSRFToken != "" || sess.Kind != "api" || sess.SourceAddr != "192.0.2.1" {
		t.Errorf("API session %+v", sess)
	}
	_, session2, err := s.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginAPI)
	if err != nil {
		t.Fatal(err)
	}
	if session2 == session {
		t.Fatal("two logins got the same token")
	}
	p, err := s.svc.Authenticate(ctx, session)
	if err != nil || p.User.ID != s.user.ID || p.Session == nil || p.Session.ID != sess.ID || p.Token != nil {
		t.Fatalf("Authenticate(session) = %+v, %v", p, err)
	}

	tok, apiToken, err := s.svc.CreateAPIToken(ctx, p, "ci", 0, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if !tokenShape.MatchString(apiToken) || !strings.HasPrefix(apiToken, auth.APITokenPrefix) || !strings.HasPrefix(apiToken, tok.Prefix) {
		t.Errorf("API token %q (prefix %q) has the wrong shape", apiToken, tok.Prefix)
	}
	if !bytes.Equal(tok.TokenHash, auth.HashToken(apiToken)) {
		t.Error("the API token is not stored as its hash")
	}
	p, err = s.svc.Authenticate(ctx, apiToken)
	if err != nil || p.User.ID != s.user.ID || p.Token == nil || p.Token.ID != tok.ID || p.Session != nil {
		t.Fatalf("Authenticate(api token) = %+v, %v", p, err)
	}

	// One error for every bad token, so that answers reveal nothing.
	n := len(auth.SessionPrefix)
	var first string
	for _, bad := range []struct{ name, token string }{
		{"empty", ""},
		{"unknown prefix", "wbr_x_" + session[len(auth.SessionPrefix):]},
		{"no prefix", session[len(auth.SessionPrefix):]},
		{"upper-case prefix", strings.ToUpper(auth.SessionPrefix) + session[len(auth.SessionPrefix):]},
		{"session, last character changed", flipLast(session)},
		{"session, first random character changed", auth.SessionPrefix + flipLast(session[n:n+1]) + session[n+1:]},
		{"session, truncated", session[:len(session)-1]},
		{"session, extended", session + "a"},
		{"api token, last character changed", flipLast(apiToken)},
		{"api token with the session prefix", auth.SessionPrefix + apiToken[len(auth.APITokenPrefix):]},
		{"session with the api token prefix", auth.APITokenPrefix + session[len(auth.SessionPrefix):]},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if bad.token == session || bad.token == apiToken {
				t.Fatalf("test case %q is a valid token", bad.token)
			}
			p, err := s.svc.Authenticate(ctx, bad.token)
			if webrana.ErrorCode(err) != webrana.EUNAUTHORIZED || p != nil {
				t.Fatalf("Authenticate(%q) = %+v, %v; want unauthorized", bad.token, p, err)
			}
			if first == "" {
				first = webrana.ErrorMessage(err)
			} else if msg := webrana.ErrorMessage(err); msg != first {
				t.Errorf("message %q differs from %q", msg, first)
			}
		})
	}
}

// TestAuthenticateChecksPrefix: a token is looked up only under the kind
// its prefix names, so a stored session answers to wbr_s_ alone.
func TestAuthenticateChecksPrefix(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	for _, tt := range []struct {
		token string
		ok    bool
	}{
		{"wbr_s_planted0000000000000000000000000", true},
		{"wbr_x_planted0000000000000000000000000", false},
		{"planted000000000000000000000000000000", false},
		{"wbr_t_planted0000000000000000000000000", false}, // a session under the API token prefix
	} {
		sess := &webrana.Session{UserID: s.user.ID, TokenHash: auth.HashToken(tt.token), Kind: "api", ExpiresAt: s.clock.Now().Add(time.Hour)}
		if err := s.db.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		p, err := s.svc.Authenticate(ctx, tt.token)
		if tt.ok != (err == nil) || (err != nil && webrana.ErrorCode(err) != webrana.EUNAUTHORIZED) {
			t.Errorf("Authenticate(%q) = %+v, %v; want ok %v", tt.token, p, err, tt.ok)
		}
	}
}

func flipLast(s string) string {
	if strings.HasSuffix(s, "a") {
		return s[:len(s)-1] + "b"
	}
	return s[:len(s)-1] + "a"
}

func TestBrowserSessionAndExpiry(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	sess, token, err := s.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginBrowser)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Kind != "browser" || len(sess.CSRFToken) < 32 || strings.Contains(token, sess.CSRFToken) {
		t.Errorf("browser session %+v: want a CSRF token of its own", sess)
	}
	if want := s.clock.Now().Add(auth.BrowserSessionTTL); !sess.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", sess.ExpiresAt, want)
	}
	s.clock.Advance(auth.BrowserSessionTTL - time.Second)
	if _, err := s.svc.Authenticate(ctx, token); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	s.clock.Advance(time.Second)
	if _, err := s.svc.Authenticate(ctx, token); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
		t.Fatalf("at expiry: %v, want unauthorized", err)
	}
}

func TestEndSession(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	_, token, err := s.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginBrowser)
	if err != nil {
		t.Fatal(err)
	}
	s.svc.EndSession(ctx, "wbr_s_unknown") // no such session: nothing happens
	s.svc.EndSession(ctx, token)
	if _, err := s.svc.Authenticate(ctx, token); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
		t.Fatalf("after EndSession: %v, want unauthorized", err)
	}
}

func TestLoginFailureAudit(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	for _, email := range []string{"alice@example.com", "nobody@example.com", "hunter2-secret", " Alice@Example.COM"} {
		if _, _, err := s.svc.Login(ctx, email, "wrong-password-123", "192.0.2.9", auth.LoginAPI); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
			t.Fatalf("login as %q: %v, want unauthorized", email, err)
		}
	}
	entries, _, err := s.db.ListAudit(ctx, store.AuditFilter{Action: "login.failed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("%d login.failed entries, want 4", len(entries))
	}
	// Nor is it kept for throttling: it counts under no e-mail at all.
	since := s.clock.Now().Add(-time.Hour)
	for key, want := range map[string]int{"hunter2-secret": 0, "": 1, "alice@example.com": 2} {
		if n, _, err := s.db.LoginFailures(ctx, store.ByEmail, key, since); err != nil || n != want {
			t.Errorf("failures recorded for %q: %d, %v; want %d", key, n, err, want)
		}
	}
	targets := 0
	for _, e := range entries {
		if strings.Contains(e.Detail, "wrong-password-123") || strings.Contains(e.Detail, "hunter2") {
			t.Errorf("audit entry holds a secret: %+v", e)
		}
		if e.SourceAddr != "192.0.2.9" || e.ActorID != "" {
			t.Errorf("entry %+v: want source 192.0.2.9 and no actor", e)
		}
		if e.TargetID == s.user.ID {
			targets++
		}
	}
	if targets != 2 {
		t.Errorf("%d failures aimed at alice, want 2 (the e-mail is normalised)", targets)
	}
}

// TestNoChangeWithoutItsAudit: a sign-in, a token minted or revoked, a
// sign-out and a user's change commit with their audit entry or not at
// all: when the audit log refuses writes, nothing of them is left.
func TestNoChangeWithoutItsAudit(t *testing.T) {
	s := newSetup(t)
	ctx := context.Background()
	sess, _, err := s.svc.Login(ctx, s.user.Email, password, "192.0.2.9", auth.LoginAPI)
	if err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{User: s.user, Session: sess}
	tok, _, err := s.svc.CreateAPIToken(ctx, p, "ci", 0, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	admin := &webrana.User{Email: "root@example.com", Role: webrana.RoleAdmin, PasswordHash: "x"}
	if err := s.db.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	storetest.RefuseAudits(t, s.db)

	if _, _, err := s.svc.Login(ctx, s.user.Email, password, "192.0.2.9", auth.LoginAPI); err == nil {
		t.Error("signed in without an audit")
	}
	if _, _, err := s.svc.CreateAPIToken(ctx, p, "other", 0, "192.0.2.9"); err == nil {
		t.Error("minted a token without an audit")
	}
	if err := s.svc.RevokeAPIToken(ctx, p, tok.ID, "192.0.2.9"); err == nil {
		t.Error("revoked a token without an audit")
	}
	if err := s.svc.Logout(ctx, p, "192.0.2.9"); err == nil {
		t.Error("signed out without an audit")
	}
	disabled := true
	if _, err := s.svc.ChangeUser(ctx, &auth.Principal{User: admin}, s.user.ID, auth.UserChange{Disabled: &disabled}, "192.0.2.9"); err == nil {
		t.Error("disabled a user without an audit")
	}

	tokens, err := s.svc.ListAPITokens(ctx, p)
	if err != nil || len(tokens) != 1 || tokens[0].RevokedAt != nil {
		t.Fatalf("tokens %+v, %v; want the first, live", tokens, err)
	}
	if n, err := s.db.DeleteUserSessions(ctx, s.user.ID); err != nil || n != 1 {
		t.Fatalf("sessions: %d, %v; want the first only, still open", n, err)
	}
	if u, err := s.db.UserByID(ctx, s.user.ID); err != nil || u.Disabled {
		t.Fatalf("user %+v, %v; want them enabled", u, err)
	}
}
