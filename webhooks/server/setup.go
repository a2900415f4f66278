package server

import (
	"fmt"
	"maps"
	"net"
	"net/url"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/conversion"

	"github.com/secprofiles/spo/webhooks"
	"github.com/secprofiles/spo/webhooks/binding"
	"github.com/secprofiles/spo/webhooks/certs"
	"github.com/secprofiles/spo/webhooks/config"
	"github.com/secprofiles/spo/webhooks/execmetadata"
	"github.com/secprofiles/spo/webhooks/nodedebuggingpod"
	"github.com/secprofiles/spo/webhooks/recording"
)

// Options configure one webhook server.
type Options struct {
	// Namespace is the operator's namespace (SPOD, Secret, Service).
	Namespace string
	// RestrictNamespace, when set, is the one namespace whose pods the
	// webhooks are sent (namespaceSelector) and whose ProfileBindings and
	// ProfileRecordings the server watches, besides Namespace.
	RestrictNamespace string
	// Host and Port the TLS server listens on.
	Host string
	Port int
	// CertDir is where the serving certificate is written for the server.
	CertDir string
	// URL, when set, is how the API server reaches this server (local runs:
	// envtest, make demo); empty means the in-cluster Service.
	URL string
	// DenyNotInstalled denies pods bound to a profile that is not
	// installed instead of admitting them with a warning.
	DenyNotInstalled bool
}

// ManagerOptions sets the webhook server and cache for a manager. The
// server only starts once the certificate is on disk (see
// certs.ServeAfterCert); until then it is not ready.
func ManagerOptions(o manager.Options, opts Options) manager.Options {
	srv := webhook.NewServer(webhook.Options{Host: opts.Host, Port: opts.Port, CertDir: opts.CertDir})
	o.WebhookServer = certs.ServeAfterCert(srv, opts.CertDir)
	byObject := map[client.Object]cache.ByObject{}
	maps.Copy(byObject, certs.CacheByObject(opts.Namespace))
	maps.Copy(byObject, config.CacheByObject())
	o.Cache = cache.Options{ByObject: byObject}
	if opts.RestrictNamespace != "" {
		o.Cache.DefaultNamespaces = map[string]cache.Config{opts.RestrictNamespace: {}, opts.Namespace: {}}
	}
	return o
}

// Setup registers everything the webhook server does. It returns the
// built-in certificate issuer (nil when cert-manager issues the
// certificate), which tests use to force a rotation.
func Setup(mgr manager.Manager, opts Options) (*certs.Issuer, error) {
	dns, ips := extraNames(opts.URL)
	issuer, err := certs.Setup(mgr, certs.Options{
		Namespace: opts.Namespace, CertDir: opts.CertDir, ExtraDNSNames: dns, ExtraIPs: ips,
	})
	if err != nil {
		return nil, fmt.Errorf("setting up certificates: %w", err)
	}
	if err := config.Setup(mgr, config.Options{Namespace: opts.Namespace, URL: opts.URL, RestrictNamespace: opts.RestrictNamespace}); err != nil {
		return nil, fmt.Errorf("setting up webhook configuration: %w", err)
	}
	if err := binding.Setup(mgr, binding.Options{DenyNotInstalled: opts.DenyNotInstalled}); err != nil {
		return nil, fmt.Errorf("setting up the binding webhook: %w", err)
	}
	if err := recording.Setup(mgr); err != nil {
		return nil, fmt.Errorf("setting up the recording webhook: %w", err)
	}
	execmetadata.Setup(mgr)
	nodedebuggingpod.Setup(mgr)
	mgr.GetWebhookServer().Register(webhooks.ConversionPath,
		conversion.NewWebhookHandler(mgr.GetScheme(), mgr.GetConverterRegistry()))
	return issuer, nil
}

// extraNames are the names a local server is reached by, for its
// certificate.
func extraNames(rawURL string) ([]string, []net.IP) {
	if rawURL == "" {
		return nil, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil {
		return nil, []net.IP{ip}
	}
	return []string{u.Hostname()}, nil
}

// Leader election, so one replica issues certificates and writes the
// configuration.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=security-profiles-operator,resources=leases,verbs=get;list;watch;create;update;patch;delete
// Leader election reports through core Events.
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
