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

func TestCheckPassword(t *testing.T) {
	cases := map[string]bool{
		"Kx9!mQ2#vLp7":          true,
		"correct-Horse-battery": true, // lower, upper, symbol
		"short1A!":              false,
		"alllowercaseletters1":  false,
		"ALLUPPER123456":        false,
		"Webrana-2026!x":        false, // a guessable word
		"My-web-1-Secret!":      false, // the label
		"Alice-Secret-99":       false, // the e-mail's user
		"Tab\tInside-9x":        false,
	}
	for pw, ok := range cases {
		err := webrana.CheckRootPassword(pw, "web-1", "alice@example.com")
		if (err == nil) != ok {
			t.Errorf("CheckRootPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
		if err != nil && webrana.ErrorCode(err) != webrana.EINVALID {
			t.Errorf("CheckRootPassword(%q) code %s", pw, webrana.ErrorCode(err))
		}
	}
}

func TestValidLabel(t *testing.T) {
	for label, ok := range map[string]bool{"web-1": true, "db.prod_2": true, "ab": false, "-web": false, "web-": false,
		"a--b": false, "my server": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "  web-1  ": true} {
		if _, err := webrana.ValidLabel(label); (err == nil) != ok {
			t.Errorf("ValidLabel(%q) = %v, want ok=%v", label, err, ok)
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
