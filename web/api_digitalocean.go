package web

// digitalOceanRoutes registers the DigitalOcean-compatible API (issue 20,
// package web/doapi) for customers' own tools: doctl, Terraform, godo. Its
// routes are in the route table like every other, for signed-in callers
// (an API token as a bearer token), and answer in DigitalOcean's shapes,
// their refusals included (deny). They are described by DigitalOcean's
// official spec, which the tests validate them against, not openapi.yaml.
func (s *Server) digitalOceanRoutes() {
	for _, rt := range s.digitalOcean.Routes() {
		s.handle(rt.Pattern, SignedIn, DigitalOceanAPI, rt.Handler)
	}
}
