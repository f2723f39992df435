package cloudsim

import (
	"encoding/json"
	"errors"
	"net/http"
)

// AdminHandler serves the simulator's admin API (DESIGN.md §9):
//
//	GET    /_sim/stats             request counts, limit errors, 429s, faults
//	                               injected, unimplemented routes asked for, accounts
//	DELETE /_sim/stats             zero the counts
//	GET    /_sim/accounts          accounts (never their tokens)
//	POST   /_sim/accounts          add an account (an AccountSpec)
//	PATCH  /_sim/accounts/{token}  change limit, status or revoked
//	GET    /_sim/faults            installed faults
//	POST   /_sim/faults            install a fault (a FaultSpec)
//	DELETE /_sim/faults            remove every fault
//
// A fault ({"provider"?, "token"?, "method"?, "path_prefix"?, "rate"?,
// "count"?} to match, then one kind; FaultSpec tells each field) either
// changes the answer: "status" (an HTTP error instead of the work), "drop"
// (the work done, the answer lost), "latency_ms" (a wait first); or how the
// provider carries a request out: "status_lag_ms" (the action completes,
// the server's status follows that much later), "ignore_shutdown"
// (DigitalOcean: the shutdown completes, the droplet stays active),
// "create_delay_ms" (the server stays new/provisioning that long). A bad
// fault is refused with 400 and the reason.
//
// With Config.StatePath, account changes are saved before they are
// answered (faults and counts are not state; see persist.go).
func (s *Sim) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) { adminJSON(w, 200, s.Stats()) })
	mux.HandleFunc("DELETE /_sim/stats", func(w http.ResponseWriter, r *http.Request) { s.ResetStats(); w.WriteHeader(204) })
	mux.HandleFunc("GET /_sim/accounts", func(w http.ResponseWriter, r *http.Request) { adminJSON(w, 200, s.Accounts()) })
	mux.HandleFunc("POST /_sim/accounts", func(w http.ResponseWriter, r *http.Request) {
		var spec AccountSpec
		if !decodeAdmin(w, r, &spec) {
			return
		}
		if err := s.AddAccount(spec); err != nil {
			adminError(w, adminStatus(err), err)
			return
		}
		adminJSON(w, http.StatusCreated, s.accountInfo(spec.Token))
	})
	mux.HandleFunc("PATCH /_sim/accounts/{token}", func(w http.ResponseWriter, r *http.Request) {
		var u AccountUpdate
		if !decodeAdmin(w, r, &u) {
			return
		}
		err := s.UpdateAccount(r.PathValue("token"), u)
		switch {
		case errors.Is(err, ErrNoAccount):
			adminError(w, http.StatusNotFound, err)
		case err != nil:
			adminError(w, adminStatus(err), err)
		default:
			adminJSON(w, http.StatusOK, s.accountInfo(r.PathValue("token")))
		}
	})
	mux.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) { adminJSON(w, 200, s.Faults()) })
	mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f FaultSpec
		if !decodeAdmin(w, r, &f) {
			return
		}
		if err := s.AddFault(f); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, http.StatusCreated, s.Faults())
	})
	mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) { s.ClearFaults(); w.WriteHeader(204) })
	mux.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, errors.New("no such simulator endpoint"))
	})
	return mux
}

// Faults lists the installed faults; Count shows what is left of each.
func (s *Sim) Faults() []FaultSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultSpec, 0, len(s.faults))
	for _, f := range s.faults {
		spec := f.FaultSpec
		if spec.Count > 0 {
			spec.Count = f.left
		}
		out = append(out, spec)
	}
	return out
}

func (s *Sim) accountInfo(token string) AccountInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[token]
	if !ok {
		return AccountInfo{}
	}
	a.state.settle(s.cfg.Now())
	return a.info()
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		adminError(w, http.StatusBadRequest, errors.New("body must be a JSON object of known fields: "+err.Error()))
		return false
	}
	return true
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// adminStatus is the status of a refused admin change: the request's
// fault, unless the state could not be saved.
func adminStatus(err error) int {
	var se *saveError
	if errors.As(err, &se) {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func adminError(w http.ResponseWriter, status int, err error) {
	code := map[int]string{400: "invalid", 404: "not_found", 500: "internal"}[status]
	adminJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": err.Error()}})
}
