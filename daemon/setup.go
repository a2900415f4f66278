package daemon

import (
	"context"
	"fmt"
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
	"github.com/secprofiles/spo/daemon/metricsink"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// Config is what one daemon needs to know about its node.
type Config struct {
	// Node is the name of the node the daemon runs on.
	Node string
	// KubeletDir is the kubelet root directory; a Node annotation
	// v1.AnnotationKubeletDir overrides it.
	KubeletDir string
	// Namespace holds the operator's SecurityProfilesOperatorDaemon.
	Namespace string

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
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Pod{}:                        pods,
		&v1.SecurityProfileNodeStatus{}:      {Field: fields.OneTermEqualSelector("spec.nodeName", cfg.Node)},
		&v1.SecurityProfilesOperatorDaemon{}: {Namespaces: map[string]cache.Config{cfg.Namespace: {}}},
	}}
}

// Setup registers the node-side controllers.
func Setup(ctx context.Context, mgr manager.Manager, cfg Config) error {
	dir, err := resolveKubeletDir(ctx, mgr.GetAPIReader(), cfg.Node, cfg.KubeletDir)
	if err != nil {
		return err
	}
	log.FromContext(ctx).Info("node", "name", cfg.Node, "kubeletDir", dir)
	r := seccomp.NewReconciler(mgr.GetClient(), cfg.Node, dir, cfg.Namespace, mgr.GetEventRecorder("spo-daemon"))
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

// resolveKubeletDir lets a Node annotation override the flag, for clusters
// whose nodes do not all use the same kubelet root directory. It is read
// once at start; changing it needs a daemon restart.
func resolveKubeletDir(ctx context.Context, c client.Reader, node, flagValue string) (string, error) {
	n := &corev1.Node{}
	err := c.Get(ctx, client.ObjectKey{Name: node}, n)
	if apierrors.IsNotFound(err) {
		log.FromContext(ctx).Info("node object not found; using the configured kubelet directory", "node", node)
		return KubeletDirFor(nil, flagValue)
	}
	if err != nil {
		return "", fmt.Errorf("reading node %s: %w", node, err)
	}
	return KubeletDirFor(n.Annotations, flagValue)
}

// KubeletDirFor picks the kubelet directory from a node's annotations and
// the configured default.
func KubeletDirFor(annotations map[string]string, configured string) (string, error) {
	dir := configured
	if v := annotations[v1.AnnotationKubeletDir]; v != "" {
		dir = v
	}
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("kubelet directory %q must be an absolute path", dir)
	}
	return filepath.Clean(dir), nil
}
