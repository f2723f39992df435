package auth

import (
	"context"
	"fmt"
	"strconv"

	"github.com/webrana/webrana/store"
)

// Settings are the operators' sign-in settings, changed in the panel.
type Settings struct {
	AdminTOTP bool // administrators must sign in with two factors
}

// SettingsChange is an operator's change to Settings; nil fields stay.
type SettingsChange struct {
	AdminTOTP *bool
}

// Settings returns the operators' sign-in settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	v, _, err := s.db.Setting(ctx, SettingAdminTOTP)
	return Settings{AdminTOTP: v == "required"}, err
}

// ChangeSettings applies an administrator's change, audited in its
// transaction, and returns the settings after it.
func (s *Service) ChangeSettings(ctx context.Context, admin *Principal, c SettingsChange, source string) (Settings, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if c.AdminTOTP == nil {
			return nil
		}
		v := "optional"
		if *c.AdminTOTP {
			v = "required"
		}
		if err := tx.SetSetting(ctx, SettingAdminTOTP, v); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, admin.Actor(source).Entry("settings.changed", "setting", SettingAdminTOTP, "admin_totp="+strconv.FormatBool(*c.AdminTOTP)))
	})
	if err != nil {
		return Settings{}, fmt.Errorf("change settings: %w", err)
	}
	return s.Settings(ctx)
}
