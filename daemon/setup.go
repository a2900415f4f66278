package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/kubeletdir"
	"github.com/secprofiles/spo/daemon/metricsink"
	"github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/daemon/seccomp"
	"github.com/secprofiles/spo/daemon/spodmetrics"
)

// Config is what one daemon needs to know about its node.
type Config struct {
	// Node is the name of the node the daemon runs on.
	Node string
	// KubeletDir is the configured kubelet root directory ("" for
	// kubeletdir.Default); the Node's annotation or label overrides it
	// (kubeletdir.Resolve).
	KubeletDir string
	// MountTable is the mountinfo that must show <kubelet dir>/seccomp on a
	// mounted host directory (kubeletdir.SelfMountInfo in a container);
	// "" skips the check, for a daemon that runs on the host itself.
	MountTable string
	// Namespace holds the operator's SecurityProfilesOperatorDaemon.
	Namespace string
	// RestrictNamespace, when set, is the one namespace whose pods the
	// daemon watches (and so records), besides Namespace.
	RestrictNamespace string

	// BpfRecorderSocket and EnricherSocket are the node services' Unix
	// sockets (recorder.DefaultBpfRecorderSocket, DefaultEnricherSocket).
	// They are dialed on first use, so a service that is not deployed only
	// fails the recordings that need it.
	BpfRecorderSocket string
	EnricherSocket    string
	// StateDir keeps what the daemon must remember across restarts, on
	// the node: recordings/ (one record per recorded container) and
	// apparmor/ (the policy text each AppArmorProfile was loaded with).
	StateDir string
	// SelinuxdSocket and SelinuxPolicyDir reach selinuxd, which installs
	// SELinux modules (selinux.DefaultSocket, DefaultPolicyDir).
	SelinuxdSocket   string
	SelinuxPolicyDir string
	// MetricsSinkSocket receives the other node components' metrics, which
	// the daemon's metrics endpoint then serves (metricsink); "" for none.
	MetricsSinkSocket string
	// MemoryOptimization caches only the node's pods labelled
	// v1.LabelEnableRecording (SPOD enableMemoryOptimization), which the
	// recording webhook sets on every pod it marks for recording.
	MemoryOptimization bool
	// OCITrustDir holds the public key and Sigstore trusted root that the
	// SPOD's security.signatureVerification names (mounted by the
	// DaemonSet), for verifying `baseProfileName: oci://…` bases.
	OCITrustDir string
	// OCIPullSecretsDir holds the registry credentials the SPOD's
	// security.ociArtifactPullSecrets names, one docker config per Secret
	// (the DaemonSet mounts them at ociartifact.PullSecretsDir).
	OCIPullSecretsDir string
}

// DefaultStateDir is the daemon's StateDir unless configured.
const DefaultStateDir = "/var/lib/spo"

// CacheOptions caches only this node's reports and pods and the operator's
// own configuration: the daemon's memory must not grow with the cluster
// (DESIGN.md §6.1).
func CacheOptions(cfg Config) cache.Options {
	pods := cache.ByObject{
		Field:     fields.OneTermEqualSelector("spec.nodeName", cfg.Node),
		Transform: recorder.TransformPod,
	}
	if cfg.MemoryOptimization {
		pods.Label = labels.SelectorFromSet(labels.Set{v1.LabelEnableRecording: "true"})
	}
	var namespaces map[string]cache.Config
	if cfg.RestrictNamespace != "" {
		namespaces = map[string]cache.Config{cfg.RestrictNamespace: {}, cfg.Namespace: {}}
	}
	return cache.Options{DefaultNamespaces: namespaces, ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}:                        pods,
		&v1.SecurityProfileNodeStatus{}:      {Field: fields.OneTermEqualSelector("spec.nodeName", cfg.Node)},
		&v1.SecurityProfilesOperatorDaemon{}: {Namespaces: map[string]cache.Config{cfg.Namespace: {}}},
	}}
}

// Setup registers the node-side controllers.
func Setup(ctx context.Context, mgr manager.Manager, cfg Config) error {
	dir, unusable, err := resolveKubeletDir(ctx, mgr.GetAPIReader(), cfg)
	if err != nil {
		return err
	}
	if unusable != nil {
		log.FromContext(ctx).Error(unusable, "seccomp profiles cannot be installed on this node", "reason", unusable.Reason)
	}
	oci := &seccomp.OCIBases{TrustDir: cfg.OCITrustDir, PullSecretsDir: cfg.OCIPullSecretsDir, Namespace: cfg.Namespace, Remote: ociRemote(ctx)}
	r := seccomp.NewReconciler(mgr.GetClient(), cfg.Node, dir, unusable, cfg.Namespace, mgr.GetEventRecorder("spo-daemon"), oci)
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up seccomp: %w", err)
	}
	if err := setupLSMs(mgr, cfg); err != nil {
		return err
	}
	if cfg.MetricsSinkSocket != "" {
		sink := &metricsink.Sink{}
		metricsink.ServeWithManagerMetrics(sink)
		if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			return sink.Serve(ctx, cfg.MetricsSinkSocket)
		})); err != nil {
			return err
		}
	}
	// After the sink: pushed families are split between the paths too.
	if err := spodmetrics.Install(mgr); err != nil {
		return fmt.Errorf("serving %s: %w", spodmetrics.Path, err)
	}
	return setupRecorder(mgr, cfg)
}

// setupRecorder registers the recorder of annotated pods. The connections
// to the node services close when the manager stops.
func setupRecorder(mgr manager.Manager, cfg Config) error {
	sockets := &recorder.Sockets{BpfRecorderPath: cfg.BpfRecorderSocket, EnricherPath: cfg.EnricherSocket}
	rec, err := recorder.NewReconciler(mgr, filepath.Join(cfg.StateDir, "recordings"), sockets)
	if err != nil {
		return err
	}
	if err := rec.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the recorder: %w", err)
	}
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return sockets.Close()
	}))
}

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get

// resolveKubeletDir finds this node's kubelet directory (kubeletdir.Resolve)
// and checks that it is mounted. It is read once at start; changing it
// needs a daemon restart. A directory the daemon cannot use is returned as
// the *seccomp.Error every profile reports, not as a failure to start: the
// other profile kinds still install.
func resolveKubeletDir(ctx context.Context, c client.Reader, cfg Config) (string, *seccomp.Error, error) {
	n := &corev1.Node{}
	err := c.Get(ctx, client.ObjectKey{Name: cfg.Node}, n)
	if apierrors.IsNotFound(err) {
		log.FromContext(ctx).Info("node object not found; using the configured kubelet directory", "node", cfg.Node)
	} else if err != nil {
		return "", nil, fmt.Errorf("reading node %s: %w", cfg.Node, err)
	}
	dir, err := kubeletdir.Resolve(n.Annotations, n.Labels, cfg.KubeletDir)
	if err != nil {
		return "", &seccomp.Error{Reason: kubeletdir.ReasonKubeletDirInvalid, Message: err.Error()}, nil
	}
	log.FromContext(ctx).Info("node", "name", cfg.Node, "kubeletDir", dir.Path, "from", dir.Source)
	if cfg.MountTable == "" {
		return dir.Path, nil, nil
	}
	f, err := os.Open(cfg.MountTable)
	if err != nil {
		return "", nil, fmt.Errorf("checking the kubelet directory: %w", err)
	}
	defer f.Close()
	if err := kubeletdir.CheckMounted(f, filepath.Join(dir.Path, seccomp.Subdir)); err != nil {
		return dir.Path, &seccomp.Error{Reason: kubeletdir.ReasonKubeletDirNotMounted,
			Message: fmt.Sprintf("kubelet directory %s (from the %s): %v", dir.Path, dir.Source, err)}, nil
	}
	return dir.Path, nil, nil
}

// ociRemote is how the daemon reaches registries for OCI base profiles
// that no Secret of the SPOD's security.ociArtifactPullSecrets has
// credentials for (seccomp.OCIBases puts those first): anonymously, or with
// the docker config at $DOCKER_CONFIG.
func ociRemote(ctx context.Context) ociartifact.Remote {
	cred, err := ociartifact.DockerCredentials()
	if err != nil {
		log.FromContext(ctx).Error(err, "reading registry credentials; pulling OCI base profiles anonymously")
		return ociartifact.Remote{}
	}
	return ociartifact.Remote{Credential: cred}
}
