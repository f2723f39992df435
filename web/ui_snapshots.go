package web

// snapshotPageRoutes declares the server page's snapshot forms.
func (s *Server) snapshotPageRoutes() {}
