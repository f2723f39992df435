package digitalocean

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/webrana/webrana/cloud"
)

// TestRootPasswordUserData: the cloud-init document parses as YAML and sets
// exactly the password given, whatever printable characters it holds; a
// password that YAML would not read back is refused on root_password.
func TestRootPasswordUserData(t *testing.T) {
	for _, pw := range []string{`Kx9!mQ2#vLp7`, `a"quote'and\back`, `colon: hash # dash - é€`, `{flow}[seq]&anchor*alias`,
		"no\u00a0break\u200bspace𝄞"} {
		doc, err := rootPasswordUserData(pw)
		if err != nil {
			t.Fatalf("%q: %v", pw, err)
		}
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
	for _, pw := range []string{"tab\there", "new\nline", "bell\a", "bad\xffutf8"} {
		if _, err := rootPasswordUserData(pw); cloud.Code(err) != cloud.InvalidArgument || err.(*cloud.Error).Field != "root_password" {
			t.Errorf("%q: %v, want InvalidArgument on root_password", pw, err)
		}
	}
}
