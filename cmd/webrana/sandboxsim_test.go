package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webrana/webrana/cloudsim"
)

// TestSandboxSimulatorSavesEveryChange: the in-process simulator's state
// file holds a change as soon as it is answered, with no shutdown and no
// periodic save, so a SIGKILL cannot roll the "provider" back.
func TestSandboxSimulatorSavesEveryChange(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": dir})
	token := m.Sim.sim.Tokens(cloudsim.DigitalOcean)[0]
	req, _ := http.NewRequest("POST", m.Sim.URL()+"/v2/droplets",
		strings.NewReader(`{"name":"kept","region":"sgp1","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("create: %d", res.StatusCode)
	}
	limit := 30
	if err := m.Sim.sim.UpdateAccount(token, cloudsim.AccountUpdate{Limit: &limit}); err != nil {
		t.Fatal(err)
	}

	// As a restart after a SIGKILL would: load the file while the server runs.
	fresh := cloudsim.New(cloudsim.Config{})
	if ok, err := fresh.Load(filepath.Join(dir, "sim-state.json")); !ok || err != nil {
		t.Fatalf("load: %v %v", ok, err)
	}
	got := fresh.Accounts()[0]
	if got.Limit != 30 || got.Instances != demoPool[0].spec.Instances+1 {
		t.Fatalf("the saved Primary account: %+v; want limit 30 and %d servers", got, demoPool[0].spec.Instances+1)
	}
}
