package workloads_test

import (
	"context"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/workloads"
	"github.com/secprofiles/spo/test/controlplane"
)

// lagging is the manager's cached client as it is while its pod informer
// has not yet received some pods: its Lists of pods leave the hidden ones
// out. Everything else, and the reconciler's live reads, reach the real API
// server.
type lagging struct {
	client.Client
	mu     sync.Mutex
	hidden map[types.NamespacedName]bool
}

func (l *lagging) hide(key types.NamespacedName) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hidden[key] = true
}

func (l *lagging) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := l.Client.List(ctx, list, opts...); err != nil {
		return err
	}
	pods, ok := list.(*corev1.PodList)
	if !ok {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	pods.Items = slices.DeleteFunc(pods.Items, func(p corev1.Pod) bool {
		return l.hidden[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}]
	})
	return nil
}

// The race the package documentation describes, made deterministic: a pod
// created just before its profile is deleted that the cache does not show.
// This runs its own API server and manager, with one SeccompProfile
// reconciler reading pods through lagging, so that the suite's reconcilers
// (whose cache does not lag) cannot answer for it.
var _ = Describe("a manager whose pod cache lags behind the API server", Ordered, func() {
	var (
		api client.Client
		lag *lagging
	)

	BeforeAll(func() {
		lag = &lagging{hidden: map[types.NamespacedName]bool{}}
		s, err := controlplane.StartSuite(manager.Options{
			Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
				&corev1.Pod{}: {Transform: workloads.TransformPod},
			}},
		}, func(mgr manager.Manager) error {
			lag.Client = mgr.GetClient()
			// APIReader is left to SetupWithManager: the manager's, which
			// reads the API server.
			r := &workloads.Reconciler{Client: lag, Kind: workloads.Seccomp}
			// One pod a page: the few pods here take several pages.
			workloads.SetLivePageSize(r, 1)
			return r.SetupWithManager(mgr)
		})
		DeferCleanup(s.Stop)
		Expect(err).NotTo(HaveOccurred())
		api = s.Client
	})

	It("keeps a deleted profile while a pod the cache has not shown uses it, and releases it once that pod is gone",
		func(ctx SpecContext) {
			namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "lag-"}}
			Expect(api.Create(ctx, namespace)).To(Succeed())
			ns := namespace.Name
			// testFinalizer keeps the profile readable after the in-use
			// finalizer is released, as the daemons' finalizers would.
			profile := &v1.SeccompProfile{
				ObjectMeta: metav1.ObjectMeta{GenerateName: "lag-", Finalizers: []string{testFinalizer}},
				Spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno},
			}
			Expect(api.Create(ctx, profile)).To(Succeed())
			get := func() *v1.SeccompProfile {
				got := &v1.SeccompProfile{}
				Expect(api.Get(ctx, client.ObjectKeyFromObject(profile), got)).To(Succeed())
				return got
			}
			active := func() []string { return get().Status.ActiveWorkloads }
			fins := func() []string { return get().Finalizers }
			newPod := func(name string, sp *corev1.SeccompProfile) *corev1.Pod {
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
					Spec: corev1.PodSpec{Containers: []corev1.Container{container("app", sp)}}}
				Expect(api.Create(ctx, pod)).To(Succeed())
				return pod
			}
			deleteNow := func(pod *corev1.Pod) {
				Expect(api.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
				Eventually(func() error {
					return api.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
				}).Should(Satisfy(apierrors.IsNotFound))
			}
			uses := localhost("operator/" + profile.Name + ".json")

			// A pod the cache shows holds the profile, as usual.
			early := newPod("early", uses)
			newPod("unrelated", nil)
			Eventually(active).Should(ConsistOf(ns + "/early"))
			Expect(fins()).To(ContainElement(v1.FinalizerInUse))

			// A second pod is created that the cache does not show; then
			// the profile is deleted and the first pod goes away. From the
			// cache alone no pod uses the profile any more.
			lag.hide(types.NamespacedName{Namespace: ns, Name: "late"})
			late := newPod("late", uses)
			Expect(api.Delete(ctx, profile)).To(Succeed())
			deleteNow(early)

			Consistently(fins, "2s").Should(ContainElement(v1.FinalizerInUse),
				"the profile stays while the pod exists")
			Eventually(active).Should(ConsistOf(ns+"/late"),
				"the live read names the pod the cache does not show")

			// Level-based: every reconcile in this state keeps the
			// profile, and comes back for it even if the cache never
			// sends the pod's events.
			again := &workloads.Reconciler{Client: lag, APIReader: api, Kind: workloads.Seccomp,
				Recorder: events.NewFakeRecorder(10)}
			result, err := again.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(profile)})
			Expect(err).NotTo(HaveOccurred())
			Expect(result.RequeueAfter).To(Equal(workloads.LiveRecheck))
			Expect(fins()).To(ContainElement(v1.FinalizerInUse))

			deleteNow(late)

			Eventually(fins).Should(ConsistOf(testFinalizer), "the profile is released once the pod is gone")
			Expect(active()).To(BeEmpty())

			current := get()
			base := current.DeepCopy()
			controllerutil.RemoveFinalizer(current, testFinalizer)
			Expect(api.Patch(ctx, current, client.MergeFrom(base))).To(Succeed())
			Eventually(func() error {
				return api.Get(ctx, client.ObjectKeyFromObject(profile), &v1.SeccompProfile{})
			}).Should(Satisfy(apierrors.IsNotFound))
		})

	It("lists only the namespaces the cache holds pods from", func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "lag-"}}
		Expect(api.Create(ctx, namespace)).To(Succeed())
		profile := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{GenerateName: "lag-"},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}}
		Expect(api.Create(ctx, profile)).To(Succeed())
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "outside", Namespace: namespace.Name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				container("app", localhost("operator/"+profile.Name+".json"))}}}
		Expect(api.Create(ctx, pod)).To(Succeed())
		fins := func() []string {
			got := &v1.SeccompProfile{}
			Expect(api.Get(ctx, client.ObjectKeyFromObject(profile), got)).To(Succeed())
			return got.Finalizers
		}
		Eventually(fins).Should(ContainElement(v1.FinalizerInUse))
		lag.hide(client.ObjectKeyFromObject(pod))
		Expect(api.Delete(ctx, profile)).To(Succeed())

		// A reconciler whose manager caches the pods of another namespace
		// alone reads that namespace live too: the pod is not its to count.
		restricted := &workloads.Reconciler{Client: lag, APIReader: api, Kind: workloads.Seccomp,
			Recorder: events.NewFakeRecorder(10), Namespaces: []string{"elsewhere"}}
		Eventually(func() error {
			// The registered reconciler writes to the profile too; a
			// conflict is retried.
			_, err := restricted.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(profile)})
			if err != nil {
				return err
			}
			return api.Get(ctx, client.ObjectKeyFromObject(profile), &v1.SeccompProfile{})
		}).Should(Satisfy(apierrors.IsNotFound), "released and gone")
	})
})
