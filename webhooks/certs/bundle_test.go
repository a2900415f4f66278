package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

func data(t *testing.T, b *Bundle) map[string][]byte {
	t.Helper()
	d, err := b.Data()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseBundle(t *testing.T) {
	tests := map[string]struct {
		data func(*testing.T) map[string][]byte
		ok   bool
	}{
		"reads what Data wrote": {
			data: func(t *testing.T) map[string][]byte { return data(t, fresh(t, t0)) }, ok: true,
		},
		"reads a bundle that still trusts a replaced CA": {
			data: func(t *testing.T) map[string][]byte { return data(t, rotated(t, t0)) }, ok: true,
		},
		"reads keys in SEC1 form": {
			data: func(t *testing.T) map[string][]byte {
				b := fresh(t, t0)
				d := data(t, b)
				der, err := x509.MarshalECPrivateKey(b.Key.(*ecdsa.PrivateKey))
				if err != nil {
					t.Fatal(err)
				}
				d[KeyKey] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
				return d
			},
			ok: true,
		},
		"refuses a missing Secret": {
			data: func(*testing.T) map[string][]byte { return nil },
		},
		"refuses a Secret without the CA key, as cert-manager writes it": {
			data: func(t *testing.T) map[string][]byte {
				d := data(t, fresh(t, t0))
				delete(d, KeyCAKey)
				return d
			},
		},
		"refuses a serving key that belongs to another certificate": {
			data: func(t *testing.T) map[string][]byte {
				d := data(t, fresh(t, t0))
				d[KeyKey] = data(t, fresh(t, t0))[KeyKey]
				return d
			},
		},
		"refuses a CA key that belongs to another CA": {
			data: func(t *testing.T) map[string][]byte {
				d := data(t, fresh(t, t0))
				d[KeyCAKey] = data(t, fresh(t, t0))[KeyCAKey]
				return d
			},
		},
		"refuses text that is not PEM": {
			data: func(t *testing.T) map[string][]byte {
				d := data(t, fresh(t, t0))
				d[KeyCert] = []byte("not a certificate")
				return d
			},
		},
		"refuses a key where a certificate belongs": {
			data: func(t *testing.T) map[string][]byte {
				d := data(t, fresh(t, t0))
				d[KeyCACert] = d[KeyCAKey]
				return d
			},
		},
		"refuses two keys in one entry": {
			data: func(t *testing.T) map[string][]byte {
				d := data(t, fresh(t, t0))
				d[KeyKey] = append(d[KeyKey], d[KeyKey]...)
				return d
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := ParseBundle(tc.data(t))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseBundle() error = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (b.CA == nil || b.Cert == nil || b.Key == nil || b.CAKey == nil) {
				t.Errorf("ParseBundle() = %+v, missing parts", b)
			}
		})
	}
}

func TestParseBundleKeepsPreviousCAs(t *testing.T) {
	want := rotated(t, t0)
	got, err := ParseBundle(data(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if !got.CA.Equal(want.CA) || len(got.Previous) != 1 || !got.Previous[0].Equal(want.Previous[0]) {
		t.Errorf("CA %s and %d previous, want %s and 1", got.CA.SerialNumber, len(got.Previous), want.CA.SerialNumber)
	}
}

func TestParseKeyRSA(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if _, err := parseKey(pemKey); err != nil {
		t.Errorf("parseKey(PKCS#1) = %v", err)
	}
}

// FuzzParseBundle feeds arbitrary Secret contents to the parser, which
// reads whatever a user or another tool left in the Secret: it must return
// an error, never panic, and never accept a mismatched pair.
func FuzzParseBundle(f *testing.F) {
	now := time.Now()
	b, err := issue(now, nil, plan{newCA: true, newServing: true}, names{dns: DNSNames("ns", nil)})
	if err != nil {
		f.Fatal(err)
	}
	d, err := b.Data()
	if err != nil {
		f.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherDER, _ := x509.MarshalPKCS8PrivateKey(other)
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: otherDER})
	f.Add(d[KeyCACert], d[KeyCAKey], d[KeyCert], d[KeyKey])
	f.Add(d[KeyCACert], d[KeyCAKey], d[KeyCert], otherPEM)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n"), []byte{}, []byte("x"), []byte("\x00"))
	f.Add(append(d[KeyCACert], "trailing"...), d[KeyCAKey], d[KeyCert], d[KeyKey])
	f.Fuzz(func(t *testing.T, caCrt, caKey, tlsCrt, tlsKey []byte) {
		got, err := ParseBundle(map[string][]byte{KeyCACert: caCrt, KeyCAKey: caKey, KeyCert: tlsCrt, KeyKey: tlsKey})
		if err != nil {
			return
		}
		if matches(got.CA, got.CAKey) != nil || matches(got.Cert, got.Key) != nil {
			t.Fatal("accepted a mismatched key")
		}
		if _, err := got.Data(); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
	})
}
