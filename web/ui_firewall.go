package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// The server page's Firewall section (pages.ServerFirewall) and its form,
// which sets the rules as PUT /api/vps/{id}/firewall does.

// firewallSection is what the Firewall section shows of the server; busy
// says another action is under way.
func (s *Server) firewallSection(r *http.Request, in *store.InstanceRow, busy bool) (*pages.FirewallSection, error) {
	if !providers.Of(in.ProviderType).Capabilities.Firewall {
		return &pages.FirewallSection{}, nil
	}
	fw, err := s.servers.Firewall(r.Context(), in.Instance)
	if err != nil {
		return nil, err
	}
	sec := &pages.FirewallSection{Supported: true, State: fw.State, Rules: fw.Inbound}
	for _, rule := range fw.Inbound {
		sec.Rows = append(sec.Rows, pages.FirewallRowOf(rule))
	}
	sec.Rows = append(sec.Rows, pages.FirewallRow{Protocol: webrana.ProtocolTCP})
	if err := lifecycle.Allowed(in.Instance, webrana.ActionFirewall); err != nil {
		sec.Refused = webrana.ErrorMessage(err)
	} else if busy {
		sec.Refused = "Another action is under way; the rules can be changed once it is done."
	}
	return sec, nil
}

// handleFirewallForm saves the form's rules (rows left empty or marked
// removed are not rules), or with "add" shows the form again with one more
// row. A refusal shows the page again with the rows as entered and the
// reason at the row it is about.
func (s *Server) handleFirewallForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	rows := firewallRows(r)
	if r.PostFormValue("add") != "" {
		return s.renderFirewall(w, r, http.StatusOK, in, append(rows, pages.FirewallRow{Protocol: webrana.ProtocolTCP}), pages.InputError{})
	}
	var rules []webrana.FirewallRule
	var rowOf []int // the row of each rule
	for i, row := range rows {
		if row.Blank() {
			continue
		}
		rules = append(rules, webrana.FirewallRule{Protocol: row.Protocol, Ports: strings.TrimSpace(row.Ports),
			Sources: strings.FieldsFunc(row.Sources, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })})
		rowOf = append(rowOf, i)
	}
	if rules == nil {
		rules = []webrana.FirewallRule{}
	}
	if _, err := s.servers.SetFirewall(r.Context(), actor(r), in.Instance, rules); err != nil {
		fe, ok := inputError(err)
		if !ok {
			return err
		}
		fe.Field = firewallFormField(fe.Field, rowOf)
		return s.renderFirewall(w, r, ErrorStatus(err), in, rows, fe)
	}
	redirectFlash(w, r, "/servers/"+in.ID+"#firewall", "Firewall rules saved for "+in.Label+"; they are being applied.")
	return nil
}

// firewallRows are the form's rows, without those marked removed.
func firewallRows(r *http.Request) []pages.FirewallRow {
	_ = r.ParseForm()
	protos, ports, sources := r.PostForm["protocol"], r.PostForm["ports"], r.PostForm["sources"]
	removed := r.PostForm["remove"]
	var rows []pages.FirewallRow
	for i := range protos {
		if slices.Contains(removed, strconv.Itoa(i)) || i >= min(len(ports), len(sources)) {
			continue
		}
		rows = append(rows, pages.FirewallRow{Protocol: protos[i], Ports: ports[i], Sources: sources[i]})
	}
	return rows
}

var ruleField = regexp.MustCompile(`^inbound\[(\d+)\]\.(protocol|ports|sources)`)

// firewallFormField is the form's name for the API's field
// ("inbound[2].ports" → "row-4-ports", rule 2 being row 4).
func firewallFormField(field string, rowOf []int) string {
	m := ruleField.FindStringSubmatch(field)
	if m == nil {
		return ""
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(rowOf) {
		return ""
	}
	return "row-" + strconv.Itoa(rowOf[i]) + "-" + m[2]
}

// renderFirewall shows the server page with the Firewall form's rows as
// given, open, with the refusal if any.
func (s *Server) renderFirewall(w http.ResponseWriter, r *http.Request, status int, in *store.InstanceRow,
	rows []pages.FirewallRow, fe pages.InputError) error {
	d, err := s.serverData(r, in)
	if err != nil {
		return err
	}
	if d.Firewall == nil || !d.Firewall.Supported {
		return webrana.Errorf(webrana.ECONFLICT, "%s servers have no firewall Webrana can set.", in.ProviderName)
	}
	if len(rows) == 0 {
		rows = []pages.FirewallRow{{Protocol: webrana.ProtocolTCP}}
	}
	d.Firewall.Rows, d.Firewall.Err, d.Firewall.Open = rows, fe, true
	fr := s.frame(w, r, in.Label, "servers")
	d.CSRF = fr.CSRF
	s.render(w, r, status, pages.ServerDetail(fr, d))
	return nil
}
