// Package controlplane starts a real kube-apiserver and etcd for tests
// (controller-runtime's envtest), the one way every suite does: the binaries
// hack/controlplane.sh builds and caches, spo's CRDs from config/crd/bases,
// and a scheme that knows every spo API version.
//
// KUBEBUILDER_ASSETS, when set (make test sets it), names the binaries;
// otherwise hack/controlplane.sh is run, which prints the cached directory
// at once or builds it on a new machine.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/api/v1alpha1"
	"github.com/secprofiles/spo/api/v1alpha2"
	"github.com/secprofiles/spo/api/v1beta1"
)

// Root is the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Assets returns the directory holding kube-apiserver, etcd and kubectl.
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	out, err := exec.Command(filepath.Join(Root(), "hack", "controlplane.sh")).Output()
	if err != nil {
		return "", fmt.Errorf("hack/controlplane.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// New returns an environment with spo's CRDs installed on start.
func New() (*envtest.Environment, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	return &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(Root(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}, nil
}

// Scheme knows the Kubernetes types, CRDs and every spo API version.
func Scheme() *k8sruntime.Scheme {
	s := k8sruntime.NewScheme()
	for _, add := range []func(*k8sruntime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme,
		v1.AddToScheme, v1beta1.AddToScheme, v1alpha1.AddToScheme, v1alpha2.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// ManagerOptions turns production options into test options: this
// package's scheme, no metrics or probe listeners, and repeated controller
// names allowed (tests run several managers in one process).
func ManagerOptions(o manager.Options) manager.Options {
	o.Scheme = Scheme()
	o.Metrics = metricsserver.Options{BindAddress: "0"}
	o.HealthProbeBindAddress = "0"
	o.Controller = config.Controller{SkipNameValidation: ptr.To(true)}
	return o
}

// Run starts mgr in the background. The returned function waits until it
// has stopped and returns its error; cancel ctx first. Managers must be
// stopped before the environment: otherwise their watches fail and their
// last requests hang until they time out.
func Run(ctx context.Context, mgr manager.Manager) (wait func() error) {
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return func() error { return <-done }
}

// Suite is a test suite's API server, a client that talks to it directly
// (not through a cache, so a spec reads what the server holds), and
// optionally a manager running the controllers under test.
type Suite struct {
	Env    *envtest.Environment
	Config *rest.Config
	Client client.Client
	stop   context.CancelFunc
	wait   func() error
}

// StartSuite starts the API server and, when setup is not nil, a manager
// built from opts (through ManagerOptions) whose controllers setup
// registers.
func StartSuite(opts manager.Options, setup func(manager.Manager) error) (*Suite, error) {
	env, err := New()
	if err != nil {
		return nil, err
	}
	s := &Suite{Env: env}
	if s.Config, err = env.Start(); err != nil {
		return nil, err
	}
	if s.Client, err = client.New(s.Config, client.Options{Scheme: Scheme()}); err != nil {
		return s, err
	}
	if setup == nil {
		return s, nil
	}
	mgr, err := ctrl.NewManager(s.Config, ManagerOptions(opts))
	if err != nil {
		return s, err
	}
	if err := setup(mgr); err != nil {
		return s, err
	}
	var ctx context.Context
	ctx, s.stop = context.WithCancel(context.Background())
	s.wait = Run(ctx, mgr)
	return s, nil
}

// Stop stops the manager, then the API server (see Run for why in that
// order). It is safe on a Suite that started only partly, or not at all.
func (s *Suite) Stop() error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.stop != nil {
		s.stop()
		errs = append(errs, s.wait())
	}
	if s.Env != nil {
		errs = append(errs, s.Env.Stop())
	}
	return errors.Join(errs...)
}
