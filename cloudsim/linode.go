package cloudsim

import (
	"encoding/json"
	"time"
)

// linode simulates the Linode v4 API.
type linode struct{ sim *Sim }

func newLinode(s *Sim) provider { return &linode{sim: s} }

func (*linode) name() string   { return Linode }
func (*linode) prefix() string { return "/v4/" }

func (*linode) newState() providerState { return &linodeState{} }

// linodeState is one Linode account's resources.
type linodeState struct {
	Instances map[int]*linodeInstance `json:"instances"`
}

type linodeInstance struct {
	ID      int       `json:"id"`
	Label   string    `json:"label"`
	Created time.Time `json:"created"`
}

func (st *linodeState) instances() int { return len(st.Instances) }

func (st *linodeState) addForeign(s *Sim, a *account, n int) {
	if st.Instances == nil {
		st.Instances = map[int]*linodeInstance{}
	}
	for range n {
		id := s.ids.next("linode", 40000000)
		st.Instances[id] = &linodeInstance{ID: id, Label: "foreign", Created: s.cfg.Now().UTC()}
	}
}

func (st *linodeState) settle(now time.Time) {}

func (l *linode) register(m *callMux) {
	m.handle("GET /v4/account", l.getAccount)
}

func (l *linode) limit(c *call) bool { return true }

func (l *linode) writeError(c *call, status int, message string) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_ = json.NewEncoder(c.w).Encode(map[string]any{"errors": []map[string]string{{"reason": message}}})
}

func (l *linode) getAccount(c *call) {
	c.w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(c.w).Encode(map[string]any{"email": c.acct.Email, "euuid": c.acct.UUID})
}
