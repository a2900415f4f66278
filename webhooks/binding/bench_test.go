package binding

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
)

// BenchmarkBinding30000Containers is one admission of a pod with 30,000
// containers running 300 distinct images, 100 of them bound by their own
// binding and the others covered by a "*" binding: decoding, the index
// lookups, the decisions and the JSON patch, all through Handler.Handle.
// The reader is an in-memory index with the cache's cost (a map lookup per
// image), so what grows with the pod is this package's work alone.
func BenchmarkBinding30000Containers(b *testing.B) {
	benchmarkContainers(b, 30000, 300, 100)
}

// BenchmarkBinding3000Containers is the same at a tenth of the size: ns/op
// about a tenth of the 30,000 figure shows the cost is linear.
func BenchmarkBinding3000Containers(b *testing.B) {
	benchmarkContainers(b, 3000, 300, 100)
}

// BenchmarkBinding30000DistinctBoundImages is the worst case: every one of
// the 30,000 containers has its own image, binding and profile, so every
// lookup, image parse and profile read happens 30,000 times.
func BenchmarkBinding30000DistinctBoundImages(b *testing.B) {
	benchmarkContainers(b, 30000, 30000, 30000)
}

// benchmarkContainers admits a pod of n containers over the given number
// of distinct images, the first bound of which have their own binding (and
// profile); a "*" AppArmor binding covers every container.
func benchmarkContainers(b *testing.B, n, images, bound int) {
	idx := indexedReader{bindings: map[string][]v1.ProfileBinding{}, profiles: map[string]*v1.SeccompProfile{},
		apparmor: apparmor("a", v1.ProfileStateInstalled)}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "ns"}}
	image := func(i int) string { return fmt.Sprintf("registry.example/team/app-%d:1.0", i) }
	for i := range n {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: image(i % images)})
	}
	for i := range bound {
		idx.add(bind(fmt.Sprintf("b%d", i), image(i), v1.BindingSeccompProfile, fmt.Sprintf("p%d", i)))
		idx.profiles[fmt.Sprintf("p%d", i)] = seccomp(fmt.Sprintf("p%d", i), v1.ProfileStateInstalled)
	}
	idx.add(bind("any", AnyImage, v1.BindingAppArmorProfile, "a"))
	raw, err := json.Marshal(pod)
	if err != nil {
		b.Fatal(err)
	}
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, Namespace: "ns",
		Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
	}}
	h := NewHandler(idx, nil, Options{})
	b.ReportMetric(float64(len(raw)), "pod-bytes")
	// ns/op is wall-clock time, which a machine shared with other work
	// stretches; cpu-ns/op is the CPU the process spent per admission
	// (garbage collection included), which it does not.
	cpuBefore := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		resp := h.Handle(context.Background(), req)
		if !resp.Allowed || len(resp.Patches) != n {
			b.Fatalf("allowed %v, %d patches, want %d (one securityContext per container): %v",
				resp.Allowed, len(resp.Patches), n, resp.Result)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpuBefore).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// indexedReader serves the two reads the handler makes, as the cache does:
// List by namespace and IndexImage from a map, Get of a profile by name.
type indexedReader struct {
	bindings map[string][]v1.ProfileBinding // by namespace/ImageKey
	profiles map[string]*v1.SeccompProfile
	apparmor *v1.AppArmorProfile
}

func (r indexedReader) add(b *v1.ProfileBinding) {
	k := b.Namespace + "/" + ImageKey(b.Spec.Image)
	r.bindings[k] = append(r.bindings[k], *b)
}

func (r indexedReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if aa, ok := obj.(*v1.AppArmorProfile); ok && key.Name == r.apparmor.Name {
		*aa = *r.apparmor
		return nil
	}
	p, ok := r.profiles[key.Name]
	sp, isSeccomp := obj.(*v1.SeccompProfile)
	if !ok || !isSeccomp {
		return fmt.Errorf("no profile %s", key.Name)
	}
	*sp = *p
	return nil
}

func (r indexedReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	o := &client.ListOptions{}
	o.ApplyOptions(opts)
	image, _ := o.FieldSelector.RequiresExactMatch(IndexImage)
	list.(*v1.ProfileBindingList).Items = r.bindings[o.Namespace+"/"+image]
	return nil
}
