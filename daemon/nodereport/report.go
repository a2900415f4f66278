package nodereport

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Reporter writes the reports of one node.
type Reporter struct {
	Client client.Client
	Node   string
}

// AddFinalizer puts this node's finalizer on the profile unless it is there.
func (r Reporter) AddFinalizer(ctx context.Context, profile client.Object) error {
	fin := v1.NodeFinalizer(r.Node)
	if controllerutil.ContainsFinalizer(profile, fin) {
		return nil
	}
	ops := []jsonPatchOp{{Op: "test", Path: "/metadata/finalizers", Value: nilIfEmpty(profile.GetFinalizers())}}
	if len(profile.GetFinalizers()) == 0 {
		ops = append(ops, jsonPatchOp{Op: "add", Path: "/metadata/finalizers", Value: []string{fin}})
	} else {
		ops = append(ops, jsonPatchOp{Op: "add", Path: "/metadata/finalizers/-", Value: fin})
	}
	return r.patch(ctx, profile, ops)
}

// RemoveFinalizer takes this node's finalizer off the profile.
func (r Reporter) RemoveFinalizer(ctx context.Context, profile client.Object) error {
	fin := v1.NodeFinalizer(r.Node)
	i := slices.Index(profile.GetFinalizers(), fin)
	if i < 0 {
		return nil
	}
	at := fmt.Sprintf("/metadata/finalizers/%d", i)
	err := r.patch(ctx, profile, []jsonPatchOp{{Op: "test", Path: at, Value: fin}, {Op: "remove", Path: at}})
	return client.IgnoreNotFound(err)
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
// It writes nothing when the status already says st.
func (r Reporter) Set(ctx context.Context, profile client.Object, st v1.SecurityProfileNodeStatusStatus) error {
	ns, err := r.get(ctx, profile)
	if apierrors.IsNotFound(err) {
		ns, err = r.create(ctx, profile, st)
	}
	if err != nil {
		return err
	}
	if ns.Status == st {
		return nil
	}
	orig := ns.DeepCopy()
	ns.Status = st
	if err := r.Client.Patch(ctx, ns, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("updating node status %s: %w", ns.Name, err)
	}
	return nil
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
			Name: v1.NodeStatusName(gvk.Kind, profile.GetName(), r.Node),
			// The owner reference lets garbage collection clean up after a
			// node that vanished without deleting its reports.
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: gvk.GroupVersion().String(),
				Kind:       gvk.Kind,
				Name:       profile.GetName(),
				UID:        profile.GetUID(),
			}},
		},
		Spec:   v1.SecurityProfileNodeStatusSpec{NodeName: r.Node, ProfileKind: gvk.Kind, ProfileName: profile.GetName()},
		Status: st,
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
