package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/controlplane"
)

// Image is the spo image the cluster runs (imported by Up, never pulled).
const Image = "spo.local/spo:dev"

// Namespace is where config/default installs spo.
const Namespace = "security-profiles-operator"

// Deploy installs spo with `make deploy` (config/default, image Image)
// from the repository at root, as a user does.
func Deploy(ctx context.Context, root string, b Binaries) error {
	return run(ctx, root, b, "deploy", "DEPLOY_IMAGE="+Image)
}

func run(ctx context.Context, root string, b Binaries, args ...string) error {
	cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "KUBECONFIG="+AdminKubeconfig, "KUBECTL="+b.Kubectl())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("make %v: %w\n%s", args, err, out)
	}
	return nil
}

// AdminClient is a controller-runtime client for the cluster's admin that
// knows spo's kinds.
func AdminClient() (client.Client, error) {
	cfg, err := RESTConfig()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: controlplane.Scheme()})
}

// WaitSPOD waits until the SecurityProfilesOperatorDaemon reports Running
// and, to be sure of what that means, the daemon's pods are all ready and
// every webhook replica is available.
func WaitSPOD(ctx context.Context, c client.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		last = spodState(ctx, c)
		if last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("spo not running after %s: %s", timeout, last)
		case <-time.After(time.Second):
		}
	}
}

// spodState says what spo still waits for, or "" when it runs.
func spodState(ctx context.Context, c client.Client) string {
	var s v1.SecurityProfilesOperatorDaemon
	if err := c.Get(ctx, types.NamespacedName{Namespace: Namespace, Name: "spod"}, &s); err != nil {
		return "SPOD: " + err.Error()
	}
	if s.Status.State != v1.SPODRunning {
		return fmt.Sprintf("SPOD state %q, conditions %+v", s.Status.State, s.Status.Conditions)
	}
	var ds appsv1.DaemonSet
	if err := c.Get(ctx, types.NamespacedName{Namespace: Namespace, Name: spod.DaemonSetName}, &ds); err != nil {
		return "DaemonSet: " + err.Error()
	}
	if ds.Status.DesiredNumberScheduled == 0 || ds.Status.NumberReady != ds.Status.DesiredNumberScheduled {
		return fmt.Sprintf("DaemonSet %s: %d of %d pods ready", ds.Name, ds.Status.NumberReady, ds.Status.DesiredNumberScheduled)
	}
	var d appsv1.Deployment
	if err := c.Get(ctx, types.NamespacedName{Namespace: Namespace, Name: spod.WebhookName}, &d); err != nil {
		return "webhook Deployment: " + err.Error()
	}
	if d.Spec.Replicas == nil || d.Status.AvailableReplicas < *d.Spec.Replicas {
		return fmt.Sprintf("webhook Deployment: %d replicas available", d.Status.AvailableReplicas)
	}
	return ""
}

// RestartSpo deletes spo's pods, so that their controllers start them
// again from the image now imported under the same name.
func RestartSpo(ctx context.Context, c client.Client) error {
	return c.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(Namespace),
		client.MatchingLabels{"app.kubernetes.io/name": "spo"})
}
