package certs

import (
	"net"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDNSNames(t *testing.T) {
	tests := map[string]struct {
		extra []string
		want  []string
	}{
		"names the Service, short and fully qualified": {
			want: []string{"spo-webhook.spo-system.svc", "spo-webhook.spo-system.svc.cluster.local"},
		},
		"adds extra names after the Service's": {
			extra: []string{"localhost"},
			want:  []string{"spo-webhook.spo-system.svc", "spo-webhook.spo-system.svc.cluster.local", "localhost"},
		},
		"drops duplicates and empty names": {
			extra: []string{"localhost", "", "spo-webhook.spo-system.svc", "localhost"},
			want:  []string{"spo-webhook.spo-system.svc", "spo-webhook.spo-system.svc.cluster.local", "localhost"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DNSNames("spo-system", tc.extra)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestIPs(t *testing.T) {
	tests := map[string]struct {
		extra []net.IP
		want  []string
	}{
		"has none by default":                  {want: nil},
		"keeps the extra addresses in order":   {extra: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}, want: []string{"127.0.0.1", "::1"}},
		"drops an address given in both forms": {extra: []net.IP{net.ParseIP("127.0.0.1"), net.IPv4(127, 0, 0, 1).To4()}, want: []string{"127.0.0.1"}},
		"drops nil addresses":                  {extra: []net.IP{nil}, want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, ip := range IPs(tc.extra) {
				got = append(got, ip.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("IPs() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestModeFor(t *testing.T) {
	list := func(names ...string) *metav1.APIResourceList {
		l := &metav1.APIResourceList{}
		for _, n := range names {
			l.APIResources = append(l.APIResources, metav1.APIResource{Name: n})
		}
		return l
	}
	tests := map[string]struct {
		served *metav1.APIResourceList
		want   Mode
	}{
		"uses cert-manager when it serves issuers and certificates": {list("certificates", "issuers", "clusterissuers"), ModeCertManager},
		"builds its own CA when certificates are not served":        {list("issuers"), ModeBuiltIn},
		"builds its own CA when the group is empty":                 {list(), ModeBuiltIn},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := modeFor(tc.served); got != tc.want {
				t.Errorf("modeFor() = %q, want %q", got, tc.want)
			}
		})
	}
}
