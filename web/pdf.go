package web

import (
	"bytes"
	"net/http"

	"github.com/webrana/webrana/documents"
)

// writePDF answers a document (a receipt, an invoice, a credit note) as a
// PDF named name.pdf; disposition is "inline" or "attachment". It is
// rendered whole before the status is written, so a rendering error is
// still a clean error answer. Documents are private: never cached.
func (s *Server) writePDF(w http.ResponseWriter, r *http.Request, d *documents.Document, disposition, name string) error {
	var buf bytes.Buffer
	if err := documents.Render(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", disposition+`; filename="`+name+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.logger.WarnContext(r.Context(), "PDF not sent", "document", d.Number, "err", err)
	}
	return nil
}
