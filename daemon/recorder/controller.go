package recorder

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks/recording"
)

// Event reasons, on the pod and on the ProfileRecording.
const (
	ReasonRecordingStarted = "RecordingStarted"
	ReasonProfileRecorded  = "ProfileRecorded"
	ReasonRecordingFailed  = "RecordingFailed"
	ReasonRecordingEmpty   = "RecordingEmpty"
	ReasonInvalidRecording = "InvalidRecordingAnnotation"
	// ReasonRecordingRefused: the annotation asks for something the pod may
	// not have (its namespace did not opt in, the container does not exist,
	// another pod on the node records under the same annotation value).
	ReasonRecordingRefused = "RecordingRefused"
)

// Reconciler records the containers of this node's pods that carry a
// recording annotation. It is keyed by pod namespace/name.
type Reconciler struct {
	// Client reads pods from the cache (this node's pods only) and
	// creates profiles.
	client.Client
	// APIReader reads a ProfileRecording once per recorded container; the
	// daemon does not cache recordings.
	APIReader client.Reader
	Events    events.EventRecorder
	Store     Store
	Services  Services
	// AuditSettle overrides the package's AuditSettle; negative means no
	// wait (tests of what is collected rather than when).
	AuditSettle time.Duration
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// BpfWatchInterval overrides BpfInstanceWatchInterval.
	BpfWatchInterval time.Duration
}

// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;apparmorprofiles,verbs=create;get;update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile starts, follows and collects the recordings of one pod. State
// records of a pod that is gone, or of an older pod of the same name, are
// collected first.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	states, listErr := r.Store.ForPod(req.Namespace, req.Name)
	pod := &corev1.Pod{}
	if err := r.Get(ctx, req.NamespacedName, pod); err != nil {
		if !apierrors.IsNotFound(err) {
			return reconcile.Result{}, err
		}
		pod = nil
	}
	errs := []error{listErr}
	// This pod's records, by container: the pod UID and container name are
	// a record's identity, never the annotation value its user wrote.
	current := map[string]*State{}
	for _, st := range states {
		if pod == nil || pod.UID != st.PodUID {
			errs = append(errs, r.gone(ctx, st))
			continue
		}
		current[st.Container] = st
	}
	if pod != nil {
		errs = append(errs, r.reconcilePod(ctx, pod, current))
	}
	after, errs := requeueAfter(errs)
	return reconcile.Result{RequeueAfter: after}, errors.Join(errs...)
}

// MaxGoneAttempts is how many failed collections a record of a pod that is
// gone gets before it is given up: nothing would ever reconcile it again
// otherwise, and its file would stay in the state directory for good.
const MaxGoneAttempts = 5

// ReasonRecordingAbandoned: a gone pod's recording could not be collected
// after MaxGoneAttempts tries; its record is removed.
const ReasonRecordingAbandoned = "RecordingAbandoned"

// gone collects what a vanished pod left and drops its record, also when
// collection keeps failing (GiveUpGone).
func (r *Reconciler) gone(ctx context.Context, st *State) error {
	if !st.Done {
		err := r.collect(ctx, st)
		var settling errSettling
		if err != nil && !errors.As(err, &settling) {
			st.GoneAttempts++
			if !GiveUpGone(st) {
				return errors.Join(err, r.Store.Save(st))
			}
			r.warn(st, ReasonRecordingAbandoned, "container %s: the pod is gone and collecting failed %d times (last: %v); recording abandoned",
				st.Container, st.GoneAttempts, err)
			r.release(ctx, st)
		} else if err != nil {
			return err
		}
	}
	return r.Store.Remove(st)
}

// GiveUpGone says whether a gone pod's record has failed often enough to
// be removed without a profile.
func GiveUpGone(st *State) bool { return st.GoneAttempts >= MaxGoneAttempts }

func (r *Reconciler) reconcilePod(ctx context.Context, pod *corev1.Pod, states map[string]*State) error {
	annotations, invalid := Annotations(pod)
	for _, err := range invalid {
		r.Events.Eventf(pod, nil, corev1.EventTypeWarning, ReasonInvalidRecording, "Record", "%v", err)
	}
	var errs []error
	for _, a := range annotations {
		// An annotation changed after the recording started does not
		// change the recording: the record made at the start holds.
		st := states[a.Container]
		if st == nil {
			var err error
			if st, err = r.start(ctx, pod, a); err != nil || st == nil {
				errs = append(errs, err)
				continue
			}
		}
		if st.Done {
			continue
		}
		errs = append(errs, r.follow(ctx, pod, st))
	}
	return errors.Join(errs...)
}

// follow registers the container once it has an id and collects once it
// is finished.
func (r *Reconciler) follow(ctx context.Context, pod *corev1.Pod, st *State) error {
	err := r.register(ctx, pod, st)
	if !Finished(pod, st.Container) {
		return err
	}
	if err != nil {
		// A container that already ended may not be registrable any more;
		// what was recorded is still worth collecting.
		log.FromContext(ctx).Info("Registering a finished container failed; collecting anyway", "error", err.Error())
	}
	return r.collect(ctx, st)
}

// start reads the recording and writes the state record. A recording that
// cannot produce a profile gets a Done record at once, so it is reported
// once, not on every pod update. Annotations the pod may not use are
// refused before anything is read or recorded (refusal).
func (r *Reconciler) start(ctx context.Context, pod *corev1.Pod, a recording.Annotation) (*State, error) {
	if err := r.refusal(ctx, pod, a); err != nil {
		var refused errRefused
		if !errors.As(err, &refused) {
			return nil, err
		}
		// Remembered as a done record so it is reported once per pod, not
		// on every update: Done records never record.
		st := &State{Key: a.Value(), Prefix: a.Prefix, Namespace: pod.Namespace, Pod: pod.Name, PodUID: pod.UID,
			Container: a.Container, Recording: a.Recording, Done: true}
		r.Events.Eventf(pod, nil, corev1.EventTypeWarning, ReasonRecordingRefused, "Record",
			"annotation %s: %v; not recording", a.Key(), err)
		if err := r.Store.Save(st); err != nil {
			// A container name no file can be named after: the event
			// repeats on updates, which is all that is lost.
			log.FromContext(ctx).Info("Not remembering a refused recording", "error", err.Error())
		}
		return nil, nil
	}
	rec := &v1.ProfileRecording{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: pod.Namespace, Name: a.Recording}, rec); err != nil {
		if apierrors.IsNotFound(err) {
			r.Events.Eventf(pod, nil, corev1.EventTypeWarning, ReasonRecordingFailed, "Record",
				"container %s: ProfileRecording %s not found; not recording", a.Container, a.Recording)
			return nil, nil
		}
		return nil, fmt.Errorf("reading ProfileRecording %s/%s: %w", pod.Namespace, a.Recording, err)
	}
	st := newState(pod, a, rec)
	if err := CheckNames(a, st.Profile); err != nil {
		st.Done = true
		r.warn(st, ReasonRecordingFailed, "container %s: %v; no profile is recorded", a.Container, err)
	} else {
		r.event(st, corev1.EventTypeNormal, ReasonRecordingStarted, "recording container %s into %s %s",
			a.Container, st.Kind, st.Profile)
	}
	if err := r.Store.Save(st); err != nil {
		return nil, fmt.Errorf("saving recording state of %s: %w", st, err)
	}
	if !st.Done {
		r.checkServices(st)
	}
	return st, nil
}

func newState(pod *corev1.Pod, a recording.Annotation, rec *v1.ProfileRecording) *State {
	what := recordingPrefixes[a.Prefix]
	partial := rec.Spec.MergeStrategy == v1.MergeContainers
	return &State{
		Key: a.Value(), Prefix: a.Prefix,
		Namespace: pod.Namespace, Pod: pod.Name, PodUID: pod.UID,
		Container: a.Container, Recording: a.Recording, RecordingUID: rec.UID,
		Kind: what.Kind, Recorder: what.Recorder,
		Profile: ProfileName(a, pod.Name, pod.GenerateName, partial),
		Partial: partial, Disable: rec.Spec.DisableProfileAfterRecording,
	}
}

// checkServices warns, at the start of a Logs recording, that the log
// enricher is not deployed, naming its socket. (The bpf recorder is called
// right away, which reports it; for AppArmor the enricher is optional.)
func (r *Reconciler) checkServices(st *State) {
	if st.Recorder == v1.RecorderLogs {
		if _, err := r.Services.Enricher(); err != nil {
			r.warn(st, ReasonRecordingFailed, "container %s: %v", st.Container, err)
		}
	}
}

// register remembers the container id and gives the bpf recorder its
// program reference (before the container runs) and then the container.
// Each step is saved as soon as it succeeded, so the matching Stop calls are
// owed exactly once.
func (r *Reconciler) register(ctx context.Context, pod *corev1.Pod, st *State) error {
	if st.observe(pod) {
		if err := r.Store.Save(st); err != nil {
			return err
		}
	}
	if !st.usesBpf() {
		return nil
	}
	instance := r.bpfInstance()
	if err := r.rearm(ctx, st, instance); err != nil {
		return err
	}
	if st.ProgramRef && (st.ContainerID == "" || st.ContainerRef) && st.earlierRegistered() {
		return nil
	}
	if instance != "" && st.BpfInstance != instance {
		st.BpfInstance = instance
	}
	bpf, err := r.Services.BpfRecorder()
	if err != nil {
		r.warn(st, ReasonRecordingFailed, "container %s: %v", st.Container, err)
		return err
	}
	if !st.ProgramRef {
		if err := r.bpfStart(ctx, bpf, st, ""); err != nil {
			return err
		}
		st.ProgramRef = true
		if err := r.Store.Save(st); err != nil {
			return err
		}
	}
	// Earlier incarnations that ended before their id was registered are
	// still in the recorder (it records every container from its start).
	for i := range st.Earlier {
		if st.Earlier[i].Registered {
			continue
		}
		if err := r.bpfStart(ctx, bpf, st, st.Earlier[i].ID); err != nil {
			return err
		}
		st.Earlier[i].Registered = true
		if err := r.Store.Save(st); err != nil {
			return err
		}
	}
	if st.ContainerID == "" || st.ContainerRef {
		return nil
	}
	if err := r.bpfStart(ctx, bpf, st, st.ContainerID); err != nil {
		return err
	}
	st.ContainerRef = true
	return r.Store.Save(st)
}

// holdsRefs reports whether the bpf recorder owes st any Stop.
func (st *State) holdsRefs() bool {
	if st.ProgramRef || st.ContainerRef {
		return true
	}
	for _, in := range st.Earlier {
		if in.Registered {
			return true
		}
	}
	return false
}

func (st *State) earlierRegistered() bool {
	for _, in := range st.Earlier {
		if !in.Registered {
			return false
		}
	}
	return true
}

func (r *Reconciler) bpfStart(ctx context.Context, bpf bpfrecorderv1.BpfRecorderClient, st *State, id string) error {
	if _, err := bpf.Start(ctx, &bpfrecorderv1.StartRequest{ContainerId: id, Profile: st.Key}); err != nil {
		r.warn(st, ReasonRecordingFailed, "container %s: bpf-recorder Start: %v", st.Container, err)
		return fmt.Errorf("bpf-recorder Start(%q, %q): %w", id, st.Key, err)
	}
	return nil
}

// event reports on the pod and, when known, on the ProfileRecording: the
// pod may be gone by the time a profile is recorded, and users look at the
// recording.
func (r *Reconciler) event(st *State, eventType, reason, format string, args ...any) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: st.Namespace, Name: st.Pod, UID: st.PodUID}}
	r.Events.Eventf(pod, nil, eventType, reason, "Record", format, args...)
	if st.RecordingUID != "" {
		rec := &v1.ProfileRecording{ObjectMeta: metav1.ObjectMeta{
			Namespace: st.Namespace, Name: st.Recording, UID: st.RecordingUID,
		}}
		r.Events.Eventf(rec, pod, eventType, reason, "Record", "pod %s: "+format, append([]any{st.Pod}, args...)...)
	}
}

func (r *Reconciler) warn(st *State, reason, format string, args ...any) {
	r.event(st, corev1.EventTypeWarning, reason, format, args...)
}
