package care

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParsePrefix reads one allow-list or trusted-proxy entry: a CIDR prefix
// or a bare address (one host). Prefixes are masked (10.1.2.3/8 means
// 10.0.0.0/8) and IPv4-mapped IPv6 forms become IPv4 (::ffff:10.0.0.0/104
// is 10.0.0.0/8, ::ffff:10.0.0.1 is 10.0.0.1/32), because client
// addresses are compared unmapped.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("zoned address %q", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped prefix needs at least /96", s)
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// AllowList is a list of address prefixes. The empty list allows every
// address: an allow-list is opt-in.
type AllowList []netip.Prefix

// ParseAllowList reads prefixes separated by commas, spaces or new lines.
// The error names the first bad entry.
func ParseAllowList(s string) (AllowList, error) {
	var out AllowList
	seen := map[netip.Prefix]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '、' || r == '　'
	}) {
		p, err := ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR prefix: %w", f, err)
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// Allows reports whether the address (any textual form, IPv4-mapped
// included) is in the list; the empty list allows all. An address that
// does not parse is allowed only by the empty list.
func (l AllowList) Allows(ip string) bool {
	if len(l) == 0 {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// String returns the normalised list, one space between prefixes: the
// stored form.
func (l AllowList) String() string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = p.String()
	}
	return strings.Join(parts, " ")
}
