// Package bench holds the benchmarks that need a real control plane. Run
// them with `make bench`; the figures go in the release notes.
package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers"
	"github.com/secprofiles/spo/test/controlplane"
)

const profilesPerRun = 1000

// BenchmarkReconcile1000Profiles creates 1,000 SeccompProfiles and measures
// the time until every one is Installed, with the real `spo daemon` binary
// (a separate process, so its peak RSS is its own) and the real manager.
func BenchmarkReconcile1000Profiles(b *testing.B) {
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := c.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bench-node"}}); err != nil {
		b.Fatal(err)
	}
	stopManager := startManager(b, ctx, env, s)
	defer stopManager()
	daemon, kubeletDir := startDaemon(b, root, kubeconfig)
	defer func() { _ = daemon.Process.Kill(); _, _ = daemon.Process.Wait(); _ = os.RemoveAll(kubeletDir) }()

	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		for j := 0; j < profilesPerRun; j++ {
			p := &v1.SeccompProfile{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d-%d", i, j)},
				Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
					{Names: []string{"read", "write", "openat", "close", "mmap", "futex", "exit_group"}, Action: v1.ActAllow},
				}},
			}
			if err := c.Create(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		waitAllInstalled(b, ctx, c, fmt.Sprintf("p%d-", i), profilesPerRun)
		total += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(profilesPerRun*b.N)/total.Seconds(), "profiles/s")
	b.ReportMetric(peakRSSMiB(b, daemon.Process.Pid), "daemon-peak-RSS-MiB")
}

// waitAllInstalled waits until n profiles named with prefix are Installed.
func waitAllInstalled(b *testing.B, ctx context.Context, c client.Client, prefix string, n int) {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		list := &v1.SeccompProfileList{}
		if err := c.List(ctx, list); err != nil {
			b.Fatal(err)
		}
		installed := 0
		for _, p := range list.Items {
			if strings.HasPrefix(p.Name, prefix) && p.Status.Status == v1.ProfileStateInstalled {
				installed++
			}
		}
		if installed == n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("not all profiles with prefix %s were Installed within 10 minutes", prefix)
}

func startControlPlane(b *testing.B, root string) (*envtest.Environment, string) {
	env, err := controlplane.New()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := env.Start(); err != nil {
		b.Fatal(err)
	}
	user, err := env.AddUser(envtest.User{Name: "bench", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return env, path
}

func startManager(b *testing.B, ctx context.Context, env *envtest.Environment, s *runtime.Scheme) func() {
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: s, Cache: reconcilers.CacheOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := reconcilers.Setup(mgr); err != nil {
		b.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = mgr.Start(mctx) }()
	return func() { cancel(); <-done }
}

// buildSpo builds bin/spo into a temporary directory.
func buildSpo(b *testing.B, root string) string {
	bin := filepath.Join(b.TempDir(), "spo")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "spo")).CombinedOutput(); err != nil {
		b.Fatalf("building spo: %v\n%s", err, out)
	}
	return bin
}

func startDaemon(b *testing.B, root, kubeconfig string) (*exec.Cmd, string) {
	bin := buildSpo(b, root)
	dir, err := os.MkdirTemp("", "spo-bench-kubelet-")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "daemon", "--node-name", "bench-node", "--kubelet-dir", dir,
		"--state-dir", filepath.Join(dir, "state"),
		"--metrics-sink-socket", "", // not the host's /var/run/spo
		"--check-kubelet-mount=false", // a temporary directory on the host
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd, dir
}

// peakRSSMiB reads the kernel's high-water mark of a process's resident set.
func peakRSSMiB(b *testing.B, pid int) float64 { return statusMiB(b, pid, "VmHWM:") }
