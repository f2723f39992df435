package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var templateFS embed.FS

// dataTypes is the Data each kind is rendered with.
var dataTypes = map[Kind]reflect.Type{
	Verify: reflect.TypeFor[LinkData](), PasswordReset: reflect.TypeFor[LinkData](),
	Invite: reflect.TypeFor[LinkData](), EmailChange: reflect.TypeFor[LinkData](),
	NewSignIn: reflect.TypeFor[SignInData](), EmailChanged: reflect.TypeFor[EmailChangedData](),
	ServerReady: reflect.TypeFor[ServerData](), OrderHeld: reflect.TypeFor[ServerData](),
	OrderFailed: reflect.TypeFor[ServerData](), ActionFailed: reflect.TypeFor[ServerData](),
	BalanceLow: reflect.TypeFor[BalanceData](), UnpaidWarning: reflect.TypeFor[BalanceData](),
	UnpaidSuspend: reflect.TypeFor[BalanceData](), UnpaidDeletion: reflect.TypeFor[BalanceData](),
	Receipt:       reflect.TypeFor[ReceiptData](),
	InvoiceIssued: reflect.TypeFor[InvoiceData](),
	CreditNote:    reflect.TypeFor[InvoiceData](),
	Alert:         reflect.TypeFor[AlertData](),
}

// kindTemplates are one kind's parsed templates: the text (with its
// "subject") and the HTML.
type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templates are every kind's, parsed once at start-up: a template that
// does not parse is a programming error caught by any test.
var templates = func() map[Kind]kindTemplates {
	out := map[Kind]kindTemplates{}
	for _, k := range Kinds {
		text := texttemplate.Must(texttemplate.New(string(k)).Option("missingkey=error").
			ParseFS(templateFS, "templates/common.txt", "templates/"+string(k)+".txt"))
		html := htmltemplate.Must(htmltemplate.New(string(k)).Option("missingkey=error").
			ParseFS(templateFS, "templates/layout.html", "templates/button.html", "templates/common.html", "templates/"+string(k)+".html"))
		out[k] = kindTemplates{text: text, html: html}
	}
	return out
}()

// Rendered is a message ready to send.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Site is what every message says of the site: the operator's name for it
// and where it is.
type Site struct {
	Name    string // the sender name, "Webrana" by default
	BaseURL string // "https://panel.example.com", no trailing slash
}

// view is what the templates see.
type view struct {
	Site        string
	To          string
	Subject     string
	Link        string // Data's Path made absolute; empty when none
	SettingsURL string // where the recipient switches optional kinds off
	Base        string // the site's base URL, for a second link ("{{.Base}}{{.Data.BillingPath}}")
	Optional    bool
	Data        any
}

// Render renders a message of kind k with data (the kind's data type, or a
// pointer to it) for the recipient to.
func Render(site Site, to string, k Kind, data any) (Rendered, error) {
	tpl, ok := templates[k]
	if !ok {
		return Rendered{}, fmt.Errorf("mail: unknown kind %q", k)
	}
	v := reflect.ValueOf(data)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if !v.IsValid() || v.Type() != dataTypes[k] {
		return Rendered{}, fmt.Errorf("mail: %s takes %s data, not %T", k, dataTypes[k], data)
	}
	base := strings.TrimRight(site.BaseURL, "/")
	vw := view{Site: site.Name, To: to, Data: v.Interface(), Optional: k.Optional(), SettingsURL: base + SettingsPath, Base: base}
	if p := v.FieldByName("Path"); p.IsValid() && strings.HasPrefix(p.String(), "/") {
		vw.Link = base + p.String()
	}
	var subject, text, html bytes.Buffer
	if err := tpl.text.ExecuteTemplate(&subject, "subject", vw); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s subject: %w", k, err)
	}
	vw.Subject = strings.Join(strings.Fields(subject.String()), " ") // one line, whatever the data held
	if err := tpl.text.ExecuteTemplate(&text, string(k)+".txt", vw); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s text: %w", k, err)
	}
	if err := tpl.text.ExecuteTemplate(&text, "footer", vw); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s text: %w", k, err)
	}
	if err := tpl.html.ExecuteTemplate(&html, "layout.html", vw); err != nil {
		return Rendered{}, fmt.Errorf("mail: render %s html: %w", k, err)
	}
	return Rendered{Subject: vw.Subject, Text: strings.TrimLeft(text.String(), "\n"), HTML: html.String()}, nil
}

// SettingsPath is the page where customers switch optional e-mail off.
const SettingsPath = "/account"
