package web

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/store"
)

// providerJSON is a provider as the API shows it.
type providerJSON struct {
	*webrana.Provider
	Logo string `json:"logo"`
}

func providerOut(p *webrana.Provider) providerJSON {
	return providerJSON{Provider: p, Logo: "/static/providers/" + string(p.Type) + ".svg"}
}

// handleListProviders lists the enabled providers, for the provider selector.
func (s *Server) handleListProviders(w http.ResponseWriter, r *http.Request) error {
	all, err := s.db.ListProviders(r.Context())
	if err != nil {
		return err
	}
	var out []providerJSON
	for _, p := range all {
		if p.Enabled {
			out = append(out, providerOut(p))
		}
	}
	writeJSON(w, http.StatusOK, newList(out, len(out), pageAll(len(out))))
	return nil
}

func (s *Server) handleAdminListProviders(w http.ResponseWriter, r *http.Request) error {
	all, err := s.db.ListProviders(r.Context())
	if err != nil {
		return err
	}
	out := make([]providerJSON, 0, len(all))
	for _, p := range all {
		out = append(out, providerOut(p))
	}
	writeJSON(w, http.StatusOK, newList(out, len(out), pageAll(len(out))))
	return nil
}

func (s *Server) handleAdminGetProvider(w http.ResponseWriter, r *http.Request) error {
	p, err := s.db.ProviderByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, providerOut(p))
	return nil
}

type updateProviderRequest struct {
	Name      *string `json:"name"`
	IsEnabled *bool   `json:"is_enabled"`
}

// handleAdminUpdateProvider renames or enables/disables a provider. The
// change drops cached catalogs on every replica (through updated_at).
func (s *Server) handleAdminUpdateProvider(w http.ResponseWriter, r *http.Request) error {
	var req updateProviderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p, err := s.updateProvider(r, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, providerOut(p))
	return nil
}

// updateProvider renames or enables/disables a provider and audits it; the
// API and the providers page share it.
func (s *Server) updateProvider(r *http.Request, id string, req updateProviderRequest) (*webrana.Provider, error) {
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return nil, webrana.FieldError("name", "A display name of 1 to 64 characters is required.")
		}
		req.Name = &name
	}
	p, err := s.db.UpdateProvider(r.Context(), id, store.ProviderUpdate{Name: req.Name, Enabled: req.IsEnabled})
	if err != nil {
		return nil, err
	}
	detail := []string{}
	if req.Name != nil {
		detail = append(detail, "name="+*req.Name)
	}
	if req.IsEnabled != nil {
		detail = append(detail, "enabled="+map[bool]string{true: "true", false: "false"}[*req.IsEnabled])
	}
	if err := s.auth.Audit(r.Context(), principal(r), "provider.updated", "provider", p.ID, strings.Join(detail, " "), sourceAddr(r)); err != nil {
		return nil, err
	}
	return p, nil
}

type validateResponse struct {
	OK       bool          `json:"ok"`
	Message  string        `json:"message"`
	Provider providerJSON  `json:"provider"`
	Account  *validAccount `json:"account,omitempty"`
}

type validAccount struct {
	Email  string `json:"email"`
	Status string `json:"status"`
	Limit  *int   `json:"limit"` // null when the provider publishes none
	Active int    `json:"active"`
}

// handleAdminValidateProvider makes a live call with the provider's account
// credentials, so the operator knows they work before offering it.
func (s *Server) handleAdminValidateProvider(w http.ResponseWriter, r *http.Request) error {
	out, err := s.validateProvider(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// validateProvider checks a provider's credentials with a live call and
// audits the result; a failed check is a result (OK false), not an error.
func (s *Server) validateProvider(r *http.Request, id string) (validateResponse, error) {
	ctx := r.Context()
	p, err := s.db.ProviderByID(ctx, id)
	if err != nil {
		return validateResponse{}, err
	}
	out := validateResponse{}
	c, err := s.providers.Client(ctx, p.Type)
	if err == nil {
		var info *validAccount
		info, err = accountInfo(ctx, c)
		if err == nil {
			out.OK, out.Message, out.Account = true, "The credentials work.", info
		}
	}
	if err != nil {
		out.Message = "The check failed: " + providerMessage(err)
	}
	if p, err = s.db.ProviderByID(ctx, p.ID); err != nil { // the call updated its status
		return validateResponse{}, err
	}
	out.Provider = providerOut(p)
	result := map[bool]string{true: "ok", false: "failed"}[out.OK]
	if err := s.auth.Audit(ctx, principal(r), "provider.validated", "provider", p.ID, result, sourceAddr(r)); err != nil {
		return validateResponse{}, err
	}
	return out, nil
}

// providerKind reads and checks the {provider} path value.
func (s *Server) providerKind(r *http.Request) (webrana.ProviderType, error) {
	t := webrana.ProviderType(r.PathValue("provider"))
	if !t.Valid() {
		return "", webrana.Errorf(webrana.ENOTFOUND, "There is no provider %q.", t)
	}
	return t, nil
}

// catalogMeta tells how fresh a catalog answer is.
type catalogMeta struct {
	FetchedAt time.Time `json:"fetched_at"`
	Stale     bool      `json:"stale"` // the provider failed; this is the last good copy
}

func accountInfo(ctx context.Context, c *cloud.Client) (*validAccount, error) {
	a, err := c.Account(ctx)
	if err != nil {
		return nil, err
	}
	out := &validAccount{Email: a.Email, Status: a.Status, Active: a.Active}
	if a.LimitKnown {
		out.Limit = &a.Limit
	}
	return out, nil
}

// providerMessage says in a sentence why a provider call failed; the
// details stay in the log.
func providerMessage(err error) string {
	switch cloud.Code(err) {
	case cloud.Unauthorized:
		return "the provider refused the token (revoked, expired or mistyped)."
	case cloud.Forbidden:
		return "the token may not read the account (missing scope, or the account is locked)."
	case cloud.RateLimited:
		return "the provider is rate-limiting this account; try again in a minute."
	case cloud.Unavailable:
		return "the provider could not be reached."
	}
	if webrana.ErrorCode(err) != webrana.EINTERNAL {
		return webrana.ErrorMessage(err)
	}
	return "an unexpected error; see the server log."
}
