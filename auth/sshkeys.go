package auth

import (
	"context"
	"crypto/rsa"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"

	"github.com/webrana/webrana"
)

// Key types the providers accept (DigitalOcean and Linode both take these).
var acceptedKeyTypes = map[string]bool{
	ssh.KeyAlgoRSA: true, ssh.KeyAlgoED25519: true,
	ssh.KeyAlgoECDSA256: true, ssh.KeyAlgoECDSA384: true, ssh.KeyAlgoECDSA521: true,
}

const minRSABits = 2048

// ParseSSHKey checks a public key in authorized_keys format and returns it
// normalised, with its comment and its fingerprints: MD5 as DigitalOcean
// shows it (aa:bb:…) and SHA256 as OpenSSH does.
func ParseSSHKey(name, text string) (*webrana.SSHKey, error) {
	text = strings.TrimSpace(text)
	if strings.Contains(text, "PRIVATE KEY") {
		return nil, webrana.FieldError("public_key", "This is a private key. Paste the public key instead (the .pub file); never share the private one.")
	}
	if strings.Count(text, "\n") > 0 {
		return nil, webrana.FieldError("public_key", "Paste one public key, on one line.")
	}
	key, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return nil, webrana.FieldError("public_key", "This is not an SSH public key; it should look like \"ssh-ed25519 AAAA… you@host\".")
	}
	if !acceptedKeyTypes[key.Type()] {
		return nil, webrana.FieldError("public_key", "Keys of type %s are not accepted; use ed25519, ECDSA or RSA.", key.Type())
	}
	if ck, ok := key.(ssh.CryptoPublicKey); ok {
		if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
			return nil, webrana.FieldError("public_key", "RSA keys must have at least %d bits; this one has %d.", minRSABits, rk.N.BitLen())
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = strings.TrimSpace(comment)
	}
	switch {
	case name == "":
		return nil, webrana.FieldError("name", "Give the key a name.")
	case utf8.RuneCountInString(name) > 64:
		return nil, webrana.FieldError("name", "Key names are at most 64 characters.")
	}
	public := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	if comment != "" {
		public += " " + comment
	}
	return &webrana.SSHKey{Name: name, PublicKey: public,
		FingerprintMD5: ssh.FingerprintLegacyMD5(key), FingerprintSHA256: ssh.FingerprintSHA256(key)}, nil
}

// AddSSHKey parses and stores a key for the caller.
func (s *Service) AddSSHKey(ctx context.Context, p *Principal, name, text string) (*webrana.SSHKey, error) {
	if err := p.User.MayHoldCredentials(); err != nil {
		return nil, err
	}
	k, err := ParseSSHKey(name, text)
	if err != nil {
		return nil, err
	}
	k.UserID = p.User.ID
	if err := s.db.CreateSSHKey(ctx, k); err != nil {
		return nil, err
	}
	return k, nil
}
