// Package netpolicy decides which network addresses traffic caused by a pull
// request (cargo fetching its dependencies, git and registry URLs in its
// manifests) may reach: public addresses only, never the worker's loopback,
// link-local (cloud metadata), private or carrier-grade NAT ranges, unless
// the operator allows a host by name (an internal registry mirror).
package netpolicy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
)

// AllowHostsEnv names the environment setting listing, comma-separated, the
// host names an operator allows even though they resolve to internal
// addresses (e.g. "crates-mirror.internal").
const AllowHostsEnv = "SYMPOSIUM_FETCH_ALLOW_HOSTS"

// Policy says which hosts pull-request traffic may reach.
type Policy struct {
	// AllowHosts are host names allowed whatever they resolve to.
	AllowHosts []string
	// Resolver looks host names up; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// FromEnv reads AllowHostsEnv.
func FromEnv() Policy {
	var p Policy
	for _, h := range strings.Split(os.Getenv(AllowHostsEnv), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			p.AllowHosts = append(p.AllowHosts, h)
		}
	}
	return p
}

var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach IPv4 internals
}

// Internal reports whether ip is an address pull-request traffic must never
// reach: loopback, private, link-local, unspecified, multicast, CGNAT and
// the other non-public ranges. IPv4-mapped IPv6 addresses are judged as
// their IPv4 address.
func Internal(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// InternalPrefixes lists the ranges Internal refuses, as prefixes: what a
// network namespace must not route to (see internal/sandbox).
func InternalPrefixes() []netip.Prefix {
	out := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("224.0.0.0/4"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("::/128"),
		netip.MustParsePrefix("fc00::/7"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("ff00::/8"),
	}
	return append(out, internalPrefixes...)
}

// Allowed reports whether the operator allows host by name.
func (p Policy) Allowed(host string) bool {
	return slices.Contains(p.AllowHosts, strings.ToLower(strings.TrimSuffix(host, ".")))
}

// CheckHost returns an error when host is, or resolves to, an internal
// address and the operator has not allowed it. A host that does not resolve
// is not an error here (the fetch will fail on its own, without reaching
// anything).
func (p Policy) CheckHost(ctx context.Context, host string) error {
	if p.Allowed(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if Internal(ip) {
			return fmt.Errorf("%s is an internal address", host)
		}
		return nil
	}
	if ip, ok := numericIPv4(strings.TrimSuffix(host, ".")); ok {
		// "127.1", "2130706433", "0x7f.1": no name to look up, but the
		// resolver of git and cargo reads them as this address.
		if Internal(ip) {
			return fmt.Errorf("%s is the internal address %s", host, ip)
		}
		return nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Errorf("%s is the local machine", host)
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if Internal(a) {
			return fmt.Errorf("%s resolves to the internal address %s", host, a.Unmap())
		}
	}
	return nil
}

// numericIPv4 parses host as inet_aton does, and so getaddrinfo and the
// libraries git and cargo resolve names with: one to four parts, each
// decimal, octal (a leading 0) or hexadecimal (0x), the last part filling
// the bytes left ("127.1" is 127.0.0.1, "2130706433" too).
func numericIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if digits == "" && base != 16 {
			return netip.Addr{}, false
		}
		var v uint64
		for _, c := range strings.ToLower(digits) {
			d := strings.IndexRune("0123456789abcdef", c)
			if d < 0 || d >= base {
				return netip.Addr{}, false
			}
			if v = v*uint64(base) + uint64(d); v > 0xffffffff {
				return netip.Addr{}, false
			}
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals {
		if i == len(vals)-1 {
			if v >= 1<<(8*(4-i)) {
				return netip.Addr{}, false
			}
			n |= v
		} else {
			if v > 0xff {
				return netip.Addr{}, false
			}
			n |= v << (8 * (3 - i))
		}
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// CheckURL applies CheckHost to the host of a git or registry URL
// (https://, ssh://, git://, sparse+https://, registry+https://, and scp-like
// user@host:path).
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	host, err := urlHost(raw)
	if err != nil {
		return err
	}
	return p.CheckHost(ctx, host)
}

func urlHost(raw string) (string, error) {
	s := raw
	for _, pre := range []string{"sparse+", "registry+", "git+"} {
		s = strings.TrimPrefix(s, pre)
	}
	if !strings.Contains(s, "://") {
		// scp-like: [user@]host:path
		if at := strings.IndexByte(s, '@'); at >= 0 {
			s = s[at+1:]
		}
		if i := strings.IndexByte(s, ':'); i > 0 {
			return s[:i], nil
		}
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme == "file" {
		return "", fmt.Errorf("%q reads the worker's own files", raw)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("%q has no host", raw)
	}
	return u.Hostname(), nil
}
