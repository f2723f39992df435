package webrana

import "time"

// AlertChannel is where alert notifications go: a webhook (Config.URL,
// signed with the sealed secret) or e-mail (Config.SMTPAddr, From, To,
// Username; the sealed secret is the SMTP password).
type AlertChannel struct {
	ID               string             `json:"id"`
	Kind             string             `json:"kind"` // "webhook" or "email"
	Name             string             `json:"name"`
	Config           AlertChannelConfig `json:"config"`
	SecretCiphertext string             `json:"-"`
	Enabled          bool               `json:"enabled"`
	CreatedAt        time.Time          `json:"created_at"`
}

// AlertChannelConfig is a channel's non-secret settings.
type AlertChannelConfig struct {
	URL      string   `json:"url,omitempty"`
	SMTPAddr string   `json:"smtp_addr,omitempty"`
	From     string   `json:"from,omitempty"`
	To       []string `json:"to,omitempty"`
	Username string   `json:"username,omitempty"`
}
