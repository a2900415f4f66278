package takeover

import (
	"slices"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
)

// SPO's finalizers, as its 1.0 release writes them.
const (
	// SPOInUse keeps a profile while pods use it (spo: v1.FinalizerInUse).
	SPOInUse = "in-use-by-active-pods"
	// SPOPartialProfile is put on partial recorded profiles by SPO's
	// daemons; spo never installs partial profiles.
	SPOPartialProfile = "spo.x-k8s.io/partial-profile-finalizer"
	// SPOBindingInUse keeps a ProfileBinding while pods use it; spo tracks
	// them in status.activeWorkloads only.
	SPOBindingInUse = "active-workload-lock"
	// SPORecordingInUse keeps a ProfileRecording while pods are recorded;
	// spo tracks them in status.activeWorkloads only.
	SPORecordingInUse = "active-seccomp-profile-recording-lock"
	// SPOUnmergedProfiles keeps a ProfileRecording until its partial
	// profiles are merged (spo: recordingmerger.FinalizerMerge).
	SPOUnmergedProfiles = "spo.x-k8s.io/has-unmerged-profiles"

	// spoNodeSuffix ends SPO's per-node finalizer, "<node>-deleted".
	spoNodeSuffix = "-deleted"
	// mergeFinalizer is recordingmerger.FinalizerMerge, which cannot be
	// imported here: recordingmerger imports this package. A test keeps
	// the two equal.
	mergeFinalizer = "spo.x-k8s.io/merge-partial-profiles"

	// maxFinalizerName is the longest name part of a finalizer SPO cuts
	// node names to (a DNS label).
	maxFinalizerName = 63
)

// Owner is the spo component that takes a set of SPO finalizers over.
type Owner struct {
	// Name says who it is, for logs.
	Name string
	// replaces maps each SPO finalizer it takes over to the spo finalizer
	// that does the same job; "" means spo needs none.
	replaces map[string]string
}

// The owners of SPO's finalizers in the manager.
var (
	// NodeStatus drops SPO's partial-profile finalizer from profiles. SPO's
	// per-node finalizers belong to the daemons (Node), and those of nodes
	// that are gone are pruned like spo's own (IsSPONodeFinalizer).
	NodeStatus = Owner{Name: "nodestatus", replaces: map[string]string{SPOPartialProfile: ""}}
	// Workloads takes over SPO's in-use finalizer on profiles.
	Workloads = Owner{Name: "workloads", replaces: map[string]string{SPOInUse: v1.FinalizerInUse}}
	// Bindings drops SPO's lock on ProfileBindings.
	Bindings = Owner{Name: "bindings", replaces: map[string]string{SPOBindingInUse: ""}}
	// RecordingStatus drops SPO's lock on ProfileRecordings.
	RecordingStatus = Owner{Name: "recordingstatus", replaces: map[string]string{SPORecordingInUse: ""}}
	// RecordingMerger takes over SPO's unmerged-profiles finalizer.
	RecordingMerger = Owner{Name: "recordingmerger",
		replaces: map[string]string{SPOUnmergedProfiles: mergeFinalizer}}
)

// Node is the daemon of one node: it takes over the finalizer SPO's daemon
// on that node put on profiles, since both write the same file
// (<kubelet>/seccomp/operator/<profile>.json) and spo's daemon removes it.
func Node(node string) Owner {
	own := v1.NodeFinalizer(node)
	m := map[string]string{}
	for _, f := range SPONodeFinalizers(node) {
		m[f] = own
	}
	return Owner{Name: "node " + node, replaces: m}
}

// SPONodeFinalizers are the forms of the finalizer SPO's daemon on node
// puts on profiles: "<node>-deleted", with the node name cut so the whole
// fits 63 characters.
func SPONodeFinalizers(node string) []string {
	if len(node)+len(spoNodeSuffix) <= maxFinalizerName {
		return []string{node + spoNodeSuffix}
	}
	return []string{node[:maxFinalizerName-len(spoNodeSuffix)] + spoNodeSuffix}
}

// IsSPONodeFinalizer reports whether f has the form of SPO's per-node
// finalizer: no domain (SPO's are bare names) and the "-deleted" suffix.
func IsSPONodeFinalizer(f string) bool {
	return !strings.Contains(f, "/") && len(f) > len(spoNodeSuffix) && strings.HasSuffix(f, spoNodeSuffix)
}

// Swap returns finalizers with each SPO finalizer o takes over replaced, in
// its place, by o's own, or dropped when o needs none or already has it;
// and whether anything changed. On an object being deleted (deleting)
// nothing can be added, so an SPO finalizer whose replacement is missing
// stays and stands in for it (see Release).
func (o Owner) Swap(finalizers []string, deleting bool) ([]string, bool) {
	// Every reconcile asks; nearly always there is nothing of SPO's.
	if !slices.ContainsFunc(finalizers, o.takesOver) {
		return finalizers, false
	}
	out := make([]string, 0, len(finalizers))
	changed := false
	for _, f := range finalizers {
		own, ok := o.replaces[f]
		switch {
		case !ok:
			out = append(out, f)
		case own == "" || slices.Contains(finalizers, own) || slices.Contains(out, own):
			changed = true
		case deleting:
			out = append(out, f)
		default:
			out = append(out, own)
			changed = true
		}
	}
	return out, changed
}

// Release returns finalizers without own and without the SPO finalizers
// that stand in for it; and whether anything changed. An owner releasing
// its finalizer releases SPO's too: both said the same thing.
func (o Owner) Release(finalizers []string, own string) ([]string, bool) {
	out := slices.DeleteFunc(slices.Clone(finalizers), func(f string) bool {
		replacement, spo := o.replaces[f]
		return f == own || (spo && replacement == own)
	})
	return out, len(out) != len(finalizers)
}

// Holds reports whether finalizers hold own, or an SPO finalizer standing
// in for it.
func (o Owner) Holds(finalizers []string, own string) bool {
	return slices.ContainsFunc(finalizers, func(f string) bool {
		replacement, spo := o.replaces[f]
		return f == own || (spo && replacement == own)
	})
}

func (o Owner) takesOver(f string) bool {
	_, ok := o.replaces[f]
	return ok
}
