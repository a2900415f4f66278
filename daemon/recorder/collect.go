package recorder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	bpfrecorderv1 "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/enricher"
)

// errEmpty means the services hold nothing for a recording: the container
// never ran, or ran before recording could start.
var errEmpty = errors.New("nothing was recorded")

// Recorded is what the node services returned for one recording.
type Recorded struct {
	Arch        string
	Syscalls    []string
	Executables []string
	Avcs        []*enricherv1.Avc
	AppArmor    []*enricherv1.AppArmorAccess
	// BpfAppArmor: the bpf recorder's AppArmor accesses, one per
	// incarnation (none when it does not record AppArmor).
	BpfAppArmor []*bpfrecorderv1.AppArmor
	// Missed names what the services hold nothing of (incarnations of a
	// restarted container); the profile says so.
	Missed []string
}

// collect turns a finished recording into a profile, then marks the state
// done and lets the services forget. The order is what makes it exactly
// once: the profile is annotated with the key, so a repeat after a crash
// between the steps finds it and only finishes the clean-up.
func (r *Reconciler) collect(ctx context.Context, st *State) error {
	if wait, err := r.settling(st); err != nil || wait > 0 {
		return errors.Join(err, settleErr(wait))
	}
	var obj v1.Profile
	rec, err := r.fetch(ctx, st)
	if err == nil {
		obj, err = BuildProfile(st, rec)
	}
	switch {
	case errors.Is(err, errEmpty) && st.Gap:
		r.warn(st, ReasonRecordingEmpty, "container %s: %v (the bpf-recorder restarted during the recording and lost what it held); no profile created", st.Container, err)
	case errors.Is(err, errEmpty):
		r.warn(st, ReasonRecordingEmpty, "container %s: %v; no profile created", st.Container, err)
	case err != nil:
		r.warn(st, ReasonRecordingFailed, "container %s: collecting: %v", st.Container, err)
		return err
	default:
		if err := r.persist(ctx, st, obj); err != nil {
			return err
		}
		recorded.WithLabelValues(string(st.Kind)).Inc()
		if short := appArmorShortfall(st, rec); short != "" {
			r.warn(st, ReasonRecordingIncomplete, "container %s recorded into %s %s: %s", st.Container, st.Kind, st.Profile, short)
		}
		if len(rec.Missed) > 0 {
			r.warn(st, ReasonRecordingGap, "container %s recorded into %s %s without %s (annotation %s)",
				st.Container, st.Kind, st.Profile, strings.Join(rec.Missed, "; "), v1.AnnotationRecordingMissed)
		}
		if st.Gap {
			r.warn(st, ReasonRecordingGap, "container %s recorded into %s %s with a gap: the bpf-recorder restarted while it ran, so syscalls made in between may be missing (annotation %s)",
				st.Container, st.Kind, st.Profile, v1.AnnotationRecordingGap)
		} else {
			r.event(st, corev1.EventTypeNormal, ReasonProfileRecorded, "container %s recorded into %s %s",
				st.Container, st.Kind, st.Profile)
		}
	}
	st.Done = true
	if err := r.Store.Save(st); err != nil {
		return err
	}
	r.release(ctx, st)
	return nil
}

// fetch asks the services for what was recorded.
func (r *Reconciler) fetch(ctx context.Context, st *State) (Recorded, error) {
	var rec Recorded
	var err error
	if st.usesBpf() {
		if rec, err = r.fetchBpf(ctx, st); err != nil && (!errors.Is(err, errEmpty) || st.Kind != v1.RecordingAppArmorProfile) {
			return rec, err
		}
	}
	if !st.usesEnricher() {
		return rec, nil
	}
	enr, err := r.Services.Enricher()
	if err != nil {
		if st.Kind == v1.RecordingAppArmorProfile && errors.Is(err, ErrServiceMissing) {
			// AppArmor decisions are optional: executables alone still
			// make a profile.
			log.FromContext(ctx).Info("No AppArmor audit data: " + err.Error())
			return nonEmpty(rec)
		}
		return rec, err
	}
	req := &enricherv1.ProfileRequest{Profile: enricher.RecordingKey(st.PodUID, st.Container)}
	switch st.Kind {
	case v1.RecordingSeccompProfile:
		resp, err := enr.Syscalls(ctx, req)
		if err != nil {
			return rec, serviceErr("log-enricher Syscalls", err)
		}
		if len(resp.GetUnresolved()) > 0 {
			return rec, fmt.Errorf("log-enricher could not name syscalls %v; refusing an incomplete profile", resp.GetUnresolved())
		}
		rec.Arch, rec.Syscalls, rec.Executables = resp.GetArchitecture(), resp.GetSyscalls(), resp.GetExecutables()
	case v1.RecordingSelinuxProfile:
		resp, err := enr.Avcs(ctx, req)
		if err != nil {
			return rec, serviceErr("log-enricher Avcs", err)
		}
		rec.Avcs = resp.GetAvcs()
	case v1.RecordingAppArmorProfile:
		resp, err := enr.AppArmor(ctx, req)
		if err != nil && !errors.Is(serviceErr("", err), errEmpty) {
			return rec, serviceErr("log-enricher AppArmor", err)
		}
		rec.AppArmor = resp.GetAccesses()
		return nonEmpty(rec)
	}
	return rec, nil
}

func nonEmpty(rec Recorded) (Recorded, error) {
	if len(rec.Executables)+len(rec.AppArmor)+len(rec.BpfAppArmor) == 0 {
		return rec, errEmpty
	}
	return rec, nil
}

// fetchBpf unites what every incarnation of the container did. One that
// the recorder holds nothing of is named in rec.Missed; only if it holds
// nothing of any is the recording empty.
func (r *Reconciler) fetchBpf(ctx context.Context, st *State) (Recorded, error) {
	ids := st.incarnationIDs()
	if len(ids) == 0 {
		// The container got no id before it ended: it never ran.
		return Recorded{}, errEmpty
	}
	bpf, err := r.Services.BpfRecorder()
	if err != nil {
		return Recorded{}, err
	}
	var rec Recorded
	var empty error
	for _, id := range ids {
		resp, err := bpf.SyscallsForContainer(ctx, &bpfrecorderv1.ContainerRequest{ContainerId: id})
		if err != nil {
			err = serviceErr("bpf-recorder SyscallsForContainer", err)
			if !errors.Is(err, errEmpty) {
				return Recorded{}, err
			}
			rec.Missed, empty = append(rec.Missed, "incarnation "+shortID(id)), err
			continue
		}
		rec.Arch = resp.GetArchitecture()
		rec.Syscalls = append(rec.Syscalls, resp.GetSyscalls()...)
		rec.Executables = append(rec.Executables, resp.GetExecutables()...)
		if aa := resp.GetApparmor(); aa != nil {
			rec.BpfAppArmor = append(rec.BpfAppArmor, aa)
		}
	}
	if len(rec.Missed) == len(ids) {
		return Recorded{}, empty
	}
	if unseen := int(st.Restarts) + 1 - len(ids); unseen > 0 {
		rec.Missed = append(rec.Missed, fmt.Sprintf("%d incarnation(s) that started and ended unseen", unseen))
	}
	rec.Syscalls, rec.Executables = sortedUnique(rec.Syscalls), sortedUnique(rec.Executables)
	return rec, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// serviceErr maps NotFound, the services' "nothing recorded", to errEmpty.
func serviceErr(call string, err error) error {
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("%w (%s: %s)", errEmpty, call, status.Convert(err).Message())
	}
	return fmt.Errorf("%s: %w", call, err)
}

// release tells the services to forget the recording. Failures are only
// logged: the profile exists and the services drop data of containers that
// are gone on their own; retrying would not make it more correct.
func (r *Reconciler) release(ctx context.Context, st *State) {
	logger := log.FromContext(ctx)
	if st.usesBpf() && st.holdsRefs() {
		if bpf, err := r.Services.BpfRecorder(); err == nil {
			for _, in := range st.Earlier {
				if in.Registered {
					_, err = bpf.Stop(ctx, &bpfrecorderv1.StopRequest{ContainerId: in.ID, Profile: st.Key})
					logIf(logger, err, "bpf-recorder Stop of an earlier incarnation")
				}
			}
			if st.ContainerRef {
				_, err = bpf.Stop(ctx, &bpfrecorderv1.StopRequest{ContainerId: st.ContainerID, Profile: st.Key})
				logIf(logger, err, "bpf-recorder Stop of the container")
			}
			if st.ProgramRef {
				_, err = bpf.Stop(ctx, &bpfrecorderv1.StopRequest{Profile: st.Key})
				logIf(logger, err, "bpf-recorder Stop of the program reference")
			}
		}
	}
	if !st.usesEnricher() {
		return
	}
	enr, err := r.Services.Enricher()
	if err != nil {
		return
	}
	req := &enricherv1.ProfileRequest{Profile: enricher.RecordingKey(st.PodUID, st.Container)}
	switch st.Kind {
	case v1.RecordingSeccompProfile:
		_, err = enr.ResetSyscalls(ctx, req)
	case v1.RecordingSelinuxProfile:
		_, err = enr.ResetAvcs(ctx, req)
	case v1.RecordingAppArmorProfile:
		_, err = enr.ResetAppArmor(ctx, req)
	}
	logIf(logger, err, "log-enricher reset")
}

func logIf(logger interface {
	Info(string, ...any)
}, err error, what string,
) {
	if err != nil && status.Code(err) != codes.NotFound {
		logger.Info(what+" failed", "error", err.Error())
	}
}

// BuildProfile makes the profile object a state record and its recorded
// data describe: name, labels, the recorded-from annotation and state.
func BuildProfile(st *State, rec Recorded) (v1.Profile, error) {
	meta := metav1.ObjectMeta{
		Name:        st.Profile,
		Labels:      ProfileLabels(st),
		Annotations: map[string]string{AnnotationRecordedFrom: RecordedFrom(st)},
	}
	if st.Gap {
		meta.Annotations[v1.AnnotationRecordingGap] = st.Container
	}
	if len(rec.Missed) > 0 {
		meta.Annotations[v1.AnnotationRecordingMissed] = strings.Join(rec.Missed, "; ")
	}
	base := v1.ProfileSpecBase{}
	if st.Disable {
		base.State = v1.ProfileDisabled
	}
	switch st.Kind {
	case v1.RecordingSeccompProfile:
		spec := SeccompSpec(rec.Arch, rec.Syscalls)
		if len(spec.Syscalls) == 0 {
			return nil, errEmpty
		}
		spec.ProfileSpecBase = base
		return &v1.SeccompProfile{ObjectMeta: meta, Spec: spec}, nil
	case v1.RecordingSelinuxProfile:
		spec := SelinuxSpec(rec.Avcs)
		spec.ProfileSpecBase = base
		return &v1.SelinuxProfile{ObjectMeta: meta, Spec: spec}, nil
	case v1.RecordingAppArmorProfile:
		spec := AppArmorSpec(rec.Executables, rec.AppArmor, rec.BpfAppArmor)
		spec.ProfileSpecBase = base
		return &v1.AppArmorProfile{ObjectMeta: meta, Spec: spec}, nil
	}
	return nil, fmt.Errorf("cannot record kind %q", st.Kind)
}

func settleErr(wait time.Duration) error {
	if wait <= 0 {
		return nil
	}
	return errSettling{after: wait}
}
