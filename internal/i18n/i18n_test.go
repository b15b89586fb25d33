package i18n

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCatalogsComplete(t *testing.T) {
	c := MustLoad()
	for _, lang := range Languages {
		for _, other := range Languages {
			for _, k := range c.Keys(lang) {
				if !c.Has(other, k) {
					t.Errorf("key %q is in %s but not in %s", k, lang, other)
				}
			}
		}
		for _, k := range c.Keys(lang) {
			if strings.TrimSpace(c.T(lang, k)) == "" {
				t.Errorf("%s: key %q is empty", lang, k)
			}
		}
	}
}

func TestLang(t *testing.T) {
	c := MustLoad()
	tests := []struct {
		name, header, cookie, query, want string
	}{
		{"Default", "", "", "", "ja"},
		{"English", "en-US,en;q=0.9", "", "", "en"},
		{"JapaneseFirst", "ja,en;q=0.5", "", "", "ja"},
		{"Unsupported", "fr-FR", "", "", "ja"},
		{"Garbage", ";;;q=x", "", "", "ja"},
		{"CookieWins", "en", "ja", "", "ja"},
		{"QueryWins", "ja", "ja", "en", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?lang="+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Accept-Language", tt.header)
			}
			if tt.cookie != "" {
				r.Header.Set("Cookie", LangCookie+"="+tt.cookie)
			}
			if got := c.Lang(r); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
