package cloud

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Fingerprint is a public key's MD5 fingerprint (aa:bb:…), as DigitalOcean
// identifies keys, computed from the authorized_keys line.
func Fingerprint(publicKey string) (string, error) {
	fields := strings.Fields(publicKey)
	if len(fields) < 2 {
		return "", errors.New("not an SSH public key")
	}
	raw, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", errors.New("not an SSH public key")
	}
	sum := md5.Sum(raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), nil
}
