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
	chs, err := s.db.ListAlertChannels(r.Context())
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
	ch, err := s.channels.Create(r.Context(), alerts.ChannelInput{Kind: req.Kind, Name: req.Name, Config: req.Config, Secret: req.Secret})
	if err != nil {
		return err
	}
	if err := s.auth.Audit(r.Context(), principal(r), "alert_channel.created", "alert_channel", ch.ID, "kind="+ch.Kind+" name="+ch.Name, sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, channelOut(ch))
	return nil
}

func (s *Server) handleDeleteChannel(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.DeleteAlertChannel(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	if err := s.auth.Audit(r.Context(), principal(r), "alert_channel.deleted", "alert_channel", r.PathValue("id"), "", sourceAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleResolveAlert closes an alert by hand: a failed order's alert once
// the operator has looked at it. A pool condition that still holds opens a
// new alert at the next evaluation.
func (s *Server) handleResolveAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.resolveAlert(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// resolveAlert closes an open alert and audits it; a closed one is
// returned as it is.
func (s *Server) resolveAlert(r *http.Request, id string) (*webrana.Alert, error) {
	a, err := s.db.AlertByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.ResolvedAt == nil {
		if _, err := s.db.ResolveAlert(r.Context(), a.Key); err != nil {
			return nil, err
		}
		if err := s.auth.Audit(r.Context(), principal(r), "alert.resolved", "alert", a.ID, a.Kind, sourceAddr(r)); err != nil {
			return nil, err
		}
		if a, err = s.db.AlertByID(r.Context(), a.ID); err != nil {
			return nil, err
		}
	}
	return a, nil
}
