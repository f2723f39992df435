// Package secrets holds Webrana's handling of secret material: the master
// encryption key (ENCRYPTION_KEY, 32 bytes as 64 hex characters) and slow
// password hashing with argon2id.
package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// KeySize is the length of the master key in bytes (AES-256).
const KeySize = 32

// Key is the master encryption key. Its String and GoString never reveal it.
type Key []byte

func (Key) String() string   { return "[redacted]" }
func (Key) GoString() string { return "[redacted]" }

// ParseKey decodes a key written as 64 hex characters.
func ParseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2*KeySize {
		return nil, fmt.Errorf("must be %d hex characters, got %d characters", 2*KeySize, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("must be hex characters only (0-9, a-f)")
	}
	return Key(b), nil
}

// NewKey returns a fresh random key.
func NewKey() Key {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return Key(b)
}

// LoadOrCreateKeyFile reads the key stored in path, or creates the file with
// a new random key and mode 0600 when it does not exist. It refuses a file
// that others can read.
func LoadOrCreateKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := NewKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
			f.Close()
			return nil, err
		}
		return k, f.Close()
	}
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v); run chmod 600 on it", path, info.Mode().Perm())
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
