package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
)

// handleHealthz answers 200 while the process is up; it checks nothing else,
// so a slow database never gets a healthy process restarted.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

// handleReadyz answers 200 when every readiness check passes (database,
// migrations, job system), else 503 naming the failing checks; either way
// it says which mode runs (sandbox or production).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	checks := make(map[string]string, len(s.ready))
	status := http.StatusOK
	for _, c := range s.ready {
		if err := c.Check(ctx); err != nil {
			checks[c.Name] = webrana.ErrorMessage(err)
			if webrana.ErrorCode(err) == webrana.EINTERNAL {
				checks[c.Name] = "failing"
				s.logger.WarnContext(ctx, "readiness check failed", "check", c.Name, "err", err)
			}
			status = http.StatusServiceUnavailable
			continue
		}
		checks[c.Name] = "ok"
	}
	body := map[string]any{"status": "ok", "checks": checks, "mode": s.mode}
	if status != http.StatusOK {
		body["status"] = "unavailable"
	}
	writeJSON(w, status, body)
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	err := webrana.Errorf(webrana.ENOTFOUND, "No such page: %s %s.", r.Method, r.URL.Path)
	if machinePath(r.URL.Path) {
		s.writeError(w, r, err)
		return
	}
	// A person who mistyped a page gets a page, with the navigation when
	// they are signed in.
	if p, _, perr := s.authenticate(r); perr == nil && p != nil {
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
	}
	s.renderProblem(w, r, err)
}

// machinePath reports whether a path belongs to a program's interface
// (answered in JSON) rather than to the pages.
func machinePath(path string) bool {
	for _, prefix := range []string{"/api/", "/internal/", "/_sim/", "/v2/", "/v4/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}
