package web

// orderPages registers the create-server wizard and its live progress.
func (s *Server) orderPages() {}
