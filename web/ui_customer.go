package web

// customerPages registers SSH keys, API tokens and billing pages (customer).
func (s *Server) customerPages() {}
