package cloudsim

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// doKey is an SSH key of the account.
type doKey struct {
	ID          int    `json:"id"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"public_key"`
	Name        string `json:"name"`
}

// doKeyTypes are the public key types DigitalOcean accepts.
var doKeyTypes = []string{"ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}

// doFingerprint checks an OpenSSH public key ("type base64 [comment]") and
// returns its MD5 fingerprint, as DigitalOcean shows it, or a 422 message.
func doFingerprint(publicKey string) (string, string) {
	const form = "Key invalid, key should be of the form 'type key [comment]'"
	f := strings.Fields(publicKey)
	if len(f) < 2 {
		return "", form
	}
	if !slices.Contains(doKeyTypes, f[0]) {
		return "", "Key invalid type, we support 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', or 'ecdsa-sha2-nistp521'"
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	// The blob starts with the key type as an SSH string.
	if err != nil || len(blob) < 4+len(f[0]) || binary.BigEndian.Uint32(blob) != uint32(len(f[0])) ||
		!bytes.Equal(blob[4:4+len(f[0])], []byte(f[0])) || len(blob) < 4+len(f[0])+16 {
		return "", form
	}
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), ""
}

// findKey finds a key by id or fingerprint.
func (st *doState) findKey(ref string) *doKey {
	if id, err := strconv.Atoi(ref); err == nil {
		return st.Keys[id]
	}
	for _, k := range st.Keys {
		if k.Fingerprint == ref {
			return k
		}
	}
	return nil
}

func (d *digitalOcean) key(c *call) (*doState, *doKey) {
	st := c.do()
	k := st.findKey(c.r.PathValue("key"))
	if k == nil {
		d.writeError(c, http.StatusNotFound, doNotFound)
	}
	return st, k
}

func (d *digitalOcean) listKeys(c *call) {
	st := c.do()
	keys := make([]*doKey, 0, len(st.Keys))
	for _, k := range st.Keys {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b *doKey) int { return a.ID - b.ID })
	doList(c, "ssh_keys", keys, func(b []byte, k *doKey) []byte { return doAppend(b, k) })
}

func (d *digitalOcean) createKey(c *call) {
	var req struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	}
	if !d.decode(c, &req) {
		return
	}
	st := c.do()
	req.Name, req.PublicKey = strings.TrimSpace(req.Name), strings.TrimSpace(req.PublicKey)
	if req.Name == "" {
		d.writeError(c, http.StatusUnprocessableEntity, "Name can't be blank")
		return
	}
	fp, msg := doFingerprint(req.PublicKey)
	if msg != "" {
		d.writeError(c, http.StatusUnprocessableEntity, msg)
		return
	}
	if st.findKey(fp) != nil {
		d.writeError(c, http.StatusUnprocessableEntity, "SSH Key is already in use on your account")
		return
	}
	k := &doKey{ID: c.sim.ids.next("ssh_key", 41000000), Fingerprint: fp, PublicKey: req.PublicKey, Name: req.Name}
	st.Keys[k.ID] = k
	doWrite(c, http.StatusCreated, map[string]any{"ssh_key": k})
}

func (d *digitalOcean) getKey(c *call) {
	if _, k := d.key(c); k != nil {
		doWrite(c, http.StatusOK, map[string]any{"ssh_key": k})
	}
}

func (d *digitalOcean) updateKey(c *call) {
	_, k := d.key(c)
	if k == nil {
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if !d.decode(c, &req) {
		return
	}
	if name := strings.TrimSpace(req.Name); name != "" {
		k.Name = name
	}
	doWrite(c, http.StatusOK, map[string]any{"ssh_key": k})
}

func (d *digitalOcean) deleteKey(c *call) {
	if st, k := d.key(c); k != nil {
		delete(st.Keys, k.ID)
		doNoContent(c)
	}
}
