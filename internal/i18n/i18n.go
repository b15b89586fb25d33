// Package i18n holds the message catalogs (Japanese first, English second)
// and picks the language of a request. Every string a person reads comes
// from here; a test keeps the two catalogs' keys identical.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

//go:embed messages
var files embed.FS

// The languages, in order of preference: Japanese is the default.
const (
	Japanese = "ja"
	English  = "en"
)

// Languages lists the supported languages, default first.
var Languages = []string{Japanese, English}

// LangCookie is the cookie that holds a person's explicit choice.
const LangCookie = "lang"

// Catalogs maps a language to its messages.
type Catalogs struct {
	msgs    map[string]map[string]string
	matcher language.Matcher
}

// Load reads every messages/LANG/*.json file; a key defined twice in one
// language is an error, so two areas cannot silently shadow each other.
func Load() (*Catalogs, error) {
	c := &Catalogs{msgs: map[string]map[string]string{},
		matcher: language.NewMatcher([]language.Tag{language.Japanese, language.English})}
	for _, lang := range Languages {
		c.msgs[lang] = map[string]string{}
		names, err := fs.Glob(files, path.Join("messages", lang, "*.json"))
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		for _, name := range names {
			b, err := files.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[lang][k]; dup {
					return nil, fmt.Errorf("i18n: %s: key %q defined twice", name, k)
				}
				c.msgs[lang][k] = v
			}
		}
	}
	return c, nil
}

// MustLoad is Load for program start and tests; the catalogs are embedded,
// so an error is a build defect.
func MustLoad() *Catalogs {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// T returns the message for key in lang, formatted with args (fmt verbs).
// A missing key returns the key itself, which the catalog test catches.
func (c *Catalogs) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Japanese]
	}
	s, ok := m[key]
	if !ok {
		s, ok = c.msgs[Japanese][key]
		if !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is defined in lang.
func (c *Catalogs) Has(lang, key string) bool { _, ok := c.msgs[lang][key]; return ok }

// Keys returns the keys of lang, sorted.
func (c *Catalogs) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Lang picks the request's language: an explicit choice in the lang cookie
// or ?lang=, else Accept-Language, else Japanese.
func (c *Catalogs) Lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == Japanese || l == English {
		return l
	}
	if ck, err := r.Cookie(LangCookie); err == nil && (ck.Value == Japanese || ck.Value == English) {
		return ck.Value
	}
	return c.AcceptLanguage(r.Header.Get("Accept-Language"))
}

// AcceptLanguage matches an Accept-Language header to a supported language.
func (c *Catalogs) AcceptLanguage(header string) string {
	if strings.TrimSpace(header) == "" {
		return Japanese
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return Japanese
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Japanese
	}
	return Languages[idx]
}
