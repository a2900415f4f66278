package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"go.uber.org/zap/zapcore"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/api/v1alpha1"
	"github.com/secprofiles/spo/api/v1alpha2"
	"github.com/secprofiles/spo/api/v1beta1"
	"github.com/secprofiles/spo/cmd/spo/version"
	"github.com/secprofiles/spo/metricsauth"
)

// common are the flags every component has.
type common struct {
	verbosity       int
	metricsAddr     string
	insecureMetrics bool
	metricsCertDir  string
	probeAddr       string
	enableProfiling bool
	pprofAddr       string
	namespace       string
	// restrict is the one namespace of workloads the component watches
	// ("" for all).
	restrict string
}

func (c *common) register(fs *flag.FlagSet, metricsAddr, probeAddr, pprofAddr string) {
	c.registerUnserved(fs, probeAddr, pprofAddr)
	fs.StringVar(&c.metricsAddr, "metrics-bind-address", metricsAddr, `address of the Prometheus metrics endpoint ("0" disables it)`)
	fs.BoolVar(&c.insecureMetrics, "insecure-metrics", envBool("SPO_INSECURE_METRICS"),
		"serve metrics on plain HTTP without authentication (env SPO_INSECURE_METRICS); by default they are served on HTTPS and "+
			"a request needs a bearer token the API server authenticates and authorizes for get on /metrics")
	fs.StringVar(&c.metricsCertDir, "metrics-cert-dir", "",
		"directory holding the metrics server's tls.crt and tls.key (empty: a self-signed certificate generated at start)")
}

// registerUnserved registers the flags of a component that serves no
// metrics (the bpf-recorder pushes its own to the daemon): everything but
// the metrics flags.
func (c *common) registerUnserved(fs *flag.FlagSet, probeAddr, pprofAddr string) {
	c.metricsAddr = "0"
	fs.IntVar(&c.verbosity, "verbosity", 0, "log verbosity, 0 (info) to 10")
	fs.StringVar(&c.probeAddr, "health-probe-bind-address", probeAddr, "address of /healthz and /readyz")
	fs.BoolVar(&c.enableProfiling, "enable-profiling", false, "serve pprof on --pprof-bind-address")
	fs.StringVar(&c.pprofAddr, "pprof-bind-address", pprofAddr, "address of the pprof endpoint when profiling is enabled")
	fs.StringVar(&c.namespace, "namespace", envOr("SPO_NAMESPACE", "security-profiles-operator"),
		"namespace of the operator and its SecurityProfilesOperatorDaemon (env SPO_NAMESPACE)")
}

// registerRestrict registers --restrict-to-namespace, for the components
// that watch workloads: manager, webhook and daemon. (The node services
// only serve the daemon, which asks them about restricted pods alone.)
func (c *common) registerRestrict(fs *flag.FlagSet) {
	fs.StringVar(&c.restrict, "restrict-to-namespace", os.Getenv("RESTRICT_TO_NAMESPACE"),
		"watch and act on workloads (pods, ProfileBindings, ProfileRecordings) of this namespace only, besides the "+
			"operator's own; empty: all namespaces (env RESTRICT_TO_NAMESPACE)")
}

// start sets up logging and prints the version line every component logs.
func (c *common) start(component string) {
	level := zapcore.Level(-c.verbosity)
	ctrl.SetLogger(zap.New(zap.Level(level)))
	ctrl.Log.WithName(component).Info("starting", version.Get().KeysAndValues()...)
}

// managerOptions are the controller-runtime options derived from the flags.
func (c *common) managerOptions() manager.Options {
	o := manager.Options{
		Scheme:                 newScheme(),
		Metrics:                c.metricsOptions().ServerOptions(),
		HealthProbeBindAddress: c.probeAddr,
	}
	if c.enableProfiling {
		o.PprofBindAddress = c.pprofAddr
	}
	return o
}

// metricsOptions are the metrics flags: HTTPS with the API server's
// authentication and authorization unless --insecure-metrics.
func (c *common) metricsOptions() metricsauth.Options {
	return metricsauth.Options{BindAddress: c.metricsAddr, Insecure: c.insecureMetrics, CertDir: c.metricsCertDir}
}

func addProbes(mgr manager.Manager) error {
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("adding healthz: %w", err)
	}
	// Ready once the caches have synced: before that a reconciler would
	// act on an empty view of the cluster.
	if err := mgr.AddReadyzCheck("readyz", func(req *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(req.Context()) {
			return fmt.Errorf("caches not synced")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("adding readyz: %w", err)
	}
	return nil
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	// The webhook writes the CRDs' conversion settings.
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		panic(err)
	}
	// The older API versions are registered so the webhook can convert
	// them; every other component only ever uses v1.
	for _, add := range []func(*runtime.Scheme) error{v1.AddToScheme, v1beta1.AddToScheme, v1alpha1.AddToScheme, v1alpha2.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// envBool is the boolean value of the environment variable key; unset or
// unparsable is false.
func envBool(key string) bool {
	b, _ := strconv.ParseBool(os.Getenv(key))
	return b
}
