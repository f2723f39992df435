package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
)

// channelJSON is a channel as the API shows it: never its secret.
type channelJSON struct {
	*webrana.AlertChannel
	HasSecret bool `json:"has_secret"`
}

func channelOut(ch *webrana.AlertChannel) channelJSON {
	return channelJSON{AlertChannel: ch, HasSecret: ch.SecretCiphertext != ""}
}

func (s *Server) handleListChannels(w http.ResponseWriter, r *http.Request) error {
	chs, err := s.channels.Stored(r.Context())
	if err != nil {
		return err
	}
	out := make([]channelJSON, 0, len(chs))
	for _, ch := range chs {
		out = append(out, channelOut(ch))
	}
	writeJSON(w, http.StatusOK, newList(out, len(out), pageAll(len(out))))
	return nil
}

type createChannelRequest struct {
	Kind   string                     `json:"kind"`
	Name   string                     `json:"name"`
	Config webrana.AlertChannelConfig `json:"config"`
	Secret string                     `json:"secret"`
}

func (s *Server) handleCreateChannel(w http.ResponseWriter, r *http.Request) error {
	var req createChannelRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	ch, err := s.channels.Create(r.Context(), actor(r), alerts.ChannelInput{Kind: req.Kind, Name: req.Name, Config: req.Config, Secret: req.Secret})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, channelOut(ch))
	return nil
}

func (s *Server) handleDeleteChannel(w http.ResponseWriter, r *http.Request) error {
	if err := s.channels.Delete(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleResolveAlert closes an alert by hand: a failed order's alert once
// the operator has looked at it. A pool condition that still holds opens a
// new alert at the next evaluation.
func (s *Server) handleResolveAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.alerts.Resolve(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
