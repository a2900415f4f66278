package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
)

// podsElsewhere is how many pods the cluster runs on other nodes.
const podsElsewhere = 1000

// BenchmarkDaemonRSSWithPodsOnOtherNodes starts the real `spo daemon`
// binary twice against the same API server: once with no pods in the
// cluster, once with 1,000 pods on other nodes (each with a recording
// annotation, the kind the daemon's recorder watches for). The daemon
// watches only its own node's pods, so its resident set must not grow.
// Reports both RSS figures after the daemon has installed a profile and
// settled.
func BenchmarkDaemonRSSWithPodsOnOtherNodes(b *testing.B) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env, kubeconfig := startControlPlane(b, root)
	defer func() { _ = env.Stop() }()
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1.AddToScheme(s)
	c, err := client.New(env.Config, client.Options{Scheme: s})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bench-node"}}); err != nil {
		b.Fatal(err)
	}
	stopManager := startManager(b, ctx, env, s)
	defer stopManager()

	for i := 0; i < b.N; i++ {
		none := settledDaemonRSS(b, ctx, c, root, kubeconfig, fmt.Sprintf("none-%d", i))
		if i == 0 {
			createPodsElsewhere(b, ctx, c)
		}
		many := settledDaemonRSS(b, ctx, c, root, kubeconfig, fmt.Sprintf("many-%d", i))
		b.ReportMetric(none, "RSS-MiB-no-pods")
		b.ReportMetric(many, "RSS-MiB-1000-pods-elsewhere")
	}
}

// settledDaemonRSS runs a daemon until it has installed a profile named
// after tag, lets it settle, and returns its current resident set in MiB.
func settledDaemonRSS(b *testing.B, ctx context.Context, c client.Client, root, kubeconfig, tag string) float64 {
	daemon, kubeletDir := startDaemon(b, root, kubeconfig)
	defer func() { _ = daemon.Process.Kill(); _, _ = daemon.Process.Wait(); _ = os.RemoveAll(kubeletDir) }()
	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "rss-" + tag}, Spec: v1.SeccompProfileSpec{
		DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{{Names: []string{"read"}, Action: v1.ActAllow}}}}
	if err := c.Create(ctx, p); err != nil {
		b.Fatal(err)
	}
	waitAllInstalled(b, ctx, c, "rss-"+tag, 1)
	// Informers list once at start; give the pod watch time to fill.
	time.Sleep(3 * time.Second)
	return statusMiB(b, daemon.Process.Pid, "VmRSS:")
}

func createPodsElsewhere(b *testing.B, ctx context.Context, c client.Client) {
	for j := 0; j < podsElsewhere; j++ {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("w%d", j), Namespace: "default", Annotations: map[string]string{
				"io.containers.trace-bpf/app": fmt.Sprintf("rec_app_%08d_1764100000", j)}},
			Spec: corev1.PodSpec{NodeName: fmt.Sprintf("other-%d", j%50),
				Containers: []corev1.Container{{Name: "app", Image: "example.com/app:1"}}},
		}
		if err := c.Create(ctx, pod); err != nil {
			b.Fatal(err)
		}
	}
}

// statusMiB reads one kB field of /proc/<pid>/status, in MiB.
func statusMiB(b *testing.B, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc status", field)
	return 0
}
