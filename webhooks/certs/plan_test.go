package certs

import (
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"
)

var (
	t0       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day      = 24 * time.Hour
	defNames = names{dns: DNSNames("spo-system", []string{"localhost"}), ips: []net.IP{net.ParseIP("127.0.0.1")}}
)

// fresh issues a complete bundle at t.
func fresh(t *testing.T, at time.Time) *Bundle {
	t.Helper()
	b, err := issue(at, nil, plan{newCA: true, newServing: true}, defNames)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rotated is fresh(t0) with its CA rotated at t.
func rotated(t *testing.T, at time.Time) *Bundle {
	t.Helper()
	b, err := issue(at, fresh(t, t0), rotateAll, defNames)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlanFor(t *testing.T) {
	tests := map[string]struct {
		bundle func(*testing.T) *Bundle
		now    time.Time
		names  names
		want   plan // reasons are not compared
	}{
		"issues everything when there is no usable bundle": {
			bundle: func(*testing.T) *Bundle { return nil }, now: t0, names: defNames,
			want: plan{newCA: true, newServing: true},
		},
		"does nothing for a fresh bundle": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0.Add(time.Minute), names: defNames,
		},
		"does nothing while the serving certificate has more than a third of its life": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0.Add(59 * day), names: defNames,
		},
		"renews the serving certificate with less than a third of its life left": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0.Add(61 * day), names: defNames,
			want: plan{newServing: true},
		},
		"renews the serving certificate when the names changed": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0, names: names{dns: DNSNames("other", nil)},
			want: plan{newServing: true},
		},
		"renews the serving certificate when an IP was dropped": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0, names: names{dns: defNames.dns},
			want: plan{newServing: true},
		},
		"renews the serving certificate when another CA signed it": {
			bundle: func(t *testing.T) *Bundle {
				b, other := fresh(t, t0), fresh(t, t0)
				b.CA, b.CAKey = other.CA, other.CAKey
				return b
			},
			now: t0, names: defNames, want: plan{newServing: true},
		},
		"replaces the CA, and so the serving certificate, with less than a third of its life left": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0.Add(244 * day), names: defNames,
			want: plan{newCA: true, newServing: true},
		},
		"replaces a CA certificate that is not a CA": {
			bundle: func(t *testing.T) *Bundle {
				b := fresh(t, t0)
				b.CA = &x509.Certificate{IsCA: false, NotBefore: t0, NotAfter: t0.Add(365 * day)}
				return b
			},
			now: t0, names: defNames, want: plan{newCA: true, newServing: true},
		},
		"keeps a replaced CA during the grace period": {
			bundle: func(t *testing.T) *Bundle { return rotated(t, t0.Add(time.Hour)) }, now: t0.Add(2 * time.Hour), names: defNames,
		},
		"drops a replaced CA after the grace period": {
			bundle: func(t *testing.T) *Bundle { return rotated(t, t0.Add(time.Hour)) }, now: t0.Add(26 * time.Hour), names: defNames,
			want: plan{dropPrevious: true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := planFor(tc.now, tc.bundle(t), errors.New("no Secret"), tc.names)
			got.reason = ""
			if got != tc.want {
				t.Errorf("planFor() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestIssue(t *testing.T) {
	t.Run("signs the serving certificate with the CA for the names", func(t *testing.T) {
		b := fresh(t, t0)
		pool := x509.NewCertPool()
		pool.AddCert(b.CA)
		for _, name := range append(defNames.dns, "127.0.0.1") {
			if _, err := b.Cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: t0}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("makes the CA last a year and the serving certificate 90 days", func(t *testing.T) {
		b := fresh(t, t0)
		if got := b.CA.NotAfter.Sub(t0); got != 365*day {
			t.Errorf("CA lasts %s", got)
		}
		if got := b.Cert.NotAfter.Sub(t0); got != 90*day {
			t.Errorf("serving certificate lasts %s", got)
		}
	})
	t.Run("never lets the serving certificate outlive the CA", func(t *testing.T) {
		b, err := issue(t0.Add(300*day), fresh(t, t0), plan{newServing: true}, defNames)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Cert.NotAfter.Equal(b.CA.NotAfter) {
			t.Errorf("serving certificate ends %s, CA %s", b.Cert.NotAfter, b.CA.NotAfter)
		}
	})
	t.Run("keeps the old CA trusted after a rotation, and both servers verify", func(t *testing.T) {
		old := fresh(t, t0)
		b, err := issue(t0.Add(time.Hour), old, rotateAll, defNames)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Previous) != 1 || !b.Previous[0].Equal(old.CA) || b.CA.Equal(old.CA) {
			t.Fatalf("got CA %v and previous %v", b.CA.Subject, b.Previous)
		}
		bundle := x509.NewCertPool()
		bundle.AppendCertsFromPEM(b.CABundle())
		for _, c := range []*x509.Certificate{old.Cert, b.Cert} {
			if _, err := c.Verify(x509.VerifyOptions{Roots: bundle, DNSName: "localhost", CurrentTime: t0.Add(2 * time.Hour)}); err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("drops only what is out of its grace period", func(t *testing.T) {
		b, err := issue(t0.Add(26*time.Hour), rotated(t, t0.Add(time.Hour)), plan{dropPrevious: true}, defNames)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Previous) != 0 {
			t.Errorf("still trusts %d previous CAs", len(b.Previous))
		}
	})
}

func TestNextCheck(t *testing.T) {
	tests := map[string]struct {
		bundle   func(*testing.T) *Bundle
		now      time.Time
		interval time.Duration
		want     time.Duration
	}{
		"waits the interval when nothing is due sooner": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0, interval: time.Hour, want: time.Hour,
		},
		"comes back when the serving certificate is due": {
			// 90 days and the 5 minute backdate: due a third (30 days 100 s) before the end.
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0.Add(59 * day), interval: 30 * day,
			want: day - 100*time.Second,
		},
		"comes back when the grace period ends": {
			bundle: func(t *testing.T) *Bundle { return rotated(t, t0) }, now: t0, interval: 30 * day,
			want: caGrace - 5*time.Minute,
		},
		"never asks for a busy loop": {
			bundle: func(t *testing.T) *Bundle { return fresh(t, t0) }, now: t0.Add(400 * day), interval: time.Hour, want: time.Second,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := nextCheck(tc.now, tc.bundle(t), tc.interval); got != tc.want {
				t.Errorf("nextCheck() = %s, want %s", got, tc.want)
			}
		})
	}
}
