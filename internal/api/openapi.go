package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3.1 document. Each operation's x-listener
// says which listener serves it: user, admin or both.
//
//go:embed openapi.yaml
var OpenAPI []byte

// openAPI serves the document; it is public, like the API's shape.
func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(OpenAPI)
	return nil
}
