package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Proxies are the trusted reverse proxies whose X-Forwarded-For is believed.
type Proxies []netip.Prefix

// ClientIP returns the request's client address: the peer, or, when the
// peer is a trusted proxy, the right-most untrusted X-Forwarded-For hop.
func (p Proxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !p.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer.String()
		}
		a = a.Unmap()
		if !p.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (p Proxies) trusted(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// Origin returns where the request came from, for the app and the audit log.
func (p Proxies) Origin(r *http.Request, l care.Listener) care.Origin {
	ua := r.UserAgent()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	return care.Origin{IP: p.ClientIP(r), UserAgent: ua, Listener: l}
}
