package metricsauth

import (
	"crypto/tls"
	"testing"
)

func TestSecureByDefault(t *testing.T) {
	o := Options{BindAddress: ":8080"}.ServerOptions()
	if !o.SecureServing || o.FilterProvider == nil {
		t.Fatalf("default metrics options are not HTTPS with authentication: %+v", o)
	}
	if o.CertDir == "" {
		t.Error("no certificate directory: controller-runtime would use its shared default")
	}
	c := &tls.Config{NextProtos: []string{"h2"}}
	for _, f := range o.TLSOpts {
		f(c)
	}
	if len(c.NextProtos) != 1 || c.NextProtos[0] != "http/1.1" {
		t.Errorf("HTTP/2 is offered: %v", c.NextProtos)
	}
	if o := (Options{CertDir: "/certs"}).ServerOptions(); o.CertDir != "/certs" {
		t.Errorf("CertDir %q, want /certs", o.CertDir)
	}
}

func TestInsecureIsPlainHTTP(t *testing.T) {
	o := Options{BindAddress: ":8080", Insecure: true}.ServerOptions()
	if o.SecureServing || o.FilterProvider != nil || o.BindAddress != ":8080" {
		t.Fatalf("insecure metrics options: %+v", o)
	}
}
