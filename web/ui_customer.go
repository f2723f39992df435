package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/web/pages"
)

// customerPages registers SSH keys, API tokens and billing pages (customer).
func (s *Server) customerPages() {
	s.ui("GET /ssh-keys", SignedIn, s.handleSSHKeysPage)
	s.ui("POST /ssh-keys", SignedIn, s.handleAddSSHKeyForm)
	s.ui("POST /ssh-keys/{id}/delete", SignedIn, s.handleDeleteSSHKeyForm)
	s.ui("GET /tokens", SignedIn, s.handleTokensPage)
	s.ui("POST /tokens", SignedIn, s.handleCreateTokenForm)
	s.ui("POST /tokens/{id}/revoke", SignedIn, s.handleRevokeTokenForm)
	s.ui("GET /billing", SignedIn, s.handleBillingPage)
}

// inputError splits a refusal of a form into what the page shows: the
// message and the field at fault. ok is false for errors that are not the
// caller's input (a server fault), which are shown as a problem page.
func inputError(err error) (pages.InputError, bool) {
	if ErrorStatus(err) >= http.StatusInternalServerError {
		return pages.InputError{}, false
	}
	return pages.InputError{Message: webrana.ErrorMessage(err), Field: webrana.ErrorField(err)}, true
}

func (s *Server) handleSSHKeysPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSSHKeys(w, r, http.StatusOK, pages.SSHKeysData{})
}

// renderSSHKeys shows the keys page with the add form as given in d.
func (s *Server) renderSSHKeys(w http.ResponseWriter, r *http.Request, status int, d pages.SSHKeysData) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	keys, err := s.sshKeyList(r, page)
	if err != nil {
		return err
	}
	d.Keys, d.Page, d.PerPage, d.Total = keys.Items, keys.Page, keys.PerPage, keys.Total
	f := s.frame(w, r, "SSH keys", "ssh-keys")
	f.Error = d.Err.Message
	s.render(w, r, status, pages.SSHKeys(f, d))
	return nil
}

// handleAddSSHKeyForm adds a key as POST /api/ssh-keys does; a refused key
// is shown again with the reason under its field.
func (s *Server) handleAddSSHKeyForm(w http.ResponseWriter, r *http.Request) error {
	d := pages.SSHKeysData{Name: r.PostFormValue("name"), PublicKey: r.PostFormValue("public_key")}
	k, err := s.auth.AddSSHKey(r.Context(), principal(r), d.Name, d.PublicKey)
	if err != nil {
		var ok bool
		if d.Err, ok = inputError(err); !ok {
			return err
		}
		return s.renderSSHKeys(w, r, ErrorStatus(err), d)
	}
	redirectFlash(w, r, "/ssh-keys", "SSH key “"+k.Name+"” added.")
	return nil
}

func (s *Server) handleDeleteSSHKeyForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.DeleteSSHKey(r.Context(), principal(r).User, r.PathValue("id")); err != nil {
		return err
	}
	redirectFlash(w, r, "/ssh-keys", "SSH key deleted. Servers that already have it keep it.")
	return nil
}

func (s *Server) handleTokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, pages.TokensData{Days: defaultTokenDays})
}

// defaultTokenDays is the lifetime the token form offers first.
const defaultTokenDays = "90"

// renderTokens shows the tokens page with the form as given in d.
func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, d pages.TokensData) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	tokens, err := s.tokenList(r, page)
	if err != nil {
		return err
	}
	d.Tokens, d.Page, d.PerPage, d.Total = tokens.Items, tokens.Page, tokens.PerPage, tokens.Total
	d.Now = s.auth.Now()
	f := s.frame(w, r, "API tokens", "tokens")
	f.Error = d.Err.Message
	if d.NewToken != "" {
		// The page carries a secret: no cache may keep it.
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, pages.Tokens(f, d))
	return nil
}

// handleCreateTokenForm mints a token as POST /api/tokens does and shows it
// on the page it answers with, once: never in a redirect, cookie or URL.
func (s *Server) handleCreateTokenForm(w http.ResponseWriter, r *http.Request) error {
	d := pages.TokensData{Name: r.PostFormValue("name"), Days: strings.TrimSpace(r.PostFormValue("expires_in_days"))}
	if d.Days == "" {
		d.Days = "0"
	}
	days, err := strconv.Atoi(d.Days)
	if err != nil {
		err = webrana.FieldError("expires_in_days", "A token lives 1 to %d days, or 0 for until revoked.", auth.MaxTokenLifetime)
	} else {
		var t *webrana.APIToken
		t, d.NewToken, err = s.auth.CreateAPIToken(r.Context(), principal(r), d.Name, days, sourceAddr(r))
		if err == nil {
			d.NewTokenName, d.Name, d.Days = t.Name, "", defaultTokenDays
			return s.renderTokens(w, r, http.StatusCreated, d)
		}
	}
	var ok bool
	if d.Err, ok = inputError(err); !ok {
		return err
	}
	return s.renderTokens(w, r, ErrorStatus(err), d)
}

func (s *Server) handleRevokeTokenForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.RevokeAPIToken(r.Context(), principal(r), r.PathValue("id"), sourceAddr(r)); err != nil {
		return err
	}
	redirectFlash(w, r, "/tokens", "Token revoked: it no longer works.")
	return nil
}

// handleBillingPage shows what GET /api/billing answers: the balance, the
// dunning state and a page of the ledger, with the servers entries name.
func (s *Server) handleBillingPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderBilling(w, r, http.StatusOK, nil)
}

// renderBilling shows the billing page; form adjusts its top-up form (a
// refused amount shown again).
func (s *Server) renderBilling(w http.ResponseWriter, r *http.Request, status int, form func(*pages.TopUpsData)) error {
	return s.renderBillingPage(w, r, status, form, nil)
}

// renderBillingPage is renderBilling with, when details is not nil, the
// billing details form sent back with its error.
func (s *Server) renderBillingPage(w http.ResponseWriter, r *http.Request, status int, form func(*pages.TopUpsData), details *pages.DetailsForm) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	st, err := s.ledger.Statement(r.Context(), principal(r).User.ID, page)
	if err != nil {
		return err
	}
	b := billingOut(st, page)
	d := pages.BillingData{Balance: b.Balance, Page: b.Page, PerPage: b.PerPage, Total: b.Total,
		Entries: make([]pages.LedgerRow, len(st.Entries))}
	if b.Dunning != nil {
		d.Dunning = &pages.DunningState{NegativeSince: b.Dunning.NegativeSince, WarnedAt: b.Dunning.WarnedAt,
			SuspendedAt: b.Dunning.SuspendedAt, DestroyedAt: b.Dunning.DestroyedAt,
			SuspendsAt: b.Dunning.SuspendsAt, DeletesAt: b.Dunning.DeletesAt}
	}
	for i, e := range st.Entries {
		d.Entries[i] = pages.LedgerRow{LedgerEntry: e.LedgerEntry}
		switch {
		case e.InstanceID == "":
		case e.ServerLabel != "": // the store names only the customer's own servers
			d.Entries[i].ServerLabel, d.Entries[i].ServerLink = e.ServerLabel, true
		default:
			d.Entries[i].ServerLabel = "deleted server"
		}
	}
	if d.TopUps, err = s.topUpsSection(r); err != nil {
		return err
	}
	if d.Invoices, err = s.billingInvoices(r, details); err != nil {
		return err
	}
	f := s.frame(w, r, "Billing", "billing")
	if form != nil && d.TopUps != nil {
		form(d.TopUps)
		f.Error = d.TopUps.Err.Message
	}
	s.render(w, r, status, pages.Billing(f, d))
	return nil
}
