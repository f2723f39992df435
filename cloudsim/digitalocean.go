package cloudsim

import (
	"encoding/json"
	"net/http"
	"time"
)

// digitalOcean simulates the DigitalOcean v2 API.
type digitalOcean struct{ sim *Sim }

func newDigitalOcean(s *Sim) provider { return &digitalOcean{sim: s} }

func (*digitalOcean) name() string   { return DigitalOcean }
func (*digitalOcean) prefix() string { return "/v2/" }

func (*digitalOcean) newState() providerState { return &doState{} }

// doState is one DigitalOcean account's resources.
type doState struct {
	Droplets map[int]*droplet `json:"droplets"`
}

type droplet struct {
	ID        int       `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func (st *doState) instances() int { return len(st.Droplets) }

func (st *doState) addForeign(s *Sim, a *account, n int) {
	if st.Droplets == nil {
		st.Droplets = map[int]*droplet{}
	}
	for range n {
		id := s.ids.next("droplet", 300000000)
		st.Droplets[id] = &droplet{ID: id, Name: "foreign", CreatedAt: s.cfg.Now().UTC()}
	}
}

func (st *doState) settle(now time.Time) {}

func (d *digitalOcean) register(m *callMux) {
	m.handle("GET /v2/account", d.getAccount)
}

func (d *digitalOcean) limit(c *call) bool { return true }

func (d *digitalOcean) writeError(c *call, status int, message string) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_ = json.NewEncoder(c.w).Encode(map[string]string{"id": http.StatusText(status), "message": message})
}

func (d *digitalOcean) getAccount(c *call) {
	c.w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(c.w).Encode(map[string]any{"account": map[string]any{
		"droplet_limit": c.acct.Limit, "email": c.acct.Email, "uuid": c.acct.UUID, "status": c.acct.Status}})
}
