package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPISource is the API's description; tests validate real responses
// against it, and a test checks that every /api route is in it.
//
//go:embed openapi.yaml
var openAPISource []byte

var (
	openAPIOnce sync.Once
	openAPIDoc  *openapi3.T
	openAPIJSON []byte
	openAPIErr  error
)

// OpenAPI returns the parsed and validated API description.
func OpenAPI() (*openapi3.T, error) {
	openAPIOnce.Do(func() {
		loader := openapi3.NewLoader()
		openAPIDoc, openAPIErr = loader.LoadFromData(openAPISource)
		if openAPIErr == nil {
			openAPIErr = openAPIDoc.Validate(context.Background())
		}
		if openAPIErr == nil {
			openAPIJSON, openAPIErr = json.Marshal(openAPIDoc)
		}
		if openAPIErr != nil {
			openAPIErr = fmt.Errorf("web: openapi.yaml: %w", openAPIErr)
		}
	})
	return openAPIDoc, openAPIErr
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	if _, err := OpenAPI(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIJSON)
	return err
}
