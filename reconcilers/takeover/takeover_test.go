package takeover_test

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/reconcilers/takeover"
)

const other = "example.com/keep-me"

func TestSwap(t *testing.T) {
	nodeA := takeover.Node("node-a")
	tests := map[string]struct {
		owner    takeover.Owner
		in       []string
		deleting bool
		want     []string
	}{
		"replaces SPO's in-use finalizer with spo's, in its place": {
			takeover.Workloads, []string{other, "in-use-by-active-pods", "node-a-deleted"}, false,
			[]string{other, v1.FinalizerInUse, "node-a-deleted"}},
		"drops SPO's in-use finalizer when spo's is already there": {
			takeover.Workloads, []string{v1.FinalizerInUse, "in-use-by-active-pods"}, false, []string{v1.FinalizerInUse}},
		"keeps SPO's in-use finalizer on a profile being deleted, where spo's cannot be added": {
			takeover.Workloads, []string{"in-use-by-active-pods"}, true, []string{"in-use-by-active-pods"}},
		"drops SPO's in-use finalizer on a profile being deleted that already has spo's": {
			takeover.Workloads, []string{"in-use-by-active-pods", v1.FinalizerInUse}, true, []string{v1.FinalizerInUse}},
		"replaces the finalizer SPO's daemon on the node put, and only that node's": {
			nodeA, []string{"node-b-deleted", "node-a-deleted"}, false, []string{"node-b-deleted", v1.NodeFinalizer("node-a")}},
		"takes over the cut finalizer of a node whose name is too long for it": {
			takeover.Node(strings.Repeat("n", 60)), []string{strings.Repeat("n", 55) + "-deleted"}, false,
			[]string{v1.NodeFinalizer(strings.Repeat("n", 60))}},
		"drops SPO's binding lock: spo does not hold bindings": {
			takeover.Bindings, []string{"active-workload-lock", other}, false, []string{other}},
		"drops SPO's binding lock on a binding being deleted too": {
			takeover.Bindings, []string{"active-workload-lock"}, true, []string{}},
		"drops SPO's recording lock: spo does not hold recordings": {
			takeover.RecordingStatus, []string{"active-seccomp-profile-recording-lock"}, false, []string{}},
		"replaces SPO's unmerged-profiles finalizer with the merge finalizer": {
			takeover.RecordingMerger, []string{"spo.x-k8s.io/has-unmerged-profiles"}, false,
			[]string{recordingmerger.FinalizerMerge}},
		"drops SPO's partial-profile finalizer: partial profiles are never installed": {
			takeover.NodeStatus, []string{"spo.x-k8s.io/partial-profile-finalizer"}, false, []string{}},
		"leaves finalizers another owner takes over alone": {
			takeover.Bindings, []string{"in-use-by-active-pods", "node-a-deleted"}, false,
			[]string{"in-use-by-active-pods", "node-a-deleted"}},
		"leaves an object without SPO finalizers as it is": {
			takeover.Workloads, []string{other}, false, []string{other}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, changed := tc.owner.Swap(tc.in, tc.deleting)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Swap(%v) = %v, want %v", tc.in, got, tc.want)
			}
			if changed != !slices.Equal(tc.in, tc.want) {
				t.Errorf("Swap(%v) says changed=%v", tc.in, changed)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	tests := map[string]struct {
		owner     takeover.Owner
		in        []string
		own       string
		want      []string
		wantHolds bool
	}{
		"releases spo's own finalizer": {
			takeover.Workloads, []string{other, v1.FinalizerInUse}, v1.FinalizerInUse, []string{other}, true},
		"releases SPO's finalizer that stands in for spo's": {
			takeover.Workloads, []string{"in-use-by-active-pods", other}, v1.FinalizerInUse, []string{other}, true},
		"releases the node's SPO finalizer with the node's own": {
			takeover.Node("node-a"), []string{"node-a-deleted", "node-b-deleted", v1.NodeFinalizer("node-a")},
			v1.NodeFinalizer("node-a"), []string{"node-b-deleted"}, true},
		"leaves another node's finalizers alone": {
			takeover.Node("node-a"), []string{"node-b-deleted", v1.NodeFinalizer("node-b")},
			v1.NodeFinalizer("node-a"), []string{"node-b-deleted", v1.NodeFinalizer("node-b")}, false},
		"changes nothing when neither is there": {
			takeover.RecordingMerger, []string{other}, recordingmerger.FinalizerMerge, []string{other}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if holds := tc.owner.Holds(tc.in, tc.own); holds != tc.wantHolds {
				t.Errorf("Holds(%v) = %v, want %v", tc.in, holds, tc.wantHolds)
			}
			got, changed := tc.owner.Release(tc.in, tc.own)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Release(%v) = %v, want %v", tc.in, got, tc.want)
			}
			if changed != tc.wantHolds {
				t.Errorf("Release(%v) says changed=%v", tc.in, changed)
			}
		})
	}
}

func TestSPONodeFinalizers(t *testing.T) {
	tests := map[string]struct {
		f    string
		want bool
	}{
		"recognises SPO's finalizer of a node": {"worker-1-deleted", true},
		"recognises a cut one":                 {strings.Repeat("n", 55) + "-deleted", true},
		"refuses a domain-qualified finalizer": {"example.com/foo-deleted", false},
		"refuses spo's own node finalizer":     {v1.NodeFinalizer("worker-1"), false},
		"refuses SPO's in-use finalizer":       {takeover.SPOInUse, false},
		"refuses the bare suffix":              {"-deleted", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := takeover.IsSPONodeFinalizer(tc.f); got != tc.want {
				t.Errorf("IsSPONodeFinalizer(%q) = %v, want %v", tc.f, got, tc.want)
			}
		})
	}
	for _, node := range []string{"a", strings.Repeat("n", 55), strings.Repeat("n", 56), strings.Repeat("n", 253)} {
		for _, f := range takeover.SPONodeFinalizers(node) {
			if !takeover.IsSPONodeFinalizer(f) || len(validation.IsDNS1123Label(f)) > 0 {
				t.Errorf("SPONodeFinalizers(%d chars) = %q: not a recognisable DNS label", len(node), f)
			}
		}
	}
}

func TestMergeFinalizerIsRecordingMergers(t *testing.T) {
	got, _ := takeover.RecordingMerger.Swap([]string{takeover.SPOUnmergedProfiles}, false)
	if !slices.Equal(got, []string{recordingmerger.FinalizerMerge}) {
		t.Fatalf("SPO's unmerged-profiles finalizer becomes %v, not recordingmerger.FinalizerMerge", got)
	}
}

// BenchmarkSwap measures the check every reconcile of a profile now makes:
// a profile with spo's own finalizers on 50 nodes and nothing to take over.
func BenchmarkSwap(b *testing.B) {
	fins := []string{v1.FinalizerInUse}
	for n := 0; n < 50; n++ {
		fins = append(fins, v1.NodeFinalizer("node-"+strings.Repeat("x", n%10)+string(rune('a'+n%26))))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, changed := takeover.Workloads.Swap(fins, false); changed {
			b.Fatal("changed")
		}
	}
}
