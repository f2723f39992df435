package web

import (
	"net/http"

	"github.com/webrana/webrana"
)

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	tokens, err := s.tokenList(r, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

// tokenList is a page of the caller's API tokens, newest first.
func (s *Server) tokenList(r *http.Request, page webrana.Page) (listResponse[*webrana.APIToken], error) {
	tokens, err := s.auth.ListAPITokens(r.Context(), principal(r))
	return pageOf(tokens, page), err
}

type createTokenRequest struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"`
}

type createdToken struct {
	*webrana.APIToken
	Token string `json:"token"` // shown once
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	var req createTokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, plain, err := s.auth.CreateAPIToken(r.Context(), principal(r), req.Name, req.ExpiresInDays, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdToken{APIToken: t, Token: plain})
	return nil
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.RevokeAPIToken(r.Context(), principal(r), r.PathValue("id"), sourceAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleListSSHKeys(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	keys, err := s.sshKeyList(r, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keys)
	return nil
}

// sshKeyList is a page of the caller's SSH keys, oldest first.
func (s *Server) sshKeyList(r *http.Request, page webrana.Page) (listResponse[*webrana.SSHKey], error) {
	keys, err := s.auth.SSHKeys(r.Context(), principal(r).User)
	return pageOf(keys, page), err
}

type createSSHKeyRequest struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

func (s *Server) handleCreateSSHKey(w http.ResponseWriter, r *http.Request) error {
	var req createSSHKeyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	k, err := s.auth.AddSSHKey(r.Context(), principal(r), req.Name, req.PublicKey)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) handleGetSSHKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.auth.SSHKey(r.Context(), principal(r).User, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) handleDeleteSSHKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.DeleteSSHKey(r.Context(), principal(r).User, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
