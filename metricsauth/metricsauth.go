// Package metricsauth decides how spo's components serve Prometheus
// metrics, so that cmd/spo and the tests build the same server options.
//
// By default metrics are served over HTTPS and every request is
// authenticated and authorized by the API server (controller-runtime's
// metrics filter: a TokenReview of the bearer token, then a
// SubjectAccessReview for "get" on the non-resource URL /metrics; a token
// the API server does not accept is answered 401, see authFilter). A
// scraper's ServiceAccount needs the spo-metrics-client ClusterRole
// (config/rbac/metrics_client.yaml); the component's own ServiceAccount
// needs "create" on tokenreviews and subjectaccessreviews, which the
// +kubebuilder:rbac markers in reconcilers, daemon and webhooks grant.
//
// The certificate is read from CertDir (tls.crt, tls.key, reloaded when
// they change) or, when CertDir is empty, generated self-signed at start.
// Insecure serves plain HTTP with no authentication
// (SecurityProfilesOperatorDaemon enableInsecureMetricsAccess).
package metricsauth

import (
	"crypto/tls"
	"os"
	"path/filepath"

	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Options are a component's metrics flags.
type Options struct {
	// BindAddress is the address of the metrics endpoint; "0" disables it.
	BindAddress string
	// Insecure serves plain HTTP without authentication or authorization.
	Insecure bool
	// CertDir holds tls.crt and tls.key; empty means a self-signed
	// certificate generated at start.
	CertDir string
}

// ServerOptions are the controller-runtime metrics server options for o.
func (o Options) ServerOptions() metricsserver.Options {
	if o.Insecure {
		return metricsserver.Options{BindAddress: o.BindAddress}
	}
	certDir := o.CertDir
	if certDir == "" {
		// controller-runtime falls back to a self-signed certificate when
		// the directory holds no tls.crt/tls.key; its default directory is
		// shared by every process on the machine, so name one that
		// certainly does not exist instead.
		certDir = filepath.Join(os.TempDir(), "spo-metrics-self-signed-does-not-exist")
	}
	return metricsserver.Options{
		BindAddress:    o.BindAddress,
		SecureServing:  true,
		CertDir:        certDir,
		FilterProvider: authFilter,
		// HTTP/2 is off, as kubebuilder's scaffolding does: the HTTP/2
		// Rapid Reset and Stream Cancellation attacks
		// (CVE-2023-44487, CVE-2023-39325) need it.
		TLSOpts: []func(*tls.Config){DisableHTTP2},
	}
}

// DisableHTTP2 makes a TLS server offer only HTTP/1.1.
func DisableHTTP2(c *tls.Config) {
	c.NextProtos = []string{"http/1.1"}
}
