package workloads_test

import (
	"context"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/secprofiles/spo/api/v1"
)

// testFinalizer stands in for the daemons' per-node finalizers: it keeps a
// deleted profile around after this reconciler has let go of it.
const testFinalizer = "test.spo.x-k8s.io/hold"

var _ = Describe("the workloads reconciler", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "workloads-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	It("lists a pod that uses the profile and holds the in-use finalizer", func(ctx SpecContext) {
		profile := newProfile(ctx)
		setProfileState(ctx, profile, v1.ProfileStateInstalled)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost(localhostOf(profile)))
		})

		Eventually(activeWorkloads(ctx, profile)).Should(ConsistOf(ns + "/" + pod.Name))
		Expect(getProfile(ctx, profile).Finalizers).To(ContainElement(v1.FinalizerInUse))
		Expect(getProfile(ctx, profile).Status.Status).To(Equal(v1.ProfileStateInstalled),
			"status.status belongs to another reconciler and must survive the patch")
		Eventually(eventReasons(ctx, profile)).Should(ContainElement("InUse"))
	})

	It("counts a pod that uses the profile only from an init container", func(ctx SpecContext) {
		profile := newProfile(ctx)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{container("init", localhost(localhostOf(profile)))}
		})

		Eventually(activeWorkloads(ctx, profile)).Should(ConsistOf(ns + "/" + pod.Name))
		Expect(getProfile(ctx, profile).Finalizers).To(ContainElement(v1.FinalizerInUse))
	})

	It("lists every pod that uses the profile, sorted", func(ctx SpecContext) {
		profile := newProfile(ctx)
		usesProfile := func(s *corev1.PodSpec) {
			s.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: localhost(localhostOf(profile))}
		}
		a, b := newPod(ctx, ns, usesProfile), newPod(ctx, ns, usesProfile)
		newPod(ctx, ns, func(*corev1.PodSpec) {})

		Eventually(activeWorkloads(ctx, profile)).Should(HaveLen(2))
		Expect(activeWorkloads(ctx, profile)()).To(Equal(sorted(ns+"/"+a.Name, ns+"/"+b.Name)))
	})

	It("forgets a deleted pod and releases the finalizer", func(ctx SpecContext) {
		profile := newProfile(ctx)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost(localhostOf(profile)))
		})
		Eventually(activeWorkloads(ctx, profile)).Should(HaveLen(1))

		deleteNow(ctx, pod)

		Eventually(activeWorkloads(ctx, profile)).Should(BeEmpty())
		Eventually(finalizers(ctx, profile)).ShouldNot(ContainElement(v1.FinalizerInUse))
		Eventually(eventReasons(ctx, profile)).Should(ContainElement("NoLongerInUse"))
	})

	It("stops counting a pod that succeeded", func(ctx SpecContext) {
		profile := newProfile(ctx)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost(localhostOf(profile)))
		})
		Eventually(activeWorkloads(ctx, profile)).Should(HaveLen(1))

		pod.Status.Phase = corev1.PodSucceeded
		Expect(k8s.Status().Update(ctx, pod)).To(Succeed())

		Eventually(activeWorkloads(ctx, profile)).Should(BeEmpty())
		Eventually(finalizers(ctx, profile)).ShouldNot(ContainElement(v1.FinalizerInUse))
	})

	It("keeps a deleted profile until the last pod using it is gone", func(ctx SpecContext) {
		profile := newProfile(ctx)
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost(localhostOf(profile)))
		})
		Eventually(activeWorkloads(ctx, profile)).Should(HaveLen(1))
		Expect(getProfile(ctx, profile).Finalizers).To(ContainElement(v1.FinalizerInUse))

		Expect(k8s.Delete(ctx, profile)).To(Succeed())
		kept := getProfile(ctx, profile)
		Expect(kept.DeletionTimestamp).NotTo(BeNil())
		Expect(kept.Status.ActiveWorkloads).To(ConsistOf(ns + "/" + pod.Name))

		deleteNow(ctx, pod)

		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(profile), &v1.SeccompProfile{})
		}).Should(Satisfy(apierrors.IsNotFound))
	})

	It("swaps SPO's in-use finalizer for spo's and keeps the profile while a pod uses it", func(ctx SpecContext) {
		profile := newProfile(ctx, "in-use-by-active-pods")
		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost(localhostOf(profile)))
		})
		Eventually(finalizers(ctx, profile)).Should(ConsistOf(v1.FinalizerInUse))
		// The swap can land before the reconciler's cache has the new pod
		// (see the note on cache lag in the package documentation).
		Eventually(activeWorkloads(ctx, profile)).Should(ConsistOf(ns + "/" + pod.Name))

		Expect(k8s.Delete(ctx, profile)).To(Succeed())
		Consistently(activeWorkloads(ctx, profile), "1s").Should(ConsistOf(ns + "/" + pod.Name))
		deleteNow(ctx, pod)
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(profile), &v1.SeccompProfile{})
		}).Should(Satisfy(apierrors.IsNotFound))
	})

	It("drops SPO's in-use finalizer from a profile no pod uses", func(ctx SpecContext) {
		profile := newProfile(ctx, "in-use-by-active-pods")
		Eventually(finalizers(ctx, profile)).Should(BeEmpty())
		Expect(k8s.Delete(ctx, profile)).To(Succeed())
	})

	It("does not hold a profile that was deleted before a pod used it", func(ctx SpecContext) {
		profile := newProfile(ctx, testFinalizer)
		Expect(k8s.Delete(ctx, profile)).To(Succeed())

		pod := newPod(ctx, ns, func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = withProfile(localhost(localhostOf(profile)))
		})

		// The status is written after the finalizer would have been added.
		Eventually(activeWorkloads(ctx, profile)).Should(ConsistOf(ns + "/" + pod.Name))
		Expect(getProfile(ctx, profile).Finalizers).To(ConsistOf(testFinalizer))
		releaseTestFinalizer(ctx, profile)
	})
})

func newProfile(ctx context.Context, finalizers ...string) *v1.SeccompProfile {
	profile := &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "profile-", Finalizers: finalizers},
		Spec:       v1.SeccompProfileSpec{DefaultAction: v1.ActErrno},
	}
	Expect(k8s.Create(ctx, profile)).To(Succeed())
	return profile
}

func localhostOf(profile *v1.SeccompProfile) string {
	return "operator/" + profile.Name + ".json"
}

// setProfileState plays the nodestatus reconciler's part.
func setProfileState(ctx context.Context, profile *v1.SeccompProfile, state v1.ProfileState) {
	base := profile.DeepCopy()
	profile.Status.Status = state
	Expect(k8s.Status().Patch(ctx, profile, client.MergeFrom(base))).To(Succeed())
}

func newPod(ctx context.Context, ns string, mutate func(*corev1.PodSpec)) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pod-", Namespace: ns},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{container("app", nil)}},
	}
	mutate(&pod.Spec)
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	return pod
}

// deleteNow removes a pod at once: envtest has no kubelet to confirm that
// its containers stopped.
func deleteNow(ctx context.Context, pod *corev1.Pod) {
	Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
	Eventually(func() error {
		return k8s.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})
	}).Should(Satisfy(apierrors.IsNotFound))
}

func getProfile(ctx context.Context, profile *v1.SeccompProfile) *v1.SeccompProfile {
	got := &v1.SeccompProfile{}
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(profile), got)).To(Succeed())
	return got
}

func activeWorkloads(ctx context.Context, profile *v1.SeccompProfile) func() []string {
	return func() []string { return getProfile(ctx, profile).Status.ActiveWorkloads }
}

func finalizers(ctx context.Context, profile *v1.SeccompProfile) func() []string {
	return func() []string { return getProfile(ctx, profile).Finalizers }
}

// eventReasons lists the reasons of the events about profile. Events about
// cluster-scoped objects land in the default namespace.
func eventReasons(ctx context.Context, profile *v1.SeccompProfile) func() []string {
	return func() []string {
		var list eventsv1.EventList
		Expect(k8s.List(ctx, &list, client.InNamespace(metav1.NamespaceDefault))).To(Succeed())
		var reasons []string
		for _, e := range list.Items {
			if e.Regarding.Name == profile.Name {
				reasons = append(reasons, e.Reason)
			}
		}
		return reasons
	}
}

func releaseTestFinalizer(ctx context.Context, profile *v1.SeccompProfile) {
	current := getProfile(ctx, profile)
	base := current.DeepCopy()
	controllerutil.RemoveFinalizer(current, testFinalizer)
	Expect(k8s.Patch(ctx, current, client.MergeFrom(base))).To(Succeed())
}

func sorted(names ...string) []string {
	slices.Sort(names)
	return names
}
