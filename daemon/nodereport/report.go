package nodereport

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/takeover"
)

// Reporter writes the reports of one node.
type Reporter struct {
	Client client.Client
	Node   string
}

// AddFinalizer puts this node's finalizer on the profile unless it is there.
// The finalizer SPO's daemon on this node left is replaced by it in the same
// write: both stand for the same file, which this daemon now removes.
func (r Reporter) AddFinalizer(ctx context.Context, profile client.Object) error {
	fin := v1.NodeFinalizer(r.Node)
	fins, swapped := takeover.Node(r.Node).Swap(profile.GetFinalizers(), false)
	if !slices.Contains(fins, fin) {
		fins = append(slices.Clone(fins), fin)
	} else if !swapped {
		return nil
	}
	return r.setFinalizers(ctx, profile, fins)
}

// RemoveFinalizer takes this node's finalizer off the profile, and the one
// SPO's daemon on this node left.
func (r Reporter) RemoveFinalizer(ctx context.Context, profile client.Object) error {
	fins, changed := takeover.Node(r.Node).Release(profile.GetFinalizers(), v1.NodeFinalizer(r.Node))
	if !changed {
		return nil
	}
	return client.IgnoreNotFound(r.setFinalizers(ctx, profile, fins))
}

// setFinalizers replaces the finalizer list, provided it is still the one
// the profile had when read.
func (r Reporter) setFinalizers(ctx context.Context, profile client.Object, fins []string) error {
	return r.patch(ctx, profile, []jsonPatchOp{
		{Op: "test", Path: "/metadata/finalizers", Value: nilIfEmpty(profile.GetFinalizers())},
		{Op: "add", Path: "/metadata/finalizers", Value: nilIfEmpty(fins)},
	})
}

// jsonPatchOp is one RFC 6902 operation. Finalizers are changed with JSON
// patches whose "test" checks only the finalizer list: many nodes change the
// list at once, a merge patch would let one erase another's entry, and a
// resourceVersion lock would also fail on every unrelated status write.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// nilIfEmpty makes "test" compare an absent list with null, which matches.
func nilIfEmpty(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (r Reporter) patch(ctx context.Context, profile client.Object, ops []jsonPatchOp) error {
	data, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := r.Client.Patch(ctx, profile, client.RawPatch(types.JSONPatchType, data)); err != nil {
		return fmt.Errorf("updating finalizers of %s: %w", profile.GetName(), err)
	}
	return nil
}

// Set makes the node status of the profile say st, creating it if needed.
// The status is a subresource, so a new report takes two writes (the
// object with its labels, then its status); after that a change of state
// takes the status and the state label, and a report that already says st
// takes none.
func (r Reporter) Set(ctx context.Context, profile client.Object, st v1.SecurityProfileNodeStatusStatus) error {
	ns, err := r.get(ctx, profile)
	if apierrors.IsNotFound(err) {
		ns, err = r.create(ctx, profile, st)
	}
	if err != nil {
		return err
	}
	if ns.Status != st {
		orig := ns.DeepCopy()
		ns.Status = st
		if err := r.Client.Status().Patch(ctx, ns, client.MergeFrom(orig)); err != nil {
			return fmt.Errorf("updating status of node status %s: %w", ns.Name, err)
		}
	}
	gvk, err := apiutil.GVKForObject(profile, r.Client.Scheme())
	if err != nil {
		return err
	}
	return r.relabel(ctx, ns, gvk.Kind, profile.GetName())
}

// relabel brings the report's spec and labels in line with the profile it
// is about, when they differ: the state label follows every state change,
// and a report SPO's daemon left has no profile in its spec yet.
func (r Reporter) relabel(ctx context.Context, ns *v1.SecurityProfileNodeStatus, kind, profile string) error {
	want := Labels(kind, profile, r.Node, ns.Status.Status)
	if ns.Spec.ProfileKind == kind && ns.Spec.ProfileName == profile && hasLabels(ns.Labels, want) {
		return nil
	}
	orig := ns.DeepCopy()
	ns.Spec.ProfileKind, ns.Spec.ProfileName = kind, profile
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	maps.Copy(ns.Labels, want)
	if err := r.Client.Patch(ctx, ns, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("labelling node status %s: %w", ns.Name, err)
	}
	return nil
}

// Labels are SPO's labels of a node status, which spo writes too so that
// selectors written for SPO keep working.
func Labels(kind, profile, node string, state v1.ProfileState) map[string]string {
	l := map[string]string{
		v1.LabelProfileID:   v1.ProfileID(kind, profile),
		v1.LabelNodeName:    v1.LabelValue(node),
		v1.LabelProfileKind: kind,
	}
	if state != "" {
		l[v1.LabelProfileState] = string(state)
	}
	return l
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// Delete removes the node status of the profile; a missing one is fine.
func (r Reporter) Delete(ctx context.Context, profile client.Object) error {
	name, err := r.name(profile)
	if err != nil {
		return err
	}
	ns := &v1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := r.Client.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting node status %s: %w", ns.Name, err)
	}
	return nil
}

func (r Reporter) get(ctx context.Context, profile client.Object) (*v1.SecurityProfileNodeStatus, error) {
	gvk, err := apiutil.GVKForObject(profile, r.Client.Scheme())
	if err != nil {
		return nil, err
	}
	ns := &v1.SecurityProfileNodeStatus{}
	key := client.ObjectKey{Name: v1.NodeStatusName(gvk.Kind, profile.GetName(), r.Node)}
	if err := r.Client.Get(ctx, key, ns); err != nil {
		return nil, err
	}
	if Adoptable(ns, gvk.Kind, profile, r.Node) {
		return ns, nil
	}
	if s := ns.Spec; s.ProfileKind != gvk.Kind || s.ProfileName != profile.GetName() || s.NodeName != r.Node {
		return nil, fmt.Errorf("node status %s reports %s %s on node %s, not %s %s on node %s: refusing to overwrite it",
			ns.Name, s.ProfileKind, s.ProfileName, s.NodeName, gvk.Kind, profile.GetName(), r.Node)
	}
	return ns, nil
}

// name is the node status's name for profile on this node.
func (r Reporter) name(profile client.Object) (string, error) {
	gvk, err := apiutil.GVKForObject(profile, r.Client.Scheme())
	if err != nil {
		return "", err
	}
	return v1.NodeStatusName(gvk.Kind, profile.GetName(), r.Node), nil
}

func (r Reporter) create(ctx context.Context, profile client.Object, st v1.SecurityProfileNodeStatusStatus) (*v1.SecurityProfileNodeStatus, error) {
	gvk, err := apiutil.GVKForObject(profile, r.Client.Scheme())
	if err != nil {
		return nil, err
	}
	ns := &v1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{
			Name:   v1.NodeStatusName(gvk.Kind, profile.GetName(), r.Node),
			Labels: Labels(gvk.Kind, profile.GetName(), r.Node, st.Status),
			// The owner reference lets garbage collection clean up after a
			// node that vanished without deleting its reports.
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: gvk.GroupVersion().String(),
				Kind:       gvk.Kind,
				Name:       profile.GetName(),
				UID:        profile.GetUID(),
			}},
		},
		Spec: v1.SecurityProfileNodeStatusSpec{NodeName: r.Node, ProfileKind: gvk.Kind, ProfileName: profile.GetName()},
	}
	err = r.Client.Create(ctx, ns)
	if apierrors.IsAlreadyExists(err) {
		return r.get(ctx, profile)
	}
	if err != nil {
		return nil, fmt.Errorf("creating node status %s: %w", ns.Name, err)
	}
	return ns, nil
}
