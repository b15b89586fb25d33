package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/renrakucho/renrakucho/internal/api"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// document is the part of an OpenAPI document the test reads.
type document struct {
	OpenAPI string                          `yaml:"openapi"`
	Paths   map[string]map[string]yaml.Node `yaml:"paths"`
}

type operation struct {
	Listener  string                 `yaml:"x-listener"`
	Responses map[string]yaml.Node   `yaml:"responses"`
	Security  *[]map[string][]string `yaml:"security"`
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes keeps openapi.yaml and the route tables equal:
// for each listener, the documented (method, path) pairs are exactly the
// registered ones, and a route is documented as public exactly when it is.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc document
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	documented := map[care.Listener]map[string]operation{care.UserListener: {}, care.AdminListener: {}}
	for path, item := range doc.Paths {
		for key, node := range item {
			if !slices.Contains(methods, key) {
				continue // parameters, summary…
			}
			var op operation
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			route := strings.ToUpper(key) + " " + path
			var ls []care.Listener
			switch op.Listener {
			case "user":
				ls = []care.Listener{care.UserListener}
			case "admin":
				ls = []care.Listener{care.AdminListener}
			case "both":
				ls = []care.Listener{care.UserListener, care.AdminListener}
			default:
				t.Errorf("%s: x-listener %q, want user, admin or both", route, op.Listener)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s: no responses", route)
			}
			for _, l := range ls {
				documented[l][route] = op
			}
		}
	}
	for _, l := range []care.Listener{care.UserListener, care.AdminListener} {
		a := api.New(api.Deps{Sessions: httpx.Sessions{Listener: l}})
		registered := map[string]httpx.Route{}
		for _, rt := range a.Routes() {
			if _, dup := registered[rt.Key()]; dup {
				t.Errorf("%s: %s registered twice", l, rt.Key())
			}
			registered[rt.Key()] = rt
		}
		for key, rt := range registered {
			op, ok := documented[l][key]
			if !ok {
				t.Errorf("%s listener: %s is not in openapi.yaml", l, key)
				continue
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != rt.Public {
				t.Errorf("%s listener: %s is public=%v but documented public=%v", l, key, rt.Public, public)
			}
			if !rt.Public {
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s listener: %s needs a session but documents no 401", l, key)
				}
			}
			if rt.Method == http.MethodPost || rt.Method == http.MethodPatch {
				for _, code := range []string{"413", "415", "422"} {
					if _, ok := op.Responses[code]; !ok {
						t.Errorf("%s listener: %s reads a body but documents no %s", l, key, code)
					}
				}
			}
		}
		for key := range documented[l] {
			if _, ok := registered[key]; !ok {
				t.Errorf("%s listener: openapi.yaml documents %s, which is not registered", l, key)
			}
		}
	}
}
