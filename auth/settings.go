package auth

import (
	"context"
	"fmt"
	"strconv"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Settings are the operators' sign-up and sign-in settings, changed in the
// panel.
type Settings struct {
	Signup    SignupMode // who may make an account
	AdminTOTP bool       // administrators must sign in with two factors
}

// SettingsChange is an operator's change to Settings; nil fields stay.
type SettingsChange struct {
	Signup    *string // "open", "invite" or "closed"
	AdminTOTP *bool
}

// Settings returns the operators' settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	mode, err := s.SignupMode(ctx)
	if err != nil {
		return Settings{}, err
	}
	v, _, err := s.db.Setting(ctx, SettingAdminTOTP)
	return Settings{Signup: mode, AdminTOTP: v == "required"}, err
}

// ChangeSettings applies an administrator's change, every setting of it
// and its audit entries in one transaction, and returns the settings after
// it. An invalid value changes nothing.
func (s *Service) ChangeSettings(ctx context.Context, by webrana.Actor, c SettingsChange) (Settings, error) {
	var changes [][2]string // key, value
	if c.Signup != nil {
		m, err := ParseSignupMode(*c.Signup)
		if err != nil {
			return Settings{}, err
		}
		changes = append(changes, [2]string{signupKey, string(m)})
	}
	if c.AdminTOTP != nil {
		v := "optional"
		if *c.AdminTOTP {
			v = "required"
		}
		changes = append(changes, [2]string{SettingAdminTOTP, v})
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, ch := range changes {
			if err := tx.SetSetting(ctx, ch[0], ch[1]); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, by.Entry("settings.changed", "setting", ch[0], settingDetail(ch[0], ch[1]))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Settings{}, fmt.Errorf("change settings: %w", err)
	}
	return s.Settings(ctx)
}

// settingDetail is a change as the audit log says it.
func settingDetail(key, value string) string {
	if key == SettingAdminTOTP {
		return "admin_totp=" + strconv.FormatBool(value == "required")
	}
	return key + "=" + value
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
