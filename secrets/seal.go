package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Sealed secrets (provider tokens) are stored as
//
//	v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
//
// AES-256-GCM with a random 96-bit nonce. The key id (the first 8 hex
// characters of a hash of the key) names which key sealed it, so that a
// rotation can tell old from new and the previous key can still open old
// secrets. The seed system's format, "iv:authTag:ciphertext" in hex with a
// 16-byte IV, is opened too, so exported tokens can be imported.

// ErrUnsealable is returned for a secret no key opens: tampered, truncated,
// or sealed under a key this keyring does not hold. The message never
// includes the secret.
var ErrUnsealable = errors.New("secrets: cannot open the sealed secret (tampered, or sealed under another key)")

const sealVersion = "v1"

// ID is a short public name of the key, stored with each secret it seals.
func (k Key) ID() string {
	sum := sha256.Sum256(append([]byte("webrana key id\x00"), k...))
	return hex.EncodeToString(sum[:4])
}

// Keyring seals with the current key and opens with the current or, during
// a rotation, the previous one.
type Keyring struct {
	current  Key
	previous Key // may be nil
}

// NewKeyring returns a keyring; previous may be nil.
func NewKeyring(current, previous Key) *Keyring {
	return &Keyring{current: current, previous: previous}
}

func gcm(k Key, nonceSize int) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithNonceSize(block, nonceSize)
}

// Seal encrypts a secret under the current key.
func (kr *Keyring) Seal(plaintext string) (string, error) {
	aead, err := gcm(kr.current, 12)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), []byte(sealVersion))
	return sealVersion + ":" + kr.current.ID() + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed secret, in Webrana's format or the seed's.
func (kr *Keyring) Open(sealed string) (string, error) {
	parts := strings.Split(sealed, ":")
	if len(parts) == 3 && parts[0] == sealVersion {
		return kr.openV1(parts[1], parts[2])
	}
	if len(parts) == 3 {
		return kr.openSeed(parts[0], parts[1], parts[2])
	}
	return "", ErrUnsealable
}

func (kr *Keyring) openV1(keyID, payload string) (string, error) {
	key := kr.byID(keyID)
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if key == nil || err != nil {
		return "", ErrUnsealable
	}
	aead, err := gcm(key, 12)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", ErrUnsealable
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(sealVersion))
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}

// openSeed opens "iv:authTag:ciphertext" (hex) as the seed's Node service
// wrote it: AES-256-GCM, 16-byte IV, no associated data. Either key may
// have sealed it.
func (kr *Keyring) openSeed(ivHex, tagHex, ctHex string) (string, error) {
	iv, err1 := hex.DecodeString(ivHex)
	tag, err2 := hex.DecodeString(tagHex)
	ct, err3 := hex.DecodeString(ctHex)
	if err1 != nil || err2 != nil || err3 != nil || len(iv) == 0 || len(tag) != 16 {
		return "", ErrUnsealable
	}
	for _, key := range []Key{kr.current, kr.previous} {
		if key == nil {
			continue
		}
		aead, err := gcm(key, len(iv))
		if err != nil {
			continue
		}
		if plain, err := aead.Open(nil, iv, append(ct, tag...), nil); err == nil {
			return string(plain), nil
		}
	}
	return "", ErrUnsealable
}

func (kr *Keyring) byID(id string) Key {
	for _, k := range []Key{kr.current, kr.previous} {
		if k != nil && k.ID() == id {
			return k
		}
	}
	return nil
}

// Current reports whether a sealed secret is sealed under the current key
// in the current format (a rotation leaves it alone).
func (kr *Keyring) Current(sealed string) bool {
	return strings.HasPrefix(sealed, sealVersion+":"+kr.current.ID()+":")
}

// Hint is what may be shown of a token: its last four characters.
func Hint(token string) string {
	if len(token) <= 8 {
		return "…"
	}
	return "…" + token[len(token)-4:]
}
