package web

// operatorPages registers the operator's plans, all servers, alerts, reconciliation, customers and audit pages.
func (s *Server) operatorPages() {}
