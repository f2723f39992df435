package cloudsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The state is the accounts with their resources and the id counters.
// Faults and counts are not part of it: they belong to a rehearsal, not to
// the accounts. Neither is what follows from the clock alone (an action
// completing, a Linode finishing its boot): it is computed again from the
// saved start and due times when the state is loaded.
//
// With Config.StatePath set, every change is saved before it is answered:
// a provider request that may have changed something (any method but GET
// and HEAD, answered below 400, its answer delivered or dropped by a
// fault), and every AddAccount and UpdateAccount (so POST and PATCH
// /_sim/accounts). A crash of the process then never rolls the "provider"
// back. A change that cannot be saved is answered 500.

// snapshot is the simulator's whole state, as saved to disk.
type snapshot struct {
	Accounts []savedAccount `json:"accounts"`
	IDs      idSource       `json:"ids"`
}

type savedAccount struct {
	account
	State json.RawMessage `json:"state"`
}

// saveError is a state that could not be written: the simulator's fault,
// not the request's.
type saveError struct{ err error }

func (e *saveError) Error() string { return "cloudsim: save state: " + e.err.Error() }
func (e *saveError) Unwrap() error { return e.err }

// Save writes the state to path atomically (a temp file, synced, renamed
// over it), mode 0600: tokens are in it.
func (s *Sim) Save(path string) error {
	// Serialised with persist: a save rendered earlier must not be renamed
	// over one rendered later.
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	for _, a := range s.accounts {
		a.savedState = nil // render everything afresh
	}
	b, err := s.snapshotLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// snapshotLocked renders the state as a snapshot's JSON, assembled from
// each account's JSON so that the state's is not parsed again. An
// account's resources are rendered only when they changed since the last
// snapshot (a change of one account costs its own size, not the
// simulator's). The Sim must be locked.
func (s *Sim) snapshotLocked() ([]byte, error) {
	b := []byte(`{"accounts":[`)
	for i, tok := range s.order {
		a := s.accounts[tok]
		if a.savedState == nil {
			state, err := json.Marshal(a.state)
			if err != nil {
				return nil, fmt.Errorf("cloudsim: save %s: %w", a.Email, err)
			}
			a.savedState = state
		}
		head, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, head[:len(head)-1]...) // the account's fields, then its state
		b = append(b, `,"state":`...)
		b = append(append(b, a.savedState...), '}')
	}
	ids, err := json.Marshal(s.ids)
	if err != nil {
		return nil, err
	}
	b = append(b, `],"ids":`...)
	return append(append(b, ids...), '}'), nil
}

// changedLocked notes a change of the state, of account a's resources when
// a is not nil, and returns its number, for persist. The Sim must be
// locked.
func (s *Sim) changedLocked(a *account) uint64 {
	if a != nil {
		a.savedState = nil
	}
	s.generation++
	return s.generation
}

// persist makes change number gen durable in Config.StatePath (nothing
// without one, nor for gen 0: no change). Saves are serialised, each of
// the state as it is when it starts; a change that a save already covered
// returns at once, so a burst of concurrent changes costs a few saves, not
// one each.
func (s *Sim) persist(gen uint64) error {
	if s.cfg.StatePath == "" || gen == 0 {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.savedGeneration >= gen {
		return nil
	}
	s.mu.Lock()
	b, err := s.snapshotLocked()
	current := s.generation
	s.mu.Unlock()
	if err == nil {
		err = writeAtomic(s.cfg.StatePath, b)
	}
	if err != nil {
		s.cfg.Logger.Error("cloudsim: the state could not be saved", "path", s.cfg.StatePath, "err", err)
		return &saveError{err}
	}
	s.savedGeneration = current
	return nil
}

// writeAtomic replaces path with b: a temp file beside it, synced to disk,
// renamed over it, and the directory synced, so that the file holds either
// the old state or the new one whatever happens.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".sim-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
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
