package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// assetFiles are the stylesheets, scripts and images the pages use: Pico CSS
// and htmx from the npm registry (see web/assets/README.md), and Webrana's
// own. They are embedded, so the binary needs nothing beside it.
//
//go:embed assets
var assetFiles embed.FS

// handleAssets serves the embedded assets. They change only with the
// binary, so browsers may keep them for an hour.
func (s *Server) assetsHandler() http.HandlerFunc {
	sub, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}
}
