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
		{"https://mirror.internal/index", false},
		{"https://1.1.1.1/x", false},
	} {
		err := p.CheckURL(ctx, tt.url)
		if (err != nil) != tt.refuse {
			t.Errorf("CheckURL(%q) = %v, want refused=%v", tt.url, err, tt.refuse)
		}
	}
}
