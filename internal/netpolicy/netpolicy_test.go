package netpolicy

import (
	"context"
	"net/netip"
	"testing"
)

func TestInternal(t *testing.T) {
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", true}, {"127.5.6.7", true}, {"::1", true}, {"10.1.2.3", true},
		{"172.16.0.1", true}, {"192.168.1.1", true}, {"169.254.169.254", true},
		{"100.64.0.1", true}, {"0.0.0.0", true}, {"::ffff:127.0.0.1", true}, {"fd00::1", true},
		{"fe80::1", true}, {"224.0.0.1", true},
		{"1.1.1.1", false}, {"151.101.1.1", false}, {"2606:4700::1111", false},
	} {
		if got := Internal(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Internal(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	p := Policy{AllowHosts: []string{"mirror.internal"}}
	for _, tt := range []struct {
		url    string
		refuse bool
	}{
		{"https://127.0.0.1:6379/x.git", true},
		{"git@localhost:org/repo.git", true},
		{"ssh://git@[::1]/r", true},
		{"sparse+http://169.254.169.254/index/", true},
		{"file:///etc/passwd", true},
		{"https://10.0.0.8/crates", true},
		{"http://127.1:6379/x.git", true},
		{"http://2130706433/x.git", true},
		{"http://0x7f.1/x.git", true},
		{"http://0177.0.0.1/x.git", true},
		{"http://0x7f000001./x.git", true},
		{"http://0xa9fea9fe/latest", true}, // 169.254.169.254
		{"https://mirror.internal/index", false},
		{"https://1.1.1.1/x", false},
	} {
		err := p.CheckURL(ctx, tt.url)
		if (err != nil) != tt.refuse {
			t.Errorf("CheckURL(%q) = %v, want refused=%v", tt.url, err, tt.refuse)
		}
	}
}

// TestInternalPrefixes checks the prefix list against Internal both ways: a
// namespace that routes none of them refuses everything Internal refuses.
func TestInternalPrefixes(t *testing.T) {
	prefixes := InternalPrefixes()
	for _, p := range prefixes {
		for _, a := range []netip.Addr{p.Addr(), lastAddr(p)} {
			if !Internal(a) {
				t.Errorf("%s in %s is not Internal", a, p)
			}
		}
	}
	for _, s := range []string{"127.0.0.1", "10.9.8.7", "169.254.169.254", "192.168.1.1", "172.31.255.255",
		"100.100.100.200", "0.0.0.0", "224.0.0.251", "255.255.255.255", "fd12::1", "fe80::1", "::1"} {
		a := netip.MustParseAddr(s)
		covered := false
		for _, p := range prefixes {
			covered = covered || p.Contains(a)
		}
		if !covered {
			t.Errorf("Internal address %s is in no prefix", s)
		}
	}
}

func TestNumericIPv4(t *testing.T) {
	for _, tt := range []struct{ host, want string }{
		{"127.1", "127.0.0.1"}, {"2130706433", "127.0.0.1"}, {"0x7f.1", "127.0.0.1"}, {"0177.0.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"}, {"10.1.65535", "10.1.255.255"}, {"1.2.3.4", "1.2.3.4"}, {"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"256.1", ""}, {"1.2.3.4.5", ""}, {"08", ""}, {"0xg", ""}, {"4294967296", ""}, {"1.16777216", ""},
		{"crates.io", ""}, {"", ""}, {"1..2", ""},
	} {
		got, ok := numericIPv4(tt.host)
		if (tt.want == "") != !ok || (ok && got.String() != tt.want) {
			t.Errorf("numericIPv4(%q) = %s, %v; want %q", tt.host, got, ok, tt.want)
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := range b {
		bits := max(0, min(8, p.Bits()-8*i))
		b[i] |= byte(0xff >> bits)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
