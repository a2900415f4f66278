package nodestatus_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/nodestatus"
	"github.com/secprofiles/spo/test/controlplane"
)

const namespace = "security-profiles-operator"

var (
	suite *controlplane.Suite
	k8s   client.Client
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	opts := manager.Options{Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Node{}: {Transform: nodestatus.TrimNode},
	}}}
	suite, err = controlplane.StartSuite(opts, func(mgr manager.Manager) error {
		if err := nodestatus.IndexNodeReports(mgr); err != nil {
			return err
		}
		return nodestatus.NewSeccomp(nodestatus.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
			DaemonSet: nodestatus.DaemonSetKey{Namespace: namespace, Name: "spo-daemon"}}).SetupWithManager(mgr)
	})
	defer func() { _ = suite.Stop() }()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	k8s = suite.Client
	return m.Run()
}

func daemonSet(selector map[string]string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "spo-daemon"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "spo-daemon", Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				NodeSelector: selector,
				Containers:   []corev1.Container{{Name: "daemon", Image: "spo"}},
			}},
		},
	}
}

// eventually polls check until it returns nil, failing with its last
// error after a minute.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = check(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}

func TestPrunesNodesTheDaemonSetNoLongerTargets(t *testing.T) {
	ctx := context.Background()
	must(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}))
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		must(t, k8s.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{"pool": "spo"}}}))
	}
	ds := daemonSet(nil)
	must(t, k8s.Create(ctx, ds))

	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "p", Finalizers: []string{
		v1.NodeFinalizer("node-a"), v1.NodeFinalizer("node-b"), v1.NodeFinalizer("node-c")}},
		Spec: v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_ERRNO"}}
	must(t, k8s.Create(ctx, p))
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		must(t, k8s.Create(ctx, &v1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: "p-" + n},
			Spec: v1.SecurityProfileNodeStatusSpec{NodeName: n, ProfileKind: "SeccompProfile", ProfileName: "p"}}))
	}

	// The SPOD's scheduling changes: node-b is no longer labelled for the
	// daemon, and node-c gets a NoExecute taint the daemon does not
	// tolerate (which evicts its pod).
	b := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: "node-b"}, b))
	b.Labels = map[string]string{"pool": "other"}
	must(t, k8s.Update(ctx, b))
	c := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: "node-c"}, c))
	c.Spec.Taints = append(c.Spec.Taints, corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoExecute})
	must(t, k8s.Update(ctx, c))
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(ds), ds))
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "spo"}
	must(t, k8s.Update(ctx, ds))

	eventually(t, "the finalizers of node-b and node-c (no longer targeted) are pruned", func() error {
		got := &v1.SeccompProfile{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: "p"}, got); err != nil {
			return err
		}
		if want := []string{v1.NodeFinalizer("node-a")}; !slices.Equal(got.Finalizers, want) {
			return fmt.Errorf("finalizers %v, want %v", got.Finalizers, want)
		}
		return nil
	})
	for _, n := range []string{"node-b", "node-c"} {
		eventually(t, "the report of "+n+" is deleted", func() error {
			err := k8s.Get(ctx, client.ObjectKey{Name: "p-" + n}, &v1.SecurityProfileNodeStatus{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("p-%s still there (%v)", n, err)
		})
	}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: "p-node-a"}, &v1.SecurityProfileNodeStatus{}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
