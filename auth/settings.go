package auth

import (
	"context"
	"fmt"
	"strconv"

	"github.com/webrana/webrana"
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

// SettingAdminTOTP is the setting that requires two factors of
// administrators: "required", else not.
const SettingAdminTOTP = "admin_totp"

// adminTOTPRequired reports whether u is an administrator of whom the
// operator requires two factors.
func (s *Service) adminTOTPRequired(ctx context.Context, u *webrana.User) (bool, error) {
	if u.Role != webrana.RoleAdmin {
		return false, nil
	}
	v, _, err := s.db.Setting(ctx, SettingAdminTOTP)
	return v == "required", err
}

// withPolicy marks an administrator who must enrol before anything else.
func (s *Service) withPolicy(ctx context.Context, p *Principal) (*Principal, error) {
	required, err := s.adminTOTPRequired(ctx, p.User)
	if err != nil || !required {
		return p, err
	}
	t, err := s.db.TOTPOf(ctx, p.User.ID)
	if err != nil && webrana.ErrorCode(err) != webrana.ENOTFOUND {
		return nil, err
	}
	p.MustEnrolTOTP = !t.Enabled()
	return p, nil
}

// ErrMustEnrol answers an administrator who must enrol first.
var ErrMustEnrol = webrana.Errorf(webrana.EFORBIDDEN,
	"The operator requires two-factor sign-in of administrators: turn it on first (POST /api/me/totp, or the Two-factor page).")
