package secrets_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webrana/webrana/secrets"
)

func TestParseKey(t *testing.T) {
	valid := strings.Repeat("ab", 32)
	tests := []struct {
		name, in string
		wantErr  string
	}{
		{"valid", valid, ""},
		{"valid with newline", valid + "\n", ""},
		{"too short", "abcd", "must be 64 hex characters, got 4"},
		{"not hex", strings.Repeat("zz", 32), "hex characters only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := secrets.ParseKey(tt.in)
			if tt.wantErr == "" {
				if err != nil || hex.EncodeToString(k) != valid {
					t.Fatalf("ParseKey = %x, %v", []byte(k), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	k := secrets.NewKey()
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %s %#v", k, k, k)} {
		if strings.Contains(s, hex.EncodeToString(k)) || strings.Contains(s, fmt.Sprint([]byte(k))) {
			t.Fatalf("key leaked in %q", s)
		}
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.key")
	k1, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
	k2, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil || hex.EncodeToString(k1) != hex.EncodeToString(k2) {
		t.Fatalf("second load gave a different key (err %v)", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("world-readable key file accepted: %v", err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := secrets.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "correct horse") {
		t.Fatalf("unexpected hash format %q", h)
	}
	h2, _ := secrets.HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := secrets.VerifyPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := secrets.VerifyPassword("$2a$12$bcrypt", "x"); err != secrets.ErrMalformedHash {
		t.Errorf("malformed hash: err = %v", err)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := secrets.HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
