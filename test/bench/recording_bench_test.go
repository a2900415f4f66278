package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/daemon/bpfrecorder"
	"github.com/secprofiles/spo/test/controlplane"
	"github.com/secprofiles/spo/test/kubelet"
	"github.com/secprofiles/spo/webhooks/recording"
)

func TestMain(m *testing.M) {
	kubelet.RunIfContainer()
	os.Exit(m.Run())
}

// BenchmarkRecordingTerminationToProfile measures, per recorded container,
// the time from the kubelet reporting it Terminated to its SeccompProfile
// existing in the API server: the daemon's pod watch, the eBPF recorder's
// collection and the profile's creation. Real parts throughout (a real
// process recorded by the kernel, the real daemon and bpf recorder, a real
// API server); the recording annotation is written by the benchmark, as
// the webhook would. Needs root.
func BenchmarkRecordingTerminationToProfile(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: BPF, cgroups, mount namespaces")
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	env, _ := startControlPlane(b, root)
	defer func() { _ = env.Stop() }()
	c, err := client.New(env.Config, client.Options{Scheme: controlplane.Scheme()})
	must(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	must(b, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "rec"}}))
	must(b, c.Create(ctx, &v1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: "rec"},
		Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "bench"}}}}))

	dir := b.TempDir()
	cfg := daemon.Config{Node: "bench-node", KubeletDir: dir, Namespace: "spo",
		BpfRecorderSocket: filepath.Join(dir, "bpf.sock"), StateDir: filepath.Join(dir, "state")}
	bpf := bpfrecorder.NewServer(bpfrecorder.ServerConfig{Node: cfg.Node})
	go func() { _ = bpf.Serve(ctx, cfg.BpfRecorderSocket) }()
	mgr, err := ctrl.NewManager(env.Config, controlplane.ManagerOptions(manager.Options{Cache: daemon.CacheOptions(cfg)}))
	must(b, err)
	must(b, daemon.Setup(ctx, mgr, cfg))
	mctx, stopManager := context.WithCancel(ctx)
	wait := controlplane.Run(mctx, mgr)
	defer func() { stopManager(); _ = wait() }()
	node := &kubelet.Node{Client: c, KubeletDir: dir, Output: os.Stderr}

	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		total += recordOnce(b, ctx, c, node, bpf, i)
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-termination-to-profile")
}

// recordOnce runs one recorded container and returns the time from its
// Terminated status to its profile.
func recordOnce(b *testing.B, ctx context.Context, c client.Client, node *kubelet.Node, bpf *bpfrecorder.Server, i int) time.Duration {
	a := recording.Annotation{Prefix: recording.PrefixBpf, Container: "app", Recording: "bench",
		Nonce: fmt.Sprintf("b%04d", i), Unix: time.Now().Unix()}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-", Namespace: "rec",
			Annotations: map[string]string{a.Key(): a.Value()}},
		Spec: corev1.PodSpec{NodeName: "bench-node", RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "app", Image: "example.com/app:1"}}},
	}
	must(b, c.Create(ctx, pod))
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ctr, err := node.Start(wctx, pod, "app", "umask 027")
	must(b, err)
	defer ctr.Close()
	waitUntil(b, wctx, "the daemon registers the container with the bpf recorder", func() bool {
		_, err := bpf.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: ctr.ID})
		return err == nil
	})
	must(b, ctr.Release())
	must(b, node.Exit(wctx, pod, ctr, corev1.PodSucceeded)) // Terminated is written last
	start := time.Now()
	profile := client.ObjectKey{Name: "bench-app-" + strings.TrimPrefix(pod.Name, "bench-")}
	waitUntil(b, wctx, "the profile "+profile.Name+" exists", func() bool {
		err := c.Get(ctx, profile, &v1.SeccompProfile{})
		if err != nil && !apierrors.IsNotFound(err) {
			b.Fatal(err)
		}
		return err == nil
	})
	return time.Since(start)
}

// waitUntil polls cond every 2 ms: the benchmark measures latencies of
// tens of milliseconds.
func waitUntil(b *testing.B, ctx context.Context, what string, cond func() bool) {
	for !cond() {
		if ctx.Err() != nil {
			b.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
