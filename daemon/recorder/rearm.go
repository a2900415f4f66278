package recorder

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ReasonRecordingGap: the bpf recorder restarted while a recorded container
// ran. The recording was re-armed, but what the container did in between
// was not recorded; the profile carries v1.AnnotationRecordingGap.
const ReasonRecordingGap = "RecordingGap"

// BpfInstanceWatchInterval is how often the daemon looks whether the bpf
// recorder restarted, while it records something.
const BpfInstanceWatchInterval = 2 * time.Second

// BpfInstancer is implemented by Services that can tell one run of the bpf
// recorder from the next. A restarted recorder has forgotten every
// container it was asked to record, so the daemon must ask again.
type BpfInstancer interface {
	// BpfRecorderInstance identifies the running bpf recorder; it changes
	// when the recorder restarts.
	BpfRecorderInstance() (string, error)
}

// BpfRecorderInstance identifies the bpf recorder by its socket: each run
// binds a new one (grpcsocket.Listen), so the inode number and change time
// differ from one run to the next.
func (s *Sockets) BpfRecorderInstance() (string, error) {
	return socketInstance(s.BpfRecorderPath)
}

func socketInstance(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("bpf-recorder %w: socket %s: %w", ErrServiceMissing, path, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Sprintf("%d", fi.ModTime().UnixNano()), nil
	}
	return fmt.Sprintf("%d:%d:%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec), nil
}

// bpfInstance is the running bpf recorder's identity, or "" when the
// Services cannot tell (then restarts are not detected).
func (r *Reconciler) bpfInstance() string {
	in, ok := r.Services.(BpfInstancer)
	if !ok {
		return ""
	}
	id, err := in.BpfRecorderInstance()
	if err != nil {
		return ""
	}
	return id
}

// NeedsRearm is the decision behind re-arming: the references st holds
// were taken from a bpf recorder other than the running one (instance),
// so they are gone. An unknown instance on either side decides nothing.
func NeedsRearm(st *State, instance string) bool {
	return st.usesBpf() && !st.Done && st.holdsRefs() &&
		st.BpfInstance != "" && instance != "" && st.BpfInstance != instance
}

// rearm drops the references a restarted bpf recorder forgot, so register
// takes them again from the new one, and marks the recording as having a
// gap. Saved before the new Start calls, so a crash in between re-arms
// again rather than owing Stops nobody can answer.
func (r *Reconciler) rearm(ctx context.Context, st *State, instance string) error {
	if !NeedsRearm(st, instance) {
		return nil
	}
	log.FromContext(ctx).Info("bpf-recorder restarted; re-arming the recording", "container", st.Container)
	st.ProgramRef, st.ContainerRef, st.Gap, st.BpfInstance = false, false, true, instance
	for i := range st.Earlier {
		st.Earlier[i].Registered = false
	}
	if err := r.Store.Save(st); err != nil {
		return err
	}
	r.warn(st, ReasonRecordingGap, "container %s: the bpf-recorder restarted while recording; re-armed, but what the container did in between is not recorded (the profile is annotated %s)",
		st.Container, v1.AnnotationRecordingGap)
	return nil
}

// watchBpfInstance enqueues the pods of unfinished bpf recordings whenever
// the bpf recorder's instance changes: nothing about the pods changes when
// it restarts, so no pod event would re-arm them.
func (r *Reconciler) watchBpfInstance(ctx context.Context, out chan<- event.GenericEvent, every time.Duration) error {
	if _, ok := r.Services.(BpfInstancer); !ok {
		return nil
	}
	last := r.bpfInstance()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := r.bpfInstance()
		if now == "" || now == last {
			continue
		}
		last = now
		states, err := r.Store.List()
		if err != nil {
			log.FromContext(ctx).Error(err, "Reading recording state records")
		}
		seen := map[client.ObjectKey]bool{}
		for _, st := range states {
			key := client.ObjectKey{Namespace: st.Namespace, Name: st.Pod}
			if !NeedsRearm(st, now) || seen[key] {
				continue
			}
			seen[key] = true
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: st.Namespace, Name: st.Pod}}
			select {
			case out <- event.GenericEvent{Object: pod}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
