package doapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/webrana/webrana"
)

// The customer's SSH keys, by public number or MD5 fingerprint.

type keyJSON struct {
	ID          int64  `json:"id"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"public_key"`
	Name        string `json:"name"`
}

// keys are the customer's SSH keys with their public numbers.
func (a *API) keys(ctx context.Context, u *webrana.User) ([]*webrana.SSHKey, map[string]int64, error) {
	all, err := a.auth.SSHKeys(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(all))
	for i, k := range all {
		ids[i] = k.ID
	}
	numbers, err := a.servers.Numbers(ctx, ids)
	return all, numbers, err
}

// key finds one of the customer's keys by number or fingerprint; anyone
// else's is not found.
func (a *API) key(ctx context.Context, u *webrana.User, ident string) (*webrana.SSHKey, int64, error) {
	all, numbers, err := a.keys(ctx, u)
	if err != nil {
		return nil, 0, err
	}
	n, _ := strconv.ParseInt(ident, 10, 64)
	for _, k := range all {
		if (n != 0 && numbers[k.ID] == n) || k.FingerprintMD5 == ident {
			return k, numbers[k.ID], nil
		}
	}
	return nil, 0, webrana.Errorf(webrana.ENOTFOUND, "The resource you were accessing could not be found.")
}

func keyView(k *webrana.SSHKey, n int64) keyJSON {
	return keyJSON{ID: n, Fingerprint: k.FingerprintMD5, PublicKey: k.PublicKey, Name: k.Name}
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request, c *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	all, numbers, err := a.keys(r.Context(), c.user())
	if err != nil {
		return err
	}
	shown := []keyJSON{}
	for _, k := range cut(all, page) {
		shown = append(shown, keyView(k, numbers[k.ID]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"ssh_keys": shown, "links": pageLinks(r, page, len(all)),
		"meta": meta{Total: len(all)}})
	return nil
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	k, err := a.auth.AddSSHKey(r.Context(), c.Principal, req.Name, req.PublicKey)
	if err != nil {
		return err
	}
	numbers, err := a.servers.Numbers(r.Context(), []string{k.ID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"ssh_key": keyView(k, numbers[k.ID])})
	return nil
}

func (a *API) getKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	k, n, err := a.key(r.Context(), c.user(), r.PathValue("key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ssh_key": keyView(k, n)})
	return nil
}

func (a *API) deleteKey(w http.ResponseWriter, r *http.Request, c *caller) error {
	k, _, err := a.key(r.Context(), c.user(), r.PathValue("key"))
	if err != nil {
		return err
	}
	if err := a.auth.DeleteSSHKey(r.Context(), c.user(), k.ID); err != nil {
		return err
	}
	noContent(w)
	return nil
}
