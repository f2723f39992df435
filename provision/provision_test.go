package provision

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/webrana/webrana"
)

// TestRootPasswordUserData: the cloud-init document parses as YAML and sets
// exactly the password given, whatever characters it holds.
func TestRootPasswordUserData(t *testing.T) {
	for _, pw := range []string{`Kx9!mQ2#vLp7`, `a"quote'and\back`, `colon: hash # dash - é€`, `{flow}[seq]&anchor*alias`} {
		doc := RootPasswordUserData(pw)
		if !strings.HasPrefix(doc, "#cloud-config\n") {
			t.Fatalf("user data does not start with #cloud-config: %q", doc)
		}
		var cfg struct {
			Chpasswd struct {
				Expire bool
				Users  []struct{ Name, Password, Type string }
			}
			SSHPwauth bool `yaml:"ssh_pwauth"`
		}
		if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
			t.Fatalf("%q: %v\n%s", pw, err, doc)
		}
		u := cfg.Chpasswd.Users
		if len(u) != 1 || u[0].Name != "root" || u[0].Password != pw || u[0].Type != "text" || cfg.Chpasswd.Expire || !cfg.SSHPwauth {
			t.Fatalf("%q parsed as %+v", pw, cfg)
		}
	}
}

// TestFirstPeriod: a day at the hourly price, never more than a month.
func TestFirstPeriod(t *testing.T) {
	for _, c := range []struct{ hourly, monthly, want int64 }{{1, 600, 24}, {2, 1200, 48}, {100, 2000, 2000}} {
		got := FirstPeriod(&webrana.Plan{PriceHourly: c.hourly, PriceMonthly: c.monthly, Currency: "USD"})
		if got.Amount != c.want || got.Currency != "USD" {
			t.Errorf("FirstPeriod(%d/h, %d/mo) = %v, want %d USD", c.hourly, c.monthly, got, c.want)
		}
	}
}
