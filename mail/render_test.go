package mail_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/webrana/webrana/mail"
)

var site = mail.Site{Name: "Acme Cloud", BaseURL: "https://panel.example.com/"}

// exampleData is data for every kind, with a value that must be escaped in
// HTML.
func exampleData(k mail.Kind) any {
	link := mail.LinkData{Path: "/verify?token=abc&x=1", ExpiresIn: "24 hours", Inviter: "Ann <ann@example.com>"}
	server := mail.ServerData{Name: "web-<b>1</b>", Provider: "DigitalOcean", Region: "sgp1", Plan: "Basic 1 GB",
		IPv4: "203.0.113.7", IPv6: "2001:db8::7", Action: "reboot", Reason: "The provider refused it.", Refund: "$4.00", Path: "/servers/42"}
	balance := mail.BalanceData{Balance: "-$3.20", Date: "8 May 2031", Path: "/billing"}
	switch k {
	case mail.Verify, mail.PasswordReset, mail.Invite, mail.EmailChange:
		return link
	case mail.NewSignIn:
		return mail.SignInData{Address: "198.51.100.9", When: "1 May 2031 09:00 UTC"}
	case mail.EmailChanged:
		return mail.EmailChangedData{New: "new<x>@example.com", When: "1 May 2031 09:00 UTC"}
	case mail.ServerReady, mail.OrderHeld, mail.OrderFailed, mail.ActionFailed:
		return server
	case mail.BalanceLow, mail.UnpaidWarning, mail.UnpaidSuspend, mail.UnpaidDeletion:
		return &balance
	case mail.Receipt:
		return mail.ReceiptData{Amount: "$25.00", Date: "1 May 2031 09:00 UTC", TopUpID: "tu-<1>", Path: "/api/billing/top-ups/tu1/receipt", BillingPath: "/billing"}
	case mail.InvoiceIssued, mail.CreditNote:
		return mail.InvoiceData{Number: "INV-000042", Period: "November 2026", Total: "12.34 USD", Path: "/billing/invoices/i1"}
	case mail.Alert:
		return mail.AlertData{Severity: "warning", Kind: "account_full", Event: "opened", Message: "Account <L1> is full.", ID: "a1", Key: "account_full:x", OpenedAt: "2031-05-01T09:00:00Z"}
	}
	return nil
}

// TestRenderEveryKind renders each kind: its subject, its text and HTML
// carry the data, links are absolute, the HTML escapes what it shows, and
// optional kinds say where to switch them off.
func TestRenderEveryKind(t *testing.T) {
	tests := []struct {
		kind    mail.Kind
		subject string
		want    []string // in the text, and (escaped) in the HTML
	}{
		{mail.Verify, "Confirm your e-mail address for Acme Cloud", []string{"https://panel.example.com/verify?token=abc&x=1", "24 hours"}},
		{mail.PasswordReset, "Choose a new password for Acme Cloud", []string{"https://panel.example.com/verify?token=abc&x=1", "24 hours"}},
		{mail.Invite, "You are invited to Acme Cloud", []string{"Ann <ann@example.com> invited you", "https://panel.example.com/verify?token=abc&x=1"}},
		{mail.EmailChange, "Confirm your new e-mail address for Acme Cloud", []string{"new@example.com", "https://panel.example.com/verify?token=abc&x=1"}},
		{mail.NewSignIn, "New sign-in to your Acme Cloud account", []string{"198.51.100.9", "1 May 2031 09:00 UTC"}},
		{mail.EmailChanged, "The e-mail address of your Acme Cloud account was changed", []string{"new<x>@example.com", "1 May 2031 09:00 UTC", "reset your password"}},
		{mail.ServerReady, "Your server web-<b>1</b> is ready", []string{"web-<b>1</b>", "203.0.113.7", "2001:db8::7", "sgp1", "https://panel.example.com/servers/42"}},
		{mail.OrderHeld, "Your server web-<b>1</b> is waiting for capacity", []string{"DigitalOcean has no room", "https://panel.example.com/servers/42"}},
		{mail.OrderFailed, "Your server web-<b>1</b> could not be created", []string{"The provider refused it.", "$4.00"}},
		{mail.ActionFailed, "The reboot of your server web-<b>1</b> failed", []string{"reboot", "The provider refused it."}},
		{mail.BalanceLow, "Your Acme Cloud balance is low", []string{"-$3.20", "https://panel.example.com/billing"}},
		{mail.UnpaidWarning, "Your Acme Cloud balance is negative: servers will be suspended", []string{"-$3.20", "8 May 2031"}},
		{mail.UnpaidSuspend, "Your Acme Cloud servers are suspended", []string{"-$3.20", "8 May 2031"}},
		{mail.UnpaidDeletion, "Your Acme Cloud servers were deleted", []string{"-$3.20"}},
		{mail.Receipt, "Your Acme Cloud receipt: $25.00 added to your balance", []string{"$25.00", "1 May 2031 09:00 UTC", "tu-<1>", "https://panel.example.com/api/billing/top-ups/tu1/receipt", "https://panel.example.com/billing"}},
		{mail.InvoiceIssued, "Your Acme Cloud invoice INV-000042 for November 2026", []string{"12.34 USD", "https://panel.example.com/billing/invoices/i1"}},
		{mail.CreditNote, "Your Acme Cloud credit note INV-000042: 12.34 USD credited", []string{"12.34 USD", "November 2026", "https://panel.example.com/billing/invoices/i1"}},
		{mail.Alert, "[Acme Cloud warning] account_full opened", []string{"Account <L1> is full.", "account_full:x"}},
	}
	if len(tests) != len(mail.Kinds) {
		t.Fatalf("%d kinds tested, %d exist", len(tests), len(mail.Kinds))
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			r, err := mail.Render(site, "new@example.com", tt.kind, exampleData(tt.kind))
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tt.subject {
				t.Errorf("subject %q, want %q", r.Subject, tt.subject)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
				if esc := htmlEscape(w); !strings.Contains(r.HTML, esc) {
					t.Errorf("html lacks %q:\n%s", esc, r.HTML)
				}
			}
			for _, raw := range []string{"<b>1</b>", "<L1>", "<ann@"} {
				if strings.Contains(r.HTML, raw) {
					t.Errorf("html shows %q unescaped", raw)
				}
			}
			if !strings.Contains(r.Text, "Acme Cloud") || !strings.Contains(r.HTML, "Acme Cloud") {
				t.Error("the sender's name is missing")
			}
			switchOff := "https://panel.example.com" + mail.SettingsPath
			if got := strings.Contains(r.Text, switchOff) && strings.Contains(r.HTML, switchOff); got != tt.kind.Optional() {
				t.Errorf("says where to switch it off: %v, want %v (optional)", got, tt.kind.Optional())
			}
		})
	}
}

// htmlEscape is how html/template writes text: the test's expectations in
// the HTML body.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&#34;", "+", "&#43;").Replace(s)
}

func TestRenderRefusesWrongData(t *testing.T) {
	for _, tt := range []struct {
		kind mail.Kind
		data any
	}{
		{mail.Verify, mail.ServerData{}},
		{mail.ServerReady, nil},
		{mail.ServerReady, (*mail.ServerData)(nil)},
		{"no_such_kind", mail.LinkData{}},
	} {
		if _, err := mail.Render(site, "a@example.com", tt.kind, tt.data); err == nil {
			t.Errorf("Render(%s, %T) succeeded", tt.kind, tt.data)
		}
	}
}

// TestNoRootPasswordInServerMail: a server's e-mail cannot carry its root
// password, because its data has no field for one.
func TestNoRootPasswordInServerMail(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[mail.ServerData](), reflect.TypeFor[mail.Message]()} {
		for f := range typ.Fields() {
			if n := strings.ToLower(f.Name); strings.Contains(n, "password") || strings.Contains(n, "secret") {
				t.Errorf("%s has a field %s", typ, f.Name)
			}
		}
	}
}

func TestOptionalKinds(t *testing.T) {
	for _, k := range mail.Kinds {
		want := map[mail.Kind]bool{mail.ServerReady: true, mail.OrderHeld: true, mail.OrderFailed: true,
			mail.ActionFailed: true, mail.BalanceLow: true, mail.NewSignIn: true}[k]
		if k.Optional() != want {
			t.Errorf("%s optional = %v, want %v", k, k.Optional(), want)
		}
	}
}
