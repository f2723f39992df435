package secrets_test

import (
	"strings"
	"testing"

	"github.com/webrana/webrana/secrets"
)

func TestSealAndOpen(t *testing.T) {
	kr := secrets.NewKeyring(secrets.NewKey(), nil)
	const token = "dop_v1_0123456789abcdef"
	a, err := kr.Seal(token)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := kr.Seal(token)
	if a == b || strings.Contains(a, token) || !strings.HasPrefix(a, "v1:") {
		t.Fatalf("sealed forms %q and %q: want distinct nonces, versioned, no plaintext", a, b)
	}
	if got, err := kr.Open(a); err != nil || got != token {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if !kr.Current(a) {
		t.Fatal("a freshly sealed secret is not current")
	}
}

func TestTamperingIsDetected(t *testing.T) {
	kr := secrets.NewKeyring(secrets.NewKey(), nil)
	sealed, _ := kr.Seal("linode-token-abc")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for name, bad := range map[string]string{
		"flipped payload":  flip(sealed, len(sealed)-5),
		"flipped nonce":    flip(sealed, len("v1:12345678:")+2),
		"truncated":        sealed[:len(sealed)-4],
		"unknown key id":   "v1:00000000:" + strings.SplitN(sealed, ":", 3)[2],
		"another version":  "v2" + sealed[2:],
		"not sealed":       "plain-token",
		"other key's seal": mustSeal(t, secrets.NewKeyring(secrets.NewKey(), nil), "x"),
	} {
		if got, err := kr.Open(bad); err != secrets.ErrUnsealable || got != "" {
			t.Errorf("%s: Open = %q, %v; want ErrUnsealable", name, got, err)
		}
	}
}

func mustSeal(t *testing.T, kr *secrets.Keyring, s string) string {
	t.Helper()
	sealed, err := kr.Seal(s)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// TestOpenTheSeedsFormat opens a token sealed by the seed's Node.js
// EncryptionService (crypto.createCipheriv aes-256-gcm, 16-byte IV); the
// vector was produced by Node 20, not by this code.
func TestOpenTheSeedsFormat(t *testing.T) {
	key, err := secrets.ParseKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	const fromNode = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:de8f0fe6b556a3ffc698d8d6e0cdc6ef:" +
		"4ecc53e36efc9246f2ac2c85d822baa8bb24211a1a51379ccc2059822c0311bf35f08400f1b6d98ddf3b03962d7480c8235bc501b060cb11d70b4d50945397d130ff94616ca9d9"
	const want = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	// As the previous key too, as during an import followed by a rotation.
	for _, kr := range []*secrets.Keyring{secrets.NewKeyring(key, nil), secrets.NewKeyring(secrets.NewKey(), key)} {
		got, err := kr.Open(fromNode)
		if err != nil || got != want {
			t.Fatalf("Open(seed format) = %q, %v", got, err)
		}
		if kr.Current(fromNode) {
			t.Fatal("a seed-format secret counts as current; rotation would leave it")
		}
	}
	tampered := strings.Replace(fromNode, ":de8f", ":de8e", 1)
	if _, err := secrets.NewKeyring(key, nil).Open(tampered); err != secrets.ErrUnsealable {
		t.Fatalf("tampered seed tag opened: %v", err)
	}
}

func TestRotationOpensOldSeals(t *testing.T) {
	old, cur := secrets.NewKey(), secrets.NewKey()
	sealed := mustSeal(t, secrets.NewKeyring(old, nil), "tok")
	kr := secrets.NewKeyring(cur, old)
	if got, err := kr.Open(sealed); err != nil || got != "tok" || kr.Current(sealed) {
		t.Fatalf("old seal under rotation: %q %v current=%v", got, err, kr.Current(sealed))
	}
	if _, err := secrets.NewKeyring(cur, nil).Open(sealed); err != secrets.ErrUnsealable {
		t.Fatal("a seal opened without its key")
	}
	if old.ID() == cur.ID() || len(old.ID()) != 8 {
		t.Fatalf("key ids %q %q", old.ID(), cur.ID())
	}
}

func TestHint(t *testing.T) {
	if h := secrets.Hint("dop_v1_abcdef123456"); h != "…3456" {
		t.Fatalf("Hint = %q", h)
	}
	if h := secrets.Hint("short"); h != "…" {
		t.Fatalf("short token hint %q reveals too much", h)
	}
}
