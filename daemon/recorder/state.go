package recorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodefs"
)

// State is what the daemon remembers about one recorded container between
// the pod's start and the profile's creation. It is written to disk so that
// a daemon restarting in between still collects, exactly once.
type State struct {
	// Key is the recording annotation's value, recording.Annotation.Value:
	// the name the bpf recorder knows the recording by. It is not the
	// record's identity: a pod's annotations are its user's to write, so
	// two pods may carry the same value. Records are stored by ID (pod UID
	// and container), and the log enricher keeps its data by
	// enricher.RecordingKey (the same pair).
	Key          string                  `json:"key"`
	Prefix       string                  `json:"prefix"`
	Namespace    string                  `json:"namespace"`
	Pod          string                  `json:"pod"`
	PodUID       types.UID               `json:"podUID"`
	Container    string                  `json:"container"`
	Recording    string                  `json:"recording"`
	RecordingUID types.UID               `json:"recordingUID,omitempty"`
	Kind         v1.ProfileRecordingKind `json:"kind"`
	Recorder     v1.ProfileRecorder      `json:"recorder"`
	Profile      string                  `json:"profile"`
	Partial      bool                    `json:"partial,omitempty"`
	Disable      bool                    `json:"disable,omitempty"`
	// ProgramRef: Start("", key) succeeded, so a Stop("", key) is owed.
	ProgramRef bool `json:"programRef,omitempty"`
	// ContainerID is the runtime id of the container's latest incarnation
	// once the pod status names it.
	ContainerID string `json:"containerID,omitempty"`
	// ContainerRef: Start(ContainerID, key) succeeded, so a
	// Stop(ContainerID, key) is owed.
	ContainerRef bool `json:"containerRef,omitempty"`
	// Earlier are the container's previous incarnations, oldest first: a
	// container the kubelet restarts is one recording across them.
	Earlier []Incarnation `json:"earlier,omitempty"`
	// Restarts is the highest restart count the pod status showed; more
	// restarts than incarnations seen means some ran unseen.
	Restarts int32 `json:"restarts,omitempty"`
	// Done: the profile exists (or the recording was empty or refused) and
	// the services were told to forget. The record stays as a tombstone
	// until the pod is gone, so a finished pod is never recorded twice.
	Done bool `json:"done,omitempty"`
	// BpfInstance identifies the bpf recorder that holds ProgramRef and
	// ContainerRef (BpfInstance of Services); a different one means it
	// restarted and forgot them, so they are taken again.
	BpfInstance string `json:"bpfInstance,omitempty"`
	// Gap: the bpf recorder restarted while the container ran, so what it
	// did in between was not recorded; the profile says so
	// (AnnotationRecordingGap).
	Gap bool `json:"gap,omitempty"`
	// GoneAttempts counts failed collections after the pod was gone; at
	// MaxGoneAttempts the record is given up (see Reconciler.gone).
	GoneAttempts int `json:"goneAttempts,omitempty"`
	// FinishedAt is when the container was first seen finished; recordings
	// from audit records are collected AuditSettle after it.
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// Incarnation is one earlier run of a recorded container.
type Incarnation struct {
	ID string `json:"id"`
	// Registered: Start(ID, key) succeeded on the running bpf recorder, so
	// a Stop(ID, key) is owed.
	Registered bool `json:"registered,omitempty"`
}

// observe records the incarnations the pod status names; it reports
// whether st changed.
func (st *State) observe(pod *corev1.Pod) bool {
	changed := false
	if n := Restarts(pod, st.Container); n > st.Restarts {
		st.Restarts, changed = n, true
	}
	for _, id := range Incarnations(pod, st.Container) {
		if st.knows(id) {
			continue
		}
		if st.ContainerID != "" {
			st.Earlier = append(st.Earlier, Incarnation{ID: st.ContainerID, Registered: st.ContainerRef})
		}
		st.ContainerID, st.ContainerRef, changed = id, false, true
	}
	return changed
}

func (st *State) knows(id string) bool {
	if id == st.ContainerID {
		return true
	}
	for _, in := range st.Earlier {
		if in.ID == id {
			return true
		}
	}
	return false
}

// incarnationIDs are the runtime ids of every incarnation seen, oldest
// first.
func (st *State) incarnationIDs() []string {
	var ids []string
	for _, in := range st.Earlier {
		ids = append(ids, in.ID)
	}
	if st.ContainerID != "" {
		ids = append(ids, st.ContainerID)
	}
	return ids
}

// stateExt is the state files' extension; other files in the directory
// (WriteFileAtomic's hidden temporaries) are ignored.
const stateExt = ".json"

// ID is a record's identity and file name: "<pod UID>_<container>". The
// API server sets the UID and container names are DNS labels, so no pod's
// user can make two pods' records collide.
func (st *State) ID() string { return StateID(st.PodUID, st.Container) }

// StateID is the ID of the record of one container of one pod.
func StateID(podUID types.UID, container string) string {
	return string(podUID) + "_" + container
}

// Store keeps State records as one JSON file per pod UID and container in
// Dir.
type Store struct {
	Dir string
}

func (s Store) path(id string) (string, error) {
	return nodefs.SafeJoin(s.Dir, id, stateExt)
}

// Save writes st atomically: a crash leaves the old record or the new one.
func (s Store) Save(st *State) error {
	if st.PodUID == "" || st.Container == "" {
		return fmt.Errorf("recording state of %s has no pod UID or container", st)
	}
	p, err := s.path(st.ID())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = nodefs.WriteFileAtomic(p, data, 0o600)
	return err
}

// Load reads the record of a pod's container; ok is false when there is
// none.
func (s Store) Load(podUID types.UID, container string) (st *State, ok bool, err error) {
	p, err := s.path(StateID(podUID, container))
	if err != nil {
		return nil, false, err
	}
	return readState(p)
}

func readState(p string) (*State, bool, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	st := &State{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, false, fmt.Errorf("state file %s: %w", p, err)
	}
	return st, true, nil
}

// Remove deletes st's record; a missing record is not an error.
func (s Store) Remove(st *State) error {
	p, err := s.path(st.ID())
	if err != nil {
		return err
	}
	_, err = nodefs.RemoveFile(p)
	return err
}

// List returns every record. A missing directory holds none; an unreadable
// file is reported, not skipped, so a record is never silently lost.
func (s Store) List() ([]*State, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*State
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, stateExt) {
			continue
		}
		st, ok, err := readState(filepath.Join(s.Dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			out = append(out, st)
		}
	}
	return out, errors.Join(errs...)
}

// ForPod returns the records of the pod namespace/name (any UID).
func (s Store) ForPod(namespace, name string) ([]*State, error) {
	all, err := s.List()
	var out []*State
	for _, st := range all {
		if st.Namespace == namespace && st.Pod == name {
			out = append(out, st)
		}
	}
	return out, err
}
