package enricher

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/secprofiles/spo/test/controlplane"
)

// TestCachePodIndexAgainstAnAPIServer runs the index on a real
// kube-apiserver: a pod of this node is found by its container id once
// its status has one, Resolve is called for it, and a pod of another
// node never enters the cache.
func TestCachePodIndexAgainstAnAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	env, err := controlplane.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	k8s, err := client.New(cfg, client.Options{Scheme: controlplane.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	opts := CacheOptions("node-a")
	opts.Scheme = controlplane.Scheme()
	c, err := cache.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var resolved sync.Map
	index := NewCachePodIndex()
	if err := index.Watch(ctx, c, func(id string) { resolved.Store(id, true) }); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	// The cache must stop before the API server (deferred env.Stop).
	defer func() { cancel(); <-done }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}

	mine := newPod("web-1", "node-a", "rec_app_aaaaa_1700000000")
	other := newPod("web-2", "node-b", "rec_app_bbbbb_1700000000")
	for _, p := range []*corev1.Pod{mine, other} {
		if err := k8s.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		// envtest has no kubelet: write the status it would.
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "nginx", ImageID: "nginx",
			ContainerID: "containerd://" + map[string]string{"web-1": idA, "web-2": idB}[p.Name]}}
		if err := k8s.Status().Update(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	want := Workload{Namespace: "default", Pod: "web-1", Container: "app", SeccompKey: RecordingKey(mine.UID, "app")}
	if err := poll(ctx, func() bool { w, ok := index.Lookup(idA); return ok && w == want }); err != nil {
		w, ok := index.Lookup(idA)
		t.Fatalf("Lookup(mine) = %+v, %v; want %+v", w, ok, want)
	}
	if _, ok := resolved.Load(idA); !ok {
		t.Error("Resolve was not called for the pod's container")
	}
	var cached corev1.PodList
	if err := c.List(ctx, &cached); err != nil {
		t.Fatal(err)
	}
	if len(cached.Items) != 1 || cached.Items[0].Name != "web-1" {
		t.Fatalf("cache holds %d pods, want only this node's", len(cached.Items))
	}
	if got := cached.Items[0]; len(got.Spec.Containers) != 0 || got.Status.ContainerStatuses[0].Image != "" {
		t.Errorf("cached pod was not trimmed: %+v", got)
	}
	if _, ok := index.Lookup(idB); ok {
		t.Error("a container of another node's pod was indexed")
	}

	if err := k8s.Delete(ctx, mine, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	if err := poll(ctx, func() bool { _, ok := index.Lookup(idA); return !ok }); err != nil {
		t.Error("a deleted pod's container is still indexed")
	}
}

func newPod(name, node, key string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name,
			Annotations: map[string]string{"io.containers.trace-logs/app": key}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
}

func poll(ctx context.Context, cond func() bool) error {
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil })
}
