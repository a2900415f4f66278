package certs

import (
	"errors"
	"net"
	"slices"
	"time"

	"github.com/secprofiles/spo/webhooks"
)

// Mode is how the serving certificate is issued.
type Mode string

const (
	// ModeAuto detects the mode at Setup (see Detect).
	ModeAuto Mode = ""
	// ModeCertManager has cert-manager issue and inject.
	ModeCertManager Mode = "cert-manager"
	// ModeBuiltIn issues and injects with the operator's own CA.
	ModeBuiltIn Mode = "built-in"
)

// DefaultCheckInterval is how often certificates are checked for expiry
// when nothing else happens.
const DefaultCheckInterval = time.Hour

// Options configure the certificates.
type Options struct {
	// Namespace is the operator's namespace: Secret, Service, Issuer and
	// Certificate live there.
	Namespace string
	// CertDir is where the Syncer writes tls.crt and tls.key for the
	// webhook server; empty means no Syncer (a process that only issues).
	CertDir string
	// ExtraDNSNames and ExtraIPs are added to the certificate's names, for
	// a server the API server reaches other than through the Service
	// (e.g. localhost and 127.0.0.1 under envtest or `make demo`).
	ExtraDNSNames []string
	ExtraIPs      []net.IP
	// CheckInterval bounds the time between two expiry checks (built-in
	// mode); zero means DefaultCheckInterval.
	CheckInterval time.Duration
	// Mode; ModeAuto detects it.
	Mode Mode
}

func (o Options) withDefaults() (Options, error) {
	if o.Namespace == "" {
		return o, errors.New("webhook certs: namespace is required")
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = DefaultCheckInterval
	}
	return o, nil
}

// DNSNames are the names the serving certificate is valid for: the
// Service's, then the extra ones, without duplicates.
func DNSNames(namespace string, extra []string) []string {
	svc := webhooks.ServiceName + "." + namespace + ".svc"
	names := []string{svc, svc + ".cluster.local"}
	for _, n := range extra {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// IPs are the extra IP addresses, without duplicates.
func IPs(extra []net.IP) []net.IP {
	var ips []net.IP
	for _, ip := range extra {
		if ip != nil && !slices.ContainsFunc(ips, ip.Equal) {
			ips = append(ips, ip)
		}
	}
	return ips
}
