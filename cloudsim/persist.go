package cloudsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// snapshot is the simulator's whole state, as saved to disk. Faults and
// counts are not saved: they belong to a rehearsal, not to the accounts.
type snapshot struct {
	Accounts []savedAccount `json:"accounts"`
	IDs      idSource       `json:"ids"`
}

type savedAccount struct {
	account
	State json.RawMessage `json:"state"`
}

// Save writes the state to path atomically (a temp file renamed over it),
// mode 0600: tokens are in it.
func (s *Sim) Save(path string) error {
	s.mu.Lock()
	snap := snapshot{IDs: s.ids}
	for _, tok := range s.order {
		a := s.accounts[tok]
		state, err := json.Marshal(a.state)
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("cloudsim: save %s: %w", a.Email, err)
		}
		snap.Accounts = append(snap.Accounts, savedAccount{account: *a, State: state})
	}
	s.mu.Unlock()
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sim-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load replaces the state with the one saved in path. A missing file leaves
// the simulator as it is and reports false.
func (s *Sim) Load(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return false, fmt.Errorf("cloudsim: %s: %w", path, err)
	}
	accounts := map[string]*account{}
	var order []string
	for _, sa := range snap.Accounts {
		p, ok := s.providers[sa.Provider]
		if !ok {
			return false, fmt.Errorf("cloudsim: %s: unknown provider %q", path, sa.Provider)
		}
		a := sa.account
		a.state = p.newState()
		if err := json.Unmarshal(sa.State, a.state); err != nil {
			return false, fmt.Errorf("cloudsim: %s: account %s: %w", path, a.Email, err)
		}
		accounts[a.Token] = &a
		order = append(order, a.Token)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts, s.order, s.ids = accounts, order, snap.IDs
	return true, nil
}
