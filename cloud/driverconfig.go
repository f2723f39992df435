package cloud

import (
	"cmp"
	"errors"
	"net/http"
	"time"
)

// DriverConfig is what every driver needs to reach one provider account.
type DriverConfig struct {
	Token   string
	BaseURL string        // the provider's API; "" for the real one (a simulator's in tests and the sandbox)
	Pacers  *Pacers       // shared per process; required
	Timeout time.Duration // per request (default 30s)
}

// DefaultTimeout bounds each request of a driver whose config sets none.
const DefaultTimeout = 30 * time.Second

// HTTPClient returns the HTTP client through which a driver sends the
// account's requests, with the account's Pacer (for provider, under
// policy) that paces them. Every request waits for the pacer and is
// bounded by the config's Timeout. With bearer, the client also adds the
// token as an Authorization header, for SDKs that leave that to their
// HTTP client (godo without oauth2); the header is set before the pacer
// sees the request, so retried and paced requests carry it alike.
func (cfg DriverConfig) HTTPClient(provider string, policy RatePolicy, bearer bool) (*http.Client, *Pacer, error) {
	if cfg.Token == "" {
		return nil, nil, errors.New(provider + ": token required")
	}
	if cfg.Pacers == nil {
		return nil, nil, errors.New(provider + ": pacers required")
	}
	pacer := cfg.Pacers.For(provider, cfg.Token, policy)
	transport := pacer.Transport(nil)
	if bearer {
		transport = &bearerTransport{token: cfg.Token, base: transport}
	}
	return &http.Client{Timeout: cmp.Or(cfg.Timeout, DefaultTimeout), Transport: transport}, pacer, nil
}

// bearerTransport adds the token to every request.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(req)
}
