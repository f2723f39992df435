package web

// operatorPoolPages registers the operator's accounts and providers pages.
func (s *Server) operatorPoolPages() {}
