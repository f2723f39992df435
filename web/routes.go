package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// Access is who may call a route. Every route declares one; the route table
// below is the single place to read who may do what.
type Access int

const (
	Public   Access = iota // anyone
	SignedIn               // any signed-in user; owned resources are scoped to the caller
	Admin                  // administrators only
	// Scraper is a metrics scraper presenting the metrics bearer token
	// (Config.MetricsToken), or an administrator.
	Scraper
)

func (a Access) String() string { return [...]string{"public", "signed-in", "admin", "scraper"}[a] }

// Kind is how a route answers: JSON API or HTML page. It decides how an
// unauthenticated caller is told to sign in (401 JSON, or a redirect).
type Kind int

const (
	API Kind = iota
	Page
	// DigitalOceanAPI is the DigitalOcean-compatible API under /v2/
	// (web/doapi): JSON in DigitalOcean's shapes, its errors included.
	DigitalOceanAPI
)

// Route is one registered route.
type Route struct {
	Pattern string // a net/http pattern: "METHOD /path/{param}"
	Access  Access
	Kind    Kind
}

// Routes lists every registered route, for tests that must cover them all.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routeTable...) }

// routes registers every route of the server.
func (s *Server) routes() {
	// Operations.
	s.handle("GET /healthz", Public, API, s.handleHealthz)
	s.handle("GET /readyz", Public, API, s.handleReadyz)
	s.handle("GET /metrics", s.metricsAccess(), API, s.metricsHandler.ServeHTTP)
	s.api("GET /api/openapi.json", Public, s.handleOpenAPI)

	// Signing in and out.
	s.api("POST /api/auth/login", Public, s.handleAPILogin)
	s.api("POST /api/auth/logout", SignedIn, s.handleAPILogout)
	s.api("GET /api/me", SignedIn, s.handleMe)
	s.page("GET /login", Public, s.handleLoginPage)
	s.page("POST /login", Public, s.handleLoginForm)
	s.page("POST /logout", SignedIn, s.handleLogoutForm)
	s.ui("GET /{$}", SignedIn, s.handleDashboard)
	s.page("GET /assets/", Public, s.assetsHandler())

	// The panel's pages, by area; each file registers its own.
	s.customerPages()
	s.orderPages()
	s.serverPages()
	s.backupPages() // the server page's Backups section (issue 19)
	s.operatorPoolPages()
	s.operatorPages()
	s.accountPages()

	// Customers' own accounts: sign-up, confirming addresses, password
	// resets, invitations, the caller's password and address (issue 16 §2).
	s.api("POST /api/auth/signup", Public, s.handleSignup)
	s.api("POST /api/auth/verify", Public, s.handleVerify)
	s.api("POST /api/auth/verify/resend", SignedIn, s.handleResendVerification)
	s.api("POST /api/auth/password-reset", Public, s.handlePasswordReset)
	s.api("POST /api/auth/password-reset/confirm", Public, s.handlePasswordResetConfirm)
	s.api("POST /api/auth/invite/accept", Public, s.handleAcceptInvite)
	s.api("POST /api/me/password", SignedIn, s.handleChangePassword)
	s.api("POST /api/me/email", SignedIn, s.handleChangeEmail)
	s.api("POST /api/admin/users", Admin, s.handleInviteUser)
	s.api("GET /api/admin/settings", Admin, s.handleGetSettings)
	s.api("PATCH /api/admin/settings", Admin, s.handleUpdateSettings)

	// Outgoing mail: the operators' outbox, customers' preferences (api_mail.go).
	s.mailRoutes()
	// Two-factor sign-in (TOTP), and the operators' settings.
	s.totpRoutes()

	// The caller's credentials.
	s.api("GET /api/tokens", SignedIn, s.handleListTokens)
	s.api("POST /api/tokens", SignedIn, s.handleCreateToken)
	s.api("DELETE /api/tokens/{id}", SignedIn, s.handleRevokeToken)
	s.api("GET /api/ssh-keys", SignedIn, s.handleListSSHKeys)
	s.api("POST /api/ssh-keys", SignedIn, s.handleCreateSSHKey)
	s.api("GET /api/ssh-keys/{id}", SignedIn, s.handleGetSSHKey)
	s.api("DELETE /api/ssh-keys/{id}", SignedIn, s.handleDeleteSSHKey)

	// Providers and their catalogs.
	s.api("GET /api/providers", SignedIn, s.handleListProviders)
	s.api("GET /api/vps/{provider}/sizes", SignedIn, s.handleSizes)
	s.api("GET /api/vps/{provider}/regions", SignedIn, s.handleRegions)
	s.api("GET /api/vps/{provider}/images", SignedIn, s.handleImages)
	s.api("GET /api/vps/{provider}/marketplace", SignedIn, s.handleMarketplace)
	s.api("GET /api/plans", SignedIn, s.handleCustomerPlans)

	// Servers.
	s.api("POST /api/vps", SignedIn, s.handleCreateVPS)
	s.api("GET /api/vps", SignedIn, s.handleListVPS)
	s.api("GET /api/vps/{id}", SignedIn, s.handleGetVPS)
	s.api("DELETE /api/vps/{id}", SignedIn, s.handleDeleteVPS)
	s.api("POST /api/vps/{id}/actions", SignedIn, s.handleVPSAction)
	s.api("GET /api/vps/{id}/actions", SignedIn, s.handleListVPSActions)
	// Backups (issue 19): listed here; enable_backups, disable_backups and
	// restore_backup are actions.
	s.api("GET /api/vps/{id}/backups", SignedIn, s.handleListVPSBackups)
	// Snapshots: lists, deletion, the server page's forms (api_snapshots.go).
	s.snapshotRoutes()
	// A server's firewall (api_firewall.go).
	s.api("GET /api/vps/{id}/firewall", SignedIn, s.handleGetFirewall)
	s.api("PUT /api/vps/{id}/firewall", SignedIn, s.handlePutFirewall)
	s.ui("POST /servers/{id}/firewall", SignedIn, s.handleFirewallForm)

	// VPCs customers own, and the operator's assignment (issue 19; api_vpcs.go).
	s.api("GET /api/vpcs", SignedIn, s.handleListVPCs)
	s.api("POST /api/vpcs", SignedIn, s.handleCreateVPC)
	s.api("GET /api/vpcs/{id}", SignedIn, s.handleGetVPC)
	s.api("DELETE /api/vpcs/{id}", SignedIn, s.handleDeleteVPC)
	s.api("GET /api/admin/vpcs", Admin, s.handleAdminListVPCs)
	s.api("POST /api/admin/vpcs", Admin, s.handleAssignVPC)
	// The server page's reverse DNS form (ui_networking.go).
	s.ui("POST /servers/{id}/rdns", SignedIn, s.handleServerRDNSForm)

	s.api("GET /api/billing", SignedIn, s.handleBilling)
	// Card top-ups, receipts, the gateway's webhook and refunds (api_payments.go).
	s.paymentRoutes()
	// Monthly invoices, credit notes, billing details, the letterhead (api_invoices.go).
	s.invoiceRoutes()

	// Administration.
	s.api("GET /api/admin/providers", Admin, s.handleAdminListProviders)
	s.api("GET /api/admin/providers/{id}", Admin, s.handleAdminGetProvider)
	s.api("PATCH /api/admin/providers/{id}", Admin, s.handleAdminUpdateProvider)
	s.api("POST /api/admin/providers/{id}/validate", Admin, s.handleAdminValidateProvider)
	s.api("GET /api/admin/users", Admin, s.handleListUsers)
	s.api("PATCH /api/admin/users/{id}", Admin, s.handleUpdateUser)
	s.api("GET /api/admin/audit", Admin, s.handleListAudit)
	s.api("GET /api/admin/alerts", Admin, s.handleListAlerts)
	s.api("POST /api/admin/alerts/{id}/resolve", Admin, s.handleResolveAlert)
	s.api("GET /api/admin/reconciliation", Admin, s.handleListFindings)
	s.api("POST /api/admin/reconciliation/{id}/destroy", Admin, s.handleDestroyFinding)
	s.api("POST /api/admin/reconciliation/{id}/dismiss", Admin, s.handleDismissFinding)
	s.api("POST /api/admin/customers/{id}/credit", Admin, s.handleCredit)
	s.api("GET /api/admin/plans", Admin, s.handleAdminPlans)
	s.api("POST /api/admin/plans", Admin, s.handleCreatePlan)
	s.api("GET /api/admin/plans/{id}", Admin, s.handleGetPlan)
	s.api("PATCH /api/admin/plans/{id}", Admin, s.handleUpdatePlan)
	s.api("DELETE /api/admin/plans/{id}", Admin, s.handleDeletePlan)
	s.api("GET /api/admin/alert-channels", Admin, s.handleListChannels)
	s.api("POST /api/admin/alert-channels", Admin, s.handleCreateChannel)
	s.api("DELETE /api/admin/alert-channels/{id}", Admin, s.handleDeleteChannel)
	// The operator's margin (issue 17 §3).
	s.revenueRoutes()

	// The DigitalOcean-compatible API for customers' own tools (issue 20,
	// api_digitalocean.go).
	s.digitalOceanRoutes()

	s.accountRoutes("/internal/accounts", "")
	s.accountRoutes("/internal/do-accounts", webrana.DigitalOcean)

	s.mustHaveEnrolmentRoutes()
	s.mux.HandleFunc("/", s.handleNotFound)
}

// totpRoutes registers two-factor sign-in's API and pages. Their patterns
// in duringEnrolment stay open to an administrator who must enrol first.
func (s *Server) totpRoutes() {
	s.api("GET /api/me/totp", SignedIn, s.handleTOTPStatus)
	s.api("POST /api/me/totp", SignedIn, s.handleBeginTOTP)
	s.api("POST /api/me/totp/confirm", SignedIn, s.handleConfirmTOTP)
	s.api("DELETE /api/me/totp", SignedIn, s.handleDisableTOTP)
	s.api("POST /api/admin/users/{id}/totp/reset", Admin, s.handleResetTOTP)
	s.totpPages()
}

// duringEnrolment are the routes an administrator who must enrol in two
// factors (auth.Principal.MustEnrolTOTP) may use; everything else answers
// 403 (pages: the two-factor page).
var duringEnrolment = map[string]bool{
	"GET /api/me": true, "POST /api/auth/logout": true, "POST /logout": true, "GET /assets/": true,
	"GET /api/me/totp": true, "POST /api/me/totp": true, "POST /api/me/totp/confirm": true,
	"GET /account/two-factor": true, "POST /account/two-factor": true, "POST /account/two-factor/confirm": true,
}

// mustHaveEnrolmentRoutes fails at start-up when duringEnrolment names a
// route that is not registered (a typo would lock administrators out).
func (s *Server) mustHaveEnrolmentRoutes() {
	for pattern := range duringEnrolment {
		if !slices.ContainsFunc(s.routeTable, func(r Route) bool { return r.Pattern == pattern }) {
			panic("web: duringEnrolment names " + pattern + ", which is no route")
		}
	}
}

// metricsAccess is who may read /metrics. The metrics name every provider
// account and its load, so they are public only when the operator says so.
func (s *Server) metricsAccess() Access {
	if s.metricsPublic {
		return Public
	}
	return Scraper
}

// adminOnlyPath reports whether a path lies under an administrators-only prefix.
func adminOnlyPath(path string) bool {
	for _, prefix := range []string{"/internal/", "/api/admin/", "/admin/", "/_sim/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}

// apiFunc is a JSON handler: a returned error becomes the JSON error body.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) api(pattern string, access Access, fn apiFunc) {
	s.handle(pattern, access, API, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, providerAnswer(r, err))
		}
	})
}

func (s *Server) page(pattern string, access Access, fn http.HandlerFunc) {
	s.handle(pattern, access, Page, fn)
}

// handle registers a route behind the access check it declares. Admin-only
// path prefixes cannot be registered with weaker access, so a mistake in the
// table fails at start-up rather than in production.
func (s *Server) handle(pattern string, access Access, kind Kind, fn http.HandlerFunc) {
	_, path, _ := strings.Cut(pattern, " ")
	if adminOnlyPath(path) && access != Admin {
		panic("web: " + pattern + " must be Admin: /internal/, /api/admin/, /admin/ and /_sim/ are admin-only")
	}
	s.routeTable = append(s.routeTable, Route{Pattern: pattern, Access: access, Kind: kind})
	s.mux.Handle(pattern, s.authorize(access, kind, duringEnrolment[pattern], s.bounded(fn)))
}

// bounded gives a request the server's timeout to answer, provider calls
// included. Its context ends then and is marked cloud.FailFast, so a wait
// for an account's request budget or a retry that would end past it fails
// at once; and provider failures are noted on it, for providerAnswer.
func (s *Server) bounded(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(cloud.FailFast(r.Context()), s.timeout)
		defer cancel()
		fn(w, r.WithContext(cloud.NoteFailures(ctx)))
	}
}
