package web_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/web/webtest"
)

// createdToken is the answer of POST /api/tokens.
type createdToken struct {
	ID        string
	Name      string
	Prefix    string
	Token     string
	ExpiresAt *time.Time `json:"expires_at"`
}

func createToken(t *testing.T, c *webtest.Client, body any) createdToken {
	t.Helper()
	res := c.Do("POST", "/api/tokens", body)
	mustStatus(t, res, 201, "create token")
	var tok createdToken
	res.JSON(t, &tok)
	return tok
}

type tokenList struct {
	Items []struct {
		ID        string
		Name      string
		Prefix    string
		RevokedAt *time.Time `json:"revoked_at"`
	}
	Total   int
	Page    int
	PerPage int `json:"per_page"`
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		u := h.user("a@example.com", webrana.RoleCustomer)
		c := h.login("a@example.com")

		tok := createToken(t, c, map[string]any{"name": "  deploy script  "})
		if !tokenShape.MatchString(tok.Token) || !strings.HasPrefix(tok.Token, auth.APITokenPrefix) {
			t.Fatalf("token %q: want a long %s token", tok.Token, auth.APITokenPrefix)
		}
		if tok.Name != "deploy script" || tok.ExpiresAt != nil || !strings.HasPrefix(tok.Token, tok.Prefix) || len(tok.Prefix) <= len(auth.APITokenPrefix) {
			t.Errorf("created %+v: want trimmed name, no expiry, a prefix of the token", tok)
		}

		// The secret is in the create answer only.
		res := c.Do("GET", "/api/tokens", nil)
		mustStatus(t, res, 200, "list tokens")
		if bytes.Contains(res.Body, []byte(tok.Token)) || bytes.Contains(res.Body, []byte(tok.Token[len(tok.Prefix):])) {
			t.Fatalf("token list shows the secret: %s", res.Body)
		}
		var list tokenList
		res.JSON(t, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != tok.ID || list.Items[0].Prefix != tok.Prefix {
			t.Fatalf("token list %+v, want the one token", list)
		}

		api := h.client().WithToken(tok.Token)
		if m := whoami(t, api); m.ID != u.ID || m.Via != "api_token" {
			t.Errorf("GET /api/me with the API token = %+v, want %s via api_token", m, u.ID)
		}
		// An API token can manage tokens too (it is the caller's credential).
		other := createToken(t, api, map[string]any{"name": "made by token"})

		mustStatus(t, c.Do("DELETE", "/api/tokens/"+tok.ID, nil), 204, "revoke")
		wantError(t, api.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		wantError(t, c.Do("DELETE", "/api/tokens/"+tok.ID, nil), 404, "not_found", "")
		whoami(t, h.client().WithToken(other.Token)) // revoking one leaves the other

		// The revoked token stays listed, marked revoked.
		c.Do("GET", "/api/tokens", nil).JSON(t, &list)
		for _, it := range list.Items {
			if (it.ID == tok.ID) != (it.RevokedAt != nil) {
				t.Errorf("token %s revoked_at %v", it.Name, it.RevokedAt)
			}
		}

		// A revoked token's name is free again; a live one's is not.
		wantError(t, c.Do("POST", "/api/tokens", map[string]any{"name": "made by token"}), 409, "conflict", "")
		createToken(t, c, map[string]any{"name": "deploy script"})
	})
}

func TestAPITokenExpiry(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("a@example.com", webrana.RoleCustomer)
		c := h.login("a@example.com")
		tok := createToken(t, c, map[string]any{"name": "one day", "expires_in_days": 1})
		if want := h.clock.Now().Add(24 * time.Hour); tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(want) {
			t.Fatalf("expires_at %v, want %v", tok.ExpiresAt, want)
		}
		forever := createToken(t, c, map[string]any{"name": "forever"})
		api := h.client().WithToken(tok.Token)
		h.clock.Advance(24*time.Hour - time.Second)
		whoami(t, api)
		h.clock.Advance(time.Second)
		wantError(t, api.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		h.clock.Advance(1000 * 24 * time.Hour)
		whoami(t, h.client().WithToken(forever.Token))
	})
}

func TestAPITokenValidation(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("a@example.com", webrana.RoleCustomer)
	c := h.login("a@example.com")
	tests := []struct {
		name  string
		body  any
		field string
	}{
		{"empty name", map[string]any{"name": ""}, "name"},
		{"blank name", map[string]any{"name": "   "}, "name"},
		{"no name", map[string]any{"expires_in_days": 3}, "name"},
		{"name of 65 characters", map[string]any{"name": strings.Repeat("n", 65)}, "name"},
		{"negative lifetime", map[string]any{"name": "x", "expires_in_days": -1}, "expires_in_days"},
		{"lifetime over a year", map[string]any{"name": "x", "expires_in_days": 366}, "expires_in_days"},
		{"lifetime not a number", map[string]any{"name": "x", "expires_in_days": "7"}, "expires_in_days"},
		{"unknown field", map[string]any{"name": "x", "scopes": []string{"all"}}, "scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, c.Do("POST", "/api/tokens", tt.body), 400, "invalid", tt.field)
		})
	}
	// The bounds themselves are fine.
	createToken(t, c, map[string]any{"name": strings.Repeat("é", 64), "expires_in_days": 365})
	createToken(t, c, map[string]any{"name": "zero", "expires_in_days": 0})
	var list tokenList
	c.Do("GET", "/api/tokens", nil).JSON(t, &list)
	if list.Total != 2 {
		t.Errorf("%d tokens after the refused ones, want 2", list.Total)
	}
}

// wantFingerprints computes a key's fingerprints from its wire bytes,
// independently of the code under test.
func wantFingerprints(wire []byte) (md5Hex, sha string) {
	sum := md5.Sum(wire)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	sha256Sum := sha256.Sum256(wire)
	return strings.Join(parts, ":"), "SHA256:" + base64.RawStdEncoding.EncodeToString(sha256Sum[:])
}

type sshKey struct {
	ID                string
	Name              string
	PublicKey         string `json:"public_key"`
	Fingerprint       string
	FingerprintSHA256 string `json:"fingerprint_sha256"`
}

func TestSSHKeys(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("a@example.com", webrana.RoleCustomer)
		c := h.login("a@example.com")

		pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)).Public()
		sshPub, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		wire := sshPub.Marshal()
		text := "ssh-ed25519 " + base64.StdEncoding.EncodeToString(wire) + " alice@laptop"

		res := c.Do("POST", "/api/ssh-keys", map[string]string{"public_key": "  " + text + "\n"})
		mustStatus(t, res, 201, "add key")
		var k sshKey
		res.JSON(t, &k)
		md5Want, shaWant := wantFingerprints(wire)
		if k.Fingerprint != md5Want || k.FingerprintSHA256 != shaWant {
			t.Errorf("fingerprints %q %q, want %q %q", k.Fingerprint, k.FingerprintSHA256, md5Want, shaWant)
		}
		if k.Name != "alice@laptop" || k.PublicKey != text {
			t.Errorf("key %+v: want the comment as name and the normalised key", k)
		}
		res = c.Do("GET", "/api/ssh-keys/"+k.ID, nil)
		mustStatus(t, res, 200, "get key")
		var got sshKey
		res.JSON(t, &got)
		if got != k {
			t.Errorf("GET answered %+v, POST %+v", got, k)
		}

		// The same key again, even renamed, is a conflict.
		wantError(t, c.Do("POST", "/api/ssh-keys", map[string]string{"name": "again", "public_key": text}), 409, "conflict", "")

		// Another user may add the same key.
		h.user("b@example.com", webrana.RoleCustomer)
		mustStatus(t, h.login("b@example.com").Do("POST", "/api/ssh-keys", map[string]string{"public_key": text}), 201, "other user's copy")

		mustStatus(t, c.Do("DELETE", "/api/ssh-keys/"+k.ID, nil), 204, "delete key")
		wantError(t, c.Do("GET", "/api/ssh-keys/"+k.ID, nil), 404, "not_found", "")
		wantError(t, c.Do("DELETE", "/api/ssh-keys/"+k.ID, nil), 404, "not_found", "")
		// Once deleted, it can be added again.
		mustStatus(t, c.Do("POST", "/api/ssh-keys", map[string]string{"public_key": text}), 201, "re-add key")
	})
}

func TestSSHKeyValidation(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("a@example.com", webrana.RoleCustomer)
	c := h.login("a@example.com")

	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakPub, err := ssh.NewPublicKey(&weak.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	privateKey := "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----"

	tests := []struct {
		name    string
		body    any
		field   string
		message string // a part of the message, when it matters
	}{
		{"not a key", map[string]string{"name": "x", "public_key": "hello world"}, "public_key", ""},
		{"empty", map[string]string{"name": "x", "public_key": ""}, "public_key", ""},
		{"truncated base64", map[string]string{"name": "x", "public_key": testKey(t, 1)[:40]}, "public_key", ""},
		{"private key", map[string]string{"name": "x", "public_key": privateKey}, "public_key", "private key"},
		{"RSA 1024", map[string]string{"name": "x", "public_key": string(ssh.MarshalAuthorizedKey(weakPub))}, "public_key", "2048"},
		{"two keys", map[string]string{"name": "x", "public_key": testKey(t, 1) + "\n" + testKey(t, 2)}, "public_key", ""},
		{"no name and no comment", map[string]string{"public_key": strings.Fields(testKey(t, 1))[0] + " " + strings.Fields(testKey(t, 1))[1]}, "name", ""},
		{"name too long", map[string]string{"name": strings.Repeat("k", 65), "public_key": testKey(t, 1)}, "name", ""},
		{"unknown field", map[string]string{"public_key": testKey(t, 1), "fingerprint": "aa"}, "fingerprint", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, c.Do("POST", "/api/ssh-keys", tt.body), 400, "invalid", tt.field)
			if !strings.Contains(strings.ToLower(e.Message), tt.message) {
				t.Errorf("message %q does not mention %q", e.Message, tt.message)
			}
		})
	}
	var list struct{ Total int }
	c.Do("GET", "/api/ssh-keys", nil).JSON(t, &list)
	if list.Total != 0 {
		t.Errorf("%d keys stored after refused ones, want 0", list.Total)
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("a@example.com", webrana.RoleCustomer)
	c := h.login("a@example.com")
	var ids []string
	for i := range 3 {
		res := c.Do("POST", "/api/ssh-keys", map[string]string{"public_key": testKey(t, byte(i+1))})
		mustStatus(t, res, 201, "add key")
		var k sshKey
		res.JSON(t, &k)
		ids = append(ids, k.ID)
		h.clock.Advance(time.Second) // oldest first, by creation
	}

	pages := []struct {
		query         string
		page, perPage int
		ids           []string
	}{
		{"", 1, 50, ids},
		{"?per_page=2", 1, 2, ids[:2]},
		{"?per_page=2&page=2", 2, 2, ids[2:]},
		{"?per_page=2&page=3", 3, 2, nil},
		{"?per_page=1000", 1, 200, ids},
	}
	for _, p := range pages {
		t.Run("ssh-keys"+p.query, func(t *testing.T) {
			res := c.Do("GET", "/api/ssh-keys"+p.query, nil)
			mustStatus(t, res, 200, "list")
			var list struct {
				Items   []sshKey
				Total   *int
				Page    int
				PerPage int `json:"per_page"`
			}
			res.JSON(t, &list)
			var got []string
			for _, k := range list.Items {
				got = append(got, k.ID)
			}
			if list.Total == nil || *list.Total != 3 || list.Page != p.page || list.PerPage != p.perPage || fmt.Sprint(got) != fmt.Sprint(p.ids) {
				t.Errorf("got %s; want total 3, page %d, per_page %d, ids %v", res.Body, p.page, p.perPage, p.ids)
			}
			if list.Items == nil {
				t.Error("items is null, want an array")
			}
		})
	}

	bad := []struct{ path, field string }{
		{"/api/ssh-keys?per_page=0", "per_page"},
		{"/api/ssh-keys?page=abc", "page"},
		{"/api/ssh-keys?page=-1", "page"},
		{"/api/tokens?per_page=x", "per_page"},
		{"/api/tokens?page=0", "page"},
	}
	for _, b := range bad {
		t.Run(b.path, func(t *testing.T) {
			wantError(t, c.Do("GET", b.path, nil), 400, "invalid", b.field)
		})
	}
}
