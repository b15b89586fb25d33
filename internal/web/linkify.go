package web

import (
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// urlRE finds http(s) URLs: the scheme, then only the ASCII characters a
// URL may hold (RFC 3986), so a URL ends at a space, a quote, an angle
// bracket or Japanese text written right after it.
var urlRE = regexp.MustCompile(`(?i)https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+`)

// Linkify turns plain text into HTML: every character escaped, and each
// http(s) URL made a link that gives the other site neither the page nor
// a handle on it. It is the only way text people typed becomes
// template.HTML, so it is the one place to get right.
func Linkify(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(s, -1) {
		raw := trimURL(s[m[0]:m[1]])
		if u, err := url.Parse(raw); err != nil || u.Host == "" {
			continue
		}
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		esc := template.HTMLEscapeString(raw)
		b.WriteString(`<a href="` + esc + `" rel="noopener noreferrer">` + esc + `</a>`)
		last = m[0] + len(raw)
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
	return template.HTML(b.String())
}

// trimURL drops what ends a sentence rather than the URL: trailing
// punctuation, and a closing bracket that opens nowhere in the URL.
func trimURL(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch {
		case strings.IndexByte(".,:;!?'*", c) >= 0:
		case c == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
		case c == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}
