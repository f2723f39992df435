package alerts

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// ChannelSet is every notification channel: those the environment
// configures, and those administrators store (their secrets sealed). It is
// read at each delivery, so a channel added or removed takes effect at once.
type ChannelSet struct {
	static []Channel
	db     ChannelStore
	keys   *secrets.Keyring
}

// ChannelSetConfig holds a ChannelSet's optional settings.
type ChannelSetConfig struct {
	// Static are the channels the environment configures (none by default).
	Static []Channel
}

// NewChannelSet returns the channels stored in db, their secrets opened
// with keys, and cfg's static ones. cfg may be nil.
func NewChannelSet(db ChannelStore, keys *secrets.Keyring, cfg *ChannelSetConfig) *ChannelSet {
	var c ChannelSetConfig
	if cfg != nil {
		c = *cfg
	}
	return &ChannelSet{static: c.Static, db: db, keys: keys}
}

// All returns the channels in effect.
func (cs *ChannelSet) All(ctx context.Context) ([]Channel, error) {
	out := append([]Channel(nil), cs.static...)
	if cs.db == nil {
		return out, nil
	}
	stored, err := cs.db.ListAlertChannels(ctx)
	if err != nil {
		return nil, err
	}
	for _, ch := range stored {
		if !ch.Enabled {
			continue
		}
		secret := ""
		if ch.SecretCiphertext != "" {
			if secret, err = cs.keys.Open(ch.SecretCiphertext); err != nil {
				return nil, webrana.Errorf(webrana.EINTERNAL, "The secret of alert channel %q cannot be decrypted.", ch.Name)
			}
		}
		out = append(out, stored_(ch, secret))
	}
	return out, nil
}

// stored_ opens a stored channel as a deliverable one, named by its id.
func stored_(ch *webrana.AlertChannel, secret string) Channel {
	name := "channel:" + ch.ID
	if ch.Kind == "webhook" {
		return named{name, &Webhook{URL: ch.Config.URL, Secret: []byte(secret)}}
	}
	return named{name, &Email{Addr: ch.Config.SMTPAddr, From: ch.Config.From, To: ch.Config.To, Username: ch.Config.Username, Password: secret}}
}

type named struct {
	name string
	Channel
}

func (n named) Name() string { return n.name }

// ChannelInput is a channel as an administrator adds it.
type ChannelInput struct {
	Kind   string
	Name   string
	Config webrana.AlertChannelConfig
	Secret string // webhook signing secret, or SMTP password
}

// Stored returns the channels administrators stored, oldest first.
func (cs *ChannelSet) Stored(ctx context.Context) ([]*webrana.AlertChannel, error) {
	chs, err := cs.db.ListAlertChannels(ctx)
	if err != nil {
		return nil, fmt.Errorf("list alert channels: %w", err)
	}
	return chs, nil
}

// Delete removes a stored channel, with its audit entry
// ("alert_channel.deleted", by the actor).
func (cs *ChannelSet) Delete(ctx context.Context, by webrana.Actor, id string) error {
	err := cs.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteAlertChannel(ctx, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("alert_channel.deleted", "alert_channel", id, ""))
	})
	if err != nil {
		return fmt.Errorf("delete alert channel %s: %w", id, err)
	}
	return nil
}

// Create validates, seals the secret, and stores a channel with its audit
// entry ("alert_channel.created", by the actor).
func (cs *ChannelSet) Create(ctx context.Context, by webrana.Actor, in ChannelInput) (*webrana.AlertChannel, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 64 {
		return nil, webrana.FieldError("name", "A name of 1 to 64 characters is required.")
	}
	c := in.Config
	switch in.Kind {
	case "webhook":
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, webrana.FieldError("config.url", "An http(s) URL is required.")
		}
		if len(in.Secret) < 16 {
			return nil, webrana.FieldError("secret", "A signing secret of at least 16 characters is required; receivers check X-Webrana-Signature with it.")
		}
		c = webrana.AlertChannelConfig{URL: c.URL}
	case "email":
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return nil, webrana.FieldError("config.smtp_addr", "The SMTP server as host:port is required.")
		}
		if _, err := webrana.NormalizeEmail(c.From); err != nil {
			return nil, webrana.FieldError("config.from", "A sender address is required.")
		}
		if len(c.To) == 0 {
			return nil, webrana.FieldError("config.to", "At least one recipient is required.")
		}
		for _, to := range c.To {
			if _, err := webrana.NormalizeEmail(to); err != nil {
				return nil, webrana.FieldError("config.to", "%q is not an e-mail address.", to)
			}
		}
		c = webrana.AlertChannelConfig{SMTPAddr: c.SMTPAddr, From: c.From, To: c.To, Username: c.Username}
	default:
		return nil, webrana.FieldError("kind", "kind must be webhook or email.")
	}
	ch := &webrana.AlertChannel{Kind: in.Kind, Name: in.Name, Config: c, Enabled: true}
	if in.Secret != "" {
		sealed, err := cs.keys.Seal(in.Secret)
		if err != nil {
			return nil, err
		}
		ch.SecretCiphertext = sealed
	}
	err := cs.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAlertChannel(ctx, ch); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("alert_channel.created", "alert_channel", ch.ID, "kind="+ch.Kind+" name="+ch.Name))
	})
	if err != nil {
		return nil, fmt.Errorf("add alert channel %q: %w", ch.Name, err)
	}
	return ch, nil
}
