// Package web is Webrana's HTTP layer: the server, its middleware (panic
// recovery, request logging, Prometheus metrics), the health endpoints, and
// the JSON error format shared by every handler.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadyCheck is one condition for readiness: Check returns nil when ready.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

// Config configures a Server. Zero values take defaults.
type Config struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry // where /metrics reads and HTTP metrics register; required
	Ready    []ReadyCheck
	Version  string
}

// Server serves Webrana over HTTP.
type Server struct {
	logger  *slog.Logger
	ready   []ReadyCheck
	version string
	mux     *http.ServeMux
	metrics *httpMetrics
	http    *http.Server
	ln      net.Listener
}

// NewServer returns a server with the health and metrics routes registered.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		logger:  cfg.Logger,
		ready:   cfg.Ready,
		version: cfg.Version,
		mux:     http.NewServeMux(),
		metrics: newHTTPMetrics(cfg.Registry),
	}
	s.http = &http.Server{
		Handler:           s.middleware(s.mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.routes(cfg.Registry)
	return s
}

func (s *Server) routes(reg *prometheus.Registry) {
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	s.mux.HandleFunc("GET /{$}", s.handleHome)
	s.mux.HandleFunc("/", s.handleNotFound)
}

// Handle registers a handler on the server's mux (Go 1.22 patterns).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler returns the whole server as an http.Handler, middleware included.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Listen binds addr, so that a taken port is reported before anything else
// starts.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr returns the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves on the bound listener until Shutdown.
func (s *Server) Serve() error {
	if s.ln == nil {
		return errors.New("web: Serve before Listen")
	}
	if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits (until ctx ends) for
// in-flight requests to finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }
