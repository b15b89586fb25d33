package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
)

func TestStatus(t *testing.T) {
	tests := map[care.Code]int{
		care.ENotFound: 404, care.EInvalid: 422, care.EConflict: 409, care.EForbidden: 403,
		care.EUnauthorized: 401, care.ELocked: 423, care.ETooLarge: 413, care.EUnsupported: 415,
		care.EInternal: 500, care.Code("other"): 500,
	}
	for code, want := range tests {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestClientIP(t *testing.T) {
	proxies := Proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, remote, xff, want string
	}{
		{"Direct", "192.0.2.1:5000", "", "192.0.2.1"},
		{"SpoofedHeaderFromUntrustedPeer", "192.0.2.1:5000", "198.51.100.7", "192.0.2.1"},
		{"ThroughTrustedProxy", "10.1.2.3:5000", "198.51.100.7", "198.51.100.7"},
		{"RightmostUntrusted", "10.1.2.3:5000", "203.0.113.9, 198.51.100.7, 10.9.9.9", "198.51.100.7"},
		{"IPv6", "[2001:db8::1]:443", "", "2001:db8::1"},
		{"IPv4Mapped", "[::ffff:192.0.2.1]:443", "", "192.0.2.1"},
		{"TrustedIPv6Proxy", "[fd00::1]:443", "2001:db8::2", "2001:db8::2"},
		{"GarbageHeader", "10.1.2.3:5000", "not-an-ip", "10.1.2.3"},
		{"AllTrusted", "10.1.2.3:5000", "10.4.4.4", "10.4.4.4"},
		{"TrustedMappedPeer", "[::ffff:10.1.2.3]:443", "198.51.100.7", "198.51.100.7"},
		{"MappedHopUnmapped", "10.1.2.3:5000", "::ffff:198.51.100.7", "198.51.100.7"},
		{"MappedTrustedHop", "10.1.2.3:5000", "198.51.100.7, ::ffff:10.4.4.4", "198.51.100.7"},
		{"SpoofedIPv6FromUntrusted", "[2001:db8::1]:443", "fd00::9, 203.0.113.1", "2001:db8::1"},
		{"SpoofedLeftmostThroughProxy", "10.1.2.3:5000", "203.0.113.1, 198.51.100.7", "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := proxies.ClientIP(r); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblem(t *testing.T) {
	cat := i18n.MustLoad()
	err := &care.Error{Code: care.EInvalid, Key: "error.invalid", Fields: []care.FieldError{{Field: "name", Key: "error.required"}},
		Err: errors.New("secret cause")}
	for _, tt := range []struct{ lang, title string }{{"ja", "入力内容に誤りがあります"}, {"en", "Some of the input is not valid"}} {
		r := httptest.NewRequest("POST", "/api/v1/x", nil)
		r.Header.Set("Accept-Language", tt.lang)
		w := httptest.NewRecorder()
		WriteProblem(w, r, cat, err)
		body := w.Body.String()
		if w.Code != 422 || w.Header().Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(body, tt.title) || !strings.Contains(body, `"field":"name"`) {
			t.Errorf("%s: %d %s %s", tt.lang, w.Code, w.Header().Get("Content-Type"), body)
		}
		if strings.Contains(body, "secret cause") {
			t.Errorf("the problem shows the internal cause: %s", body)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, body string
		code       care.Code
	}{
		{"OK", `{"a":"x"}`, ""},
		{"ErrUnknownField", `{"b":"x"}`, care.EInvalid},
		{"ErrTrailing", `{"a":"x"} {}`, care.EInvalid},
		{"ErrMalformed", `{"a":`, care.EInvalid},
		{"ErrTooLarge", `{"a":"` + strings.Repeat("x", 100) + `"}`, care.ETooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				A string `json:"a"`
			}
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			err := DecodeJSON(httptest.NewRecorder(), r, 64, &v)
			if got := care.ErrorCode(err); err != nil && got != tt.code || err == nil && tt.code != "" {
				t.Fatalf("got %v, want %q", err, tt.code)
			}
		})
	}
}

func TestSecureHeaders(t *testing.T) {
	h := SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if w.Header().Get(k) == "" {
			t.Errorf("missing %s", k)
		}
	}
	if w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
}
