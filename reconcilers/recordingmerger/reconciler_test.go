package recordingmerger_test

import (
	"context"
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	rm "github.com/secprofiles/spo/reconcilers/recordingmerger"
)

var _ = Describe("the recording merger", func() {
	var ns string

	// Profiles are cluster-scoped: naming each recording after its own new
	// namespace keeps the specs' profiles apart.
	BeforeEach(func(ctx SpecContext) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "merge-"}}
		Expect(k8s.Create(ctx, namespace)).To(Succeed())
		ns = namespace.Name
	})

	It("holds the finalizer on a recording that merges", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, v1.MergeContainers, false)
		Eventually(finalizers(ctx, rec)).Should(ContainElement(rm.FinalizerMerge))
	})

	It("never holds the finalizer on a recording that does not merge", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, v1.MergeNone, false)
		// Once a Containers recording created after it holds the
		// finalizer, the controller is running and has seen this one too.
		other := newRecording(ctx, ns, v1.MergeContainers, false, "other")
		Eventually(finalizers(ctx, other)).Should(ContainElement(rm.FinalizerMerge))
		Consistently(finalizers(ctx, rec), "1s").ShouldNot(ContainElement(rm.FinalizerMerge))

		base := getRecording(ctx, rec)
		withFinalizer := base.DeepCopy()
		withFinalizer.Finalizers = append(withFinalizer.Finalizers, rm.FinalizerMerge)
		Expect(k8s.Patch(ctx, withFinalizer, client.MergeFrom(base))).To(Succeed())
		Eventually(finalizers(ctx, rec)).ShouldNot(ContainElement(rm.FinalizerMerge))
	})

	It("merges the replicas of each container when the recording is deleted", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, v1.MergeContainers, false)
		// "web": one pod without generateName (the bare name), one with.
		newPartial(ctx, rec, "web", rec.Name+"-web", v1.ActErrno, "read", "write")
		newPartial(ctx, rec, "web", rec.Name+"-web-abc12", v1.ActErrno, "read", "openat", "close", "write")
		newPartial(ctx, rec, "db", rec.Name+"-db-x1", v1.ActErrno, "read")
		newPartial(ctx, rec, "db", rec.Name+"-db-y2", v1.ActErrno, "fsync")
		Eventually(finalizers(ctx, rec)).Should(ContainElement(rm.FinalizerMerge))

		Expect(k8s.Delete(ctx, rec)).To(Succeed())
		Eventually(gone(ctx, rec)).Should(BeTrue())

		web := getProfile(ctx, rec.Name+"-web")
		Expect(web.Labels).NotTo(HaveKey(v1.LabelPartial))
		Expect(web.Labels).To(HaveKeyWithValue(rm.LabelContainer, "web"))
		Expect(web.Spec.Syscalls).To(Equal([]v1.SeccompSyscall{
			{Names: []string{"close", "openat", "read", "write"}, Action: v1.ActAllow}}))
		Expect(web.Spec.State).To(Equal(v1.ProfileEnabled))
		Expect(coverage(web)).To(Equal(map[string]float64{rec.Name + "-web": 0.5, rec.Name + "-web-abc12": 1}))

		db := getProfile(ctx, rec.Name+"-db")
		Expect(db.Spec.Syscalls[0].Names).To(Equal([]string{"fsync", "read"}))
		Expect(coverage(db)).To(Equal(map[string]float64{rec.Name + "-db-x1": 0.5, rec.Name + "-db-y2": 0.5}))

		Expect(partialsOf(ctx, rec)).To(BeEmpty())
		for _, n := range []string{"-web-abc12", "-db-x1", "-db-y2"} {
			Expect(profileGone(ctx, rec.Name+n)).To(BeTrue(), n)
		}
		Eventually(eventReasons(ctx, rec)).Should(ContainElement("Merged"))
	})

	It("creates the merged profile Disabled when the recording says so", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, v1.MergeContainers, true)
		newPartial(ctx, rec, "web", rec.Name+"-web-a", v1.ActErrno, "read")
		newPartial(ctx, rec, "web", rec.Name+"-web-b", v1.ActErrno, "write")
		Eventually(finalizers(ctx, rec)).Should(ContainElement(rm.FinalizerMerge))

		Expect(k8s.Delete(ctx, rec)).To(Succeed())
		Eventually(gone(ctx, rec)).Should(BeTrue())
		Expect(getProfile(ctx, rec.Name+"-web").Spec.State).To(Equal(v1.ProfileDisabled))
	})

	It("leaves conflicting partials, warns and still releases the recording", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, v1.MergeContainers, false)
		newPartial(ctx, rec, "web", rec.Name+"-web-a", v1.ActErrno, "read")
		newPartial(ctx, rec, "web", rec.Name+"-web-b", v1.ActLog, "write")
		newPartial(ctx, rec, "db", rec.Name+"-db-a", v1.ActErrno, "read")
		Eventually(finalizers(ctx, rec)).Should(ContainElement(rm.FinalizerMerge))

		Expect(k8s.Delete(ctx, rec)).To(Succeed())
		Eventually(gone(ctx, rec)).Should(BeTrue())
		Expect(partialsOf(ctx, rec)).To(ConsistOf(rec.Name+"-web-a", rec.Name+"-web-b"))
		Expect(profileGone(ctx, rec.Name+"-web")).To(BeTrue())
		Expect(getProfile(ctx, rec.Name+"-db").Spec.Syscalls[0].Names).To(Equal([]string{"read"}))
		Eventually(eventReasons(ctx, rec)).Should(ContainElement("MergeConflict"))
	})

	It("does not overwrite a profile of the merged name that it did not record", func(ctx SpecContext) {
		rec := newRecording(ctx, ns, v1.MergeContainers, false)
		mine := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: rec.Name + "-web"},
			Spec: v1.SeccompProfileSpec{DefaultAction: v1.ActLog}}
		Expect(k8s.Create(ctx, mine)).To(Succeed())
		newPartial(ctx, rec, "web", rec.Name+"-web-a", v1.ActErrno, "read")
		Eventually(finalizers(ctx, rec)).Should(ContainElement(rm.FinalizerMerge))

		Expect(k8s.Delete(ctx, rec)).To(Succeed())
		Eventually(gone(ctx, rec)).Should(BeTrue())
		Expect(partialsOf(ctx, rec)).To(ConsistOf(rec.Name + "-web-a"))
		Expect(getProfile(ctx, rec.Name+"-web").Spec.Syscalls).To(BeEmpty())
		Eventually(eventReasons(ctx, rec)).Should(ContainElement("MergeConflict"))
	})
})

func newRecording(ctx context.Context, ns string, strategy v1.MergeStrategy, disable bool, name ...string) *v1.ProfileRecording {
	rec := &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ns},
		Spec: v1.ProfileRecordingSpec{
			Kind: v1.RecordingSeccompProfile, Recorder: v1.RecorderBpf, MergeStrategy: strategy,
			PodSelector:                  metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			DisableProfileAfterRecording: disable,
		},
	}
	if len(name) > 0 {
		rec.Name = name[0]
	}
	Expect(k8s.Create(ctx, rec)).To(Succeed())
	return rec
}

// newPartial creates what the node recorder creates for one replica.
func newPartial(ctx context.Context, rec *v1.ProfileRecording, container, name string,
	action v1.SeccompAction, allowed ...string) {
	p := &v1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			rm.LabelRecording: rec.Name, rm.LabelRecordingNamespace: rec.Namespace,
			rm.LabelContainer: container, v1.LabelPartial: "true",
		}},
		Spec: v1.SeccompProfileSpec{DefaultAction: action,
			Syscalls: []v1.SeccompSyscall{{Names: allowed, Action: v1.ActAllow}}},
	}
	Expect(k8s.Create(ctx, p)).To(Succeed())
}

func getRecording(ctx context.Context, rec *v1.ProfileRecording) *v1.ProfileRecording {
	current := &v1.ProfileRecording{}
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(rec), current)).To(Succeed())
	return current
}

func finalizers(ctx context.Context, rec *v1.ProfileRecording) func() []string {
	return func() []string { return getRecording(ctx, rec).Finalizers }
}

func gone(ctx context.Context, rec *v1.ProfileRecording) func() bool {
	return func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(rec), &v1.ProfileRecording{}))
	}
}

func getProfile(ctx context.Context, name string) *v1.SeccompProfile {
	p := &v1.SeccompProfile{}
	Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, p)).To(Succeed())
	return p
}

func profileGone(ctx context.Context, name string) bool {
	return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Name: name}, &v1.SeccompProfile{}))
}

func partialsOf(ctx context.Context, rec *v1.ProfileRecording) []string {
	var list v1.SeccompProfileList
	Expect(k8s.List(ctx, &list, client.MatchingLabels{
		rm.LabelRecording: rec.Name, rm.LabelRecordingNamespace: rec.Namespace, v1.LabelPartial: "true",
	})).To(Succeed())
	var names []string
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	return names
}

func coverage(p *v1.SeccompProfile) map[string]float64 {
	var c map[string]float64
	Expect(json.Unmarshal([]byte(p.Annotations[rm.AnnotationCoverage]), &c)).To(Succeed())
	return c
}

func eventReasons(ctx context.Context, rec *v1.ProfileRecording) func() []string {
	return func() []string {
		var list eventsv1.EventList
		Expect(k8s.List(ctx, &list, client.InNamespace(rec.Namespace))).To(Succeed())
		var reasons []string
		for _, e := range list.Items {
			if e.Regarding.Name == rec.Name {
				reasons = append(reasons, e.Reason)
			}
		}
		return reasons
	}
}
